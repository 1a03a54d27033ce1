"""The demo's register (``annexa demo``): Kestrel's assets, about forty risks consistent with its
Statement of Applicability (one deliberate, visible conflict), residual risks accepted only by
roles the methodology allows, overdue treatment, assessment records, a dozen suppliers (one
with an expired ISO/IEC 27001 certificate) — and dates that fit the rest of the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from annexa.audits.models import AuditProgramme
from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.isms.models import SoAEntry
from annexa.ledger.models import LedgerEntry
from annexa.orgs.models import Membership
from annexa.reviews.models import ManagementReview
from annexa.risks.choices import RiskStatus
from annexa.risks.demo import build_risks_demo, demo_data, next_review
from annexa.risks.models import (
    Asset,
    Risk,
    RiskAssessment,
    Supplier,
    TreatmentAction,
)
from annexa.risks.services import reporting, soa, suppliers

pytestmark = pytest.mark.django_db

# The one control a treatment chooses although the SoA excludes it, on purpose: the spring
# reassessment's malware risk calls for web filtering, which the first assessment had ruled out.
DELIBERATE_CONFLICT = "A.8.23"


@pytest.fixture
def demo(catalog):
    from annexa.cli.demo import PEOPLE, build_demo
    from annexa.ledger.keys import ensure_signing_key
    from annexa.orgs.models import User

    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        org, created = build_demo()
    assert created
    people = {p.key: User.objects.get(email=p.email) for p in PEOPLE}
    return org, people


def test_the_demo_register_is_realistic_and_consistent(demo):
    """One build, every property (a build costs seconds)."""
    org, people = demo
    today = timezone.localdate()

    assets = list(Asset.objects.for_org(org).select_related("classification"))
    assert 15 <= len(assets) <= 22
    assert all(a.owner_id and a.classification_id for a in assets)
    assert {a.source for a in assets} == {"scope", "manual"}
    assert {a.kind for a in assets} >= {"information", "system", "service", "people", "location"}
    assert any(a.value_c == 5 for a in assets) and any(a.value_a == 2 for a in assets)

    risks = list(Risk.objects.for_org(org).prefetch_related("controls", "assets", "actions"))
    assert 38 <= len(risks) <= 45
    assert all(r.threat and r.vulnerability and r.consequence and r.assets.exists() for r in risks)
    assert all(r.methodology.version == 1 for r in risks)
    roles = dict(Membership.objects.filter(organization=org).values_list("user_id", "role"))
    assert {roles[r.owner_id] for r in risks} <= {"owner", "isms_manager", "control_owner"}

    # Consistent with the SoA: every chosen control applicable, but the one deliberate conflict,
    # which the risk's plan says in words; nothing undecided, so nothing proposed.
    proposals, conflicts = soa.proposals_and_conflicts(org)
    assert proposals == []
    assert [c.control_id for c in conflicts] == [DELIBERATE_CONFLICT]
    [conflicting] = conflicts[0].risks
    assert DELIBERATE_CONFLICT in conflicting.treatment_plan
    assert "revisited at the next SoA approval" in conflicting.treatment_plan
    applicable = set(
        SoAEntry.objects.for_org(org).filter(applicable=True).values_list("control_id", flat=True)
    )
    chosen = {c.id for r in risks for c in r.controls.all()}
    assert chosen - applicable == {DELIBERATE_CONFLICT}
    assert {r.treatment for r in risks} == {"modify", "retain", "avoid", "share", ""}

    # Above the threshold, accepted, overdue: some of each.
    above = reporting.above_threshold(org)
    assert 3 <= len(above) <= 6
    accepted = [r for r in risks if r.is_accepted]
    assert len(accepted) >= 15
    for risk in accepted:  # only by the risk owner, in a role the methodology allows
        band = risk.methodology.band(risk.residual_score)
        assert risk.accepted_by_id == risk.owner_id
        assert risk.acceptance["role"] == roles[risk.owner_id] in band["accept_roles"]
        assert not risk.acceptance["above_threshold"] or risk.acceptance["reason"]
    assert any(r.is_accepted for r in above)  # one accepted above the threshold, with why
    assert 3 <= len(reporting.overdue_actions(org)) <= 8
    assert 3 <= len(reporting.overdue_reviews(org)) <= 8
    statuses = {r.status for r in risks}
    assert {RiskStatus.TREATED, RiskStatus.TREATMENT_PLANNED, RiskStatus.ASSESSED} <= statuses
    for risk in risks:
        pending = [a for a in risk.actions.all() if a.status in ("open", "in_progress")]
        assert (risk.status == RiskStatus.TREATED) == (risk.is_accepted and not pending)

    # The assessment records: the initial one before the programme's cycle began, the
    # reassessment before the management review; each lists what it identified or changed.
    initial, spring = RiskAssessment.objects.for_org(org).order_by("held_on")
    programme = AuditProgramme.objects.for_org(org).get()
    review = ManagementReview.objects.for_org(org).get()
    assert initial.held_on < programme.start_date
    assert programme.start_date < spring.held_on < review.held_on
    assert initial.participants.count() == 6 and people["auditor"] not in spring.participants.all()
    identified_later = {
        c["risk"] for c in spring.changes if c["reason"] == "Identified and assessed."
    }
    assert len(identified_later) == 2
    reassessed = [c for c in spring.changes if c["reason"] != "Identified and assessed."]
    assert len(reassessed) >= 3 and all(c["fields"] for c in reassessed)
    assert len(initial.changes) == len(risks) - 2

    # Dates: nothing after today, nothing before it existed, reviews due a year after the
    # last assessment (those only assessed in the initial assessment are overdue now).
    for risk in risks:
        assert risk.created_at.date() in (initial.held_on, spring.held_on)
        assert risk.last_assessed in (initial.held_on, spring.held_on)
        assert risk.review_date == next_review(risk.last_assessed, 12)
        if risk.is_accepted:
            assert risk.last_assessed < timezone.localdate(risk.accepted_at) < review.held_on
    for action in TreatmentAction.objects.for_org(org):
        assert action.created_at <= timezone.now()
        if action.done_at:
            assert action.created_at <= action.done_at <= timezone.now()
    assert all(a.created_at.date() < initial.held_on for a in assets)

    # A dozen suppliers through the suppliers service; one expired ISO/IEC 27001 certificate.
    found = list(Supplier.objects.for_org(org).prefetch_related("assessments", "risks"))
    assert len(found) == len(demo_data()["suppliers"]) == 12
    assert all(s.risks.exists() and s.assessments.exists() and s.owner_id for s in found)
    due = suppliers.certificates_due(org)
    expired = [(s.name, st.assessment.kind) for s, st in due if st.state == "expired"]
    assert expired == [("Gitforge", "iso27001")]
    assert [s.name for s, st in due if st.state == "expiring"] == ["Tickety Support Desk"]
    assert len(suppliers.overdue_reviews(org)) == 2
    assert all(a.assessed_on <= today for s in found for a in s.assessments.all())

    # The ledger records it all as the demo's (the default methodology as the system's).
    entries = LedgerEntry.objects.filter(organization=org)
    for object_type in ("risk", "risk_treatment_action", "risk_assessment", "asset", "supplier"):
        assert set(entries.filter(object_type=object_type).values_list("actor", flat=True)) == {
            DEMO_ACTOR
        }, object_type

    # A second run writes nothing.
    ctx_count = entries.count()
    again = build_risks_demo(OrgContext.member(org, people["isms_manager"]), people)
    assert not again.created and len(again.risks) == len(risks)
    assert LedgerEntry.objects.filter(organization=org).count() == ctx_count


def test_the_next_review_date_is_a_year_on():
    assert next_review(dt.date(2025, 11, 30), 12) == dt.date(2026, 11, 30)
    assert next_review(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
