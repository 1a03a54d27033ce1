"""Many risks or many assets at once, for the spreadsheet import (``annexa.risks.io``).

A risk or asset made here is the one ``risks.create_risk`` or ``assets.create_asset`` would make
from the same data, under the same rules, and the ledger records each creation the same way
(one ``create`` entry per object, marked ``source: import``). What differs is the cost: the
members, the inventory, the classification labels and the catalog are read once, not once per
row, every row is checked before anything is written, the new objects are numbered under one
lock and inserted in bulk. A batch with any problem writes nothing: ``BatchRefused`` lists every
problem by row (its position in the batch) and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.risks.choices import AssetKind, AssetSource, TreatmentOption
from annexa.risks.models import Asset, Methodology, Risk
from annexa.risks.services import assets as asset_service
from annexa.risks.services import methodology as methodologies
from annexa.risks.services import risks as risk_service
from annexa.risks.services.common import (
    MANAGE,
    clean_text,
    lock_org,
    next_number,
    require_text,
    whole,
)

# progress(done, total) while the ledger entries are written (the slow part).
Progress = Callable[[int, int], None]
BATCH = 500


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of the batch's ``index``-th item (from 0)."""

    index: int
    field: str
    message: str


class BatchRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was saved")


def _members(org) -> set[int]:
    from annexa.orgs.models import Membership

    return set(Membership.objects.filter(organization=org).values_list("user_id", flat=True))


def _catalog() -> set[str]:
    from annexa.catalog.models import Control

    return set(Control.objects.values_list("id", flat=True))


def _field_errors(check: Callable[[], Any], name: str, errors: dict[str, str]) -> Any:
    """``check()``'s value, or ``None`` with its message filed under ``name``."""
    try:
        return check()
    except ValidationError as exc:
        errors[name] = exc.message_dict[name][0] if hasattr(exc, "error_dict") else exc.messages[0]
        return None


# --- risks ---------------------------------------------------------------------------------


@dataclass
class RiskRules:
    """What a new risk is checked against, read once per batch."""

    methodology: Methodology
    members: set[int]
    inventory: set[int]
    controls: set[str]

    @classmethod
    def of(cls, org) -> RiskRules:
        return cls(
            methodology=methodologies.current(org),
            members=_members(org),
            inventory=set(Asset.objects.for_org(org).values_list("pk", flat=True)),
            controls=_catalog(),
        )


def check_risk(data: Mapping[str, Any], rules: RiskRules) -> dict[str, str]:
    """The problems of a new risk's ``data`` (``risks.EDITABLE`` fields: the owner a ``User``,
    assets ``Asset`` objects, controls ids), by field; empty when it may be created."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(risk_service.EDITABLE))
    errors.update({name: "This field cannot be changed here." for name in unknown})
    _field_errors(lambda: require_text(data, "title", "The risk's title"), "title", errors)
    for name in risk_service.TEXT_FIELDS:
        if name != "title" and name in data:
            _field_errors(lambda n=name: clean_text(data[n]), name, errors)
    sizes = {
        "likelihood": len(rules.methodology.likelihood),
        "impact": len(rules.methodology.impact),
    }
    values: dict[str, int | None] = {}
    for name in risk_service.SCALE_FIELDS:
        top = sizes[name.split("_")[1]]
        label = name.replace("_", " ").capitalize()
        values[name] = _field_errors(
            lambda n=name, t=top, lab=label: whole(data.get(n), n, 1, t, lab), name, errors
        )
    treatment = data.get("treatment") or ""
    if treatment not in ("", *TreatmentOption.values):
        errors["treatment"] = (
            f"Unknown treatment {treatment!r}; use one of {', '.join(TreatmentOption.values)}."
        )
    owner = data.get("owner")
    if owner is None or owner.pk not in rules.members:
        errors["owner"] = "The risk owner must be a member of the organization."
    review = data.get("review_date")
    if review is not None and not isinstance(review, dt.date):
        errors["review_date"] = "The review date must be a date, YYYY-MM-DD."
    if any(a.pk not in rules.inventory for a in data.get("assets") or []):
        errors["assets"] = "Link assets of this organization only."
    missing = sorted(set(data.get("controls") or []) - rules.controls)
    if missing:
        errors["controls"] = f"Not Annex A controls: {', '.join(missing)}."
    score = rules.methodology.score
    inherent = score(values["inherent_likelihood"], values["inherent_impact"])
    residual = score(values["residual_likelihood"], values["residual_impact"])
    if inherent is not None and residual is not None and residual > inherent:
        errors.setdefault(
            "residual_likelihood",
            "The residual risk cannot be higher than the inherent risk: treatment does not "
            "add risk.",
        )
    return errors


def create_risks(
    ctx: OrgContext,
    rows: Sequence[Mapping[str, Any]],
    *,
    progress: Progress | None = None,
    labels: Sequence[str] = (),
) -> list[Risk]:
    """``rows`` as new risks, numbered in order, all or none (``BatchRefused``). ``labels``
    is accepted for symmetry with ``create_assets`` (risks have no unique name)."""
    ctx.require(MANAGE)
    with transaction.atomic():
        lock_org(ctx.org)
        rules = RiskRules.of(ctx.org)
        _refuse([check_risk(data, rules) for data in rows])
        first = next_number(Risk, ctx.org)
        today = timezone.localdate()
        built = [
            _new_risk(ctx, data, rules.methodology, first + i, today) for i, data in enumerate(rows)
        ]
        Risk.objects.bulk_create([risk for risk, _ in built], batch_size=BATCH)
        _link(built)
        _record_created(ctx, risk_service.OBJECT_TYPE, built, progress, with_reference=True)
    return [risk for risk, _ in built]


def _refuse(found: list[dict[str, str]]) -> None:
    """``BatchRefused`` with every row's problems (``found``: each row's, in order)."""
    problems = [
        Problem(index, name, message)
        for index, errors in enumerate(found)
        for name, message in errors.items()
    ]
    if problems:
        raise BatchRefused(problems)


def _record_created(
    ctx: OrgContext,
    object_type: str,
    built: Sequence[tuple[Any, dict[str, Any]]],
    progress: Progress | None,
    *,
    with_reference: bool = False,
) -> None:
    """One ledger ``create`` entry per new object, as the one-by-one services write it, the
    chain extended in batches (``ledger.services.append_many``)."""
    from annexa.ledger.services import Record, append_many

    step = 500
    for start in range(0, len(built), step):
        chunk = built[start : start + step]
        append_many(
            ctx,
            [
                Record(
                    object_type=object_type,
                    object_id=str(obj.uid),
                    action="create",
                    data={
                        "before": None,
                        "after": dict(after),
                        "source": "import",
                        **({"reference": obj.reference} if with_reference else {}),
                    },
                )
                for obj, after in chunk
            ],
        )
        if progress is not None:
            progress(start + len(chunk), len(built))


def _new_risk(
    ctx: OrgContext, data: Mapping[str, Any], current: Methodology, number: int, today: dt.date
) -> tuple[Risk, dict[str, Any]]:
    """The unsaved risk and its ledger snapshot (with its links, which are not saved yet)."""
    risk = Risk(organization=ctx.org, number=number, methodology=current, updated_by=ctx.user)
    for name in risk_service.TEXT_FIELDS:
        setattr(risk, name, clean_text(data.get(name)))
    for name in risk_service.SCALE_FIELDS:
        setattr(risk, name, _number(data.get(name)))
    risk.treatment = data.get("treatment") or ""
    risk.owner = data["owner"]
    risk.review_date = data.get("review_date")
    assets = list(data.get("assets") or [])
    controls = sorted(set(data.get("controls") or []))
    methodologies.derive(risk, current)
    risk.status = risk_service._status(risk, controls_chosen=bool(controls), actions=[])
    if risk.inherent_likelihood is not None:
        risk.last_assessed = today
    if risk.review_date is None and risk.last_assessed:
        risk.review_date = risk_service._next_review(risk.last_assessed, current.review_months)
    risk._import_links = (assets, controls)  # saved by _link once the risk has its key
    after = risk_service.snapshot(risk)  # unsaved: its links are filled in below
    after["assets"] = sorted(a.reference for a in assets)
    after["controls"] = controls
    return risk, after


def _link(built: list[tuple[Risk, dict]]) -> None:
    through_assets, through_controls = Risk.assets.through, Risk.controls.through
    asset_rows, control_rows = [], []
    for risk, _ in built:
        assets, controls = risk._import_links
        asset_rows += [through_assets(risk_id=risk.pk, asset_id=a.pk) for a in assets]
        control_rows += [through_controls(risk_id=risk.pk, control_id=c) for c in controls]
        del risk._import_links
    through_assets.objects.bulk_create(asset_rows, batch_size=BATCH, ignore_conflicts=True)
    through_controls.objects.bulk_create(control_rows, batch_size=BATCH, ignore_conflicts=True)


# --- assets --------------------------------------------------------------------------------


@dataclass
class AssetRules:
    """What a new asset is checked against, read once per batch; ``names`` grows with the
    batch, so two rows with one name are refused."""

    members: set[int]
    labels: dict[str, Any]
    names: dict[str, str]

    @classmethod
    def of(cls, org) -> AssetRules:
        return cls(
            members=_members(org),
            labels={c.name.lower(): c for c in asset_service.classifications(org)},
            names={
                a.name.lower(): a.reference
                for a in Asset.objects.for_org(org).only("name", "number")
            },
        )


VALUES = (("value_c", "Confidentiality"), ("value_i", "Integrity"), ("value_a", "Availability"))


def check_asset(data: Mapping[str, Any], rules: AssetRules, *, label: str = "") -> dict[str, str]:
    """The problems of a new asset's ``data`` (``assets.EDITABLE`` fields: the owner a
    ``User`` or ``None``, the classification a label's name), by field. A valid name is
    taken in ``rules`` under ``label`` (how a later duplicate names this one)."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(asset_service.EDITABLE))
    errors.update({name: "This field cannot be changed here." for name in unknown})
    name = _field_errors(lambda: require_text(data, "name", "The asset's name"), "name", errors)
    if name:
        clash = rules.names.get(name.lower())
        if clash is not None:
            errors["name"] = f"An asset named {name!r} is already in the inventory ({clash})."
        else:
            rules.names[name.lower()] = label or name
    if data.get("kind") not in AssetKind.values:
        errors["kind"] = f"The kind must be one of {', '.join(AssetKind.values)}."
    for text in ("description", "location"):
        if text in data:
            _field_errors(lambda t=text: clean_text(data[t]), text, errors)
    owner = data.get("owner")
    if owner is not None and owner.pk not in rules.members:
        errors["owner"] = "The asset's owner must be a member of the organization."
    wanted = _field_errors(lambda: clean_text(data.get("classification")), "classification", errors)
    if wanted and wanted.lower() not in rules.labels:
        names = ", ".join(c.name for c in rules.labels.values())
        errors["classification"] = f"Unknown classification {wanted!r}; use {names}."
    for field, title in VALUES:
        _field_errors(
            lambda f=field, t=title: whole(data.get(f), f, 1, 5, f"{t} value"), field, errors
        )
    return errors


def create_assets(
    ctx: OrgContext,
    rows: Sequence[Mapping[str, Any]],
    *,
    progress: Progress | None = None,
    labels: Sequence[str] = (),
) -> list[Asset]:
    """``rows`` as new assets (source: imported), numbered in order, all or none
    (``BatchRefused``). ``labels`` name the rows in a duplicate's message (e.g. "row 7")."""
    ctx.require(MANAGE)
    with transaction.atomic():
        lock_org(ctx.org)
        rules = AssetRules.of(ctx.org)
        named = [labels[i] if i < len(labels) else f"item {i + 1}" for i in range(len(rows))]
        _refuse([check_asset(data, rules, label=named[i]) for i, data in enumerate(rows)])
        first = next_number(Asset, ctx.org)
        built = [_new_asset(ctx, data, rules, first + i) for i, data in enumerate(rows)]
        Asset.objects.bulk_create(built, batch_size=BATCH)
        _record_created(
            ctx,
            asset_service.OBJECT_TYPE,
            [(a, asset_service.snapshot(a)) for a in built],
            progress,
        )
    return built


def _new_asset(ctx: OrgContext, data: Mapping[str, Any], rules: AssetRules, number: int) -> Asset:
    label = clean_text(data.get("classification"))
    asset = Asset(
        organization=ctx.org,
        number=number,
        name=clean_text(data["name"]),
        kind=data["kind"],
        description=clean_text(data.get("description")),
        location=clean_text(data.get("location")),
        owner=data.get("owner"),
        classification=rules.labels[label.lower()] if label else None,
        source=AssetSource.IMPORT,
        retired=bool(data.get("retired", False)),
    )
    for field, _title in VALUES:
        value = _number(data.get(field))
        setattr(asset, field, 3 if value is None else value)
    return asset


def _number(value: Any) -> int | None:
    """A checked whole number (``whole`` accepted it) as ``int``; blank as ``None``."""
    return None if value is None or value == "" else int(str(value).strip())
