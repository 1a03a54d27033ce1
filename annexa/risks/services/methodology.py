"""The risk assessment methodology (6.1.2 a–b): scales, matrix, level bands and acceptance
criteria, versioned per organization.

``current(org)`` is the version in force (created from ``DEFAULT`` on first use). A new version
(``revise``) is validated as a whole, then every risk's stored scores and levels are derived
again under it in the same transaction, so no stored level is ever stale. Earlier versions stay:
assessment records and accepted residual risks name the version they were judged under.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.core.tenancy import OrgContext
from annexa.orgs.choices import Role
from annexa.risks.models import Methodology, Risk
from annexa.risks.services.common import MANAGE, clean_text, lock_org, record

OBJECT_TYPE = "risk_methodology"

_SCALE_LIKELIHOOD = [
    (1, "Rare", "Not expected in the next five years; no known occurrence here or at peers."),
    (2, "Unlikely", "Could happen within five years; has happened at peers."),
    (3, "Possible", "Could happen within two years; has happened here before."),
    (4, "Likely", "Expected within a year; happens here from time to time."),
    (5, "Almost certain", "Expected within months, or already happening."),
]
_SCALE_IMPACT = [
    (1, "Negligible", "No noticeable effect on customers, operations or obligations."),
    (2, "Minor", "Short disruption or limited exposure, handled within the team."),
    (3, "Moderate", "Disruption of a service for hours, or exposure of internal data."),
    (
        4,
        "Major",
        "Disruption for days, exposure of personal or customer data, a reportable breach.",
    ),
    (5, "Severe", "Lasting loss of customers or licence, large fines, harm to people."),
]
_MANAGERS = [Role.OWNER.value, Role.ISMS_MANAGER.value]
DEFAULT: dict[str, Any] = {
    "likelihood": [{"value": v, "label": lab, "description": d} for v, lab, d in _SCALE_LIKELIHOOD],
    "impact": [{"value": v, "label": lab, "description": d} for v, lab, d in _SCALE_IMPACT],
    "matrix": [[lik * imp for imp in range(1, 6)] for lik in range(1, 6)],
    "bands": [
        {
            "key": "low",
            "label": "Low",
            "min": 1,
            "max": 4,
            "colour": "#2e7d32",
            "accept_roles": [Role.CONTROL_OWNER.value, *_MANAGERS],
        },
        {
            "key": "medium",
            "label": "Medium",
            "min": 5,
            "max": 9,
            "colour": "#f9a825",
            "accept_roles": list(_MANAGERS),
        },
        {
            "key": "high",
            "label": "High",
            "min": 10,
            "max": 16,
            "colour": "#ef6c00",
            "accept_roles": [Role.OWNER.value],
        },
        {
            "key": "very_high",
            "label": "Very high",
            "min": 17,
            "max": 25,
            "colour": "#c62828",
            "accept_roles": [Role.OWNER.value],
        },
    ],
    "acceptance_threshold": 9,
    "review_months": 12,
}
FIELDS = ("likelihood", "impact", "matrix", "bands", "acceptance_threshold", "review_months")


def current(org) -> Methodology:
    """The methodology version in force in ``org``; the default one is created on first use."""
    found = Methodology.objects.for_org(org).order_by("-version").first()
    if found is not None:
        return found
    with transaction.atomic():
        lock_org(org)
        found = Methodology.objects.for_org(org).order_by("-version").first()
        if found is not None:
            return found
        methodology = Methodology.objects.create(
            organization=org, version=1, reason="The default methodology.", **copy.deepcopy(DEFAULT)
        )
        record(
            OrgContext.system(org),
            object_type=OBJECT_TYPE,
            object_id=str(methodology.uid),
            action="create",
            before=None,
            after=snapshot(methodology),
            version=1,
        )
    return methodology


def snapshot(methodology: Methodology) -> dict[str, Any]:
    return {name: getattr(methodology, name) for name in FIELDS}


def revise(ctx: OrgContext, changes: Mapping[str, Any], reason: str) -> Methodology:
    """A new version with ``changes`` (any of ``FIELDS``) over the current one; every risk's
    scores and levels are derived again under it. Refused with every problem named."""
    ctx.require(MANAGE)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why the methodology changes (it is recorded)."})
    with transaction.atomic():
        lock_org(ctx.org)
        before = current(ctx.org)
        data = {**copy.deepcopy(snapshot(before)), **copy.deepcopy(dict(changes))}
        validate(data)
        if data == snapshot(before):
            raise ValidationError({"reason": "Nothing changed: the methodology is the same."})
        methodology = Methodology.objects.create(
            organization=ctx.org,
            version=before.version + 1,
            reason=reason,
            created_by=ctx.user,
            **data,
        )
        changed = rederive(ctx.org, methodology)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(methodology.uid),
            action="revise",
            before={k: v for k, v in snapshot(before).items() if data[k] != v},
            after={k: v for k, v in data.items() if snapshot(before)[k] != v},
            version=methodology.version,
            reason=reason,
            risks_rederived=len(changed),
            levels_changed=sorted(changed),
        )
    return methodology


def derive(risk: Risk, methodology: Methodology) -> None:
    """Set ``risk``'s scores and levels from its likelihoods and impacts (not saved)."""
    risk.inherent_score = methodology.score(risk.inherent_likelihood, risk.inherent_impact)
    risk.inherent_level = methodology.level(risk.inherent_score)
    risk.residual_score = methodology.score(risk.residual_likelihood, risk.residual_impact)
    risk.residual_level = methodology.level(risk.residual_score)
    risk.methodology = methodology


LEVEL_FIELDS = ("inherent_score", "inherent_level", "residual_score", "residual_level")


def rederive(org, methodology: Methodology) -> list[str]:
    """Every risk of ``org`` derived again under ``methodology``; the references of the risks
    whose score or level changed."""
    risks = list(Risk.objects.for_org(org))
    changed = []
    for risk in risks:
        before = tuple(getattr(risk, name) for name in LEVEL_FIELDS)
        derive(risk, methodology)
        if tuple(getattr(risk, name) for name in LEVEL_FIELDS) != before:
            changed.append(risk.reference)
    Risk.objects.bulk_update(risks, [*LEVEL_FIELDS, "methodology"], batch_size=500)
    return changed


def validate(data: Mapping[str, Any]) -> None:
    """The whole methodology must hold together: the error names every problem."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    sizes = {}
    for name in ("likelihood", "impact"):
        scale = data.get(name)
        if not isinstance(scale, list) or not 2 <= len(scale) <= 10:
            problem(name, f"The {name} scale needs from 2 to 10 levels.")
            continue
        for position, level in enumerate(scale, start=1):
            if not isinstance(level, dict) or level.get("value") != position:
                problem(name, f"Level {position} of the {name} scale must have value {position}.")
            elif not str(level.get("label", "")).strip():
                problem(name, f"Level {position} of the {name} scale needs a label.")
        sizes[name] = len(scale)
    matrix = data.get("matrix")
    highest = 0
    if len(sizes) == 2:
        rows, columns = sizes["likelihood"], sizes["impact"]
        if (
            not isinstance(matrix, list)
            or len(matrix) != rows
            or any(not isinstance(row, list) or len(row) != columns for row in matrix)
        ):
            problem("matrix", f"The matrix needs {rows} rows (likelihood) of {columns} cells.")
        else:
            for lik, row in enumerate(matrix, start=1):
                for imp, cell in enumerate(row, start=1):
                    if isinstance(cell, bool) or not isinstance(cell, int) or cell < 1:
                        problem(
                            "matrix",
                            f"The cell for likelihood {lik} and impact {imp} must be a whole "
                            f"number of at least 1, not {cell!r}.",
                        )
                    else:
                        highest = max(highest, cell)
    _validate_bands(data.get("bands"), highest, problem)
    threshold = data.get("acceptance_threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        problem("acceptance_threshold", "The acceptance threshold must be a whole number.")
    months = data.get("review_months")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
        problem("review_months", "Reassess risks every 1 to 60 months.")
    if errors:
        raise ValidationError({k: " ".join(v) for k, v in errors.items()})


def _validate_bands(bands: Any, highest: int, problem) -> None:
    if not isinstance(bands, list) or not bands:
        problem("bands", "Name at least one risk level band.")
        return
    expected_min, keys = 1, set()
    roles = set(Role.values)
    for position, band in enumerate(bands, start=1):
        if not isinstance(band, dict):
            problem("bands", f"Band {position} is not a band.")
            return
        key, label = str(band.get("key", "")).strip(), str(band.get("label", "")).strip()
        if not key or not label or key in keys:
            problem("bands", f"Band {position} needs a label and a key of its own.")
        keys.add(key)
        low, high = band.get("min"), band.get("max")
        if not isinstance(low, int) or not isinstance(high, int) or low > high:
            problem("bands", f"Band {label or position} needs a range from a score to a score.")
            return
        if low != expected_min:
            problem(
                "bands",
                f"Band {label} starts at {low}; the bands must follow each other from 1 with no "
                f"gap or overlap (expected {expected_min}).",
            )
        expected_min = high + 1
        unknown = set(band.get("accept_roles", [])) - roles
        if unknown:
            problem("bands", f"Band {label}: unknown role(s) {', '.join(sorted(unknown))}.")
    if highest and expected_min <= highest:
        problem("bands", f"The bands end at {expected_min - 1}; the matrix goes up to {highest}.")
