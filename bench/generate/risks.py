"""The risk register: risks on the generated assets and the catalog's controls (through the
spreadsheet import's path, ``risks.services.bulk``)."""

from __future__ import annotations

from bench.generate.state import DEPARTMENTS, Build


def build_risks(b: Build) -> None:
    from annexa.catalog.models import Control
    from annexa.risks.services import bulk

    rng = b.rng
    controls = list(Control.objects.order_by("sort_key").values_list("id", flat=True))
    rows = []
    for n in range(b.size["risks"]):
        likelihood, impact = rng.randint(2, 5), rng.randint(2, 5)
        rows.append(
            {
                "title": f"Risk {n:04d}: loss of {rng.choice(DEPARTMENTS).lower()} data",
                "threat": "Credential theft",
                "vulnerability": "Weak review of access rights",
                "consequence": "Disclosure of customer records",
                "inherent_likelihood": likelihood,
                "inherent_impact": impact,
                "residual_likelihood": rng.randint(1, likelihood),
                "residual_impact": rng.randint(1, impact),
                "treatment": rng.choice(("modify", "retain", "avoid", "share")),
                "owner": rng.choice(b.owners),
                "assets": rng.sample(b.assets, min(3, len(b.assets))),
                "controls": rng.sample(controls, 3),
            }
        )
    bulk.create_risks(b.ctx, rows)
