"""Factories of the audits app for the all-routes access test (``tests/test_access.py``).

Each builds a complete object in the given organization without the full catalog (the ids
used are created when missing). ``feed_token`` issues a calendar feed token for the
organization and returns it, so the public feed route can be requested with a valid token.
Through-models (scope rows, team members) are not organization-owned: they come with ``Audit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from annexa.audits.choices import (
    ChecklistResult,
    MilestoneKind,
    PopulationSource,
    SamplingRule,
    TeamRole,
)
from annexa.audits.models import (
    Audit,
    AuditControl,
    AuditProgramme,
    AuditRequirement,
    AuditTeamMember,
    CalendarFeed,
    ChecklistItem,
    CoverageGapReason,
    EvidenceRequest,
    ExternalMilestone,
    IndependenceOverride,
    RequirementOwner,
    Sample,
    SampleRecord,
)
from annexa.audits.services import feeds
from annexa.catalog.choices import RequirementKind, Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control, Requirement
from annexa.core.tenancy import OrgContext
from annexa.orgs.choices import Role
from annexa.orgs.models import Membership, Organization, User

SAMPLE_CONTROL = "A.8.5"
SAMPLE_REQUIREMENT = "7.2"
START = dt.date(2026, 1, 1)


def sample_control() -> Control:
    control, _ = Control.objects.get_or_create(
        id=SAMPLE_CONTROL,
        defaults={
            "title": "Secure authentication",
            "theme": Theme.TECHNOLOGICAL,
            "sort_key": sort_key(SAMPLE_CONTROL),
        },
    )
    return control


def sample_requirement() -> Requirement:
    clause, _ = Requirement.objects.get_or_create(
        id="7",
        defaults={
            "title": "Support",
            "kind": RequirementKind.CLAUSE,
            "clause": 7,
            "sort_key": sort_key("7"),
        },
    )
    requirement, _ = Requirement.objects.get_or_create(
        id=SAMPLE_REQUIREMENT,
        defaults={
            "title": "Competence",
            "parent": clause,
            "kind": RequirementKind.SUBCLAUSE,
            "clause": 7,
            "sort_key": sort_key(SAMPLE_REQUIREMENT),
        },
    )
    return requirement


def member(org: Organization, role: str = Role.AUDITOR) -> User:
    user = User.objects.create_user(f"{uuid.uuid4().hex[:10]}@{org.slug}.test")
    Membership.objects.create(user=user, organization=org, role=role)
    return user


def make_programme(org: Organization) -> AuditProgramme:
    programme = AuditProgramme.objects.create(
        organization=org,
        title=f"Programme {uuid.uuid4().hex[:6]}",
        start_date=START,
        end_date=dt.date(2028, 12, 31),
    )
    ExternalMilestone.objects.create(
        organization=org, programme=programme, kind=MilestoneKind.STAGE_1, date=dt.date(2026, 4, 1)
    )
    return programme


def make_milestone(org: Organization) -> ExternalMilestone:
    return make_programme(org).milestones.get()


def make_audit(org: Organization) -> Audit:
    programme = make_programme(org)
    number = Audit.objects.for_org(org).count() + 1
    audit = Audit.objects.create(
        organization=org,
        programme=programme,
        reference=f"IA-2026-{number:02d}",
        title="Access management",
        planned_start=dt.date(2026, 3, 2),
        planned_end=dt.date(2026, 3, 6),
    )
    AuditRequirement.objects.create(audit=audit, requirement=sample_requirement(), reason="test")
    AuditControl.objects.create(audit=audit, control=sample_control(), reason="test")
    AuditTeamMember.objects.create(audit=audit, user=member(org), role=TeamRole.LEAD)
    return audit


def make_gap_reason(org: Organization) -> CoverageGapReason:
    return CoverageGapReason.objects.create(
        organization=org,
        programme=make_programme(org),
        control=sample_control(),
        reason="Covered by the external penetration test this cycle.",
    )


def make_feed(org: Organization) -> CalendarFeed:
    feed_token(org)
    return CalendarFeed.objects.get(organization=org)


def feed_token(org: Organization) -> str:
    return feeds.rotate(OrgContext.system(org))


def make_requirement_owner(org: Organization) -> RequirementOwner:
    RequirementOwner.objects.filter(organization=org, requirement=sample_requirement()).delete()
    return RequirementOwner.objects.create(
        organization=org, requirement=sample_requirement(), user=member(org, Role.CONTROL_OWNER)
    )


def make_override(org: Organization) -> IndependenceOverride:
    audit = make_audit(org)
    return IndependenceOverride.objects.create(
        organization=org,
        audit=audit,
        auditor=audit.lead_auditor,
        conflict_key=f"control:{SAMPLE_CONTROL}",
        conflict=f"owns control {SAMPLE_CONTROL}",
        justification="The only engineer who can read the configuration; reviewed by a second.",
    )


def make_checklist_item(org: Organization) -> ChecklistItem:
    return ChecklistItem.objects.create(
        organization=org,
        audit=make_audit(org),
        order=1,
        control=sample_control(),
        questions=["How are strong authentication methods chosen and enforced?"],
        result=ChecklistResult.CONFORMING,
    )


def make_sample(org: Organization) -> Sample:
    population = ["user-1", "user-2", "user-3"]
    digest = hashlib.sha256(json.dumps(population).encode()).hexdigest()
    return Sample.objects.create(
        organization=org,
        item=make_checklist_item(org),
        population_source=PopulationSource.UPLOADED_LIST,
        population=population,
        population_sha256=digest,
        rule=SamplingRule.JUDGEMENT,
        rationale="Small population: every account is examined.",
        computed_size=3,
        seed="factory",
        selected_indices=[0, 1, 2],
    )


def make_sample_record(org: Organization) -> SampleRecord:
    sample = make_sample(org)
    return SampleRecord.objects.create(
        organization=org, sample=sample, population_index=0, label=sample.population[0]
    )


def make_evidence_request(org: Organization) -> EvidenceRequest:
    return EvidenceRequest.objects.create(
        organization=org,
        item=make_checklist_item(org),
        assignee=member(org, Role.CONTROL_OWNER),
        description="The MFA enforcement settings of the identity provider.",
    )


FACTORIES = {
    AuditProgramme: make_programme,
    ExternalMilestone: make_milestone,
    CoverageGapReason: make_gap_reason,
    CalendarFeed: make_feed,
    Audit: make_audit,
    RequirementOwner: make_requirement_owner,
    IndependenceOverride: make_override,
    ChecklistItem: make_checklist_item,
    Sample: make_sample,
    SampleRecord: make_sample_record,
    EvidenceRequest: make_evidence_request,
}
ROUTE_KWARGS = {"feed_token": feed_token}
