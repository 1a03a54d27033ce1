"""The documents part of ``annexa demo``: Kestrel's policy register.

The ISMS manager copied the eight starter policies into the register, each with its owner and
reviewer; the Chief Executive approved them (never their author), most a few months ago, the
backup and cryptography policies more than a year ago, so their reviews are overdue, and the
incident management policy's review falls due within the month. Version 1.1 of the access
control policy is in review, reviewed by the Head of IT and waiting for approval. The
acceptable use policy is being acknowledged by all current staff, about two thirds of them so
far (recorded by the ISMS manager). Everything goes through the services, acting as the demo's
people, so the ledger records each step as the demo's.

The staff register is the people app's (``build_people_demo`` runs first); with nobody on the
staff, the acknowledgement campaign is left out.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.documents.models import Document
from annexa.documents.services import campaigns, register, templates, versions

# template key → (owner, reviewer, days since approval); the author is the ISMS manager and
# the approver the Chief Executive.
REGISTER = {
    "information-security-policy": ("owner", "it", 95),
    "access-control-policy": ("it", "engineering", 120),
    "acceptable-use-policy": ("isms_manager", "hr", 40),
    "supplier-security-policy": ("isms_manager", "it", 150),
    "incident-management-policy": ("isms_manager", "it", 345),
    "backup-policy": ("it", "engineering", 420),
    "cryptography-policy": ("it", "engineering", 395),
    "secure-development-policy": ("engineering", "it", 60),
}
ACKNOWLEDGED_SHARE = 2 / 3


def build_documents_demo(ctx, people) -> None:
    """Build the demo's document register through the ordinary services (once: with any
    document in the register, nothing is written)."""
    if Document.objects.for_org(ctx.org).exists():
        return
    today = timezone.localdate()
    approver = _as(ctx, people["owner"])
    for key, (owner, reviewer, days) in REGISTER.items():
        document = templates.copy(ctx, key)
        register.update_document(
            ctx, document, {"owner": people[owner], "reviewers": [people[reviewer]]}
        )
        version = document.versions.get()
        versions.submit(ctx, version)
        versions.record_review(_as(ctx, people[reviewer]), version, "Read and agreed.")
        versions.approve(approver, version, on=today - dt.timedelta(days=days))
    _revision(ctx, people, approver)
    _campaign(ctx, today)


def _as(ctx, user) -> OrgContext:
    return OrgContext.member(ctx.org, user, recorded_as=DEMO_ACTOR)


def _revision(ctx, people, approver) -> None:
    """Version 1.1 of the access control policy: reviewed, waiting for approval."""
    document = templates.copied(ctx.org)["access-control-policy"]
    text = document.approved_version.markdown.replace(
        "accounts unused for 90 days", "accounts unused for 60 days"
    )
    version = versions.add_version(
        ctx,
        document,
        markdown=text,
        change_summary="Unused accounts are disabled after 60 days instead of 90 (internal "
        "audit observation).",
    )
    versions.submit(ctx, version)
    versions.record_review(_as(ctx, people["engineering"]), version, "Fine for engineering.")


def _campaign(ctx, today: dt.date) -> None:
    """All current staff acknowledge the acceptable use policy; two thirds have."""
    if not campaigns.current_staff(ctx.org).exists():
        return
    document = templates.copied(ctx.org)["acceptable-use-policy"]
    campaign = campaigns.launch(
        ctx, document, due_date=today + dt.timedelta(days=10), scope=campaigns.ALL_STAFF
    )
    pending = campaigns.by_person(campaign)
    for ack in pending[: int(len(pending) * ACKNOWLEDGED_SHARE)]:
        campaigns.acknowledge(ctx, ack, note="Confirmed at the team briefing.")
