"""Exports are security events: ``annexa export`` records the bundle in the organization's
ledger and logs it on ``annexa.security``; backups and the SoA and checklist downloads are
logged with who took them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger.blobs import default_opener
from annexa.ledger.export_events import backup_written
from annexa.ledger.models import LedgerEntry
from annexa.ledger.tests.builders import populate
from annexa.ledger.verifier import verify_bundle
from annexa.ledger.verify import verify_org


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def security():
    """What ``annexa.security`` logs (a handler of its own: the CLI's Django set-up replaces
    the root logger's handlers, pytest's capture among them)."""
    logger = logging.getLogger("annexa.security")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_bundle_export_is_in_the_ledger_and_the_security_log(
    isla, colin, catalog, store, tmp_path, security
):
    populate(isla, colin)
    target = tmp_path / "acme.zip"
    result = CliRunner().invoke(app, ["export", "--org", "acme", "-o", str(target)])
    assert result.exit_code == 0, result.output
    entry = LedgerEntry.objects.filter(organization=isla.ctx.org).order_by("seq").last()
    assert (entry.object_type, entry.action, entry.actor) == ("organization", "export", "system")
    manifest = entry.data_value["manifest_sha256"]
    assert manifest in result.stderr and entry.data_value["bundle"] == "acme.zip"
    assert verify_bundle(target).ok and verify_org(isla.ctx.org, default_opener()).ok
    [line] = security
    assert "export of the organization bundle from acme by system" in line and manifest in line


def test_a_backup_is_logged_with_the_operating_system_account(security):
    backup_written(Path("/backups/annexa-2026-12-07.tar.gz"), 3)
    [line] = security
    assert "export of a backup from the instance by system" in line
    assert "file=annexa-2026-12-07.tar.gz" in line and "organizations=3" in line
    assert "os_user=" in line


def test_soa_downloads_are_logged_with_the_user(acme, isla, client_for, security):
    client = client_for(isla)
    assert client.get(reverse("isms:soa-export-csv", kwargs={"org": "acme"})).status_code == 200
    api = reverse("isms-api:soa-export-xlsx", kwargs={"org": "acme"})
    assert client.get(api).status_code == 200
    lines = security
    assert len(lines) == 2
    assert all("Statement of Applicability from acme by isla@acme.test" in x for x in lines)
    assert "format=csv" in lines[0] and "format=xlsx" in lines[1]
