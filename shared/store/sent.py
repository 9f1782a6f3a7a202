"""Sent records: one per (visit, kind of email, occasion, recipient), the "exactly once" of every email.

Item: pk `VISIT#{vid}`, sk `SENT#{kind}#{occasion}#{recipient lower}`. A claim is a conditional
put: it wins when there is no record yet, or when an earlier claim never got sent and is stale
(its sender died). A sender whose send fails releases its claim at once (`release`), so the
event's redelivery sends the email rather than finding it claimed. Kept as long as the visit's personal data
(shared/domain/retention.py): the claim names the visit it is about.

A planned communication that went to no one leaves a skip record instead (recipient `-`, with its
`reason`): the timeline shows it `skipped`, not `planned` for ever.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Protocol

from shared import clock
from shared.adapters import table
from shared.domain.retention import Dated, keep_until
from shared.errors import Conflict
from shared.store.memory import Memory


# The recipient of a skip record: no one.
NO_ONE = "-"
# The writes that settle a claim are tried for longer when throttled: a mark given up after the email
# went out leaves it unsent on the timeline (and a redelivery after the claim turns stale sends it again);
# a release given up after a failed send leaves the claim in the way of the redelivery that would send it.
# At 30% of writes failing, 5 tries all fail once in ~400 writes; 12, once in ~2 million.
SETTLING_ATTEMPTS = 12


@dataclass(frozen=True)
class SentRecord:
    visit_id: str
    kind: str
    occasion: str
    recipient: str
    claimed_at: datetime
    due_at: datetime
    subject: str = ""
    application_id: str | None = None
    sent_at: datetime | None = None
    message_id: str | None = None
    keep_until: datetime | None = None   # set by the store when it claims (the retention rule)
    reason: str | None = None            # a skip record's: why it went to no one

    @property
    def skipped(self) -> bool:
        return self.recipient == NO_ONE

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.visit_id, self.kind, self.occasion, self.recipient.lower()


class SentStore(Protocol):
    def claim(self, record: SentRecord, *, visit: Dated | None, stale_before: datetime) -> SentRecord | None:
        """The claim as stored (with its `keep_until`) when this caller may send now (nobody claimed it,
        or a claim went stale unsent); None when it may not."""
    def mark_sent(self, claim: SentRecord, *, sent_at: datetime, message_id: str) -> SentRecord:
        """This caller's claim (as `claim` answered it) marked sent; the record as stored. Conflict when the
        claim is no longer this caller's (taken again, or never made); marking it again with the same
        message id is no change (a retried write)."""
    def release(self, record: SentRecord) -> None:
        """Give back this caller's claim whose send failed (if it is still this claim, unsent)."""
    def skip(self, record: SentRecord, *, visit: Dated | None) -> bool:
        """Record that (visit, kind, occasion) went to no one, and why (`record.reason`; its recipient is
        `NO_ONE`); the first reason stands (False if one was recorded already)."""
    def find(self, visit_id: str, kind: str, occasion: str, recipient: str) -> SentRecord | None: ...
    def of_visit(self, visit_id: str, *, kind: str | None = None, occasion_prefix: str = "") -> list[SentRecord]:
        """The visit's records (of one kind, whose occasion starts so), in key order."""
    def readdress(self, visit_id: str, recipient: str, placeholder: str) -> int:
        """The visit's records of emails to `recipient` now name `placeholder` instead (an erased
        person: their key and `to` held the address); how many."""


def _key(visit_id: str, kind: str, occasion: str, recipient: str) -> dict:
    return {"pk": f"VISIT#{visit_id}", "sk": f"SENT#{kind}#{occasion}#{recipient.lower()}"}


def _item(record: SentRecord) -> dict:
    item = {**_key(*record.key), "kind": record.kind, "occasion": record.occasion, "to": [record.recipient],
            "visit_id": record.visit_id, "claimed_at": clock.iso(record.claimed_at),
            "due_at": clock.iso(record.due_at), "subject": record.subject}
    if record.application_id:
        item["application_id"] = record.application_id
    if record.sent_at:
        item |= {"sent_at": clock.iso(record.sent_at), "message_id": record.message_id}
    if record.keep_until:
        item["expires_at"] = int(record.keep_until.timestamp())
    if record.reason:
        item["reason"] = record.reason
    return item


def _record(item: dict) -> SentRecord:
    return SentRecord(
        visit_id=item["visit_id"], kind=item["kind"], occasion=item["occasion"], recipient=item["to"][0],
        claimed_at=clock.parse(item["claimed_at"]), due_at=clock.parse(item.get("due_at") or item["claimed_at"]),
        subject=item.get("subject", ""), application_id=item.get("application_id"),
        sent_at=clock.parse(item["sent_at"]) if item.get("sent_at") else None, message_id=item.get("message_id"),
        keep_until=datetime.fromtimestamp(item["expires_at"], timezone.utc) if item.get("expires_at") else None,
        reason=item.get("reason"))


def _claimable(existing: dict | None, stale_before: datetime) -> bool:
    return existing is None or (not existing.get("sent_at") and existing["claimed_at"] < clock.iso(stale_before))


def _claim(record: SentRecord, visit: Dated | None, retention: timedelta) -> SentRecord:
    return replace(record, sent_at=None, message_id=None, keep_until=keep_until(visit, record.claimed_at, retention))


def _as_stored(record: SentRecord) -> SentRecord:
    """The record as its item reads back (times as stored)."""
    return _record(_item(record))


def _still_mine(existing: dict | None, claim: SentRecord, message_id: str) -> bool:
    return existing is not None and existing["claimed_at"] == clock.iso(claim.claimed_at) and (
        not existing.get("sent_at") or existing.get("message_id") == message_id)


def _skip_record(record: SentRecord) -> SentRecord:
    if not record.reason:
        raise ValueError("a skip record needs its reason")
    return replace(record, recipient=NO_ONE, sent_at=None, message_id=None)


def _skip(record: SentRecord, visit: Dated | None, retention: timedelta) -> dict:
    skipped = _skip_record(record)
    return _item(replace(skipped, keep_until=keep_until(visit, skipped.claimed_at, retention)))


class DynamoSent:
    def __init__(self, retention: timedelta):
        self._retention = retention

    def claim(self, record: SentRecord, *, visit: Dated | None, stale_before: datetime) -> SentRecord | None:
        claim = _claim(record, visit, self._retention)
        try:
            table.put(_item(claim),
                      condition="attribute_not_exists(pk) OR (attribute_not_exists(sent_at) AND claimed_at < :stale)",
                      values={":stale": clock.iso(stale_before)})
        except table.ConditionFailed:
            return None
        return _as_stored(claim)

    def mark_sent(self, claim: SentRecord, *, sent_at: datetime, message_id: str) -> SentRecord:
        # The whole record written again (the claim holds every attribute): a put is a cheaper write than
        # an update, and its condition says the claim is still this caller's.
        marked = replace(claim, sent_at=sent_at, message_id=message_id)
        try:
            table.put(_item(marked),
                      condition="claimed_at = :mine AND (attribute_not_exists(sent_at) OR message_id = :id)",
                      values={":mine": clock.iso(claim.claimed_at), ":id": message_id}, attempts=SETTLING_ATTEMPTS)
        except table.ConditionFailed as error:
            raise Conflict("no claim of this sender's to mark sent") from error
        return _as_stored(marked)

    def release(self, record: SentRecord) -> None:
        key = _key(*record.key)
        table.delete(key["pk"], key["sk"], condition="claimed_at = :mine AND attribute_not_exists(sent_at)",
                     values={":mine": clock.iso(record.claimed_at)}, attempts=SETTLING_ATTEMPTS)

    def skip(self, record: SentRecord, *, visit: Dated | None) -> bool:
        try:
            table.put(_skip(record, visit, self._retention), condition="attribute_not_exists(pk)")
        except table.ConditionFailed:
            return False
        return True

    def find(self, visit_id: str, kind: str, occasion: str, recipient: str) -> SentRecord | None:
        item = table.get(**_key(visit_id, kind, occasion, recipient))
        return _record(item) if item else None

    def of_visit(self, visit_id: str, *, kind: str | None = None, occasion_prefix: str = "") -> list[SentRecord]:
        prefix = f"SENT#{kind}#{occasion_prefix}" if kind else "SENT#"
        return [_record(i) for i in table.query(f"VISIT#{visit_id}", sk_prefix=prefix)]


    def readdress(self, visit_id: str, recipient: str, placeholder: str) -> int:
        moved = 0
        for item in table.query(f"VISIT#{visit_id}", sk_prefix="SENT#"):
            record = _record(item)
            if record.recipient.lower() != recipient.lower():
                continue
            # The new record first: a failure in between leaves a duplicate, never a lost "sent".
            table.put({**item, **_key(*replace(record, recipient=placeholder).key), "to": [placeholder]})
            table.delete(item["pk"], item["sk"], must_exist=False)
            moved += 1
        return moved


class MemorySent:
    def __init__(self, memory: Memory, retention: timedelta):
        self._memory, self._items, self._retention = memory, memory.items["sent"], retention

    def claim(self, record: SentRecord, *, visit: Dated | None, stale_before: datetime) -> SentRecord | None:
        key = _key(*record.key)
        with self._memory.lock:
            if not _claimable(self._items.get((key["pk"], key["sk"])), stale_before):
                return None
            claim = _claim(record, visit, self._retention)
            self._items[(key["pk"], key["sk"])] = _item(claim)
            return _as_stored(claim)

    def mark_sent(self, claim: SentRecord, *, sent_at: datetime, message_id: str) -> SentRecord:
        key = _key(*claim.key)
        marked = replace(claim, sent_at=sent_at, message_id=message_id)
        with self._memory.lock:
            if not _still_mine(self._items.get((key["pk"], key["sk"])), claim, message_id):
                raise Conflict("no claim of this sender's to mark sent")
            self._items[(key["pk"], key["sk"])] = _item(marked)
            return _as_stored(marked)

    def release(self, record: SentRecord) -> None:
        key = _key(*record.key)
        slot = (key["pk"], key["sk"])
        with self._memory.lock:
            item = self._items.get(slot)
            if item and not item.get("sent_at") and item["claimed_at"] == clock.iso(record.claimed_at):
                del self._items[slot]

    def skip(self, record: SentRecord, *, visit: Dated | None) -> bool:
        key = _key(*_skip_record(record).key)
        with self._memory.lock:
            if (key["pk"], key["sk"]) in self._items:
                return False
            self._items[(key["pk"], key["sk"])] = _skip(record, visit, self._retention)
            return True

    def find(self, visit_id: str, kind: str, occasion: str, recipient: str) -> SentRecord | None:
        key = _key(visit_id, kind, occasion, recipient)
        item = self._items.get((key["pk"], key["sk"]))
        return _record(item) if item else None

    def of_visit(self, visit_id: str, *, kind: str | None = None, occasion_prefix: str = "") -> list[SentRecord]:
        prefix = f"SENT#{kind}#{occasion_prefix}" if kind else "SENT#"
        with self._memory.lock:
            found = sorted((sk, item) for (pk, sk), item in self._items.items()
                           if pk == f"VISIT#{visit_id}" and sk.startswith(prefix))
        return [_record(item) for _, item in found]

    def readdress(self, visit_id: str, recipient: str, placeholder: str) -> int:
        moved = 0
        with self._memory.lock:
            for (pk, sk), item in list(self._items.items()):
                if pk == f"VISIT#{visit_id}" and item["to"][0].lower() == recipient.lower():
                    key = _key(visit_id, item["kind"], item["occasion"], placeholder)
                    self._items[(key["pk"], key["sk"])] = {**item, **key, "to": [placeholder]}
                    del self._items[(pk, sk)]
                    moved += 1
        return moved
