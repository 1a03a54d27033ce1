"""Test helpers shared by the findings and actions tests: a corrective action taken all the way
to closed, so a nonconformity can close."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from annexa.actions import services as actions


def closed_action(finding, owner, reviewer, closer):
    """A corrective action of ``finding`` owned by ``owner`` (personas), verified effective by
    ``reviewer`` and closed by ``closer``."""
    action = actions.create_action(
        owner.ctx,
        finding=finding,
        plan="Enforce a second factor for every administrator.",
        owner=owner.user,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    actions.start_action(owner.ctx, action)
    actions.set_root_cause(owner.ctx, action, "The policy exempted break-glass accounts.")
    actions.implement_action(owner.ctx, action)
    actions.record_review(
        reviewer.ctx,
        action,
        method="document_review",
        conclusion="effective",
        notes="The sign-in log since the fix shows a second factor for every admin.",
    )
    return actions.close_action(closer.ctx, action)
