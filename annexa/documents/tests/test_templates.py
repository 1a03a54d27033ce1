"""The starter policies: every clause and control they name exists in the catalog, and a
copy is a draft in the register."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from annexa.documents.services import templates

CATALOG = Path(__file__).resolve().parents[2] / "catalog" / "data"


def catalog_ids() -> tuple[set[str], set[str]]:
    clauses = {r["id"] for r in json.loads((CATALOG / "clauses.json").read_text())["requirements"]}
    controls = set()
    for path in (CATALOG / "annex_a").glob("*.json"):
        controls |= {c["id"] for c in json.loads(path.read_text())["controls"]}
    return clauses, controls


def test_every_template_names_real_clauses_and_controls():
    clauses, controls = catalog_ids()
    found = templates.templates()
    assert len(found) == 8
    for template in found:
        assert set(template.clauses) <= clauses, template.key
        assert set(template.controls) <= controls, template.key
        assert template.text.startswith(f"# {template.title}"), template.key


def test_a_copy_is_a_draft_to_adapt(db, catalog, isla):
    document = templates.copy(isla.ctx, "backup-policy")
    assert document.status == "draft" and document.template == "backup-policy"
    assert {c.id for c in document.controls.all()} == {"A.8.13", "A.5.30"}
    assert document.versions.get().markdown.startswith("# Backup policy")
    assert templates.copied(document.organization) == {"backup-policy": document}
    with pytest.raises(ValidationError, match="No starter template"):
        templates.copy(isla.ctx, "nonsense")
