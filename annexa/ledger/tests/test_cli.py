"""`annexa checkpoint`: for one organization or all, with clear errors."""

from __future__ import annotations

from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import services
from annexa.ledger.models import Checkpoint
from annexa.ledger.tests.conftest import words


def _append(ctx, n: int) -> None:
    for i in range(n):
        services.append(ctx, object_type="t", object_id=str(i), action="create", data={})


def test_it_checkpoints_one_organization(alice):
    _append(alice.ctx, 3)
    result = CliRunner().invoke(app, ["checkpoint", "--org", "acme"])
    assert result.exit_code == 0, result.output
    slug, size, root = result.stdout.split()
    assert (slug, size, root) == ("acme", "3", Checkpoint.objects.get().root_hash)


def test_it_checkpoints_every_organization(alice, oscar):
    _append(alice.ctx, 1)
    _append(oscar.ctx, 2)
    result = CliRunner().invoke(app, ["checkpoint", "--all"])
    assert result.exit_code == 0, result.output
    assert sorted(line.split()[0] for line in result.stdout.splitlines()) == ["acme", "globex"]
    assert "2 checkpoint(s) created" in result.stderr


def test_it_explains_what_is_wrong(acme):
    runner = CliRunner()
    neither = runner.invoke(app, ["checkpoint"])
    assert neither.exit_code == 2 and "either --org SLUG or --all" in words(neither.stderr)
    empty = runner.invoke(app, ["checkpoint", "--org", "acme"])
    assert empty.exit_code == 1 and "is empty" in words(empty.stderr)
    unknown = runner.invoke(app, ["checkpoint", "--org", "nope"])
    assert unknown.exit_code == 1 and "no organization with slug 'nope'" in words(unknown.stderr)
