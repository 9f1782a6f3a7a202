"""The local stack's Query (local/emulation.py `_speed_up_queries`): moto is handed only the items that
can match, and answers exactly as when it walks the whole table, for the table and for its indexes."""
from __future__ import annotations

import boto3
import pytest
from moto.dynamodb.models.table import Table

from local.emulation import _speed_up_queries
from tests.conftest import TEST_ENV

NAME = TEST_ENV["TABLE_NAME"]


@pytest.fixture
def table(aws):
    dynamodb = boto3.client("dynamodb")
    for visit in ("v1", "v2", "v3"):
        dynamodb.put_item(TableName=NAME, Item={"pk": {"S": f"VISIT#{visit}"}, "sk": {"S": "VISIT"},
                                                "gsi1pk": {"S": "VISITS"}, "gsi1sk": {"S": f"2027-01-0{visit[1]}"}})
        for n in range(12):
            item = {"pk": {"S": f"APP#{visit}-{n}"}, "sk": {"S": "APP"}, "gsi1pk": {"S": f"VISIT#{visit}#APPS"},
                    "gsi1sk": {"S": f"2026-12-{10 + n % 4}"},  # ties in the index's sort key
                    "gsi2pk": {"S": f"person{n % 3}@kent.example"}, "gsi2sk": {"S": visit}}
            if n % 5 == 0:
                del item["gsi1sk"]  # not in gsi1 without its sort key
            dynamodb.put_item(TableName=NAME, Item=item)
        for n in range(4):
            dynamodb.put_item(TableName=NAME, Item={"pk": {"S": "TIMER#1"}, "sk": {"S": f"2027-0{n + 1}#{visit}"}})


def answers() -> list[tuple[str, list]]:
    """Each query followed page by page (small pages: where one ends must agree too)."""
    dynamodb = boto3.client("dynamodb")
    asked = [
        ("a partition", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "TIMER#1"}}}),
        ("a partition, at most", {"KeyConditionExpression": "pk = :p AND sk <= :s",
                                  "ExpressionAttributeValues": {":p": {"S": "TIMER#1"}, ":s": {"S": "2027-02~"}}}),
        ("a partition, newest first", {"KeyConditionExpression": "pk = :p", "ScanIndexForward": False,
                                       "ExpressionAttributeValues": {":p": {"S": "TIMER#1"}}}),
        ("gsi1: a visit's applications", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                                          "ExpressionAttributeValues": {":p": {"S": "VISIT#v2#APPS"}}}),
        ("gsi1: the visits, newest first", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                                            "ScanIndexForward": False,
                                            "ExpressionAttributeValues": {":p": {"S": "VISITS"}}}),
        ("gsi1: by prefix", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p AND begins_with(gsi1sk, :s)",
                             "ExpressionAttributeValues": {":p": {"S": "VISIT#v1#APPS"}, ":s": {"S": "2026-12-1"}}}),
        ("gsi2: a person's", {"IndexName": "gsi2", "KeyConditionExpression": "gsi2pk = :p",
                              "ExpressionAttributeValues": {":p": {"S": "person1@kent.example"}}}),
        ("gsi1: projected", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                             "ProjectionExpression": "pk, gsi2pk",
                             "ExpressionAttributeValues": {":p": {"S": "VISIT#v3#APPS"}}}),
        ("gsi1: filtered", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                            "FilterExpression": "gsi2pk = :who", "ExpressionAttributeValues": {
                                ":p": {"S": "VISIT#v3#APPS"}, ":who": {"S": "person2@kent.example"}}}),
        ("nothing there", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "NONE"}}}),
        ("no index entry", {"IndexName": "gsi3", "KeyConditionExpression": "gsi3pk = :p",
                            "ExpressionAttributeValues": {":p": {"S": "x"}}}),
    ]
    found = []
    for what, kwargs in asked:
        pages, start = [], {}
        while True:
            page = dynamodb.query(TableName=NAME, Limit=5, **kwargs, **start)
            pages.append((page["Items"], page.get("LastEvaluatedKey"), page["Count"], page["ScannedCount"]))
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
        found.append((what, pages))
    return found


def test_queries_answer_as_moto_walking_the_whole_table_would(table, monkeypatch):
    _speed_up_queries()
    narrowed = answers()
    monkeypatch.setattr(Table, "query", Table.query.__wrapped__)
    by_moto = answers()
    assert [len(pages) for _, pages in narrowed][3] == 2  # 10 of v2's 12 are in gsi1: two pages of 5
    for (what, ours), (_, motos) in zip(narrowed, by_moto, strict=True):
        assert ours == motos, what


def test_what_a_query_answers_is_a_copy_the_table_s_items_never_change_through(table):
    """The items found are copied as a list, not one by one (local/emulation.py): projecting, filtering
    and answering them must leave the stored items as they were."""
    _speed_up_queries()
    dynamodb = boto3.client("dynamodb")

    def stored() -> list:
        items = dynamodb.scan(TableName=NAME, ConsistentRead=True)["Items"]
        return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))

    before = stored()
    answered = answers()
    answered[3][1][0][0][0]["gsi1pk"]["S"] = "changed by whoever read the answer"
    after = stored()
    assert after == before and len(after) == 3 + 3 * 12 + 12
    assert answers()[3][1][0][0][0]["gsi1pk"]["S"] == "VISIT#v2#APPS"  # the next reader gets it as stored


def test_items_filed_by_index_key_follow_every_kind_of_write(table, monkeypatch):
    """An index's items are filed by their key and kept current from the stream (local/emulation.py
    `_IndexMap`): after each kind of write, including a cancelled transaction put back, a Query answers
    as moto's own walk."""
    from local import emulation, transactions

    _speed_up_queries()
    transactions.install()
    dynamodb = boto3.client("dynamodb")
    ask = {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
           "ExpressionAttributeValues": {":p": {"S": "VISIT#v1#APPS"}}}

    def both() -> tuple[list, list]:
        ours = dynamodb.query(TableName=NAME, **ask)["Items"]
        with monkeypatch.context() as walk:
            walk.setattr(Table, "query", Table.query.__wrapped__)
            motos = dynamodb.query(TableName=NAME, **ask)["Items"]
        return ours, motos

    def app(n: int) -> dict:
        return {"pk": {"S": f"APP#v1-{n}"}, "sk": {"S": "APP"}}

    def forget_stream_records() -> None:  # as the local stack's Emulator.forget_stream_records does
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]].get_table(NAME).stream_shard
        shard.starting_sequence_number += len(shard.items)
        del shard.items[:]

    writes = [
        lambda: None,  # the same answer twice, the second from the items kept
        lambda: dynamodb.put_item(TableName=NAME, Item={**app(40), "gsi1pk": {"S": "VISIT#v1#APPS"},
                                                        "gsi1sk": {"S": "2026-12-20"}}),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(1), UpdateExpression="SET gsi1pk = :other",
                                     ExpressionAttributeValues={":other": {"S": "VISIT#v9#APPS"}}),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(2), UpdateExpression="SET note = :n",
                                     ExpressionAttributeValues={":n": {"S": "changed in place"}}),
        lambda: dynamodb.delete_item(TableName=NAME, Key=app(3)),
        lambda: pytest.raises(dynamodb.exceptions.TransactionCanceledException, dynamodb.transact_write_items,
                              TransactItems=[
                                  {"Update": {"TableName": NAME, "Key": app(4), "UpdateExpression": "SET gsi1pk = :o",
                                              "ExpressionAttributeValues": {":o": {"S": "VISIT#v9#APPS"}}}},
                                  {"Put": {"TableName": NAME, "Item": app(6),
                                           "ConditionExpression": "attribute_not_exists(pk)"}}]),
        lambda: dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": NAME, "Key": app(4), "UpdateExpression": "SET gsi1pk = :o",
                        "ExpressionAttributeValues": {":o": {"S": "VISIT#v9#APPS"}}}}]),
        # into the key asked from another (after the stack dropped the records its stream source handed
        # on); out of the index by losing its key; replaced whole
        lambda: (forget_stream_records(), dynamodb.update_item(TableName=NAME, Key={"pk": {"S": "APP#v2-1"}, "sk": {"S": "APP"}},
                                     UpdateExpression="SET gsi1pk = :p",
                                     ExpressionAttributeValues={":p": {"S": "VISIT#v1#APPS"}})),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(6), UpdateExpression="REMOVE gsi1pk"),
        lambda: dynamodb.put_item(TableName=NAME, Item={**app(7), "gsi1pk": {"S": "VISIT#v9#APPS"},
                                                        "gsi1sk": {"S": "2026-12-11"}}),
        lambda: dynamodb.batch_write_item(RequestItems={NAME: [
            {"PutRequest": {"Item": {**app(41), "gsi1pk": {"S": "VISIT#v1#APPS"}, "gsi1sk": {"S": "2026-12-21"}}}},
            {"DeleteRequest": {"Key": app(8)}}]}),
        lambda: dynamodb.delete_item(TableName=NAME, Key={"pk": {"S": "TIMER#1"}, "sk": {"S": "2027-01#v1"}}),
    ]
    filed_whole = []
    monkeypatch.setattr(emulation._IndexMap, "_file_all",
                        lambda index, whole=emulation._IndexMap._file_all: (filed_whole.append(1), whole(index)))
    seen = []
    for write in writes:
        write()
        ours, motos = both()
        assert ours == motos
        seen.append(len(ours))
    assert seen == [9, 10, 9, 9, 8, 8, 7, 8, 7, 6, 6, 6]
    assert len(filed_whole) == 2  # filed whole at the first Query and after the transaction put back, else kept


def test_pages_end_where_moto_s_end_as_items_grow_and_shrink(aws, monkeypatch):
    """Items are measured once per Query, and not again until written (local/item_sizes.py
    `measured_once`): a page of large items still ends at 1 MB where moto's own measure ends it, after
    each kind of write that changes an item's size, and after a cancelled transaction put back."""
    from moto.dynamodb.models import dynamodb_backends

    from local import item_sizes, transactions

    _speed_up_queries()
    item_sizes.install()
    transactions.install()
    dynamodb = boto3.client("dynamodb")
    big = "x" * 90_000

    def app(n: int) -> dict:
        return {"pk": {"S": f"APP#big-{n}"}, "sk": {"S": "APP"}}

    for n in range(14):
        dynamodb.put_item(TableName=NAME, Item={**app(n), "gsi1pk": {"S": "VISIT#big#APPS"},
                                                "gsi1sk": {"S": f"2026-12-{10 + n}"}, "notes": {"S": big}})
    ask = {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
           "ExpressionAttributeValues": {":p": {"S": "VISIT#big#APPS"}}}

    def pages() -> list:
        found, start = [], {}
        while True:
            page = dynamodb.query(TableName=NAME, **ask, **start)
            found.append([i["pk"]["S"] for i in page["Items"]])
            if "LastEvaluatedKey" not in page:
                return found
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def both() -> tuple[list, list]:
        ours = pages()
        with monkeypatch.context() as moto_s:
            moto_s.setattr(Table, "query", Table.query.__wrapped__)
            moto_s.setattr(item_sizes._measuring, "sizes", None, raising=False)
            from moto.dynamodb.models.dynamo_type import Item
            moto_s.setattr(Item, "size", item_sizes._originals["item_size"])
            motos = pages()
        return ours, motos

    grow = {"UpdateExpression": "SET notes = :n", "ExpressionAttributeValues": {":n": {"S": big * 3}}}
    writes = [
        lambda: None,  # asked twice: the second time measured from what was kept
        lambda: dynamodb.update_item(TableName=NAME, Key=app(2), **grow),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(5), **grow),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(2), UpdateExpression="REMOVE notes"),
        lambda: dynamodb.put_item(TableName=NAME, Item={**app(7), "gsi1pk": {"S": "VISIT#big#APPS"},
                                                        "gsi1sk": {"S": "2026-12-17"}, "notes": {"S": "short"}}),
        lambda: dynamodb.transact_write_items(TransactItems=[{"Update": {"TableName": NAME, "Key": app(9), **grow}}]),
        lambda: dynamodb.delete_item(TableName=NAME, Key=app(5)),
        lambda: pytest.raises(dynamodb.exceptions.TransactionCanceledException, dynamodb.transact_write_items,
                              TransactItems=[{"Update": {"TableName": NAME, "Key": app(3), **grow}},
                                             {"Put": {"TableName": NAME, "Item": app(0),
                                                      "ConditionExpression": "attribute_not_exists(pk)"}}]),
        lambda: dynamodb.update_item(TableName=NAME, Key=app(9), UpdateExpression="REMOVE notes"),
    ]
    seen = []
    for write in writes:
        write()
        ours, motos = both()
        assert ours == motos
        seen.append([len(page) for page in ours])
    stored = dynamodb_backends["123456789012"][TEST_ENV["AWS_DEFAULT_REGION"]].get_table(NAME)
    assert stored.__dict__[item_sizes._KEPT][1]  # sizes were kept between queries
    assert len(set(map(tuple, seen))) >= 4  # the writes moved where pages end
