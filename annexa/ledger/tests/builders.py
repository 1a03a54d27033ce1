"""A realistic organization to export: evidence with blobs and versions, units, the SoA.

Built through the apps' own services where they exist, so the ledger holds what production
would hold; the bundle tests then compare every row and entry after a round trip.
"""

from __future__ import annotations

from annexa.core.testing.fixtures import make_persona
from annexa.ledger import services
from annexa.orgs.choices import Role


def populate(isla, colin) -> dict:
    """Fill Isla's organization; returns handles the tests assert on."""
    from annexa.evidence import services as evidence
    from annexa.isms.models import OrgUnit
    from annexa.isms.services.soa import ensure_soa

    ctx = isla.ctx
    org = ctx.org
    ensure_soa(org)
    policy = evidence.store(
        ctx,
        filename="access-policy.txt",
        chunks=[b"Access is granted on a need-to-know basis.\n" * 200],
        controls=["A.5.15", "A.5.18"],
        requirements=["5.2"],
    )
    evidence.new_version(
        ctx,
        policy.evidence,
        filename="access-policy.txt",
        chunks=[b"Access is reviewed every quarter.\n" * 300],
    )
    review = evidence.store(
        colin.ctx, filename="review.json", json_document={"reviewed": 12, "revoked": 1}
    )
    former = make_persona(org, "former@acme.test", Role.CONTROL_OWNER, "Former Member")
    unit = OrgUnit.objects.create(organization=org, name="IT operations", manager=former.user)
    former.membership.delete()  # still named as a manager, no longer a member
    services.create_checkpoint(ctx)
    services.append(ctx, object_type="note", object_id="after", action="create", data={"n": 1})
    services.create_checkpoint(ctx)
    return {"policy": policy.evidence, "review": review.evidence, "unit": unit}
