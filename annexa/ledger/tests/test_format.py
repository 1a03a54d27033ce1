"""The wire format: canonical JSON against the rfc8785 package, entry bytes, checkpoint message."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa.ledger import format as fmt

# Strings without lone surrogates (not encodable as UTF-8, so not JSON text at all).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | texts
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(value=values)
def test_it_matches_the_rfc8785_reference(value):
    assert fmt.canonical(value) == rfc8785.dumps(value)


def test_it_orders_keys_by_utf16_code_units():
    # U+10000 is a surrogate pair (0xD800...) in UTF-16, so it sorts before U+FFFD.
    value = {"\ufffd": 1, "\U00010000": 2, "a": 3}
    assert fmt.canonical(value) == rfc8785.dumps(value)
    assert list(json.loads(fmt.canonical(value))) == ["a", "\U00010000", "\ufffd"]


@pytest.mark.parametrize(
    "bad", [1.5, {"x": [float("nan")]}, 2**53, {1: "x"}, object(), {"s": "\ud800"}]
)
def test_it_refuses_values_outside_the_ledger_subset(bad):
    with pytest.raises(fmt.FormatError):
        fmt.canonical(bad)


def test_it_names_where_a_refused_value_is():
    with pytest.raises(fmt.FormatError, match=r"^\$\.a\[1\]\.b: floats are not allowed"):
        fmt.canonical({"a": [1, {"b": 0.5}]})


@settings(max_examples=300, deadline=None)
@given(
    data=values,
    seq=st.integers(1, 2**40),
    actor=texts,
    object_id=texts,
    blob=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_it_builds_the_same_bytes_from_stored_columns(data, seq, actor, object_id, blob):
    fields = {
        "seq": seq,
        "time": "2026-01-02T03:04:05.000006Z",
        "org": "9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11",
        "actor": actor,
        "object_type": "evidence",
        "object_id": object_id,
        "action": "create",
        "blob_sha256": blob,
        "prev": fmt.GENESIS_HASH,
    }
    expected = fmt.entry_bytes(fmt.entry_document(data=data, **fields))
    stored = fmt.stored_entry_bytes(data_json=fmt.canonical(data).decode(), **fields)
    assert stored == expected


def test_it_detects_a_non_canonical_data_column():
    fields = dict(
        seq=1,
        time="t",
        org="o",
        actor="a",
        object_type="x",
        object_id="1",
        action="create",
        blob_sha256=None,
        prev=fmt.GENESIS_HASH,
    )
    canonical = fmt.stored_entry_bytes(data_json='{"a":1}', **fields)
    spaced = fmt.stored_entry_bytes(data_json='{"a": 1}', **fields)
    assert canonical != spaced


def test_it_refuses_an_entry_document_with_missing_or_extra_fields():
    document = fmt.entry_document(
        seq=1,
        time="t",
        org="o",
        actor="a",
        object_type="x",
        object_id="1",
        action="create",
        data={},
        blob_sha256=None,
        prev=fmt.GENESIS_HASH,
    )
    with pytest.raises(fmt.FormatError):
        fmt.entry_bytes({**document, "extra": 1})
    del document["prev"]
    with pytest.raises(fmt.FormatError):
        fmt.entry_bytes(document)


def test_it_signs_an_exactly_specified_checkpoint_message():
    message = fmt.checkpoint_message(
        org="9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11",
        tree_size=42,
        root_hash="ab" * 32,
        time="2026-01-02T03:04:05.000006Z",
    )
    assert message == (
        b'{"format":"annexa-ledger-checkpoint/1","org":"9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11",'
        b'"root_hash":"' + b"ab" * 32 + b'","time":"2026-01-02T03:04:05.000006Z","tree_size":42}'
    )


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            values,
            texts,
            texts,
            st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
        ),
        min_size=1,
        max_size=6,
    ),
    plain=st.booleans(),
)
def test_it_builds_a_batch_of_stored_rows_byte_for_byte_as_one_by_one(rows, plain):
    org, time = "9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11", "2026-01-02T03:04:05.000006Z"
    stored = []
    for seq, (data, actor, object_id, blob) in enumerate(rows, start=1):
        if plain:  # the usual case: nothing to escape, so the template path is taken
            actor, object_id = actor.replace('"', "").replace("\\", ""), f"e{seq}"
            actor = "".join(ch for ch in actor if ch >= " ")
        data_json = fmt.canonical(data).decode()
        stored.append(
            (seq, time, actor, "evidence", object_id, "create", data_json, blob, "f" * 64, "0")
        )
    expected = [
        fmt.stored_entry_bytes(
            seq=seq,
            time=time,
            org=org,
            actor=actor,
            object_type=kind,
            object_id=object_id,
            action=action,
            data_json=data_json,
            blob_sha256=blob,
            prev=prev,
        )
        for seq, time, actor, kind, object_id, action, data_json, blob, prev, _ in stored
    ]
    assert fmt.stored_entries_bytes(org, stored) == expected


def test_a_batch_with_a_quote_or_a_control_character_is_escaped_as_one_by_one():
    org, prev = "9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11", "0" * 64
    rows = [
        (1, "t", 'say "hi"', "evidence", "e1", "create", "{}", None, prev, ""),
        (2, "t", "tab\there", "evidence", "back\\slash", "create", "[]", "a" * 64, prev, ""),
    ]
    batch = fmt.stored_entries_bytes(org, rows)
    assert [json.loads(b)["actor"] for b in batch] == ['say "hi"', "tab\there"]
    assert json.loads(batch[1])["object_id"] == "back\\slash"
    assert batch == [fmt.row_bytes(org, row) for row in rows]


@settings(max_examples=400, deadline=None)
@given(value=values | st.dictionaries(st.text("abcXYZ_", max_size=4), values, max_size=5))
def test_the_fast_route_gives_canonical_bytes_or_steps_aside(value):
    parsed = fmt.loads_integral(json.dumps(value, ensure_ascii=bool(len(str(value)) % 2)))
    fast = fmt.fast_canonical(parsed)
    assert fast is None or fast == fmt.canonical(parsed)


@pytest.mark.parametrize("text", ['{"a":1.5}', "[NaN]", '{"x":-Infinity}', "2.0"])
def test_parsing_refuses_floats_at_once(text):
    with pytest.raises(fmt.FormatError, match="floats are not allowed"):
        fmt.loads_integral(text)


def test_the_fast_route_steps_aside_for_big_integers_and_non_ascii_names():
    assert fmt.fast_canonical({"n": 2**53}) is None
    assert fmt.fast_canonical({"\ufffd": 1, "\U00010000": 2}) is None
    assert fmt.fast_canonical({"b": [1, {"d": None, "c": True}], "a": "x"}) == (
        b'{"a":"x","b":[1,{"c":true,"d":null}]}'
    )


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=30))
def test_the_escape_check_never_misses_a_character_json_escapes(text):
    if fmt._NEEDS_ESCAPE.search(text):
        assert fmt.needs_escape(text)


def test_a_batch_given_its_columns_gives_the_same_bytes():
    org, prev = "9b1f0c4e-2d7a-4d51-9a43-2f0f6c1f6a11", "0" * 64
    rows = [
        (1, "t", "a@b.test", "evidence", "e1", "create", "{}", None, prev, ""),
        (2, "t", "a@b.test", "evidence", "e2", "update", "[]", "a" * 64, prev, ""),
    ]
    columns = list(zip(*rows, strict=True))
    assert fmt.stored_entries_bytes(org, rows, columns) == fmt.stored_entries_bytes(org, rows)
    assert fmt.stored_entries_bytes(org, rows) == [fmt.row_bytes(org, row) for row in rows]
