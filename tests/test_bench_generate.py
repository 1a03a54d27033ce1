"""The benchmarks' large organization (``bench/generate/``) at a tiny scale: the sizes it
promises, the audits the scale benchmark measures, and a ledger ``annexa verify`` accepts."""

from __future__ import annotations

import pytest

from annexa.catalog.loader import load_catalog
from annexa.ledger.blobs import default_opener
from annexa.ledger.verify import verify_org
from bench import generate

pytestmark = pytest.mark.django_db

SCALE = 0.002


def test_generated_organization_has_its_sizes_and_verifies():
    load_catalog()
    made = generate.generate(scale=SCALE, seed=3, slug="tiny")
    want = generate.sizes(SCALE)
    counts = made.counts
    assert counts["people"] == want["people"] == 10
    assert counts["assets"] == want["assets"] == 40
    assert counts["accounts"] == want["accounts"] == 40
    assert counts["risks"] == want["risks"] == 1
    assert counts["audits"] == generate.AUDITS
    assert counts["findings"] == want["findings"] == 4
    # the linked evidence, and one snapshot item per monitored system
    assert counts["evidence items"] >= want["evidence"]
    assert counts["control-test results"] >= want["results"]
    assert counts["ledger entries"] == want["ledger"]
    # the audit measured by bench_scale has its 250 items; the report audit its findings
    assert made.page_audit.checklist_items.count() == generate.PAGE_AUDIT_ITEMS
    assert made.report_audit.findings_raised.count() == want["findings"]
    report = verify_org(made.org, default_opener())
    assert report.ok, report.summary()
    assert report.entries == want["ledger"]
    assert report.blobs > want["evidence"]


def test_sizes_scale_and_refuse_nonsense():
    assert generate.sizes(1)["results"] == 1_000_000
    assert generate.sizes(0.01)["people"] == 50
    with pytest.raises(ValueError, match="positive"):
        generate.sizes(0)
