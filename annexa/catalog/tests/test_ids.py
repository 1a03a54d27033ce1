import pytest

from annexa.catalog import ids


def test_it_sorts_controls_naturally():
    given = ["A.5.10", "A.8.1", "A.5.9", "A.5.1", "A.6.8", "A.5.37"]
    assert sorted(given, key=ids.sort_key) == [
        "A.5.1",
        "A.5.9",
        "A.5.10",
        "A.5.37",
        "A.6.8",
        "A.8.1",
    ]


def test_it_sorts_clause_10_after_clause_9():
    given = ["10.1", "9.3", "10.2.a", "9.3.2.d.4", "4.1.climate", "4.1", "4.2.a", "6.1.2.a.2"]
    assert sorted(given, key=ids.sort_key) == [
        "4.1",
        "4.1.climate",
        "4.2.a",
        "6.1.2.a.2",
        "9.3",
        "9.3.2.d.4",
        "10.1",
        "10.2.a",
    ]


def test_it_sorts_2013_controls_naturally():
    given = ["A.18.2.3", "A.9.4.2", "A.12.1.2", "A.5.1.1"]
    assert sorted(given, key=ids.sort_key) == ["A.5.1.1", "A.9.4.2", "A.12.1.2", "A.18.2.3"]


@pytest.mark.parametrize(
    ("requirement_id", "kind", "parent"),
    [
        ("6", "clause", None),
        ("6.1", "subclause", "6"),
        ("6.1.2", "subclause", "6.1"),
        ("6.1.2.c", "item", "6.1.2"),
        ("6.1.2.c.1", "item", "6.1.2.c"),
        ("4.1.climate", "item", "4.1"),
    ],
)
def test_it_derives_kind_and_parent_from_the_id(requirement_id, kind, parent):
    assert ids.kind_of(requirement_id) == kind
    assert ids.parent_of(requirement_id) == parent


@pytest.mark.parametrize("value", ["4", "10.2", "6.1.2.a.1", "9.3.2.d.4", "4.1.climate"])
def test_it_accepts_requirement_ids(value):
    assert ids.REQUIREMENT_ID.match(value)


@pytest.mark.parametrize("value", ["3.1", "11", "4.", "4.2.A", "6.1.2.a.b", "A.5.1", "4.2 a"])
def test_it_rejects_malformed_requirement_ids(value):
    assert not ids.REQUIREMENT_ID.match(value)


@pytest.mark.parametrize("value", ["A.5.1", "A.5.37", "A.8.34"])
def test_it_accepts_control_ids(value):
    assert ids.CONTROL_ID.match(value)


@pytest.mark.parametrize("value", ["A.4.1", "A.9.1", "5.1", "A.5.0", "A.5.1.1", "a.5.1"])
def test_it_rejects_malformed_control_ids(value):
    assert not ids.CONTROL_ID.match(value)


def test_it_tells_named_amendment_items_from_lettered_ones():
    assert ids.is_named("4.1.climate")
    assert not ids.is_named("4.2.a")
    assert not ids.is_named("6.1.2.a.1")
