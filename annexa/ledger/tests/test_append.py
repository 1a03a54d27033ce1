import json

import pytest

from annexa.ledger import format as fmt
from annexa.ledger.models import LedgerEntry
from annexa.ledger.services import append, history


def test_it_chains_entries(alice):
    ctx = alice.ctx
    first = append(
        ctx,
        object_type="soa",
        object_id="A.5.1",
        action="update",
        data={"before": {"applicable": False}, "after": {"applicable": True}},
    )
    second = append(ctx, object_type="soa", object_id="A.5.2", action="update", data={"x": 1})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == fmt.GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert fmt.entry_hash(second.document(str(ctx.org.uid))) == second.entry_hash
    assert json.loads(first.data)["after"] == {"applicable": True}
    assert [e.seq for e in history(ctx.org, "soa", "A.5.1")] == [1]


def test_it_keeps_one_chain_per_organization(alice, oscar):
    append(alice.ctx, object_type="t", object_id="1", action="create", data={})
    entry = append(oscar.ctx, object_type="t", object_id="1", action="create", data={})
    assert entry.seq == 1
    assert LedgerEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"object_type": ""}, "object_type must be a string"),
        ({"action": 3}, "action must be a string"),
        ({"blob_sha256": "ABC"}, "blob_sha256 must be 64 lowercase hex"),
        ({"data": {"amount": 1.5}}, "floats are not allowed"),
    ],
)
def test_it_refuses_bad_input(alice, changes, message):
    fields = {"object_type": "t", "object_id": "1", "action": "create", "data": {}, **changes}
    with pytest.raises(fmt.FormatError, match=message):
        append(alice.ctx, **fields)
    assert not LedgerEntry.objects.exists()
