"""Generating the checklist from scope and SoA, and shaping it: ad-hoc, remove, restore, move."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import AuditStatus
from annexa.audits.models import AuditControl, ChecklistItem
from annexa.audits.services import checklist, checklist_rows, fieldwork
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import (
    actions,
    build_audit,
    make_control,
    store_text,
)
from annexa.core.tenancy import OrgContext


def subjects(audit) -> list[str]:
    return [i.subject_id for i in checklist_rows.items_of(audit)]


def test_it_generates_one_item_per_requirement_and_control_in_scope(items, fieldwork_audit):
    assert subjects(fieldwork_audit) == ["7.2", "A.5.15", "A.8.5"]
    item = items["A.5.15"]
    assert item.questions == ["Who approves access rights, and where is the approval recorded?"]
    assert item.expected_documents == ["Access control policy", "Access request tickets"]
    assert actions(fieldwork_audit.organization, "checklist") == ["generate"]


def test_it_uses_the_real_catalog_with_required_documents_first(acme, catalog, audrey):
    audit = build_audit(acme, lead=audrey.user, requirements=("5.2", "9.2.2"), controls=())
    checklist.generate(audrey.ctx, audit)
    found = {i.subject_id: i for i in audit.checklist_items.all()}
    # 5.2 and 9.2.2 have lettered items: the checklist asks about each of them.
    assert "5.2" not in found and {"5.2.a", "5.2.g", "9.2.2.a", "9.2.2.c"} <= set(found)
    expected = found["5.2.a"].expected_documents
    assert expected[0] == "Required documented information: Information security policy"
    assert len(expected) > 1 and found["5.2.a"].questions


def test_it_regenerates_idempotently_without_dropping_results(items, fieldwork_audit, audrey):
    fieldwork.save_fieldwork(
        audrey.ctx, items["A.8.5"], {"result": "conforming", "methods": ["interview"]}
    )
    checklist.move_item(audrey.ctx, items["A.5.15"], "up")
    checklist.remove_item(audrey.ctx, items["7.2"], "Audited with HR")
    assert checklist.generate(audrey.ctx, fieldwork_audit) == []
    assert subjects(fieldwork_audit) == ["A.5.15", "7.2", "A.8.5"]
    assert ChecklistItem.objects.get(pk=items["A.8.5"].pk).result == "conforming"
    assert ChecklistItem.objects.get(pk=items["7.2"].pk).removed
    assert actions(fieldwork_audit.organization, "checklist") == ["generate", "move"]


def test_it_adds_new_scope_at_the_end_and_keeps_items_that_left_scope(items, fieldwork_audit):

    make_control("A.8.2", "Privileged access rights", "technological")
    AuditControl.objects.filter(audit=fieldwork_audit, control_id="A.8.5").delete()
    AuditControl.objects.create(audit=fieldwork_audit, control_id="A.8.2", reason="new")
    added = checklist.generate(OrgContext.system(fieldwork_audit.organization), fieldwork_audit)
    assert [i.subject_id for i in added] == ["A.8.2"]
    assert subjects(fieldwork_audit) == ["7.2", "A.5.15", "A.8.5", "A.8.2"]
    rows = {r.item.subject_id: r for r in checklist_rows.rows(fieldwork_audit, added)}
    assert rows["A.8.2"].in_scope
    left = checklist_rows.rows(fieldwork_audit, [items["A.8.5"]])[0]
    assert not left.in_scope


def test_it_asks_about_the_exclusion_of_a_control_the_soa_excludes(acme, audrey):
    from annexa.isms.models import SoAEntry

    audit = build_audit(acme, lead=audrey.user, requirements=(), controls=("A.5.15",))
    SoAEntry.objects.create(
        organization=acme, control_id="A.5.15", applicable=False, justification="No systems."
    )
    item = checklist.generate(audrey.ctx, audit)[0]
    assert "excludes this control" in item.questions[0]
    assert item.expected_documents == checklist.EXCLUDED_EVIDENCE


def test_it_lets_a_manager_generate_but_not_reshape(acme, isla, audrey):
    audit = build_audit(acme, lead=audrey.user, status=AuditStatus.PREPARING)
    assert len(checklist.generate(isla.ctx, audit)) == 3
    with pytest.raises(PermissionDenied, match="audit team"):
        checklist.add_item(isla.ctx, audit, "A.8.5", "Extra?")


def test_it_refuses_generation_after_fieldwork(fieldwork_audit, audrey):
    fieldwork_audit.status = AuditStatus.REPORTING
    fieldwork_audit.save()
    with pytest.raises(ValidationError, match="generate the checklist only while"):
        checklist.generate(audrey.ctx, fieldwork_audit)


def test_it_adds_an_adhoc_question_even_about_a_subject_with_an_item(
    items, fieldwork_audit, audrey
):
    item = checklist.add_item(
        audrey.ctx, fieldwork_audit, "a.8.5", "Are break-glass accounts exempt?", "Exemption list"
    )
    assert item.adhoc and item.control_id == "A.8.5"
    assert item.expected_documents == ["Exemption list"]
    assert subjects(fieldwork_audit)[-1] == "A.8.5"
    assert actions(fieldwork_audit.organization, "checklist_item") == ["add"]
    assert checklist.generate(audrey.ctx, fieldwork_audit) == []


def test_it_refuses_an_adhoc_question_without_subject_or_text(fieldwork_audit, audrey):
    with pytest.raises(ValidationError, match="Unknown requirement or control"):
        checklist.add_item(audrey.ctx, fieldwork_audit, "A.99.1", "Why?")
    with pytest.raises(ValidationError, match="Write the question"):
        checklist.add_item(audrey.ctx, fieldwork_audit, "7.2", "  ")


def test_it_removes_an_item_with_a_reason_and_keeps_it(items, audrey, fieldwork_audit):
    item = items["7.2"]
    with pytest.raises(ValidationError, match="Say why"):
        checklist.remove_item(audrey.ctx, item, " ")
    removed = checklist.remove_item(audrey.ctx, item, "Covered by HR audit IA-2026-02.")
    assert removed.removed and removed.version == 2
    assert ChecklistItem.objects.filter(pk=item.pk).exists()
    assert checklist_rows.progress(fieldwork_audit).total == 2
    restored = checklist.restore_item(audrey.ctx, item, expected_version=2)
    assert not restored.removed and restored.removal_reason == ""
    assert actions(fieldwork_audit.organization, "checklist_item") == ["remove", "restore"]


def test_it_refuses_a_removal_based_on_a_stale_version(items, audrey, isla):
    item = items["7.2"]
    fieldwork.save_fieldwork(isla.ctx, item, {"notes": "seen"}, expected_version=1)
    with pytest.raises(fieldwork.StaleVersionError):
        checklist.remove_item(audrey.ctx, item, "Out of scope", expected_version=1)


def test_it_moves_items_up_and_down_without_changing_versions(items, audrey, fieldwork_audit):
    assert checklist.move_item(audrey.ctx, items["A.8.5"], "up")
    assert subjects(fieldwork_audit) == ["7.2", "A.8.5", "A.5.15"]
    assert checklist.move_item(audrey.ctx, items["7.2"], "down")
    assert subjects(fieldwork_audit) == ["A.8.5", "7.2", "A.5.15"]
    assert not checklist.move_item(audrey.ctx, items["A.5.15"], "down")
    assert ChecklistItem.objects.get(pk=items["7.2"].pk).version == 1
    with pytest.raises(ValidationError):
        checklist.move_item(audrey.ctx, items["7.2"], "sideways")


def test_it_moves_past_removed_items(items, audrey, fieldwork_audit):
    checklist.remove_item(audrey.ctx, items["A.5.15"], "Not relevant")
    assert checklist.move_item(audrey.ctx, items["A.8.5"], "up")
    assert subjects(fieldwork_audit) == ["A.8.5", "A.5.15", "7.2"]


def test_it_filters_by_result_clause_theme_and_removal(items, audrey, fieldwork_audit):
    fieldwork.save_fieldwork(
        audrey.ctx, items["A.5.15"], {"result": "observation", "methods": ["interview"]}
    )
    checklist.remove_item(audrey.ctx, items["7.2"], "Elsewhere")
    base = checklist_rows.items_of(fieldwork_audit)

    def found(**params):
        return [i.subject_id for i in checklist_rows.filter_items(base, params)]

    assert found() == ["A.5.15", "A.8.5"]
    assert found(result="observation") == ["A.5.15"]
    assert found(result="none") == ["A.8.5"]
    assert found(clause="A", theme="technological") == ["A.8.5"]
    assert found(clause="7", removed="all") == ["7.2"]
    assert found(removed="yes") == ["7.2"]


def test_it_shows_evidence_on_file_with_freshness(items, audrey, fieldwork_audit):
    import datetime as dt

    from annexa.evidence.services import store

    store(
        audrey.ctx,
        chunks=[b"old"],
        filename="old.txt",
        title="Old review",
        controls=["A.5.15"],
        effective_date=dt.date(2020, 1, 1),
        valid_days=30,
    )
    store_text(audrey.ctx, "new", controls=["A.5.15"])
    row = checklist_rows.rows(fieldwork_audit, [items["A.5.15"]])[0]
    assert sorted(f.freshness for f in row.on_file) == ["no_expiry", "stale"]
    assert row.stale_on_file == 1
    assert row.automated == [] == checklist_rows.automated_results(items["A.5.15"])


def test_it_counts_evidence_filed_under_a_parent_requirement(acme, audrey):
    from annexa.catalog.choices import RequirementKind
    from annexa.catalog.ids import sort_key
    from annexa.catalog.models import Requirement

    audit = build_audit(acme, lead=audrey.user, requirements=("7.2",), controls=())
    parent = Requirement.objects.get(pk="7.2")
    Requirement.objects.create(
        id="7.2.a",
        title="Competence needed",
        parent=parent,
        kind=RequirementKind.ITEM,
        clause=7,
        sort_key=sort_key("7.2.a"),
    )
    Requirement.objects.filter(pk="7.2").update(auditable=False)
    [item] = checklist.generate(audrey.ctx, audit)
    assert item.requirement_id == "7.2.a"
    store_text(audrey.ctx, "competence matrix", requirements=["7.2"])
    row = checklist_rows.rows(audit, [item])[0]
    assert [f.title for f in row.on_file] == ["note.txt"]
