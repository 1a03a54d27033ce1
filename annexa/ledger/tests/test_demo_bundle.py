"""The demo organization (the builder behind ``annexa demo``) moved to a fresh instance with
``annexa export`` and ``annexa import``: every object type, hash and checkpoint comes through,
and the copy verifies with the same root.

The demo is built once for the module (in a transaction rolled back at its end) and the fresh
instance is set up once: both take seconds.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from annexa.ledger import verifier as layout
from annexa.ledger.tests.census import census
from annexa.ledger.tests.instance import Instance

# Each test runs in a savepoint of the module's transaction (and this makes pytest-django set up
# the test database before the module fixture uses it).
pytestmark = pytest.mark.django_db

# Types whose rows come from every demo builder (ISMS, risks, audits, findings, actions,
# evidence, reviews); the census compares all types, these prove the demo still has what it is
# for.
DEMO_TYPES = (
    "isms.soaentry",
    "risks.methodology",
    "risks.classification",
    "risks.asset",
    "risks.risk",
    "risks.treatmentaction",
    "risks.riskassessment",
    "risks.supplier",
    "risks.supplierassessment",
    "isms.objectivemeasurement",
    "audits.checklistitem",
    "audits.samplerecord",
    "findings.finding",
    "actions.correctiveaction",
    "actions.effectivenessreview",
    "evidence.evidenceversion",
    "reviews.managementreview",
    "reviews.reviewdecision",
)


@dataclass
class Demo:
    bundle: Path
    before: dict


@dataclass
class Moved:
    instance: Instance
    after: dict
    report: dict


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Demo]:
    """The demo with a signed checkpoint, its census, and its bundle."""
    from annexa.catalog.loader import load_catalog
    from annexa.cli.demo import build_demo
    from annexa.core.tenancy import OrgContext
    from annexa.ledger import services
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.bundle_export import export_bundle
    from annexa.ledger.keys import ensure_signing_key

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        load_catalog()
        ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
        org, _people = build_demo()
        system = OrgContext.system(org)
        services.create_checkpoint(system)
        opener = default_opener()
        bundle = tmp_path_factory.mktemp("demo") / "kestrel.zip"
        export_bundle(system, bundle, opener)
        yield Demo(bundle=bundle, before=census(org, opener))
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def moved(demo, tmp_path_factory) -> Moved:
    """A fresh instance (``annexa init``) that imported the demo's bundle."""
    instance = Instance(tmp_path_factory.mktemp("fresh") / "home")
    instance.ok("init")
    instance.ok("import", str(demo.bundle))
    verified = instance.run("verify", "--org", "kestrel", "--format", "json")
    [report] = json.loads(verified.stdout)
    return Moved(instance=instance, after=instance.census()["kestrel"], report=report)


def test_the_demo_exports_a_bundle_that_verifies(demo):
    report = layout.verify_bundle(demo.bundle, consistency=True)
    assert report.ok, report.summary()
    assert report.entries == len(demo.before["entry_hashes"])
    with zipfile.ZipFile(demo.bundle) as archive:
        counts = json.loads(archive.read(layout.MANIFEST))["counts"]
    assert counts["rows"] == demo.before["rows"]
    assert counts["blobs"] == len(demo.before["blobs"]) > 0


def test_the_demo_has_every_kind_of_record(demo):
    empty = [label for label in DEMO_TYPES if not demo.before["rows"][label]]
    assert not empty, f"the demo no longer builds {empty}"
    # Rows of explicit many-to-many through models: exported as lists of dicts.
    assert demo.before["links"]["audits.audit.team"] > 0
    assert demo.before["links"]["audits.audit.controls"] > 0
    # The register's links: to assets and people (organization rows and users) and to the
    # catalog (Annex A controls, carried by their natural key).
    for link in ("risk.assets", "risk.controls", "riskassessment.participants", "supplier.risks"):
        assert demo.before["links"][f"risks.{link}"] > 0, link
    assert demo.before["checkpoints"] and demo.before["head"][0] == len(demo.before["entry_hashes"])


def test_a_fresh_instance_gets_the_same_rows_hashes_and_checkpoints(demo, moved):
    after, before = moved.after, demo.before
    assert after["rows"] == before["rows"]
    assert after["links"] == before["links"]
    assert after["people"] == before["people"]
    assert after["entries_by_type"] == before["entries_by_type"]
    assert after["entry_hashes"] == before["entry_hashes"]
    assert after["head"] == before["head"]
    assert after["checkpoints"] == before["checkpoints"]
    assert after["blobs"] == before["blobs"]
    assert all(name == content for name, content in after["blobs"].items())
    assert after == before


def test_the_copy_verifies_with_the_same_root(demo, moved):
    report = moved.report
    assert report["ok"], report["problems"]
    assert report["entries"] == len(demo.before["entry_hashes"])
    assert report["latest_root"] == demo.before["checkpoints"][-1][1]
    assert report["blobs"] == len(demo.before["blobs"])


def test_exporting_the_copy_gives_the_same_data(demo, moved, tmp_path):
    """Rows, links (many-to-many rows in a canonical order), entries and blobs are the same
    bytes when exported again from the other instance."""
    again = tmp_path / "again.zip"
    moved.instance.ok("export", "--org", "kestrel", "-o", str(again))
    with zipfile.ZipFile(demo.bundle) as first, zipfile.ZipFile(again) as second:
        names = [
            n
            for n in first.namelist()
            if n.startswith(("data/", layout.BLOBS_DIR))
            or n in (layout.ENTRIES, layout.CHECKPOINTS)
        ]
        assert sorted(names) == sorted(
            n for n in second.namelist() if n in names or n.startswith("data/")
        )
        changed = [n for n in names if first.read(n) != second.read(n)]
    assert not changed
