"""Signed checkpoints: on demand, incremental, refused over a broken chain, and on schedule."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.core.exceptions import PermissionDenied

from annexa.core.tenancy import OrgContext
from annexa.ledger import format as fmt
from annexa.ledger import merkle, services, tasks
from annexa.ledger.models import Checkpoint, LedgerEntry
from annexa.ledger.tests.conftest import tamper_sql
from annexa.ledger.verifier import key_id_of
from annexa.ledger.verify import instance_public_key


def _append(ctx, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        services.append(ctx, object_type="soa", object_id=f"A.5.{i}", action="update", data={})


def _full_root(org) -> str:
    entries = LedgerEntry.objects.for_org(org).order_by("seq")
    leaves = [merkle.leaf_hash(fmt.entry_bytes(e.document(str(org.uid)))) for e in entries]
    return merkle.root(leaves).hex()


def test_it_signs_the_merkle_root_of_the_ledger(isla):
    _append(isla.ctx, 5)
    checkpoint = services.create_checkpoint(isla.ctx)
    assert checkpoint.tree_size == 5
    assert checkpoint.root_hash == _full_root(isla.ctx.org)
    key = instance_public_key()
    assert checkpoint.key_id == key_id_of(key)
    key.verify(base64.b64decode(checkpoint.signature), checkpoint.message(str(isla.ctx.org.uid)))


def test_it_returns_the_last_checkpoint_when_nothing_was_appended(isla):
    _append(isla.ctx, 2)
    first = services.create_checkpoint(isla.ctx)
    assert services.create_checkpoint(isla.ctx) == first
    assert Checkpoint.objects.count() == 1


def test_it_returns_none_for_an_empty_ledger(isla):
    assert services.create_checkpoint(isla.ctx) is None


def test_it_extends_the_previous_checkpoint_incrementally(isla):
    for size in (1, 2, 3, 7, 8, 13):
        _append(isla.ctx, size - LedgerEntry.objects.count(), LedgerEntry.objects.count())
        checkpoint = services.create_checkpoint(isla.ctx)
        assert checkpoint.tree_size == size
        assert checkpoint.root_hash == _full_root(isla.ctx.org)


def test_it_refuses_viewers_and_control_owners(vera, colin):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            services.create_checkpoint(persona.ctx)


def test_it_refuses_to_sign_over_an_edited_entry(isla):
    _append(isla.ctx, 3)
    services.create_checkpoint(isla.ctx)
    _append(isla.ctx, 2, 3)
    tamper_sql("UPDATE ledger_ledgerentry SET actor = 'mallory' WHERE seq = 4")
    with pytest.raises(services.LedgerError, match="entry #4 does not verify"):
        services.create_checkpoint(isla.ctx)


def test_it_names_a_missing_signing_key(isla, signing_key, settings, tmp_path):
    settings.SIGNING_KEY_PATH = str(tmp_path / "absent.pem")
    _append(isla.ctx, 1)
    with pytest.raises(services.LedgerError, match="annexa init"):
        services.create_checkpoint(isla.ctx)


def test_it_checkpoints_every_grown_ledger_on_schedule(alice, oscar):
    _append(alice.ctx, 2)
    _append(oscar.ctx, 1)
    # Immediate mode (the test settings) runs the task inline.
    tasks.scheduled_checkpoints()
    assert sorted(Checkpoint.objects.values_list("tree_size", flat=True)) == [1, 2]
    tasks.scheduled_checkpoints()
    assert Checkpoint.objects.count() == 2
    _append(oscar.ctx, 1, 1)
    created, errors = services.checkpoint_all()
    assert [c.tree_size for c in created] == [2] and errors == []


def test_it_keeps_checkpointing_other_orgs_when_one_is_broken(alice, oscar):
    _append(alice.ctx, 2)
    _append(oscar.ctx, 2)
    tamper_sql(
        "UPDATE ledger_ledgerentry SET action = 'x' WHERE organization_id = %s AND seq = 1",
        (alice.ctx.org.pk,),
    )
    created, errors = services.checkpoint_all()
    assert [c.organization for c in created] == [oscar.ctx.org]
    assert errors and errors[0].startswith("acme:")


@pytest.mark.parametrize(
    ("minutes", "moment", "due"),
    [
        (60, datetime.datetime(2026, 3, 1, 14, 0), True),
        (60, datetime.datetime(2026, 3, 1, 14, 30), False),
        (90, datetime.datetime(1970, 1, 1, 1, 30), True),
        (90, datetime.datetime(1970, 1, 1, 2, 0), False),
        (1, datetime.datetime(2026, 3, 1, 14, 7), True),
    ],
)
def test_it_schedules_by_minutes_since_the_epoch(minutes, moment, due):
    assert tasks.every_n_minutes(minutes)(moment) is due


def test_it_is_a_system_job(acme):
    services.append(OrgContext.system(acme), object_type="t", object_id="1", action="a", data={})
    assert services.create_checkpoint(OrgContext.system(acme)).tree_size == 1
