"""Fixtures of the checklist, fieldwork, sampling and request tests (import them by name).

Import the fixtures with ``from annexa.audits.tests.fieldwork_fixtures import *`` (only they
are exported) and the helpers by name. ``fieldwork_audit`` is a small audit of Acme in
fieldwork, without the full catalog: scope 7.2 (a requirement) and A.8.5 and A.5.15
(controls), Audrey as lead auditor and Isla on the team, Colin owning A.8.5 in the SoA.
``items`` generates its three checklist items.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone

from annexa.audits.choices import AuditStatus, TeamRole
from annexa.audits.models import Audit, AuditControl, AuditRequirement, AuditTeamMember
from annexa.audits.services import checklist as checklist_service
from annexa.audits.tests.factories import make_programme, sample_control, sample_requirement
from annexa.catalog.choices import Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control
from annexa.core.tenancy import OrgContext
from annexa.ledger.models import LedgerEntry

__all__ = ["fieldwork_audit", "items"]

QUESTIONS = {
    "7.2": ["How does the organization decide which competence each ISMS role needs?"],
    "A.8.5": ["Which systems enforce multi-factor authentication, and how is that checked?"],
    "A.5.15": ["Who approves access rights, and where is the approval recorded?"],
}
EVIDENCE = {
    "7.2": ["Competence matrix per role"],
    "A.8.5": ["Identity provider MFA policy export"],
    "A.5.15": ["Access control policy", "Access request tickets"],
}


def make_control(control_id: str, title: str, theme: str) -> Control:
    control, _ = Control.objects.get_or_create(
        id=control_id, defaults={"title": title, "theme": theme, "sort_key": sort_key(control_id)}
    )
    return control


def build_audit(
    org,
    *,
    lead,
    members=(),
    status: str = AuditStatus.FIELDWORK,
    requirements=("7.2",),
    controls=("A.8.5", "A.5.15"),
    reference: str = "IA-2026-01",
) -> Audit:
    """An audit of ``org`` with the given scope and team, already in ``status``."""
    sample_requirement()
    sample_control()
    make_control("A.5.15", "Access control", Theme.ORGANIZATIONAL)
    audit = Audit.objects.create(
        organization=org,
        programme=make_programme(org),
        reference=reference,
        title="Access management",
        planned_start=dt.date(2026, 3, 2),
        planned_end=dt.date(2026, 3, 6),
        status=status,
    )
    for rid in requirements:
        AuditRequirement.objects.create(audit=audit, requirement_id=rid, reason="test")
    for cid in controls:
        AuditControl.objects.create(audit=audit, control_id=cid, reason="test")
    AuditTeamMember.objects.create(audit=audit, user=lead, role=TeamRole.LEAD)
    for user in members:
        AuditTeamMember.objects.create(audit=audit, user=user)
    return audit


def set_catalog_text() -> None:
    """Our questions and expected evidence on the minimal catalog rows."""
    from annexa.catalog.models import Requirement

    for subject, questions in QUESTIONS.items():
        model = Control if subject.startswith("A.") else Requirement
        model.objects.filter(pk=subject).update(questions=questions, evidence=EVIDENCE[subject])


@pytest.fixture
def fieldwork_audit(acme, audrey, isla, colin, vera) -> Audit:
    from annexa.isms.models import SoAEntry

    audit = build_audit(acme, lead=audrey.user, members=[isla.user])
    set_catalog_text()
    SoAEntry.objects.create(
        organization=acme,
        control_id="A.8.5",
        applicable=True,
        justification="Remote access to production.",
        control_owner=colin.user,
    )
    return audit


@pytest.fixture
def items(fieldwork_audit) -> dict:
    """The generated items of ``fieldwork_audit`` by subject (7.2, A.5.15, A.8.5 in order)."""
    checklist_service.generate(OrgContext.system(fieldwork_audit.organization), fieldwork_audit)
    return {i.subject_id: i for i in fieldwork_audit.checklist_items.all()}


def store_text(ctx: OrgContext, text: str, *, filename: str = "note.txt", **links):
    """A piece of evidence with ``text`` as its content (its first version)."""
    from annexa.evidence import services

    return services.store(ctx, chunks=[text.encode()], filename=filename, **links)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A workbook with ``rows`` (the first is the header), cells typed as given."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def actions(org, object_type: str) -> list[str]:
    return list(
        LedgerEntry.objects.filter(organization=org, object_type=object_type)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def populate_large_checklist(org, lead, *, items: int = 200, evidence: int = 2000) -> Audit:
    """An audit in fieldwork with ``items`` control items and ``evidence`` pieces of evidence,
    each on file for one item's control and linked to that item (rows written in bulk)."""
    ids = [f"A.99.{n}" for n in range(1, items + 1)]
    for control_id in ids:
        make_control(control_id, f"Synthetic control {control_id}", Theme.TECHNOLOGICAL)
    audit = build_audit(org, lead=lead, requirements=(), controls=ids, reference="IA-2026-90")
    checklist_service.generate(OrgContext.system(org), audit)
    return attach_bulk_evidence(audit, evidence)


def attach_bulk_evidence(audit: Audit, count: int) -> Audit:
    """``count`` evidence items spread over the audit's items: on file and linked."""
    from annexa.audits.models import ChecklistItem
    from annexa.evidence.models import Evidence, EvidenceVersion

    org = audit.organization
    targets = list(ChecklistItem.objects.filter(audit=audit).order_by("order"))
    now = timezone.now()
    pieces = Evidence.objects.bulk_create(
        Evidence(organization=org, title=f"Export {n:05d}") for n in range(count)
    )
    versions = EvidenceVersion.objects.bulk_create(
        EvidenceVersion(
            organization=org,
            evidence=piece,
            number=1,
            sha256=hashlib.sha256(piece.title.encode()).hexdigest(),
            size=len(piece.title),
            media_type="text/plain",
            filename=f"{piece.title}.txt",
            source="upload",
            collected_at=now,
            effective_date=now.date(),
            valid_until=now.date() + dt.timedelta(days=30 if n % 2 else -1),
        )
        for n, piece in enumerate(pieces)
    )
    for piece, version in zip(pieces, versions, strict=True):
        piece.current_version = version
    Evidence.objects.bulk_update(pieces, ["current_version"])
    controls = Evidence.controls.through
    requirements = Evidence.requirements.through
    linked = ChecklistItem.evidence.through
    control_links, requirement_links, item_links = [], [], []
    for n, (piece, version) in enumerate(zip(pieces, versions, strict=True)):
        item = targets[n % len(targets)]
        if item.control_id:
            control_links.append(controls(evidence=piece, control_id=item.control_id))
        else:
            requirement_links.append(
                requirements(evidence=piece, requirement_id=item.requirement_id)
            )
        item_links.append(linked(checklistitem=item, evidenceversion=version))
    controls.objects.bulk_create(control_links)
    requirements.objects.bulk_create(requirement_links)
    linked.objects.bulk_create(item_links)
    return audit
