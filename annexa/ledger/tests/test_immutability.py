"""On PostgreSQL the database itself refuses to change or remove ledger rows."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from annexa.ledger import services
from annexa.ledger.models import Checkpoint, CheckpointTimestamp, LedgerEntry
from annexa.ledger.tests.factories import make_trusted_key

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only triggers exist on PostgreSQL only; SQLite relies on the hashes",
)


@pytest.fixture
def ledger(isla):
    for i in range(3):
        services.append(isla.ctx, object_type="t", object_id=str(i), action="a", data={})
    checkpoint = services.create_checkpoint(isla.ctx)
    CheckpointTimestamp.objects.create(
        organization=checkpoint.organization, checkpoint=checkpoint, response="AA==", tsa_url="t"
    )
    make_trusted_key(isla.ctx.org)
    with connection.cursor() as cursor:
        # Run this transaction's deferred FK checks now: PostgreSQL refuses TRUNCATE while
        # any are pending, which would hide what the trigger does.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return isla.ctx.org


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM ledger_ledgerentry WHERE seq = 3",
        "TRUNCATE ledger_ledgerentry CASCADE",
        "UPDATE ledger_checkpoint SET root_hash = repeat('0', 64)",
        "DELETE FROM ledger_checkpoint",
        "TRUNCATE ledger_checkpoint CASCADE",
        "DELETE FROM ledger_trustedkey",
        "TRUNCATE ledger_trustedkey",
        "UPDATE ledger_checkpointtimestamp SET response = ''",
        "DELETE FROM ledger_checkpointtimestamp",
        "TRUNCATE ledger_checkpointtimestamp",
    ],
)
def test_it_refuses_changes_by_sql(ledger, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert LedgerEntry.objects.for_org(ledger).count() == 3


def test_it_refuses_changes_through_the_orm(ledger):
    entry = LedgerEntry.objects.for_org(ledger).get(seq=1)
    entry.actor = "mallory"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Checkpoint.objects.for_org(ledger).update(root_hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CheckpointTimestamp.objects.for_org(ledger).delete()
    assert LedgerEntry.objects.for_org(ledger).get(seq=1).actor == "isla@acme.test"


def test_it_still_accepts_appends(ledger, isla):
    entry = services.append(isla.ctx, object_type="t", object_id="9", action="a", data={})
    assert entry.seq == 4
