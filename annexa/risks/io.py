"""The risk register and the asset inventory as spreadsheets: export to XLSX or CSV, and an
all-or-nothing import of either from XLSX or CSV.

Export
    Every cell goes through ``annexa.core.spreadsheets`` (formula-safe: text a spreadsheet
    program could run starts with an apostrophe; XLSX cells are always text). The register
    holds each risk with its assets, owner, controls, inherent and residual assessment with the
    derived scores and levels, its treatment and tracked actions, the acceptance of its residual
    risk and the methodology version it was judged under.

Import
    The first row names the columns (any case, spaces or underscores). Every row is read and
    checked before anything is written; one bad cell anywhere and nothing is saved: the report
    names every problem by row, column and what to do. Otherwise everything is saved in one
    transaction (new objects in bulk, under the rules of ``services.bulk``; changed ones
    through ``services.risks.update_risk`` and ``services.assets.update_asset``).

    * A row whose ``reference`` names an existing risk (R-0012) or asset (AS-0003) changes it;
      a blank ``reference`` adds a new one — except that an asset row whose name is already in
      the inventory changes that asset (assets are known by their names). Unchanged rows
      change nothing, so importing an export unchanged is a no-op.
    * A column left out of the sheet leaves that field of existing rows as it is; the columns
      a person cannot set (scores, levels, status, acceptance, actions, source, confirmed)
      are exported for the reader and ignored by the import.
    * People are named by e-mail and must be members. Controls are Annex A ids separated by
      commas ("A.8.5, A.5.15"). A risk's assets are names (or references) from the inventory,
      separated by semicolons or line breaks, since names may hold commas.
    * An asset a risk names that is not in the inventory is a problem, not created on the
      fly: an inventory entry needs a kind, an owner and a classification a register row does
      not hold. Import the asset inventory first (its import takes them all).
    * Treatments are given by value or label ("modify", "Modify (apply controls)") or the usual
      synonyms (mitigate, accept, transfer); asset kinds by value or label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core import spreadsheets
from annexa.core.spreadsheets import (
    CellError,
    ImportReport,
    Sheet,
    SheetRow,
    Unreadable,
    describe,  # noqa: F401 (the faces print io.describe)
    read_sheet,
)
from annexa.core.tenancy import OrgContext
from annexa.risks.choices import AssetKind, RiskStatus, TreatmentOption
from annexa.risks.models import Asset, Methodology, Risk, TreatmentAction
from annexa.risks.services import assets as asset_service
from annexa.risks.services import bulk
from annexa.risks.services import risks as risk_service
from annexa.risks.services.common import MANAGE, clean_text

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {"xlsx": spreadsheets.XLSX_MEDIA_TYPE, "csv": spreadsheets.CSV_MEDIA_TYPE}
MAX_IMPORT_BYTES = spreadsheets.MAX_IMPORT_BYTES
MAX_IMPORT_ROWS = spreadsheets.MAX_IMPORT_ROWS
IMPORT_REASON = "Spreadsheet import."

# progress(stage, done, total): stage is "checking" or "saving".
Progress = Callable[[str, int, int], None]

RISK_COLUMNS = (
    "reference",
    "title",
    "threat",
    "vulnerability",
    "consequence",
    "assets",
    "owner",
    "existing_controls",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_level",
    "treatment",
    "treatment_plan",
    "controls",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "status",
    "accepted_by",
    "accepted_at",
    "acceptance",
    "treatment_actions",
    "review_date",
    "last_assessed",
    "methodology_version",
)
RISK_WIDTHS = (9, 40, 30, 30, 30, 30, 26, 30, 10, 10, 9, 11, 22, 40, 18, 10, 10, 9, 11, 18)
RISK_WIDTHS += (26, 20, 40, 50, 12, 12, 10)
# Derived, or changed only by their own step (acceptance, actions): for the reader only.
RISK_EXPORTED_ONLY = (
    "inherent_score",
    "inherent_level",
    "residual_score",
    "residual_level",
    "status",
    "accepted_by",
    "accepted_at",
    "acceptance",
    "treatment_actions",
    "last_assessed",
    "methodology_version",
)
RISK_IMPORTED = tuple(c for c in RISK_COLUMNS if c not in RISK_EXPORTED_ONLY)
RISK_REQUIRED = ("title", "owner")

ASSET_COLUMNS = (
    "reference",
    "name",
    "kind",
    "description",
    "owner",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "value",
    "location",
    "source",
    "confirmed",
    "retired",
    "risks",
)
ASSET_WIDTHS = (9, 36, 14, 40, 26, 16, 9, 9, 9, 7, 24, 22, 10, 8, 30)
ASSET_EXPORTED_ONLY = ("value", "source", "confirmed", "risks")
ASSET_IMPORTED = tuple(c for c in ASSET_COLUMNS if c not in ASSET_EXPORTED_ONLY)
ASSET_REQUIRED = ("name", "kind")
# The asset's model fields under the sheet's column names.
ASSET_FIELDS = {"confidentiality": "value_c", "integrity": "value_i", "availability": "value_a"}
TREATMENT_SYNONYMS = {"mitigate": "modify", "reduce": "modify", "accept": "retain"}
TREATMENT_SYNONYMS |= {"tolerate": "retain", "transfer": "share", "terminate": "avoid"}
YES = {"yes", "true", "y", "1"}
NO = {"no", "false", "n", "0", ""}


# --- export --------------------------------------------------------------------------------


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


# --- reading a file ------------------------------------------------------------------------


def _start(
    ctx: OrgContext, file: bytes | BinaryIO, name: str, required: Sequence[str]
) -> tuple[Sheet | None, ImportReport]:
    """The sheet and a report holding its reading problems (``None`` when it cannot be read
    or lacks a required column: its rows cannot be judged)."""
    ctx.require(MANAGE)
    try:
        sheet = read_sheet(file, name)
    except Unreadable as exc:
        return None, ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    for column in required:
        if column not in sheet.columns:
            report.errors.append(
                CellError(1, column, f"the column {column!r} is missing from the header row")
            )
    if any(e.row == 1 for e in report.errors):
        return None, report
    if not sheet.rows:
        report.errors.append(CellError(None, None, "the sheet has a header but no data rows"))
        return None, report
    return sheet, report


def _finish(report: ImportReport, order: Sequence[str]) -> ImportReport:
    def key(error: CellError):
        column = order.index(error.column) if error.column in order else len(order)
        return (error.row or 0, column, error.message)

    report.errors.sort(key=key)
    return report


class _RowProblems:
    """The problems of one row, and the cells that could not be read at all."""

    def __init__(self, row: SheetRow, report: ImportReport) -> None:
        self.row = row
        self.found: list[CellError] = []
        self.unreadable = {e.column for e in report.errors if e.row == row.number}

    def add(self, column: str, message: str) -> None:
        self.found.append(CellError(self.row.number, column, message))

    def cell(self, column: str) -> str:
        return clean_text(self.row.values.get(column, ""))

    @property
    def bad(self) -> bool:
        return bool(self.found or self.unreadable)


def _members(org) -> dict[str, Any]:
    from annexa.orgs.models import User

    return {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}


def _person(problems: _RowProblems, column: str, members: Mapping[str, Any], what: str):
    text = problems.cell(column)
    if not text:
        return None
    user = members.get(text.lower())
    if user is None:
        problems.add(column, f"{text} is not a member of this organization: give {what}")
    return user


def _choice(text: str, choices, synonyms: Mapping[str, str] | None = None) -> str | None:
    """The choice value ``text`` names by value, label or synonym (any case); ``None``."""
    wanted = " ".join(text.lower().replace("_", " ").split())
    for value, label in choices:
        if wanted in (value.replace("_", " "), str(label).lower()):
            return value
    return (synonyms or {}).get(wanted)


def _date_text(text: str) -> str:
    """A date cell as YYYY-MM-DD (XLSX dates are read as date-times at midnight)."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(T00:00:00)?", text)
    return match.group(1) if match else text


def _reference(text: str, prefix: str) -> int | None:
    match = re.fullmatch(rf"{prefix}-?0*(\d{{1,9}})", text.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _progress_every(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 250 == 0):
        progress(stage, done, total)


# --- importing the register ----------------------------------------------------------------


@dataclass
class _Change:
    """A row that changes an existing object (``changes``) or adds one (``obj`` is None)."""

    number: int
    data: dict[str, Any]
    obj: Any = None


def import_risks(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a risk register from XLSX or CSV: every row valid and saved, or nothing changes
    (the report names every problem)."""
    return _import(ctx, file, name, _RiskRows, progress)


def import_assets(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the asset inventory from XLSX or CSV: every row valid and saved, or nothing
    changes (the report names every problem)."""
    return _import(ctx, file, name, _AssetRows, progress)


def _import(ctx: OrgContext, file, name: str, rows_class, progress) -> ImportReport:
    """Read and check every row (``rows_class`` knows the kind of sheet), then save them all
    in one transaction or, with any problem, nothing."""
    sheet, report = _start(ctx, file, name, rows_class.REQUIRED)
    if sheet is None:
        return _finish(report, rows_class.COLUMNS)
    reader = rows_class(ctx.org, sheet)
    plan: list[_Change] = []
    for done, row in enumerate(sheet.rows, start=1):
        change = reader.read(row, report)
        if change is not None:
            plan.append(change)
        _progress_every(progress, "checking", done, len(sheet.rows))
    reader.check_new(plan, report)
    if report.errors:
        return _finish(report, rows_class.COLUMNS)
    updates = [c for c in plan if c.obj is not None and c.data]
    report.unchanged = sum(1 for c in plan if c.obj is not None and not c.data)
    new = [c for c in plan if c.obj is None]
    total = len(updates) + len(new)
    try:
        with transaction.atomic():
            for done, change in enumerate(updates, start=1):
                try:
                    saved = reader.update(ctx, change)
                except ValidationError as exc:
                    _refused(report, change.number, exc)
                    continue
                report.updated.append(saved.reference)
                _progress_every(progress, "saving", done, total)
            if report.errors:
                raise _RolledBack
            created = reader.create(
                ctx,
                [c.data for c in new],
                progress=_offset(progress, len(updates), total),
                labels=[f"row {c.number}" for c in new],
            )
            report.created = [c.reference for c in created]
    except bulk.BatchRefused as exc:
        for problem in exc.problems:
            column = reader.column_of(problem.field)
            report.errors.append(CellError(new[problem.index].number, column, problem.message))
    except _RolledBack:
        pass
    if report.errors:
        report.created, report.updated = [], []
    return _finish(report, rows_class.COLUMNS)


class _RolledBack(Exception):
    """A service refused a row while saving: everything saved so far is rolled back."""


def _refused(report: ImportReport, number: int, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            report.errors.extend(CellError(number, name, m) for m in messages)
    else:
        report.errors.extend(CellError(number, None, m) for m in exc.messages)


def _offset(progress: Progress | None, before: int, total: int):
    if progress is None:
        return None
    return lambda done, _count: _progress_every(progress, "saving", before + done, total)


class _RiskRows:
    """Reads register rows against data read once: members, inventory, register, catalog."""

    COLUMNS, REQUIRED = RISK_COLUMNS, RISK_REQUIRED
    create = staticmethod(bulk.create_risks)

    @staticmethod
    def update(ctx: OrgContext, change: _Change) -> Risk:
        return risk_service.update_risk(ctx, change.obj, change.data, reason=IMPORT_REASON)

    @staticmethod
    def column_of(field: str) -> str | None:
        return field if field in RISK_COLUMNS else None

    def check_new(self, plan: list[_Change], report: ImportReport) -> None:
        """Nothing more: new rows were checked under ``bulk.check_risk`` as they were read."""

    def __init__(self, org, sheet: Sheet) -> None:
        from django.db.models import Prefetch

        from annexa.catalog.models import Control

        self.columns = set(sheet.columns) & set(RISK_IMPORTED)
        self.members = _members(org)
        inventory = list(Asset.objects.for_org(org).only("pk", "number", "name"))
        self.assets = {a.name.lower(): a for a in inventory}
        self.assets_by_number = {a.number: a for a in inventory}
        referenced = {
            n
            for row in sheet.rows
            if (n := _reference(row.values.get("reference", ""), "R")) is not None
        }
        self.risks = {
            r.number: r
            for r in Risk.objects.for_org(org)
            .filter(number__in=referenced)
            .select_related("owner")
            .prefetch_related(
                Prefetch("assets", Asset.objects.only("id", "number", "name")),
                Prefetch("controls", Control.objects.only("id")),
            )
        }
        self.controls = set(Control.objects.values_list("id", flat=True))
        self.rules = bulk.RiskRules(
            methodology=risk_service.methodologies.current(org),
            members={u.pk for u in self.members.values()},
            inventory={a.pk for a in inventory},
            controls=self.controls,
        )
        self.seen: dict[int, int] = {}

    def read(self, row: SheetRow, report: ImportReport) -> _Change | None:
        problems = _RowProblems(row, report)
        existing = self._existing(problems)
        data = self._values(problems)
        if existing is not None:
            current = self._current(existing)
            data = {k: v for k, v in data.items() if not _same(current.get(k), v)}
            merged = {**current, **data}
        else:
            merged = data
        # The services' rules too, for the cells read well: every problem of a row at once.
        judged = {e.column for e in problems.found} | problems.unreadable
        for name, message in bulk.check_risk(merged, self.rules).items():
            column = name if name in RISK_COLUMNS else "reference"
            if column not in judged:
                problems.add(column, message)
        report.errors.extend(problems.found)
        if problems.bad:
            return None
        return _Change(row.number, data, existing)

    def _existing(self, problems: _RowProblems) -> Risk | None:
        text = problems.cell("reference")
        if not text or "reference" in problems.unreadable:
            return None
        number = _reference(text, "R")
        if number is None:
            problems.add(
                "reference",
                f"{text!r} is not a risk reference such as R-0012: leave it blank to add the risk",
            )
            return None
        if number in self.seen:
            problems.add("reference", f"R-{number:04d} is on row {self.seen[number]} already")
            return None
        self.seen[number] = problems.row.number
        risk = self.risks.get(number)
        if risk is None:
            problems.add(
                "reference",
                f"there is no risk R-{number:04d} in the register: leave the reference blank "
                "to add the risk",
            )
        elif risk.status == RiskStatus.CLOSED:
            problems.add("reference", f"R-{number:04d} is closed and cannot be changed")
            return None
        return risk

    def _values(self, problems: _RowProblems) -> dict[str, Any]:
        """The row's editable values, typed for the services (only the sheet's columns)."""
        data: dict[str, Any] = {}
        for column in self.columns - {"reference"}:
            if column in problems.unreadable:
                continue
            text = problems.cell(column)
            if column == "owner":
                if not text:
                    problems.add("owner", "the risk owner is required: a member's e-mail")
                data["owner"] = _person(problems, "owner", self.members, "a member's e-mail")
            elif column == "assets":
                data["assets"] = self._assets(problems, text)
            elif column == "controls":
                data["controls"] = self._controls(problems, text)
            elif column == "treatment":
                value = _choice(text, TreatmentOption.choices, TREATMENT_SYNONYMS) if text else ""
                if value is None:
                    problems.add(
                        "treatment",
                        f"unknown treatment {text!r}: use modify, retain, avoid or share "
                        "(or leave it blank while the risk is not treated)",
                    )
                data["treatment"] = value or ""
            elif column == "review_date":
                data["review_date"] = self._date(problems, text)
            else:
                data[column] = text
        return data

    def _assets(self, problems: _RowProblems, text: str) -> list[Asset]:
        found, unknown = [], []
        for name in filter(None, (n.strip() for n in re.split(r"[;\n]", text))):
            number = _reference(name, "AS")
            asset = (
                self.assets_by_number.get(number)
                if number is not None
                else self.assets.get(name.lower())
            )
            if asset is None:
                unknown.append(name)
            elif asset not in found:
                found.append(asset)
        if unknown:
            names = ", ".join(repr(n) for n in unknown)
            problems.add(
                "assets",
                f"not in the asset inventory: {names}. Correct the names (separate them with "
                "semicolons), or add the assets to the inventory first (import the inventory)",
            )
        return found

    def _controls(self, problems: _RowProblems, text: str) -> list[str]:
        ids = [c.upper() for c in re.split(r"[,;\s]+", text) if c]
        unknown = [c for c in ids if c not in self.controls]
        if unknown:
            problems.add(
                "controls",
                f"not Annex A controls: {', '.join(unknown)}. Give ids such as A.8.5, separated "
                "by commas",
            )
        return sorted(set(ids) - set(unknown))

    @staticmethod
    def _date(problems: _RowProblems, text: str):
        import datetime as dt

        if not text:
            return None
        try:
            return dt.date.fromisoformat(_date_text(text))
        except ValueError:
            problems.add("review_date", f"{text!r} is not a date: write it as YYYY-MM-DD")
            return None

    def _current(self, risk: Risk) -> dict[str, Any]:
        """The risk's editable values in the shape ``_values`` gives."""
        return {
            **{name: getattr(risk, name) for name in risk_service.TEXT_FIELDS},
            **{name: getattr(risk, name) for name in risk_service.SCALE_FIELDS},
            "treatment": risk.treatment,
            "owner": risk.owner,
            "review_date": risk.review_date,
            "assets": sorted(risk.assets.all(), key=lambda a: a.number),
            "controls": sorted(c.id for c in risk.controls.all()),
        }


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, list) or isinstance(new, list):
        key = lambda x: getattr(x, "pk", x)  # noqa: E731
        return sorted(map(key, current or []), key=str) == sorted(map(key, new or []), key=str)
    if isinstance(current, int) and not isinstance(current, bool):
        return str(current) == str(new).strip()
    if current is None:
        return new in (None, "")
    return current == new


class _AssetRows:
    """Reads inventory rows against data read once: members, labels, the inventory."""

    COLUMNS, REQUIRED = ASSET_COLUMNS, ASSET_REQUIRED
    create = staticmethod(bulk.create_assets)

    @staticmethod
    def update(ctx: OrgContext, change: _Change) -> Asset:
        return asset_service.update_asset(ctx, change.obj, change.data)

    @staticmethod
    def column_of(field: str) -> str:
        return {v: k for k, v in ASSET_FIELDS.items()}.get(field, field)

    def __init__(self, org, sheet: Sheet) -> None:
        self.org = org
        self.columns = set(sheet.columns) & set(ASSET_IMPORTED)
        self.members = _members(org)
        self.labels = {c.name.lower(): c.name for c in asset_service.classifications(org)}
        inventory = list(Asset.objects.for_org(org).select_related("owner", "classification"))
        self.by_number = {a.number: a for a in inventory}
        self.by_name = {a.name.lower(): a for a in inventory}
        self.seen: dict[int, int] = {}

    def read(self, row: SheetRow, report: ImportReport) -> _Change | None:
        problems = _RowProblems(row, report)
        existing = self._existing(problems)
        data = self._values(problems)
        if existing is not None:
            if existing.pk in self.seen:
                problems.add(
                    "reference" if problems.cell("reference") else "name",
                    f"{existing.reference} ({existing.name}) is on row "
                    f"{self.seen[existing.pk]} already",
                )
            self.seen.setdefault(existing.pk, row.number)
            if "name" in data and not data["name"]:
                problems.add("name", "the asset's name is required")
            current = asset_service.snapshot(existing)
            data = {k: v for k, v in data.items() if current.get(k) != _as_snapshot(k, v)}
        report.errors.extend(problems.found)
        if problems.bad:
            return None
        return _Change(row.number, data, existing)

    def _existing(self, problems: _RowProblems) -> Asset | None:
        text = problems.cell("reference")
        if text and "reference" not in problems.unreadable:
            number = _reference(text, "AS")
            asset = self.by_number.get(number) if number is not None else None
            if asset is None:
                problems.add(
                    "reference",
                    f"there is no asset {text!r} in the inventory (references look like "
                    "AS-0003): leave it blank to add the asset",
                )
            return asset
        name = problems.cell("name")
        return self.by_name.get(name.lower()) if name else None

    def _values(self, problems: _RowProblems) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for column in self.columns - {"reference"}:
            if column in problems.unreadable:
                continue
            text = problems.cell(column)
            if column == "kind":
                value = _choice(text, AssetKind.choices) if text else None
                if value is None:
                    kinds = ", ".join(AssetKind.values)
                    unknown = f"unknown kind {text!r}" if text else "the kind is required"
                    problems.add("kind", f"{unknown}: use one of {kinds}")
                data["kind"] = value
            elif column == "owner":
                data["owner"] = _person(problems, "owner", self.members, "a member's e-mail")
            elif column == "classification":
                label = self.labels.get(text.lower()) if text else ""
                if label is None:
                    problems.add(
                        "classification",
                        f"unknown classification {text!r}: use {', '.join(self.labels.values())}",
                    )
                data["classification"] = label or ""
            elif column == "retired":
                if text.lower() not in YES | NO:
                    problems.add("retired", f"write yes or no, not {text!r}")
                data["retired"] = text.lower() in YES
            elif column in ASSET_FIELDS:
                data[ASSET_FIELDS[column]] = self._value(problems, column, text)
            else:
                data[column] = text
        return data

    @staticmethod
    def _value(problems: _RowProblems, column: str, text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 5:
            problems.add(column, f"the {column} value is a whole number from 1 to 5, not {text!r}")
            return None
        return int(text)

    def check_new(self, plan: list[_Change], report: ImportReport) -> None:
        """The new assets under the rules of ``services.bulk``, against the names the
        inventory will have once the changed assets are renamed."""
        rules = bulk.AssetRules.of(self.org)
        rules.names = {}
        changed = {c.obj.pk: c for c in plan if c.obj is not None}
        for asset in self.by_number.values():
            change = changed.get(asset.pk)
            name = change.data.get("name", asset.name) if change else asset.name
            rules.names[name.lower()] = f"row {change.number}" if change else asset.reference
        for change in plan:
            if change.obj is None:
                problems = bulk.check_asset(change.data, rules, label=f"row {change.number}")
                report.errors.extend(
                    CellError(change.number, self.column_of(name), message)
                    for name, message in problems.items()
                )


def _as_snapshot(name: str, value: Any) -> Any:
    """An imported value as ``assets.snapshot`` shows it (to tell whether it changes)."""
    if name == "owner":
        return value.email if value is not None else None
    if name == "classification":
        return value or None
    if name in ASSET_FIELDS.values():
        return 3 if value is None else value
    return value
