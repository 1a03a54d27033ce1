"""The risk register and the asset inventory written as XLSX or CSV (every cell through
``annexa.core.spreadsheets``, formula-safe)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from annexa.core import spreadsheets
from annexa.risks.io.columns import ASSET_COLUMNS, ASSET_WIDTHS, RISK_COLUMNS, RISK_WIDTHS
from annexa.risks.models import Asset, Methodology, Risk, TreatmentAction


def export_risks(org, fmt: str, risks: Iterable[Risk] | None = None) -> bytes:
    """The register (every risk unless ``risks``) as XLSX or CSV."""
    methods = {m.pk: m for m in Methodology.objects.for_org(org)}
    found = _risks_for_export(org) if risks is None else risks
    rows = [_risk_row(r, methods[r.methodology_id]) for r in found]
    if fmt == "csv":
        return spreadsheets.write_csv(RISK_COLUMNS, rows)
    return spreadsheets.write_xlsx(RISK_COLUMNS, rows, title="Risk register", widths=RISK_WIDTHS)


def export_assets(org, fmt: str, assets: Iterable[Asset] | None = None) -> bytes:
    """The asset inventory (every asset unless ``assets``) as XLSX or CSV."""
    rows = [_asset_row(a) for a in (_assets_for_export(org) if assets is None else assets)]
    if fmt == "csv":
        return spreadsheets.write_csv(ASSET_COLUMNS, rows)
    return spreadsheets.write_xlsx(
        ASSET_COLUMNS, rows, title="Asset inventory", widths=ASSET_WIDTHS
    )


def filename(org, what: str, fmt: str) -> str:
    return f"{what}-{org.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def risks_for_export(queryset):
    """``queryset`` with what an exported row reads, in one query per relation (the
    methodology versions are read once by ``export_risks``)."""
    from django.db.models import Prefetch

    from annexa.catalog.models import Control

    return queryset.select_related("owner", "accepted_by").prefetch_related(
        Prefetch("assets", Asset.objects.only("id", "number", "name")),
        Prefetch("controls", Control.objects.only("id", "sort_key")),
        Prefetch("actions", TreatmentAction.objects.select_related("owner")),
    )


def assets_for_export(queryset):
    return queryset.select_related("owner", "classification").prefetch_related("risks")


def _risks_for_export(org):
    return risks_for_export(Risk.objects.for_org(org).order_by("number"))


def _assets_for_export(org):
    return assets_for_export(Asset.objects.for_org(org).order_by("number"))


def _risk_row(risk: Risk, method: Methodology) -> list[object]:
    return [
        risk.reference,
        risk.title,
        risk.threat,
        risk.vulnerability,
        risk.consequence,
        "; ".join(a.name for a in sorted(risk.assets.all(), key=lambda a: a.number)),
        risk.owner.email,
        risk.existing_controls,
        risk.inherent_likelihood,
        risk.inherent_impact,
        risk.inherent_score,
        method.label_of(risk.inherent_level) if risk.inherent_level else "",
        risk.get_treatment_display() if risk.treatment else "",
        risk.treatment_plan,
        ", ".join(c.id for c in sorted(risk.controls.all(), key=lambda c: c.sort_key)),
        risk.residual_likelihood,
        risk.residual_impact,
        risk.residual_score,
        method.label_of(risk.residual_level) if risk.residual_level else "",
        risk.get_status_display(),
        risk.accepted_by.email if risk.accepted_by_id else "",
        risk.accepted_at.isoformat(timespec="seconds") if risk.accepted_at else "",
        _acceptance_text(risk, method),
        "\n".join(_action_text(a) for a in risk.actions.all()),
        risk.review_date.isoformat() if risk.review_date else "",
        risk.last_assessed.isoformat() if risk.last_assessed else "",
        method.version,
    ]


def _acceptance_text(risk: Risk, method: Methodology) -> str:
    criteria = risk.acceptance or {}
    if not risk.is_accepted or not criteria:
        return ""
    above = " (above the threshold)" if criteria.get("above_threshold") else ""
    text = (
        f"methodology v{criteria.get('methodology')}: residual score {criteria.get('score')} "
        f"({method.label_of(criteria.get('level', ''))}), acceptance threshold "
        f"{criteria.get('threshold')}{above}, accepted as {_role_label(criteria.get('role'))}"
    )
    reason = criteria.get("reason")
    return f"{text}; reason: {reason}" if reason else text


def _role_label(role: str | None) -> str:
    from annexa.orgs.choices import Role

    return str(Role(role).label) if role in Role.values else "system"


def _action_text(action) -> str:
    return (
        f"{action.reference} {action.title} ({action.get_status_display()}, "
        f"{action.owner.email}, due {action.due_date.isoformat()})"
    )


def _asset_row(asset: Asset) -> list[object]:
    return [
        asset.reference,
        asset.name,
        asset.get_kind_display(),
        asset.description,
        asset.owner.email if asset.owner_id else "",
        asset.classification.name if asset.classification_id else "",
        asset.value_c,
        asset.value_i,
        asset.value_a,
        asset.value,
        asset.location,
        asset.get_source_display(),
        "yes" if asset.confirmed else "no",
        "yes" if asset.retired else "no",
        ", ".join(r.reference for r in sorted(asset.risks.all(), key=lambda r: r.number)),
    ]
