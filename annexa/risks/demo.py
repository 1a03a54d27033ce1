"""The risks part of ``annexa demo``: Kestrel's asset inventory, its risk register with two
assessment records, the treatment plan and the supplier register.

The content (``data/demo.json``) is the register of a ~150-person retail-analytics SaaS company
hosted in one cloud region. Its history: the methodology was adopted and the inventory built
some 13 months ago; the initial risk assessment followed (it justified the Statement of
Applicability, before the certification audits); a half-yearly reassessment four months ago
took up the internal audit's findings, an infected laptop and the arrival of AI assistants.
Every risk is created, reassessed, treated and accepted through the services, acting as the
demo's people (the ISMS manager runs the assessment, each risk owner accepts their residual
risk where the methodology lets their role, action owners mark their actions done), so the
ledger records every step as the demo's.

The services date what they do today; the register's own dates (when a risk was identified
and last assessed, when its residual risk was accepted, when an action was done, when an asset
or the methodology was adopted) are then set to the story's, so that nothing in the register
postdates the records that cite it: those timestamps are in no ledger record, whose times are
the build's, as for the rest of the demo. Review dates, which the ledger does record, are set
through the services. The organization's register is built once: when it holds a risk, nothing
is written.
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

from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.risks.models import (
    Asset,
    Methodology,
    Risk,
    RiskAssessment,
    Supplier,
    SupplierAssessment,
    TreatmentAction,
)
from annexa.risks.services import assets as asset_service
from annexa.risks.services import methodology as methodologies
from annexa.risks.services import risks as risk_service
from annexa.risks.services import suppliers as supplier_service
from annexa.risks.services.common import lock_org, next_number, record

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo.json"
ASSESSMENT_OBJECT_TYPE = "risk_assessment"
WORKSHOP = dt.time(10, 0)
SIGN_OFF_DAYS = 2  # a risk owner accepts their residual risk two days after the workshop


class DemoError(Exception):
    """The demo register does not fit this installation; the message says why."""


@dataclass
class RisksDemo:
    assets: list[Asset] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    assessments: list[RiskAssessment] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    created: bool = False


@cache
def demo_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def build_risks_demo(ctx: OrgContext, people: dict[str, Any]) -> RisksDemo:
    """Build ``ctx.org``'s demo register once; ``ctx`` is the ISMS manager's and ``people``
    maps the demo's keys ("owner", "it", "engineering", …) to its members."""
    org = ctx.org
    if Risk.objects.for_org(org).exists():
        return RisksDemo(
            assets=list(Asset.objects.for_org(org)),
            risks=list(Risk.objects.for_org(org)),
            assessments=list(RiskAssessment.objects.for_org(org)),
            suppliers=list(Supplier.objects.for_org(org)),
        )
    builder = _Builder(ctx, people, demo_data())
    with transaction.atomic():
        return builder.build()


def _moment(day: dt.date) -> dt.datetime:
    """Ten in the morning of ``day`` (the workshops' time), never later than now."""
    moment = dt.datetime.combine(day, WORKSHOP, tzinfo=timezone.get_current_timezone())
    return min(moment, timezone.now())


def next_review(day: dt.date, months: int) -> dt.date:
    from annexa.audits.services.planner import add_months

    return add_months(day, months)


class _Builder:
    def __init__(self, ctx: OrgContext, people: dict[str, Any], data: dict[str, Any]) -> None:
        self.ctx, self.people, self.data = ctx, people, data
        self.today = timezone.localdate()
        self.days = {
            spec["key"]: self.today - dt.timedelta(days=spec["days_ago"])
            for spec in data["assessments"]
        }
        self.adopted = self.today - dt.timedelta(days=data["methodology"]["days_ago"])
        self.demo = RisksDemo(created=True)
        self.contexts: dict[int, OrgContext] = {}
        # What each assessment changed, for its record: reference -> (fields, reason).
        self.changes: dict[str, list[dict[str, Any]]] = {key: [] for key in self.days}

    def person(self, key: str):
        try:
            return self.people[key]
        except KeyError:
            raise DemoError(f"the demo register needs the demo person {key!r}") from None

    def acting(self, user) -> OrgContext:
        """``user`` acting as the member they are, recorded as the demo."""
        if user.pk not in self.contexts:
            self.contexts[user.pk] = OrgContext.member(self.ctx.org, user, recorded_as=DEMO_ACTOR)
        return self.contexts[user.pk]

    # --- the whole register -------------------------------------------------------------

    def build(self) -> RisksDemo:
        methodology = methodologies.current(self.ctx.org)
        self.review_months = methodology.review_months
        assets = self.assets()
        specs = self.data["risks"]
        risks = [self.identify(spec, assets) for spec in specs]
        for spec, risk in zip(specs, risks, strict=True):
            self.reassess(spec, risk)
        for spec, risk in zip(specs, risks, strict=True):
            self.treat(spec, risk)
        self.demo.assessments = [self.assessment_record(spec) for spec in self.data["assessments"]]
        self.demo.suppliers = [self.supplier(spec) for spec in self.data["suppliers"]]
        self.date_the_story(methodology, specs, risks)
        self.demo.risks = [Risk.objects.get(pk=r.pk) for r in risks]
        return self.demo

    # --- the inventory ------------------------------------------------------------------

    def assets(self) -> dict[str, Asset]:
        """The scope's units and systems (``from_scope``) valued and classified, then the
        information assets."""
        asset_service.classifications(self.ctx.org)
        asset_service.from_scope(self.ctx)
        found = {a.name: a for a in Asset.objects.for_org(self.ctx.org)}
        for name, values in self.data["scope_assets"].items():
            if name not in found:
                raise DemoError(f"the demo scope has no unit {name!r} any more")
            found[name] = asset_service.update_asset(self.ctx, found[name], values)
        for spec in self.data["assets"]:
            values = {**spec, "owner": self.person(spec["owner"])}
            found[spec["name"]] = asset_service.create_asset(self.ctx, values)
        self.demo.assets = list(found.values())
        return found

    # --- the register -------------------------------------------------------------------

    def identify(self, spec: dict, assets: dict[str, Asset]) -> Risk:
        """The risk as the assessment that identified it left it."""
        day = self.days[spec["identified"]]
        (il, ii), residual = spec["inherent"], spec["residual"] or (None, None)
        data = {
            **{name: spec[name] for name in ("title", "threat", "vulnerability", "consequence")},
            "existing_controls": spec["existing_controls"],
            "treatment_plan": spec["plan"],
            "owner": self.person(spec["owner"]),
            "assets": [assets[name] for name in spec["assets"]],
            "controls": spec["controls"],
            "treatment": spec["treatment"],
            "inherent_likelihood": il,
            "inherent_impact": ii,
            "residual_likelihood": residual[0],
            "residual_impact": residual[1],
            "review_date": next_review(day, self.review_months),
        }
        risk = risk_service.create_risk(self.ctx, data)
        self.changes[spec["identified"]].append(
            {
                "risk": risk.reference,
                "fields": {
                    "inherent_level": [None, risk.inherent_level],
                    "residual_level": [None, risk.residual_level or None],
                },
                "reason": "Identified and assessed.",
            }
        )
        return risk

    def reassess(self, spec: dict, risk: Risk) -> None:
        """The half-yearly reassessment: what changed and why, or the review date moved on
        for a risk reviewed without change (the low risks waited for the annual review)."""
        key = spec["last_assessed"]
        if key == spec["identified"]:
            return
        day = self.days[key]
        change = spec.get("spring")
        changes = {"review_date": next_review(day, self.review_months)}
        reason = "Reviewed in the half-yearly reassessment: no change."
        if change is not None:
            changes.update(change["changes"])
            reason = change["reason"]
        before = risk_service.snapshot(risk)
        risk = risk_service.update_risk(self.ctx, risk, changes, reason=reason)
        if change is None:
            return
        after = risk_service.snapshot(risk)
        fields = {
            name: [before[name], after[name]]
            for name in after
            if before[name] != after[name] and name != "review_date"
        }
        self.changes[key].append({"risk": risk.reference, "fields": fields, "reason": reason})

    def treat(self, spec: dict, risk: Risk) -> None:
        """The treatment actions, the owner's acceptance of the residual risk, and the
        actions' progress by their owners."""
        created = []
        for action in spec.get("actions", []):
            created.append(
                risk_service.add_action(
                    self.ctx,
                    risk,
                    {
                        "title": action["title"],
                        "owner": self.person(action["owner"]),
                        "due_date": self.today + dt.timedelta(days=action["due_in_days"]),
                        "control": action["control"] or "",
                    },
                )
            )
        if "accepted" in spec:
            owner = self.acting(risk.owner)
            problem = risk_service.acceptance_problem(owner, Risk.objects.get(pk=risk.pk))
            if problem:
                raise DemoError(f"{risk.reference} cannot be accepted in the demo: {problem}")
            risk_service.accept_residual(owner, risk, spec["accepted"]["reason"])
        for action, made in zip(spec.get("actions", []), created, strict=True):
            if action["status"] != "open":
                risk_service.update_action(
                    self.acting(made.owner), made, {"status": action["status"]}
                )

    def assessment_record(self, spec: dict) -> RiskAssessment:
        """The record of one assessment run (8.2): when, who, under which methodology version,
        and which risks it identified or changed, and why."""
        org = self.ctx.org
        lock_org(org)
        participants = [self.person(key) for key in spec["participants"]]
        methodology = methodologies.current(org)
        record_ = RiskAssessment.objects.create(
            organization=org,
            number=next_number(RiskAssessment, org),
            held_on=self.days[spec["key"]],
            title=spec["title"],
            trigger=spec["trigger"],
            methodology=methodology,
            changes=self.changes[spec["key"]],
            notes=spec["notes"],
            created_by=self.ctx.user,
            created_at=_moment(self.days[spec["key"]]),
        )
        record_.participants.set(participants)
        record(
            self.ctx,
            object_type=ASSESSMENT_OBJECT_TYPE,
            object_id=str(record_.uid),
            action="create",
            before=None,
            after={
                "reference": record_.reference,
                "held_on": record_.held_on.isoformat(),
                "title": record_.title,
                "trigger": record_.trigger,
                "participants": sorted(u.email for u in participants),
                "methodology": methodology.version,
                "changes": record_.changes,
                "notes": record_.notes,
            },
        )
        return record_

    # --- suppliers ----------------------------------------------------------------------

    def supplier(self, spec: dict) -> Supplier:
        """A supplier of the register with its assessments, through the suppliers service."""
        risks = list(Risk.objects.for_org(self.ctx.org).filter(title__in=spec["risks"]))
        if len(risks) != len(set(spec["risks"])):
            known = {r.title for r in risks}
            missing = [t for t in spec["risks"] if t not in known]
            raise DemoError(f"the supplier {spec['name']} names unknown risks: {missing}")
        supplier = supplier_service.create_supplier(
            self.ctx,
            {
                **{
                    name: spec[name]
                    for name in (
                        "name",
                        "service",
                        "criticality",
                        "data_shared",
                        "contract",
                        "security_clauses",
                    )
                },
                "owner": self.person(spec["owner"]),
                "review_date": self.today + dt.timedelta(days=spec["review_in_days"]),
                "risks": risks,
            },
        )
        for assessment in spec["assessments"]:
            assessed = self.today - dt.timedelta(days=assessment["assessed_days_ago"])
            expires = assessment.get("expires_in_days")
            supplier_service.record_assessment(
                self.ctx,
                supplier,
                {
                    "kind": assessment["kind"],
                    "assessed_on": assessed,
                    "expires_on": None
                    if expires is None
                    else self.today + dt.timedelta(days=expires),
                    "result": assessment["result"],
                    "notes": assessment["notes"],
                },
            )
        return supplier

    # --- the story's dates --------------------------------------------------------------

    def date_the_story(self, methodology: Methodology, specs: list[dict], risks: list) -> None:
        """Give the register the dates of the story (see the module's docstring)."""
        org = self.ctx.org
        adopted = _moment(self.adopted)
        Methodology.objects.filter(pk=methodology.pk).update(created_at=adopted)
        Asset.objects.for_org(org).update(created_at=adopted, updated_at=adopted)
        for spec, risk in zip(specs, risks, strict=True):
            identified = self.days[spec["identified"]]
            assessed = self.days[spec["last_assessed"]]
            values: dict[str, Any] = {
                "created_at": _moment(identified),
                "updated_at": _moment(assessed),
                "last_assessed": assessed,
            }
            if "accepted" in spec:
                accepted = _moment(assessed + dt.timedelta(days=SIGN_OFF_DAYS))
                values.update(accepted_at=accepted, updated_at=accepted)
            Risk.objects.filter(pk=risk.pk).update(**values)
            actions = TreatmentAction.objects.filter(risk=risk).order_by("number")
            for action, made in zip(spec.get("actions", []), actions, strict=True):
                created = self.days[spec["identified"]]
                if "created_days_ago" in action:
                    created = self.today - dt.timedelta(days=action["created_days_ago"])
                moment = _moment(created)
                done = None
                if "done_days_ago" in action:
                    done = _moment(self.today - dt.timedelta(days=action["done_days_ago"]))
                TreatmentAction.objects.filter(pk=made.pk).update(
                    created_at=moment, updated_at=done or moment, done_at=done
                )
        for spec in self.data["suppliers"]:
            started = _moment(self.today - dt.timedelta(days=spec["created_days_ago"]))
            supplier = Supplier.objects.for_org(org).get(name=spec["name"])
            Supplier.objects.filter(pk=supplier.pk).update(created_at=started, updated_at=started)
            for assessment in supplier.assessments.all():
                SupplierAssessment.objects.filter(pk=assessment.pk).update(
                    recorded_at=min(_moment(assessment.assessed_on), timezone.now())
                )


__all__ = ["DemoError", "RisksDemo", "build_risks_demo", "demo_data"]
