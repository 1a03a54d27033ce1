"""The risk register: identifying, assessing and treating risks, and accepting residual risk.

Every change goes through here, checks who may make it, derives the scores and levels under
the current methodology (``methodology.derive``), works out the risk's status and appends
to the ledger in the same transaction. Risk owners assess and treat the risks they own;
managers any risk. Accepting the residual risk is the risk owner's, and only where the
methodology's band for its level lets the owner's role accept (6.1.2 a, 6.1.3 f).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import is_member
from annexa.risks.choices import (
    ACTION_NOT_DONE,
    ActionStatus,
    RiskStatus,
    TreatmentOption,
)
from annexa.risks.models import Asset, Risk, TreatmentAction
from annexa.risks.services import methodology as methodologies
from annexa.risks.services.common import (
    ASSESS,
    MANAGE,
    clean_text,
    email_of,
    lock_org,
    next_number,
    record,
    require_named,
    require_text,
    whole,
)

OBJECT_TYPE = "risk"
ACTION_OBJECT_TYPE = "risk_treatment_action"
TEXT_FIELDS = (
    "title",
    "threat",
    "vulnerability",
    "consequence",
    "existing_controls",
    "treatment_plan",
)
SCALE_FIELDS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
EDITABLE = (*TEXT_FIELDS, *SCALE_FIELDS, "treatment", "owner", "review_date", "assets", "controls")
# A change to any of these withdraws an earlier acceptance of the residual risk.
RESIDUAL_BASIS = ("residual_likelihood", "residual_impact", "treatment", "controls")


class StaleRiskError(Exception):
    def __init__(self, risk: Risk, expected: int) -> None:
        from annexa.isms.services.common import stale_message

        self.risk = risk
        super().__init__(stale_message(risk.reference, risk, expected, "risk"))


def snapshot(risk: Risk) -> dict[str, Any]:
    """The risk as JSON-safe data for the ledger and for assessment records."""
    return {
        **{name: getattr(risk, name) for name in TEXT_FIELDS},
        **{name: getattr(risk, name) for name in SCALE_FIELDS},
        "inherent_score": risk.inherent_score,
        "inherent_level": risk.inherent_level,
        "residual_score": risk.residual_score,
        "residual_level": risk.residual_level,
        "treatment": risk.treatment,
        "owner": email_of(risk.owner),
        "review_date": risk.review_date.isoformat() if risk.review_date else None,
        "status": risk.status,
        "assets": sorted(a.reference for a in risk.assets.all()) if risk.pk else [],
        "controls": sorted(c.id for c in risk.controls.all()) if risk.pk else [],
        "methodology": risk.methodology.version if risk.methodology_id else None,
    }


def can_edit(ctx: OrgContext, risk: Risk) -> bool:
    """Managers edit any risk; a risk owner with the assess permission, the risks they own."""
    if ctx.can(MANAGE):
        return True
    return ctx.can(ASSESS) and ctx.user is not None and risk.owner_id == ctx.user.pk


def _require_edit(ctx: OrgContext, risk: Risk) -> None:
    if not can_edit(ctx, risk):
        raise PermissionDenied(
            f"only the owner of {risk.reference} ({email_of(risk.owner)}) or an ISMS manager "
            "may change it"
        )


def create_risk(ctx: OrgContext, data: Mapping[str, Any]) -> Risk:
    """A new risk from ``data`` (the ``EDITABLE`` fields; ``title`` and ``owner`` required)."""
    ctx.require(MANAGE)
    _reject_unknown(data)
    with transaction.atomic():
        lock_org(ctx.org)
        current = methodologies.current(ctx.org)
        risk = Risk(
            organization=ctx.org,
            number=next_number(Risk, ctx.org),
            methodology=current,
            updated_by=ctx.user,
        )
        assets, controls = _apply(ctx, risk, data, current, creating=True)
        methodologies.derive(risk, current)
        risk.status = _status(risk, controls_chosen=bool(controls), actions=[])
        if risk.inherent_likelihood is not None:
            risk.last_assessed = timezone.localdate()
        if risk.review_date is None and risk.last_assessed:
            risk.review_date = _next_review(risk.last_assessed, current.review_months)
        risk.save()
        risk.assets.set(assets or [])
        risk.controls.set(controls or [])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(risk.uid),
            action="create",
            before=None,
            after=snapshot(risk),
            reference=risk.reference,
        )
    return risk


def update_risk(
    ctx: OrgContext,
    risk: Risk,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> Risk:
    """Change a risk; a no-op when nothing differs. A change of the residual likelihood or
    impact, the treatment or the controls withdraws an acceptance of the residual risk."""
    _reject_unknown(changes)
    with transaction.atomic():
        risk = _locked(risk)
        _require_edit(ctx, risk)
        if expected_version is not None and risk.version != expected_version:
            raise StaleRiskError(risk, expected_version)
        current = methodologies.current(ctx.org)
        before = snapshot(risk)
        assets, controls = _apply(ctx, risk, changes, current, creating=False)
        if assets is not None:
            risk.assets.set(assets)
        if controls is not None:
            risk.controls.set(controls)
        methodologies.derive(risk, current)
        after = snapshot(risk)
        changed = [k for k in after if before.get(k) != after[k] and k != "status"]
        if not changed:
            return risk
        withdrawn = risk.is_accepted and any(k in RESIDUAL_BASIS for k in changed)
        if withdrawn:
            risk.accepted_by, risk.accepted_at, risk.acceptance = None, None, {}
        if any(k in SCALE_FIELDS for k in changed):
            risk.last_assessed = timezone.localdate()
            if "review_date" not in changed:
                risk.review_date = _next_review(risk.last_assessed, current.review_months)
        risk.status = _status(risk)
        risk.version += 1
        risk.updated_at = timezone.now()
        risk.updated_by = ctx.user
        risk.save()
        after = snapshot(risk)
        changed = [k for k in after if before.get(k) != after[k]]
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(risk.uid),
            action="update",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reference=risk.reference,
            version=risk.version,
            reason=clean_text(reason),
            acceptance_withdrawn=withdrawn,
        )
    return risk


def acceptance_problem(ctx: OrgContext, risk: Risk) -> str | None:
    """Why ``ctx``'s person may not accept ``risk``'s residual risk now, or ``None``."""
    if ctx.user is None or risk.owner_id != ctx.user.pk:
        return f"only the risk owner, {email_of(risk.owner)}, accepts the residual risk"
    if risk.residual_score is None:
        return "assess the residual likelihood and impact first"
    if not risk.treatment:
        return "choose how the risk is treated first"
    if risk.is_accepted:
        return "the residual risk is already accepted"
    band = risk.methodology.band(risk.residual_score)
    if band is None:
        return "the residual score is outside every level band of the methodology"
    if ctx.role not in band.get("accept_roles", []):
        allowed = ", ".join(_role_label(r) for r in band.get("accept_roles", [])) or "nobody"
        return (
            f"a {band['label'].lower()} residual risk is accepted by: {allowed} "
            f"(methodology v{risk.methodology.version}); you are {_role_label(ctx.role)}"
        )
    return None


def accept_residual(ctx: OrgContext, risk: Risk, reason: str = "") -> Risk:
    """The risk owner accepts the residual risk under the current acceptance criteria. Above
    the threshold a written reason is required (it is recorded)."""
    require_named(ctx, "accept a residual risk")
    reason = clean_text(reason)
    with transaction.atomic():
        risk = _locked(risk)
        problem = acceptance_problem(ctx, risk)
        if problem:
            raise ValidationError({"acceptance": f"Not accepted: {problem}."})
        current = risk.methodology
        above = current.above_threshold(risk.residual_score)
        if above and not reason:
            raise ValidationError(
                {
                    "reason": (
                        f"The residual score {risk.residual_score} is above the acceptance "
                        f"threshold ({current.acceptance_threshold}): say why it is accepted."
                    )
                }
            )
        band = current.band(risk.residual_score)
        risk.accepted_by, risk.accepted_at = ctx.user, timezone.now()
        risk.acceptance = {
            "methodology": current.version,
            "score": risk.residual_score,
            "level": band["key"],
            "threshold": current.acceptance_threshold,
            "above_threshold": above,
            "role": ctx.role,
            "reason": reason,
        }
        risk.status = _status(risk)
        risk.version += 1
        risk.updated_at, risk.updated_by = timezone.now(), ctx.user
        risk.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(risk.uid),
            action="accept_residual",
            before=None,
            after={"accepted_by": ctx.user.email, **risk.acceptance},
            reference=risk.reference,
            version=risk.version,
        )
    return risk


def close_risk(ctx: OrgContext, risk: Risk, reason: str) -> Risk:
    """A risk that no longer applies (the asset or activity is gone) is closed, with why."""
    ctx.require(MANAGE)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why the risk no longer applies."})
    with transaction.atomic():
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        if risk.status == RiskStatus.CLOSED:
            raise ValidationError({"status": f"{risk.reference} is already closed."})
        before = risk.status
        risk.status = RiskStatus.CLOSED
        risk.version += 1
        risk.updated_at, risk.updated_by = timezone.now(), ctx.user
        risk.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(risk.uid),
            action="close",
            before={"status": before},
            after={"status": risk.status},
            reference=risk.reference,
            reason=reason,
        )
    return risk


# --- treatment actions -------------------------------------------------------------------------


def add_action(ctx: OrgContext, risk: Risk, data: Mapping[str, Any]) -> TreatmentAction:
    """A tracked action of ``risk``'s treatment plan: title, owner (a member), due date,
    optionally the Annex A control it implements."""
    with transaction.atomic():
        lock_org(ctx.org)
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        _require_edit(ctx, risk)
        action = TreatmentAction(
            organization=ctx.org, risk=risk, number=next_number(TreatmentAction, ctx.org)
        )
        _apply_action(ctx, action, data, creating=True)
        action.save()
        _refresh_status(risk)
        record(
            ctx,
            object_type=ACTION_OBJECT_TYPE,
            object_id=str(action.uid),
            action="create",
            before=None,
            after=action_snapshot(action),
            risk=risk.reference,
        )
    return action


def update_action(ctx: OrgContext, action: TreatmentAction, changes: Mapping[str, Any]):
    """Change an action (its status too: done sets when; a risk whose actions are all done
    and whose residual risk is accepted is treated)."""
    with transaction.atomic():
        action = (
            TreatmentAction.objects.select_for_update().select_related("risk").get(pk=action.pk)
        )
        if ctx.user is None or action.owner_id != ctx.user.pk:  # an action's owner works it
            _require_edit(ctx, action.risk)
        before = action_snapshot(action)
        _apply_action(ctx, action, changes, creating=False)
        after = action_snapshot(action)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return action
        if action.status == ActionStatus.DONE and action.done_at is None:
            action.done_at = timezone.now()
        elif action.status != ActionStatus.DONE:
            action.done_at = None
        action.updated_at = timezone.now()
        action.save()
        _refresh_status(action.risk)
        record(
            ctx,
            object_type=ACTION_OBJECT_TYPE,
            object_id=str(action.uid),
            action="update",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            risk=action.risk.reference,
        )
    return action


def action_snapshot(action: TreatmentAction) -> dict[str, Any]:
    return {
        "reference": action.reference,
        "title": action.title,
        "owner": email_of(action.owner) if action.owner_id else None,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "status": action.status,
        "control": action.control_id,
        "notes": action.notes,
    }


def _apply_action(ctx: OrgContext, action: TreatmentAction, data: Mapping[str, Any], *, creating):
    from annexa.catalog.models import Control

    allowed = {"title", "owner", "due_date", "status", "control", "notes"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    errors: dict[str, str] = {}
    if creating or "title" in data:
        try:
            action.title = require_text(data, "title", "The action's title")
        except ValidationError as exc:
            errors.update(exc.message_dict and {k: v[0] for k, v in exc.message_dict.items()})
    if creating or "owner" in data:
        owner = data.get("owner")
        if owner is None or not is_member(ctx.org, owner):
            errors["owner"] = "The action's owner must be a member of the organization."
        else:
            action.owner = owner
    if creating or "due_date" in data:
        due = _date(data.get("due_date"), "due_date", errors, "The due date")
        if due is None and "due_date" not in errors:
            errors["due_date"] = "The due date is required (YYYY-MM-DD)."
        action.due_date = due
    if "status" in data:
        if data["status"] not in ActionStatus.values:
            errors["status"] = f"Unknown status; use one of {', '.join(ActionStatus.values)}."
        else:
            action.status = data["status"]
    if "control" in data:
        value = data.get("control")
        control_id = value.strip() if isinstance(value, str) else ""
        if control_id and not Control.objects.filter(pk=control_id).exists():
            errors["control"] = f"{control_id} is not an Annex A control."
        action.control_id = control_id or None
    if "notes" in data:
        action.notes = clean_text(data.get("notes"))
    if errors:
        raise ValidationError(errors)


def _refresh_status(risk: Risk) -> None:
    status = _status(risk)
    if status != risk.status:
        Risk.objects.filter(pk=risk.pk).update(status=status)
        risk.status = status


# --- derivation ----------------------------------------------------------------------------------


def _status(
    risk: Risk,
    *,
    controls_chosen: bool | None = None,
    actions: Iterable[TreatmentAction] | None = None,
) -> str:
    if risk.status == RiskStatus.CLOSED:
        return RiskStatus.CLOSED
    if risk.inherent_likelihood is None or risk.inherent_impact is None:
        return RiskStatus.IDENTIFIED
    if not risk.treatment:
        return RiskStatus.ASSESSED
    if actions is None:
        actions = list(risk.actions.all()) if risk.pk else []
    pending = any(a.status in ACTION_NOT_DONE for a in actions)
    if risk.is_accepted and not pending:
        return RiskStatus.TREATED
    return RiskStatus.TREATMENT_PLANNED


def _next_review(assessed: dt.date, months: int) -> dt.date:
    month = assessed.month - 1 + months
    year, month = assessed.year + month // 12, month % 12 + 1
    day = min(assessed.day, 28)
    return dt.date(year, month, day)


def _locked(risk: Risk) -> Risk:
    return (
        Risk.objects.select_for_update(of=("self",))
        .select_related("owner", "methodology")
        .get(pk=risk.pk)
    )


def _reject_unknown(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


def _date(value: Any, name: str, errors: dict, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = f"{label} must be a date, YYYY-MM-DD, not {value!r}."
        return None


def _role_label(role: str | None) -> str:
    from annexa.orgs.choices import Role

    try:
        return str(Role(role).label)
    except ValueError:
        return "no member"


def _apply(ctx: OrgContext, risk: Risk, data: Mapping[str, Any], current, *, creating: bool):
    """Set ``risk``'s fields from ``data``; returns the assets and controls to set (``None``
    where ``data`` does not name them). Every problem is reported at once."""
    from annexa.catalog.models import Control

    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        if name == "title" and (creating or name in data):
            try:
                risk.title = require_text(data, "title", "The risk's title")
            except ValidationError:
                errors["title"] = "The risk's title is required (at most 200 characters)."
        elif name in data and name != "title":
            try:
                setattr(risk, name, clean_text(data[name]))
            except ValidationError:
                errors[name] = "Expected text."
    scales = {"likelihood": len(current.likelihood), "impact": len(current.impact)}
    for name in SCALE_FIELDS:
        if name in data:
            top = scales[name.split("_")[1]]
            label = name.replace("_", " ").capitalize()
            try:
                setattr(risk, name, whole(data[name], name, 1, top, label))
            except ValidationError as exc:
                errors[name] = exc.message_dict[name][0]
    if "treatment" in data:
        value = data["treatment"] or ""
        if value and value not in TreatmentOption.values:
            errors["treatment"] = (
                f"Unknown treatment {value!r}; use one of {', '.join(TreatmentOption.values)}."
            )
        else:
            risk.treatment = value
    if creating or "owner" in data:
        owner = data.get("owner")
        if owner is None or not is_member(ctx.org, owner):
            errors["owner"] = "The risk owner must be a member of the organization."
        else:
            risk.owner = owner
    if "review_date" in data:
        risk.review_date = _date(data["review_date"], "review_date", errors, "The review date")
    assets = controls = None
    if "assets" in data:
        wanted = list(data["assets"] or [])
        assets = list(Asset.objects.for_org(ctx.org).filter(pk__in=[a.pk for a in wanted]))
        if len(assets) != len({a.pk for a in wanted}):
            errors["assets"] = "Link assets of this organization only."
    if "controls" in data:
        ids = sorted({c if isinstance(c, str) else c.pk for c in (data["controls"] or [])})
        controls = list(Control.objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {c.pk for c in controls})
        if missing:
            errors["controls"] = f"Not Annex A controls: {', '.join(missing)}."
    residual = current.score(risk.residual_likelihood, risk.residual_impact)
    inherent = current.score(risk.inherent_likelihood, risk.inherent_impact)
    if residual is not None and inherent is not None and residual > inherent:
        errors.setdefault(
            "residual_likelihood",
            "The residual risk cannot be higher than the inherent risk: treatment does not "
            "add risk.",
        )
    if errors:
        raise ValidationError(errors)
    return assets, controls
