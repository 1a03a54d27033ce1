"""Risk treatment and the SoA agree, checked both ways: a control a treatment chooses is
proposed where the SoA has not decided it, flagged where the SoA excludes it, and neither where
it is applicable or when the risk is closed."""

from annexa.isms.services.soa import ensure_soa, update_soa_entry
from annexa.risks.services import risks, soa


def _ids(items):
    return [i.control_id for i in items]


def test_proposals_and_conflicts_appear_exactly_where_they_should(phishing, colin, isla):
    org = isla.ctx.org
    ensure_soa(org)
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": False, "justification": "No admins."})
    update_soa_entry(isla.ctx, "A.6.3", {"applicable": True, "justification": "Training."})
    assert soa.proposals_and_conflicts(org) == ([], [])  # nothing chosen yet

    risks.update_risk(colin.ctx, phishing, {"controls": ["A.8.5", "A.6.3", "A.8.7"]})
    proposals, conflicts = soa.proposals_and_conflicts(org)
    assert _ids(proposals) == ["A.8.7"]  # undecided: proposed
    assert _ids(conflicts) == ["A.8.5"]  # excluded although it treats R-0001
    assert conflicts[0].references == "R-0001"

    entry = soa.accept_proposal(isla.ctx, "A.8.7")
    assert entry.applicable and "R-0001" in entry.justification
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": True, "justification": "Treats R-0001."})
    assert soa.proposals_and_conflicts(org) == ([], [])

    # The other way: excluding a control a treatment chose raises the flag again …
    update_soa_entry(isla.ctx, "A.6.3", {"applicable": False, "justification": "Dropped."})
    assert _ids(soa.proposals_and_conflicts(org)[1]) == ["A.6.3"]
    # … and a closed risk no longer asks for anything.
    risks.close_risk(isla.ctx, phishing, "The admin console was retired.")
    assert soa.proposals_and_conflicts(org) == ([], [])
