"""The isms part of ``annexa demo``: scope, context, units, a complete SoA and objectives.

The content (``data/demo.json``) describes Kestrel Analytics, a fictional ~150-person SaaS
company with one office in Ljubljana and its product hosted in AWS. Every change goes through
the services, so the demo has a real ledger; and every step compares before it writes, so a
second run changes nothing and appends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms import services
from annexa.isms.models import ContextIssue, InterestedParty, Objective, OrgUnit, ScopeStatement
from annexa.isms.services.common import PERMISSION

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo.json"
# Roles that may own controls and manage units: auditors must stay independent, viewers read.
OWNER_ROLES = ("owner", "isms_manager", "control_owner")


class DemoError(Exception):
    """The demo data does not fit this installation (for example a control the catalog lacks)."""


@dataclass
class DemoSummary:
    units: int = 0
    issues: int = 0
    parties: int = 0
    scope_version: int = 0
    applicable: int = 0
    objectives: int = 0
    changed: list[str] = field(default_factory=list)


@cache
def demo_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def build_isms_demo(ctx: OrgContext, members: dict[str, Any]) -> DemoSummary:
    """Bring ``ctx.org``'s ISMS to the demo state; ``members`` maps demo keys to users.

    Control owners and unit managers come from ``members`` by key ("it", "engineering", …);
    a key that is missing falls back to the members who may own controls, in turn.
    """
    data = demo_data()
    people = _People(ctx.org, members)
    summary = DemoSummary()
    with transaction.atomic():
        units = {u["name"]: _unit(ctx, u, people, summary) for u in data["units"]}
        for issue in data["issues"]:
            _issue(ctx, issue, summary)
        for party in data["parties"]:
            _party(ctx, party, summary)
        summary.scope_version = _scope(ctx, data["scope"], units, people)
        _soa(ctx, data["soa"], people, summary)
        for objective in data["objectives"]:
            _objective(ctx, objective, people, summary)
    return summary


class _People:
    """Resolves the demo's people keys to members of the organization."""

    def __init__(self, org, members: dict[str, Any]) -> None:
        from annexa.orgs.models import Membership

        roles = dict(Membership.objects.filter(organization=org).values_list("user_id", "role"))
        self.members = {k: u for k, u in members.items() if u.pk in roles}
        self.roles = roles
        self.fallback = [u for _, u in sorted(self.members.items()) if roles[u.pk] in OWNER_ROLES]
        self.turn = 0

    def get(self, key: str | None):
        if key is None:
            return None
        user = self.members.get(key)
        if user is not None and self.roles[user.pk] in OWNER_ROLES:
            return user
        if not self.fallback:
            return None
        user = self.fallback[self.turn % len(self.fallback)]
        self.turn += 1
        return user

    def approver(self, ctx: OrgContext, author) -> OrgContext | None:
        """Who approves the scope, acting themselves: never its ``author``; top management
        when among the members, else another manager, else nobody (it stays unapproved)."""
        from annexa.orgs.permissions import role_has

        candidates = [self.members.get("owner")] + [u for _, u in sorted(self.members.items())]
        for user in candidates:
            if user is None or user == author or not role_has(self.roles[user.pk], PERMISSION):
                continue
            return OrgContext.member(ctx.org, user, recorded_as=ctx.recorded_as)
        return None


def _unit(ctx: OrgContext, spec: dict, people: _People, summary: DemoSummary) -> OrgUnit:
    fields = {
        "name": spec["name"],
        "kind": spec["kind"],
        "description": spec["description"],
        "manager": people.get(spec.get("manager")),
    }
    existing = OrgUnit.objects.for_org(ctx.org).filter(name=spec["name"]).first()
    summary.units += 1
    return services.save_unit(ctx, fields, existing)


def _issue(ctx: OrgContext, spec: dict, summary: DemoSummary) -> None:
    existing = ContextIssue.objects.for_org(ctx.org).filter(description=spec["description"]).first()
    services.save_issue(ctx, spec, existing)
    summary.issues += 1


def _party(ctx: OrgContext, spec: dict, summary: DemoSummary) -> None:
    existing = InterestedParty.objects.for_org(ctx.org).filter(name=spec["name"]).first()
    services.save_party(ctx, spec, existing)
    summary.parties += 1


def _scope(ctx: OrgContext, spec: dict, units: dict[str, OrgUnit], people: _People) -> int:
    missing = [name for name in spec["units"] if name not in units]
    if missing:
        raise DemoError(f"the demo scope names units that the demo does not define: {missing}")
    scope = services.save_scope(
        ctx,
        text=spec["text"],
        boundaries=spec["boundaries"],
        units=[units[name] for name in spec["units"]],
        exclusions=spec["exclusions"],
    )
    approver = None if scope.is_approved else people.approver(ctx, scope.created_by)
    if approver is not None:
        services.approve_scope(approver)
    return ScopeStatement.current(ctx.org).version


def _soa(ctx: OrgContext, rows: list[dict], people: _People, summary: DemoSummary) -> None:
    from annexa.catalog.models import Control

    known = set(Control.objects.values_list("id", flat=True))
    unknown = [row["control"] for row in rows if row["control"] not in known]
    if unknown:
        raise DemoError(f"the catalog has no control {', '.join(unknown)}: run `annexa init`")
    services.ensure_soa(ctx.org)
    for row in rows:
        changes = {
            "applicable": row["applicable"],
            "justification": row["justification"],
            "status": row["status"],
            "control_owner": people.get(row["owner"]),
            "notes": row["notes"],
        }
        before = services.get_entry(ctx.org, row["control"]).version
        entry = services.update_soa_entry(ctx, row["control"], changes)
        if entry.version != before:
            summary.changed.append(entry.control_id)
        summary.applicable += int(entry.applicable)


def _objective(ctx: OrgContext, spec: dict, people: _People, summary: DemoSummary) -> None:
    """An objective with its measurements, dated back from today.

    An objective that exists already is left alone: its dates are relative to the day of the
    first run, so "comparing" them on a later day would rewrite it every day.
    """
    summary.objectives += 1
    if Objective.objects.for_org(ctx.org).filter(title=spec["title"]).exists():
        return
    today = timezone.localdate()
    fields = {
        name: spec[name]
        for name in ("title", "serves", "control", "measure", "target", "target_value", "unit")
    }
    objective = services.create_objective(
        ctx,
        {
            **fields,
            "direction": spec["direction"],
            "owner": people.get(spec["owner"]),
            "due_date": today + dt.timedelta(days=spec["due_in_days"]),
            "status": spec["status"],
        },
    )
    for reading in spec["measurements"]:
        services.record_measurement(
            ctx,
            objective,
            measured_on=today - dt.timedelta(days=reading["days_ago"]),
            value=reading["value"],
            note=reading["note"],
        )
