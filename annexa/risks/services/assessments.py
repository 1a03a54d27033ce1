"""Risk assessment runs (8.2): the record of one assessment — when it was held, who took part,
under which methodology version, and which risks it identified or changed and why.

What changed is read from the ledger, not typed: every risk entry since the previous run
(identified, re-rated, treated, accepted, closed), each risk once with its fields from the
value before the run to the value after it and the reasons its changes gave.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import is_member
from annexa.ledger.models import LedgerEntry
from annexa.risks.models import Risk, RiskAssessment
from annexa.risks.services import methodology as methodologies
from annexa.risks.services.common import MANAGE, clean_text, lock_org, next_number, record

OBJECT_TYPE = "risk_assessment"
# What an entry without field changes says happened to the risk.
ACTIONS = {
    "create": "identified",
    "accept_residual": "residual risk accepted",
    "close": "closed",
}


def changes_since(org, after_seq: int | None) -> list[dict[str, Any]]:
    """The risks changed after ledger entry ``after_seq`` (all, when ``None``), in register
    order: ``{"risk", "title", "fields": {name: [before, after]}, "events", "reason"}``."""
    entries = LedgerEntry.objects.filter(organization=org, object_type="risk").order_by("seq")
    if after_seq:
        entries = entries.filter(seq__gt=after_seq)
    found: dict[str, dict[str, Any]] = {}
    for entry in entries.only("object_id", "action", "data"):
        data = json.loads(entry.data)
        change = found.setdefault(entry.object_id, {"fields": {}, "events": [], "reasons": []})
        before, after = data.get("before") or {}, data.get("after") or {}
        for name, value in after.items():
            if entry.action == "create" or name in before:
                first = change["fields"].get(name, [before.get(name), None])[0]
                change["fields"][name] = [first, value]
        event = ACTIONS.get(entry.action)
        if event and event not in change["events"]:
            change["events"].append(event)
        reason = data.get("reason")
        if reason and reason not in change["reasons"]:
            change["reasons"].append(reason)
    risks = {str(r.uid): r for r in Risk.objects.for_org(org).filter(uid__in=list(found))}
    result = []
    for uid, change in found.items():
        risk = risks.get(uid)
        if risk is None:
            continue
        fields = {k: v for k, v in change["fields"].items() if v[0] != v[1]}
        if "identified" in change["events"]:
            fields = {}  # a new risk: its first values are its record, not a change
        if not fields and not change["events"]:
            continue
        result.append(
            {
                "risk": risk.reference,
                "title": risk.title,
                "fields": fields,
                "events": change["events"],
                "reason": "; ".join(change["reasons"]),
            }
        )
    return sorted(result, key=lambda c: c["risk"])


def previous(org) -> RiskAssessment | None:
    return RiskAssessment.objects.for_org(org).order_by("-held_on", "-number").first()


def pending(org) -> list[dict[str, Any]]:
    """What the next run would record: the risks changed since the latest run was recorded
    (its own ledger entry), or all of them before the first run."""
    last = RiskAssessment.objects.for_org(org).order_by("-number").first()
    after_seq = None
    if last is not None:
        after_seq = (
            LedgerEntry.objects.filter(
                organization=org, object_type=OBJECT_TYPE, object_id=str(last.uid)
            )
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
    return changes_since(org, after_seq)


def record_assessment(ctx: OrgContext, data: Mapping[str, Any]) -> RiskAssessment:
    """Record an assessment run: ``held_on`` (a date, not in the future), ``title``,
    ``trigger`` (periodic, or the event), ``participants`` (members), ``notes``. The risks it
    changed are those changed in the ledger since the previous run was recorded."""
    ctx.require(MANAGE)
    errors: dict[str, str] = {}
    title = clean_text(data.get("title"))
    if not title:
        errors["title"] = "Name the assessment (e.g. Annual risk assessment 2026)."
    held_on = _date(data.get("held_on"), errors)
    participants = list(data.get("participants") or [])
    outsiders = [p for p in participants if not is_member(ctx.org, p)]
    if not participants:
        errors["participants"] = "Name who took part (at least one member)."
    elif outsiders:
        errors["participants"] = (
            f"Not members of {ctx.org.name}: {', '.join(p.email for p in outsiders)}."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_org(ctx.org)
        changes = pending(ctx.org)
        methodology = methodologies.current(ctx.org)
        run = RiskAssessment.objects.create(
            organization=ctx.org,
            number=next_number(RiskAssessment, ctx.org),
            held_on=held_on,
            title=title,
            trigger=clean_text(data.get("trigger"))[:200],
            methodology=methodology,
            changes=changes,
            notes=clean_text(data.get("notes")),
            created_by=ctx.user,
        )
        run.participants.set(participants)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(run.uid),
            action="create",
            before=None,
            after=snapshot(run, participants),
        )
    return run


def snapshot(run: RiskAssessment, participants: Iterable) -> dict[str, Any]:
    return {
        "reference": run.reference,
        "held_on": run.held_on.isoformat(),
        "title": run.title,
        "trigger": run.trigger,
        "participants": sorted(p.email for p in participants),
        "methodology": run.methodology.version,
        "changes": run.changes,
        "notes": run.notes,
    }


def _date(value: Any, errors: dict[str, str]) -> dt.date | None:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors["held_on"] = "When was it held? A date, YYYY-MM-DD."
            return None
    if day > timezone.localdate():
        errors["held_on"] = "An assessment is recorded once it has been held, not before."
    return day
