"""The local stack's measure of DynamoDB values (local/item_sizes.py): moto's own number, for any value."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from local import item_sizes

item_sizes.install()
MOTO_SIZE = item_sizes._originals["size"]

text = st.text(max_size=12)
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, text),
    st.builds(lambda n: {"N": str(n)}, st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False))),
    st.builds(lambda b: {"B": b}, st.binary(max_size=12)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda m: {"SS": m}, st.lists(text, max_size=4)),
    st.builds(lambda m: {"NS": [str(n) for n in m]}, st.lists(st.integers(), max_size=4)),
    st.builds(lambda m: {"BS": m}, st.lists(st.binary(max_size=6), max_size=4)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.builds(lambda members: {"L": members}, st.lists(inner, max_size=4)),
    st.builds(lambda members: {"M": members}, st.dictionaries(text, inner, max_size=4))), max_leaves=20)


@given(values)
def test_every_value_measures_as_moto_measures_it(value):
    wrapped = DynamoType(value)
    assert wrapped.size() == MOTO_SIZE(wrapped)


@given(st.dictionaries(text.filter(bool), values, max_size=6))
def test_items_measure_as_moto_measures_them(attrs):
    item = Item(DynamoType({"S": "pk"}), DynamoType({"S": "sk"}), attrs)
    assert item.size() == sum(len(k.encode()) + MOTO_SIZE(v) for k, v in item.attrs.items())


def test_a_map_member_held_raw_is_measured_as_moto_wraps_it():
    value = DynamoType({"M": {}})
    value.value["raw"] = {"M": {"deep": {"L": [{"S": "é"}, {"N": "12"}]}}}  # as an in-place update may leave it
    assert value.size() == MOTO_SIZE(value) == len("raw") + len("deep") + 2 + 2
