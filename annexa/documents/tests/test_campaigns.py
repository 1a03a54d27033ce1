"""Acknowledgement campaigns: who is asked, who confirms, completion per policy and person."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.documents.services import campaigns

# Read at each use, not at import: a test run may cross midnight.


def _soon() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def test_a_draft_has_nothing_to_acknowledge(policy, isla, staff):
    with pytest.raises(ValidationError, match="no approved version"):
        campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="all")


def test_all_staff_leaves_out_leavers(approved, policy, isla, staff):
    campaign = campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="all")
    asked = {a.person.name for a in campaigns.by_person(campaign)}
    assert asked == {"Ann Engineer", "Audrey Auditor", "Sam Sales"}
    assert campaign.document_version == approved
    assert campaign.reference == "ACK-001"


def test_a_department_or_chosen_people(approved, policy, isla, staff):
    by_department = campaigns.launch(
        isla.ctx, policy, due_date=_soon(), scope="department", department="engineering"
    )
    assert campaigns.completion(by_department).total == 2
    chosen = campaigns.launch(
        isla.ctx,
        policy,
        due_date=_soon(),
        scope="chosen",
        people=[staff["sam"].pk, "ann@acme.test"],
    )
    assert campaigns.completion(chosen).total == 2
    with pytest.raises(ValidationError) as caught:
        campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="chosen", people=["x@y.test"])
    assert "x@y.test" in caught.value.message_dict["people"][0]
    with pytest.raises(ValidationError):
        campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="department", department="Legal")


def test_completion_per_policy_and_per_person(approved, policy, isla, audrey, staff):
    campaign = campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="all")
    acks = {a.person.name: a for a in campaigns.by_person(campaign)}
    # Audrey confirms her own; Isla records Ann's, given yesterday.
    campaigns.acknowledge(audrey.ctx, acks["Audrey Auditor"])
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="before the campaign started"):
        campaigns.acknowledge(isla.ctx, acks["Ann Engineer"], on=yesterday)
    campaigns.acknowledge(isla.ctx, acks["Ann Engineer"], note="Signed at the induction.")
    numbers = campaigns.completion(campaign)
    assert (numbers.done, numbers.total, numbers.percent, numbers.pending) == (2, 3, 67, 1)
    (row,) = campaigns.by_document(policy.organization)
    assert (row["completion"].done, row["completion"].total) == (2, 3)
    mine = campaigns.of_person(staff["audrey"])
    assert [(a.campaign, a.method) for a in mine] == [(campaign, "self")]
    assert campaigns.of_person(staff["sam"])[0].acknowledged_on is None
    people = {r["person"].name: r for r in campaigns.people_completion(policy.organization)}
    assert people["Sam Sales"]["pending"] == ["DOC-001"]
    assert (people["Ann Engineer"]["done"], people["Ann Engineer"]["total"]) == (1, 1)
    assert next(iter(people)) == "Sam Sales"  # pending people first
    summary = campaigns.summary(policy.organization)
    assert (summary["open_campaigns"], summary["completion"].done, summary["overdue"]) == (1, 2, 0)


def test_only_managers_confirm_for_someone_else(approved, policy, isla, audrey, colin, staff):
    campaign = campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="all")
    ann = campaign.acknowledgements.get(person=staff["ann"])
    for persona in (audrey, colin):
        with pytest.raises(PermissionDenied):
            campaigns.acknowledge(persona.ctx, ann)
    campaigns.acknowledge(isla.ctx, ann)
    with pytest.raises(ValidationError, match="confirmed it on"):
        campaigns.acknowledge(isla.ctx, ann)


def test_a_closed_campaign_takes_no_confirmation(approved, policy, isla, staff):
    campaign = campaigns.launch(isla.ctx, policy, due_date=_soon(), scope="all")
    campaigns.close(isla.ctx, campaign)
    with pytest.raises(ValidationError, match="closed"):
        campaigns.acknowledge(isla.ctx, campaign.acknowledgements.first())
