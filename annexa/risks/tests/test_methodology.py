"""The methodology: its default, validation of a new version, and re-derivation — no stored
level is ever computed under anything but the current version."""

import pytest
from django.core.exceptions import ValidationError

from annexa.ledger.models import LedgerEntry
from annexa.risks.models import Methodology, Risk
from annexa.risks.services import methodology, risks


def _fresh(risk: Risk, m: Methodology) -> tuple:
    score_i = m.score(risk.inherent_likelihood, risk.inherent_impact)
    score_r = m.score(risk.residual_likelihood, risk.residual_impact)
    return (score_i, m.level(score_i), score_r, m.level(score_r))


def _stored(risk: Risk) -> tuple:
    return (risk.inherent_score, risk.inherent_level, risk.residual_score, risk.residual_level)


def test_the_default_is_a_5x5_matrix_with_four_bands(acme):
    m = methodology.current(acme)
    assert (m.version, len(m.likelihood), len(m.impact)) == (1, 5, 5)
    assert m.score(4, 5) == 20 and m.level(20) == "very_high" and m.level(4) == "low"
    assert m.acceptance_threshold == 9
    assert methodology.current(acme).pk == m.pk  # created once


@pytest.fixture
def register(phishing, server, isla, colin):
    """A dozen risks spread over the matrix, some treated."""
    made = [phishing]
    for n in range(11):
        made.append(
            risks.create_risk(
                isla.ctx,
                {
                    "title": f"Risk {n}",
                    "owner": colin.user,
                    "inherent_likelihood": n % 5 + 1,
                    "inherent_impact": (n * 3) % 5 + 1,
                    "treatment": "modify" if n % 2 else "",
                    "residual_likelihood": 1 if n % 2 else None,
                    "residual_impact": (n * 3) % 5 + 1 if n % 2 else None,
                },
            )
        )
    return made


def test_a_new_version_rederives_every_stored_level(register, isla):
    before = {r.pk: _stored(r) for r in Risk.objects.all()}
    matrix = [[min(25, lik * imp + 2) for imp in range(1, 6)] for lik in range(1, 6)]
    bands = methodology.current(isla.ctx.org).bands
    bands[0]["max"], bands[1]["min"] = 6, 7  # "low" reaches further
    revised = methodology.revise(
        isla.ctx,
        {"matrix": matrix, "bands": bands, "acceptance_threshold": 12},
        reason="Scores shifted after the 2026 workshop",
    )
    assert revised.version == 2
    every = list(Risk.objects.all())
    assert len(every) == 12
    for risk in every:
        assert risk.methodology_id == revised.pk
        assert _stored(risk) == _fresh(risk, revised), risk.reference
    assert any(before[r.pk] != _stored(r) for r in every)  # the change did change levels
    entry = LedgerEntry.objects.filter(object_type="risk_methodology", action="revise").get()
    assert entry.data_value["version"] == 2 and entry.data_value["risks_rederived"] > 0
    # The earlier version is kept as it was.
    assert Methodology.objects.get(version=1).acceptance_threshold == 9


def test_an_incoherent_methodology_is_refused_with_every_problem(acme, isla):
    bands = methodology.current(acme).bands
    bands[1]["min"] = 7  # a gap after low (1–4)
    with pytest.raises(ValidationError) as caught:
        methodology.revise(
            isla.ctx,
            {"matrix": [[1, 2], [3]], "bands": bands, "review_months": 0},
            reason="trying",
        )
    errors = caught.value.message_dict
    assert "5 rows" in errors["matrix"][0]
    assert "no gap or overlap" in errors["bands"][0]
    assert "1 to 60 months" in errors["review_months"][0]
    assert Methodology.objects.count() == 1


def test_only_managers_revise_and_a_reason_is_required(acme, colin, isla):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        methodology.revise(colin.ctx, {"acceptance_threshold": 4}, reason="lower")
    with pytest.raises(ValidationError, match="Say why"):
        methodology.revise(isla.ctx, {"acceptance_threshold": 4}, reason=" ")
