"""Risks fixtures: the catalog, a few assets and risks in Acme, owned by Colin (control owner)
and Isla (ISMS manager)."""

import pytest

from annexa.risks.services import assets, risks


@pytest.fixture
def server(db, catalog, isla):
    """The production database server as an asset."""
    return assets.create_asset(
        isla.ctx,
        {"name": "Production database", "kind": "system", "owner": isla.user, "value_c": 5},
    )


@pytest.fixture
def phishing(server, isla, colin):
    """Colin's risk, assessed inherent 4 × 4 (16, high)."""
    return risks.create_risk(
        isla.ctx,
        {
            "title": "Credential phishing of administrators",
            "threat": "Targeted phishing",
            "vulnerability": "Passwords alone protect admin consoles",
            "consequence": "Customer data copied",
            "owner": colin.user,
            "assets": [server],
            "inherent_likelihood": 4,
            "inherent_impact": 4,
        },
    )
