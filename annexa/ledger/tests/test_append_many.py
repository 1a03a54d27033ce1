"""``append_many``: a batch of entries chained as ``append`` chains them one by one — the
verifier finds the chain whole, and the same records give the same bytes either way."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annexa.ledger import format as fmt
from annexa.ledger import services
from annexa.ledger.models import LedgerEntry, LedgerHead
from annexa.ledger.services import Record, append_many
from annexa.ledger.verify import verify_org


def _records(n: int, start: int = 0) -> list[Record]:
    return [
        Record(object_type="risk", object_id=f"r{i}", action="create", data={"n": i, "é": [i]})
        for i in range(start, start + n)
    ]


def test_a_batch_continues_the_chain_and_verifies(acme, isla):
    from annexa.evidence.storage import get_store

    for record in _records(2):
        services.append(isla.ctx, **record.__dict__)
    with CaptureQueriesContext(connection) as queries:
        batch = append_many(isla.ctx, _records(1200, start=2), batch_size=500)
    # The head read and saved once and the inserts in batches (SQLite caps the parameters of
    # one statement: about 90 entries an insert there), never a round trip per entry.
    assert len(queries) < 30
    services.append(isla.ctx, **_records(1, start=1202)[0].__dict__)
    entries = list(LedgerEntry.objects.filter(organization=acme).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, 1204))
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    assert LedgerHead.objects.get(organization=acme).head_hash == entries[-1].entry_hash
    assert batch[0].seq == 3 and batch[-1].seq == 1202
    assert verify_org(acme, get_store().open).ok


def test_it_refuses_a_bad_record_before_writing_anything(acme, isla):
    bad = [*_records(2), Record(object_type="", object_id="x", action="create", data={})]
    with pytest.raises(fmt.FormatError):
        append_many(isla.ctx, bad)
    assert not LedgerEntry.objects.filter(organization=acme).exists()
    assert append_many(isla.ctx, []) == []
