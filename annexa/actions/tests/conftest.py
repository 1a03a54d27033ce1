"""The actions tests use the findings tests' fixtures: an open nonconformity on A.8.5, which
Colin owns, raised by Audrey and opened by Isla."""

import datetime as dt

import pytest
from django.utils import timezone

from annexa.actions import services
from annexa.findings.tests.conftest import (  # noqa: F401 (fixtures)
    audit,
    control,
    draft,
    fast_password_hashing,
    nc_item,
    open_nc,
    soa,
    version,
)

PLAN = "Enforce a second factor for every administrator account."


@pytest.fixture
def action(open_nc, colin):  # noqa: F811 (the fixture imported above)
    """Colin's corrective action for the open nonconformity, due in a month."""
    return services.create_action(
        colin.ctx,
        finding=open_nc,
        correction="Disabled the two accounts.",
        plan=PLAN,
        owner=colin.user,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )


@pytest.fixture
def implemented(action, colin):
    services.start_action(colin.ctx, action)
    services.set_root_cause(
        colin.ctx,
        action,
        "Break-glass accounts were exempt.",
        [{"why": "Why no MFA?", "because": "Exempt accounts."}],
    )
    return services.implement_action(colin.ctx, action, "MFA enforced.")
