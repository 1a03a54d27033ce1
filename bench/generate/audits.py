"""The audit programme: twelve full-scope audits over three years with their checklists (the
audit services and ``checklist.generate``), their fieldwork results, and the findings raised in
them (inserted in bulk as the findings service stores them, citing the linked evidence)."""

from __future__ import annotations

import datetime as dt

from bench.generate.state import AUDITS, PAGE_AUDIT_ITEMS, Build


def build_audits(b: Build) -> None:
    from annexa.audits.choices import AuditKind, AuditStatus, TeamRole
    from annexa.audits.models import Audit, AuditTeamMember, ChecklistItem
    from annexa.audits.services import audits, checklist, programme
    from annexa.audits.services.scope import Scope
    from annexa.catalog.models import Control, Requirement

    requirements = list(
        Requirement.objects.filter(auditable=True).order_by("sort_key").values_list("id", flat=True)
    )
    controls = list(Control.objects.order_by("sort_key").values_list("id", flat=True))
    first = b.today - dt.timedelta(days=3 * 365)
    cycle = programme.create_programme(b.ctx, start_date=first, years=3)
    scope = Scope(
        requirements={r: "Full scope" for r in requirements},
        controls={c: "Full scope" for c in controls},
    )
    b.audits = []
    for n in range(AUDITS):
        start = first + dt.timedelta(days=n * 91 + 14)
        audit = audits.create_audit(
            b.ctx,
            cycle,
            title=f"Full-scope internal audit {n + 1}",
            planned_start=start,
            planned_end=start + dt.timedelta(days=9),
            kind=AuditKind.INTERNAL_FULL,
            objectives="Confirm that the ISMS conforms and is effectively implemented.",
            scope=scope,
        )
        AuditTeamMember.objects.create(
            audit=audit, user=b.users[f"auditor{n % 8 + 1}"], role=TeamRole.LEAD
        )
        checklist.generate(b.ctx, audit)
        b.audits.append(audit)
    # The checklist measured by bench_scale: 250 items (224 generated, 26 ad hoc).
    b.page_audit, b.report_audit = b.audits[-2], b.audits[-3]
    order = ChecklistItem.objects.filter(audit=b.page_audit).count()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            organization=b.org,
            audit=b.page_audit,
            order=order + k + 1,
            control_id=controls[k],
            adhoc=True,
            questions=[f"Ad hoc question {k + 1}: is the latest change reviewed?"],
        )
        for k in range(max(0, PAGE_AUDIT_ITEMS - order))
    )
    statuses = [AuditStatus.CLOSED] * (AUDITS - 3)
    statuses += [AuditStatus.REPORTING, AuditStatus.FIELDWORK, AuditStatus.PLANNED]
    for audit, status in zip(b.audits, statuses, strict=True):
        Audit.objects.filter(pk=audit.pk).update(status=status)
        audit.status = status
    results = ["conforming"] * 12 + ["observation", "ofi", "not_audited"]
    for audit in b.audits[: AUDITS - 1]:
        items = list(ChecklistItem.objects.filter(audit=audit))
        for item in items:
            item.result = b.rng.choice(results)
            item.notes = "Examined the records of the period and interviewed the owner."
        ChecklistItem.objects.bulk_update(items, ["result", "notes"], batch_size=1000)


def build_findings(b: Build) -> None:
    """200 findings in the report audit, each citing 25 of its evidence versions; the rest
    spread over the closed audits, each citing evidence of its own checklist item."""
    from annexa.audits.models import ChecklistItem
    from annexa.findings.models import Finding
    from annexa.findings.services.raising import OBJECT_TYPE
    from annexa.ledger.services import Record

    total = b.size["findings"]
    in_report = min(b.size["report findings"], total)
    closed = b.audits[: AUDITS - 3]
    rest = total - in_report
    plan = [(b.report_audit, in_report)]
    plan += [(a, rest // len(closed) + (i < rest % len(closed))) for i, a in enumerate(closed)]
    number, findings, citations, records = 0, [], [], []
    for audit, count in plan:
        items = list(ChecklistItem.objects.filter(audit=audit, adhoc=False).order_by("order"))
        count = min(count, len(items))
        versions = b.versions_of.get(audit.pk, [])
        per = len(versions) // count if count else 0
        for k in range(count):
            number += 1
            grade = (
                "major_nc"
                if number % 20 == 0
                else b.rng.choice(("minor_nc", "minor_nc", "observation", "ofi"))
            )
            item = items[k]
            item.result = grade
            finding = Finding(
                organization=b.org,
                uid=b.uid(),
                number=number,
                title=f"Gap {number}: records incomplete",
                grade=grade,
                status="closed" if audit.status == "closed" else "open",
                origin="checklist",
                requirement_id=item.requirement_id,
                control_id=item.control_id,
                requirement_statement="The records are kept for every change.",
                statement=f"{number % 7 + 1} of 25 sampled records had no approval.",
                nature="ineffective",
                checklist_item=item,
                raised_in=audit,
                raised_by=b.auditor,
                raised_at=dt.datetime.combine(audit.planned_end, dt.time(15), tzinfo=dt.UTC),
            )
            findings.append(finding)
            cited = versions[k * per : (k + 1) * per] if audit == b.report_audit else []
            citations += [(finding, v) for v in cited]
            records.append(
                Record(
                    OBJECT_TYPE,
                    str(finding.uid),
                    "raise",
                    {
                        "number": number,
                        "grade": grade,
                        "audit": str(audit.uid),
                        "subject": item.requirement_id or item.control_id,
                        "evidence": [str(v.uid) for _, v in citations[-len(cited) :]]
                        if cited
                        else [],
                    },
                )
            )
        ChecklistItem.objects.bulk_update(items[:count], ["result"], batch_size=1000)
    from django.db import transaction

    with transaction.atomic():
        Finding.objects.bulk_create(findings, batch_size=1000)
        through = Finding.evidence.through
        through.objects.bulk_create(
            (through(finding=f, evidenceversion=v) for f, v in citations), batch_size=5000
        )
        b.append(records)
