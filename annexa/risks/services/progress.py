"""Treatment progress over time (6.1.3, 8.3): at the end of each of the last 26 weeks, how many
open risks were not yet treated (identified or assessed), had their treatment planned, or were
treated (every action done and the residual risk accepted), and how many treatment actions of
open risks were overdue (not done by a due date before that day), as the register counts them.

The register keeps only its present state, so the past is read back from the ledger: from the
risks and actions as they are now, every change the ledger recorded after a week's end is
undone (a ``risk`` or ``risk_treatment_action`` entry's ``before`` values; an acceptance,
a withdrawn acceptance and a closure by what they mean), and each risk's status is derived from
what was left by the register's own rule (``risks._status``). A risk none of whose status
inputs (its assessment, treatment, acceptance and closure, its actions and their states)
changed after a week's end had then the status the register stores now. The last week ends
today, so its numbers are the register's as it stands — by construction, whatever the ledger
holds.

A change is dated by its ledger entry, except where the register stores the moment of that
very change: a risk's or action's creation (``created_at``), the residual risk's current
acceptance (``accepted_at``) and an action's being done (``done_at``). The service writes the
stored moment and the entry in one transaction, so they agree; where one was set apart (the
demo dates its register to its story after building it through the services), the earlier is
taken — the change had happened by then — and never earlier than the change recorded before it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from annexa.ledger.models import LedgerEntry
from annexa.risks.choices import ACTION_NOT_DONE, ActionStatus, RiskStatus
from annexa.risks.models import Risk, TreatmentAction
from annexa.risks.services import risks as risk_service

WEEKS = 26
NOT_TREATED = frozenset({RiskStatus.IDENTIFIED, RiskStatus.ASSESSED})
# The fields a risk's status is derived from, as the ledger's snapshots name them.
RISK_FIELDS = ("inherent_likelihood", "inherent_impact", "treatment")
ACCEPTED, CLOSED, STATUS, DUE = "accepted", "closed", "status", "due_date"


@dataclass(frozen=True)
class ProgressPoint:
    """The register at the end of ``date``: open risks by where their treatment stood, and the
    treatment actions not done by a due date before ``date``."""

    date: dt.date
    not_treated: int
    planned: int
    treated: int
    overdue_actions: int

    @property
    def open(self) -> int:
        return self.not_treated + self.planned + self.treated


def week_ends(today: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """``weeks`` days a week apart, the last one ``today``."""
    return [today - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def progress(org, today: dt.date | None = None, weeks: int = WEEKS) -> list[ProgressPoint]:
    """One point per week end, oldest first, the last one ``today`` (by default, today).
    Four queries: the risks, the actions, the creation entries and the entries since the first
    week end."""
    days = week_ends(today or timezone.localdate(), weeks)
    ends = [_end_of(day) for day in days]
    risks = {
        str(r["uid"]): r
        for r in Risk.objects.for_org(org).values(
            "uid", "status", "accepted_at", "created_at", *RISK_FIELDS
        )
    }
    actions = {
        str(a["uid"]): a
        for a in TreatmentAction.objects.for_org(org).values(
            "uid", "risk__uid", "status", "due_date", "done_at", "created_at"
        )
    }
    history = _History.read(org, risks, actions, since=ends[0])
    return [_point(day, end, risks, actions, history) for day, end in zip(days, ends, strict=True)]


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _ledger_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class _History:
    """The changes after a moment, by object and field: ``(when, value before)``, in the order
    they were made, each dated no earlier than the one before it."""

    def __init__(self) -> None:
        self.changes: dict[tuple[str, str], list[tuple[dt.datetime, Any]]] = defaultdict(list)
        self.first_seen: dict[str, dt.datetime] = {}
        self.last_touched: dict[str, dt.datetime] = {}

    @classmethod
    def read(cls, org, risks: dict, actions: dict, *, since: dt.datetime) -> _History:
        history = cls()
        kinds = (risk_service.OBJECT_TYPE, risk_service.ACTION_OBJECT_TYPE)
        for uid, row in (*risks.items(), *actions.items()):
            history.first_seen[uid] = row["created_at"]
        created = LedgerEntry.objects.filter(
            organization=org, object_type__in=kinds, action="create"
        ).values_list("object_id", "time")
        for uid, time in created:
            if uid in history.first_seen:
                history.first_seen[uid] = min(history.first_seen[uid], _ledger_time(time))
        entries = (
            LedgerEntry.objects.filter(
                organization=org, object_type__in=kinds, time__gt=_utc_text(since)
            )
            .exclude(action="create")
            .order_by("seq")
            .values_list("object_type", "object_id", "action", "time", "data")
        )
        # The entry that made each object's stored moment: the last that could have.
        stored: dict[tuple[str, str], int] = {}
        rows = []
        for index, (kind, uid, action, time, data) in enumerate(entries):
            rows.append((kind, uid, action, _ledger_time(time), json.loads(data)))
            after = rows[-1][4].get("after") or {}
            if kind == risk_service.OBJECT_TYPE and action == "accept_residual":
                stored[(uid, ACCEPTED)] = index
            elif kind == risk_service.ACTION_OBJECT_TYPE and after.get(STATUS) == ActionStatus.DONE:
                stored[(uid, STATUS)] = index
        for index, (kind, uid, action, when, data) in enumerate(rows):
            if kind == risk_service.OBJECT_TYPE and uid in risks:
                history._risk_entry(uid, action, when, data, risks[uid], stored, index)
            elif kind == risk_service.ACTION_OBJECT_TYPE and uid in actions:
                history._action_entry(uid, when, data, actions[uid], stored, index)
        # The last moment anything a risk's status depends on changed: the risk itself, an
        # action of it added or its status changed.
        for (uid, name), changes in history.changes.items():
            owner = str(actions[uid]["risk__uid"]) if uid in actions else uid
            if name != DUE:
                history._touch(owner, changes[-1][0])
        for uid, row in actions.items():
            history._touch(str(row["risk__uid"]), history.first_seen[uid])
        return history

    def _risk_entry(self, uid, action, when, data, live, stored, index) -> None:
        before = data.get("before") or {}
        if action == "update":
            for name in RISK_FIELDS:
                if name in before:
                    self._add(uid, name, when, before[name])
            if data.get("acceptance_withdrawn"):
                self._add(uid, ACCEPTED, when, True)
        elif action == "accept_residual":
            if stored.get((uid, ACCEPTED)) == index and live["accepted_at"] is not None:
                when = min(when, live["accepted_at"])
            self._add(uid, ACCEPTED, when, False)
        elif action == "close":
            self._add(uid, CLOSED, when, before.get(STATUS) == RiskStatus.CLOSED)

    def _action_entry(self, uid, when, data, live, stored, index) -> None:
        before = data.get("before") or {}
        if STATUS in before:
            if stored.get((uid, STATUS)) == index and live["done_at"] is not None:
                when = min(when, live["done_at"])
            self._add(uid, STATUS, when, before[STATUS])
        if DUE in before:
            due = before[DUE]
            self._add(uid, DUE, when, dt.date.fromisoformat(due) if due else None)

    def _add(self, uid: str, name: str, when: dt.datetime, before: Any) -> None:
        changes = self.changes[(uid, name)]
        if changes and when < changes[-1][0]:
            when = changes[-1][0]
        changes.append((when, before))

    def _touch(self, risk_uid: str, when: dt.datetime) -> None:
        if risk_uid not in self.last_touched or when > self.last_touched[risk_uid]:
            self.last_touched[risk_uid] = when

    def untouched_since(self, risk_uid: str, moment: dt.datetime) -> bool:
        """Nothing ``risk_uid``'s status depends on changed after ``moment``."""
        return risk_uid not in self.last_touched or self.last_touched[risk_uid] < moment

    def value(self, uid: str, name: str, moment: dt.datetime, now: Any) -> Any:
        """``name`` of ``uid`` at ``moment``: the value before the first change after it, or
        ``now`` (the value it has now) when nothing changed it since."""
        for when, before in self.changes.get((uid, name), ()):
            if when > moment:
                return before
        return now

    def existed(self, uid: str, moment: dt.datetime) -> bool:
        return self.first_seen[uid] < moment


def _utc_text(moment: dt.datetime) -> str:
    """``moment`` as the ledger writes times (RFC 3339 UTC, microseconds), for comparing."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _point(
    day: dt.date, end: dt.datetime, risks: dict, actions: dict, history: _History
) -> ProgressPoint:
    then: dict[str, list[SimpleNamespace]] = defaultdict(list)  # each risk's actions
    for uid, row in actions.items():
        if history.existed(uid, end):
            then[str(row["risk__uid"])].append(
                SimpleNamespace(
                    status=history.value(uid, STATUS, end, row["status"]),
                    due_date=history.value(uid, DUE, end, row["due_date"]),
                )
            )
    counts = {"not_treated": 0, "planned": 0, "treated": 0}
    overdue = 0
    for uid, row in risks.items():
        status = _status_then(uid, row, end, then[uid], history)
        if status is None or status == RiskStatus.CLOSED:
            continue
        if status in NOT_TREATED:
            counts["not_treated"] += 1
        elif status == RiskStatus.TREATMENT_PLANNED:
            counts["planned"] += 1
        else:
            counts["treated"] += 1
        # Overdue: not done by a due date before ``day``, of an open risk (as the register).
        overdue += sum(
            a.status in ACTION_NOT_DONE and a.due_date is not None and a.due_date < day
            for a in then[uid]
        )
    return ProgressPoint(day, overdue_actions=overdue, **counts)


def _status_then(
    uid: str, row: dict, end: dt.datetime, actions: list[SimpleNamespace], history: _History
) -> str | None:
    """The risk's status at ``end``; ``None`` before it was made."""
    if not history.existed(uid, end):
        return None
    if history.untouched_since(uid, end):
        return row["status"]  # as the register stores it
    if history.value(uid, CLOSED, end, row["status"] == RiskStatus.CLOSED):
        return RiskStatus.CLOSED
    risk = SimpleNamespace(  # what it was then, by the register's rule
        status=RiskStatus.IDENTIFIED,  # any but closed: the rule derives the rest
        is_accepted=history.value(uid, ACCEPTED, end, row["accepted_at"] is not None),
        **{name: history.value(uid, name, end, row[name]) for name in RISK_FIELDS},
    )
    return risk_service._status(risk, actions=actions)
