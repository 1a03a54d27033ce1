"""Assessment runs (8.2): what each run changed comes from the ledger, since the previous run."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.ledger.models import LedgerEntry
from annexa.risks.services import assessments, risks


def test_each_run_lists_the_risks_changed_since_the_previous_one(phishing, colin, isla):
    today = timezone.localdate()
    first = assessments.record_assessment(
        isla.ctx,
        {
            "held_on": today,
            "title": "Initial risk assessment",
            "trigger": "Periodic",
            "participants": [isla.user, colin.user],
        },
    )
    assert first.changes == [
        {
            "risk": "R-0001",
            "title": "Credential phishing of administrators",
            "fields": {},
            "events": ["identified"],
            "reason": "",
        }
    ]
    assert first.methodology.version == 1
    risks.update_risk(
        colin.ctx, phishing, {"inherent_impact": 5}, reason="The customer database grew."
    )
    risks.create_risk(isla.ctx, {"title": "Flood", "owner": isla.user})
    second = assessments.record_assessment(
        isla.ctx,
        {
            "held_on": today,
            "title": "After the merger",
            "trigger": "Merger",
            "participants": [isla.user],
        },
    )
    by_risk = {c["risk"]: c for c in second.changes}
    assert by_risk["R-0001"]["fields"]["inherent_impact"] == [4, 5]
    assert by_risk["R-0001"]["fields"]["inherent_score"] == [16, 20]
    assert by_risk["R-0001"]["reason"] == "The customer database grew."
    assert by_risk["R-0002"]["events"] == ["identified"]
    entry = LedgerEntry.objects.filter(object_type="risk_assessment").last()
    assert entry.data_value["after"]["participants"] == ["isla@acme.test"]


def test_a_run_needs_a_past_date_members_and_a_manager(acme, isla, colin, oscar):
    with pytest.raises(ValidationError) as caught:
        assessments.record_assessment(
            isla.ctx,
            {
                "held_on": timezone.localdate() + dt.timedelta(days=2),
                "title": "",
                "participants": [oscar.user],
            },
        )
    assert set(caught.value.message_dict) == {"held_on", "title", "participants"}
    with pytest.raises(PermissionDenied):
        assessments.record_assessment(
            colin.ctx, {"held_on": "2026-01-01", "title": "x", "participants": [colin.user]}
        )
