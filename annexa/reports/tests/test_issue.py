"""Issuing freezes a report: the stored bytes are what the ledger hashed and what verify checks."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied

from annexa.ledger import services as ledger
from annexa.ledger.blobs import store_opener
from annexa.ledger.keys import ensure_signing_key
from annexa.ledger.models import LedgerEntry
from annexa.ledger.verify import verify_org
from annexa.reports import services
from annexa.reports.choices import ReportFormat
from annexa.reports.models import IssuedReport
from annexa.reports.tests.conftest import review_and_approve

FROZEN = ("pdf", "docx", "html", "md")


@pytest.fixture(autouse=True)
def signing_key(settings):
    from pathlib import Path

    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))


def test_it_stores_every_format_and_the_ledger_hashes_the_exact_bytes(demo, store):
    personas, audit = demo
    ctx = personas["isms_manager"].ctx
    assert services.latest_issued(audit).number == 1  # issued by the demo before it closed
    review_and_approve(audit)
    issued = services.issue(ctx, audit)
    assert issued.number == 2
    assert {f.format for f in issued.files.all()} == set(ReportFormat.values)
    entries = LedgerEntry.objects.for_org(ctx.org)
    for fmt in ReportFormat.values:
        body, file = services.issued_bytes(issued, fmt)
        digest = hashlib.sha256(body).hexdigest()
        assert digest == file.version.sha256
        entry = entries.get(object_type="evidence", object_id=str(file.version.evidence.uid))
        assert entry.blob_sha256 == digest
    issue_entry = entries.filter(object_type="report", action="issue").latest("seq")
    files = json.loads(issue_entry.data)["files"]
    assert files["pdf"]["sha256"] == issued.file("pdf").version.sha256
    # A second download gives the same bytes; a later draft is generated anew.
    again, _file = services.issued_bytes(IssuedReport.objects.get(pk=issued.pk), "pdf")
    assert again == services.issued_bytes(issued, "pdf")[0]
    draft, name = services.draft(ctx, audit, "md")
    assert name.endswith("-report-draft.md") and b"Draft" in draft

    ledger.create_checkpoint(ctx)
    report = verify_org(ctx.org, store_opener(store))
    assert report.ok, report.summary()
    assert report.blobs >= len(FROZEN)

    # Flip one byte of the issued PDF in the store: verify names that blob.
    sha = issued.file("pdf").version.sha256
    path = store.root / sha[:2] / sha[2:4] / sha
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(damaged))
    report = verify_org(ctx.org, store_opener(store))
    assert not report.ok
    assert [p.ref for p in report.of_kind("blob")] == [sha]

    review_and_approve(audit)
    second = services.issue(personas["auditor"].ctx, audit)  # the demo's lead auditor
    assert second.number == 3


def test_it_refuses_issuing_to_anyone_but_the_lead_and_the_managers(demo):
    personas, audit = demo
    issued = IssuedReport.objects.filter(audit=audit).count()
    review_and_approve(audit)
    for key in ("viewer", "it"):
        with pytest.raises(PermissionDenied):
            services.issue(personas[key].ctx, audit)
    assert IssuedReport.objects.filter(audit=audit).count() == issued
