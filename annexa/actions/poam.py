"""The organization's corrective actions as an OSCAL plan of action and milestones (POA&M).

OSCAL 1.1.2 JSON. Each finding that was opened becomes an OSCAL ``finding`` with an
``observation`` carrying its objective evidence (the evidence versions, with their SHA-256, are
``back-matter`` resources); each nonconformity, and each action without a finding, becomes a
``risk`` whose ``remediations`` are the corrective actions, with milestones from their due
dates (and from implementation and closure once they happened). Each corrective action is a
``poam-item`` relating its finding, observation and risk; a nonconformity still without an
action is an item too, so nothing open is missing from the plan.

Identifiers are UUID v5 derived from the objects' own uids, so the same object keeps the same
OSCAL uuid from one export to the next.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from annexa.actions.choices import ActionStatus
from annexa.actions.models import CorrectiveAction
from annexa.findings.choices import FindingStatus
from annexa.findings.models import Finding

OSCAL_VERSION = "1.1.2"
# Annexa's namespace for UUID v5 identifiers in OSCAL documents (fixed forever).
NAMESPACE = uuid.UUID("4a9f3b7e-2c51-4d8a-9e0f-6b1d2c3e4f50")
METHODS = {
    "document_review": "EXAMINE",
    "observation": "EXAMINE",
    "sampling": "EXAMINE",
    "interview": "INTERVIEW",
    "technical_test": "TEST",
}
RISK_STATUS = {
    FindingStatus.OPEN: "open",
    FindingStatus.IN_PROGRESS: "remediating",
    FindingStatus.ACKNOWLEDGED: "open",
    FindingStatus.CLOSED: "closed",
}


class PoamEmpty(Exception):
    """There is nothing to put in a plan of action yet."""


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def timestamp(value: dt.datetime | dt.date) -> str:
    """An OSCAL date-time (always with its time zone); a date is taken at 00:00 UTC."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0, 0), tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def target_id(subject: str) -> str:
    """An OSCAL token for a control (``A.8.5``) or a clause (``clause-9.2``)."""
    return subject if subject[:1].isalpha() else f"clause-{subject}"


class _Builder:
    """Collects the parts of one document; every method returns OSCAL JSON fragments."""

    def __init__(self, org) -> None:
        self.org = org
        self.parties: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, dict[str, Any]] = {}

    def party(self, user) -> str:
        party_uuid = stable_uuid("party", self.org.uid, user.email)
        self.parties.setdefault(
            party_uuid,
            # The address is the name when there is no other: validators of OSCAL's e-mail
            # type refuse internal domains (.local, .test), which real members have.
            {"uuid": party_uuid, "type": "person", "name": user.full_name or user.email},
        )
        return party_uuid

    def origins(self, user, role: str) -> list[dict[str, Any]] | None:
        if user is None:
            return None
        return [{"actors": [{"type": "party", "actor-uuid": self.party(user), "role-id": role}]}]

    def resource(self, version) -> str:
        resource_uuid = stable_uuid("resource", version.uid)
        path = reverse("evidence:download", kwargs={"org": self.org.slug, "pk": version.pk})
        self.resources.setdefault(
            resource_uuid,
            {
                "uuid": resource_uuid,
                "title": f"{version.evidence.title} v{version.number} ({version.filename})",
                "rlinks": [
                    {
                        "href": f"{settings.BASE_URL.rstrip('/')}{path}",
                        "media-type": version.media_type,
                        "hashes": [{"algorithm": "SHA-256", "value": version.sha256}],
                    }
                ],
            },
        )
        return resource_uuid

    # --- per finding --------------------------------------------------------------------------

    def observation(self, finding: Finding) -> dict[str, Any]:
        item = finding.checklist_item
        methods = sorted({METHODS[m] for m in (item.methods if item else []) if m in METHODS})
        if not methods:
            methods = ["TEST"] if finding.origin == "monitoring" else ["EXAMINE"]
        evidence = [
            {
                "href": f"#{self.resource(v)}",
                "description": f"{v.evidence.title} version {v.number}, SHA-256 {v.sha256}",
            }
            for v in finding.evidence.all()
        ]
        return _clean(
            {
                "uuid": stable_uuid("observation", finding.uid),
                "title": f"{finding.reference} objective evidence",
                "description": finding.statement,
                "methods": methods,
                "types": ["finding"],
                "origins": self.origins(finding.raised_by, "assessor"),
                "relevant-evidence": evidence or None,
                "collected": timestamp(finding.raised_at),
            }
        )

    def finding(self, finding: Finding, has_risk: bool) -> dict[str, Any]:
        subject = finding.subject_id
        satisfied = not (finding.is_nonconformity and finding.status != FindingStatus.CLOSED)
        remarks = f"Status: {finding.get_status_display()}."
        if finding.raised_in_id:
            remarks += f" Raised in audit {finding.raised_in.reference}."
        if finding.closed_in_id:
            remarks += f" Closed in audit {finding.closed_in.reference}."
        return _clean(
            {
                "uuid": stable_uuid("finding", finding.uid),
                "title": f"{finding.reference} {finding.title}",
                "description": f"{finding.get_grade_display()}: {finding.statement}",
                "origins": self.origins(finding.raised_by, "assessor"),
                "target": {
                    "type": "objective-id",
                    "target-id": target_id(subject),
                    "title": subject,
                    "status": {"state": "satisfied" if satisfied else "not-satisfied"},
                },
                "related-observations": [
                    {"observation-uuid": stable_uuid("observation", finding.uid)}
                ],
                "related-risks": [{"risk-uuid": stable_uuid("risk", finding.uid)}]
                if has_risk
                else None,
                "remarks": remarks,
            }
        )

    def finding_risk(self, finding: Finding, actions: list[CorrectiveAction]) -> dict[str, Any]:
        nature = finding.get_nature_display() if finding.nature else "not stated"
        pending = [a.due_date for a in actions if a.status != ActionStatus.CLOSED]
        return _clean(
            {
                "uuid": stable_uuid("risk", finding.uid),
                "title": f"{finding.reference} {finding.title}",
                "description": finding.statement,
                "statement": f"{finding.get_grade_display()} against {finding.subject_id}; "
                f"nature of the gap: {nature}. {finding.requirement_statement}".strip(),
                "status": RISK_STATUS.get(finding.status, "open"),
                "deadline": timestamp(min(pending)) if pending else None,
                "remediations": [self.remediation(a) for a in actions] or None,
                "related-observations": [
                    {"observation-uuid": stable_uuid("observation", finding.uid)}
                ],
            }
        )

    # --- per action ---------------------------------------------------------------------------

    def action_risk(self, action: CorrectiveAction) -> dict[str, Any]:
        source = action.get_source_display()
        return _clean(
            {
                "uuid": stable_uuid("risk", action.uid),
                "title": f"{action.reference} {action.title}",
                "description": action.correction or action.plan,
                "statement": f"Raised from: {source}. {action.source_reference}".strip(),
                "status": "closed" if action.status == ActionStatus.CLOSED else "remediating",
                "deadline": timestamp(action.due_date)
                if action.status != ActionStatus.CLOSED
                else None,
                "remediations": [self.remediation(action)],
            }
        )

    def remediation(self, action: CorrectiveAction) -> dict[str, Any]:
        done = action.status in (ActionStatus.VERIFIED_EFFECTIVE, ActionStatus.CLOSED)
        return _clean(
            {
                "uuid": stable_uuid("response", action.uid),
                "lifecycle": "completed" if done else "planned",
                "title": f"{action.reference} {action.title}",
                "description": action.plan,
                "origins": self.origins(action.owner, "action-owner"),
                "tasks": self.milestones(action),
                "remarks": f"Plan revision {action.plan_revision}.",
            }
        )

    def milestones(self, action: CorrectiveAction) -> list[dict[str, Any]]:
        steps = [("due", "Implementation due", action.due_date)]
        if action.implemented_at:
            steps.append(("implemented", "Implemented", action.implemented_at))
        if action.closed_at:
            steps.append(("closed", "Verified effective and closed", action.closed_at))
        return [
            {
                "uuid": stable_uuid("milestone", action.uid, key),
                "type": "milestone",
                "title": title,
                "timing": {"on-date": {"date": timestamp(when)}},
            }
            for key, title, when in steps
        ]

    def item(self, action: CorrectiveAction | None, finding: Finding | None) -> dict[str, Any]:
        related: dict[str, Any] = {}
        if finding is not None:
            related["related-findings"] = [{"finding-uuid": stable_uuid("finding", finding.uid)}]
            related["related-observations"] = [
                {"observation-uuid": stable_uuid("observation", finding.uid)}
            ]
            related["related-risks"] = [{"risk-uuid": stable_uuid("risk", finding.uid)}]
        if action is None:
            return {
                "uuid": stable_uuid("poam-item", finding.uid),
                "title": f"{finding.reference}: corrective action to be planned",
                "description": finding.statement,
                "remarks": "No corrective action has been raised for this nonconformity yet.",
                **related,
            }
        if finding is None:
            related["related-risks"] = [{"risk-uuid": stable_uuid("risk", action.uid)}]
        return _clean(
            {
                "uuid": stable_uuid("poam-item", action.uid),
                "title": f"{action.reference} {action.title}",
                "description": action.plan,
                "origins": self.origins(action.owner, "action-owner"),
                "remarks": f"Status: {action.get_status_display()}. Owner: {action.owner.email}. "
                f"Due {action.due_date.isoformat()}. Root cause: {action.root_cause or '—'}",
                **related,
            }
        )


def _clean(fragment: dict[str, Any]) -> dict[str, Any]:
    """Drop empty members: OSCAL forbids empty arrays."""
    return {k: v for k, v in fragment.items() if v not in (None, [], "")}


def _findings(org) -> list[Finding]:
    return list(
        Finding.objects.for_org(org)
        .exclude(status__in=(FindingStatus.DRAFT, FindingStatus.WITHDRAWN))
        .select_related("raised_by", "raised_in", "closed_in", "checklist_item")
        .prefetch_related(
            Prefetch("evidence", queryset=_versions()),
            Prefetch("corrective_actions", queryset=_actions()),
        )
        .order_by("number")
    )


def _versions():
    from annexa.evidence.models import EvidenceVersion

    return EvidenceVersion.objects.select_related("evidence").order_by("evidence_id", "number")


def _actions():
    return CorrectiveAction.objects.select_related("owner").order_by("number")


def build_poam(org, now: dt.datetime | None = None) -> dict[str, Any]:
    """The POA&M document (as JSON-ready data); ``PoamEmpty`` when there is nothing in it."""
    builder = _Builder(org)
    findings = _findings(org)
    loose = list(_actions().filter(organization=org, finding__isnull=True))
    observations, oscal_findings, risks, items = [], [], [], []
    for finding in findings:
        actions = list(finding.corrective_actions.all())
        observations.append(builder.observation(finding))
        oscal_findings.append(builder.finding(finding, finding.is_nonconformity))
        if finding.is_nonconformity:
            risks.append(builder.finding_risk(finding, actions))
            items += [builder.item(a, finding) for a in actions]
            if not actions and finding.status != FindingStatus.CLOSED:
                items.append(builder.item(None, finding))
    for action in loose:
        risks.append(builder.action_risk(action))
        items.append(builder.item(action, None))
    if not items:
        raise PoamEmpty(
            f"{org.name} has no corrective action and no open nonconformity: there is no plan "
            "of action to export yet."
        )
    document = {
        "uuid": stable_uuid("poam", org.uid),
        "metadata": _metadata(org, builder, now or timezone.now(), len(items)),
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122", "id": str(org.uid)},
        "observations": observations,
        "risks": risks,
        "findings": oscal_findings,
        "poam-items": items,
        "back-matter": {"resources": list(builder.resources.values())},
    }
    if not builder.resources:
        del document["back-matter"]
    return {"plan-of-action-and-milestones": _clean(document)}


def _metadata(org, builder: _Builder, now: dt.datetime, count: int) -> dict[str, Any]:
    org_party = stable_uuid("party", org.uid)
    return {
        "title": f"{org.name}: plan of action and milestones",
        "last-modified": timestamp(now),
        "version": now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "oscal-version": OSCAL_VERSION,
        "roles": [
            {"id": "assessor", "title": "Internal auditor who raised the finding"},
            {"id": "action-owner", "title": "Owner of the corrective action"},
        ],
        "parties": [
            {"uuid": org_party, "type": "organization", "name": org.name},
            *sorted(builder.parties.values(), key=lambda p: p["uuid"]),
        ],
        "remarks": f"Exported by Annexa: {count} plan item(s).",
    }
