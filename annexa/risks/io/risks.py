"""The risk register import: each row read against the members, the inventory, the register
and the catalog, new risks under the rules of ``services.bulk``, changed ones through
``services.risks.update_risk``."""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from annexa.core.spreadsheets import ImportReport, Sheet, SheetRow
from annexa.core.tenancy import OrgContext
from annexa.risks.choices import RiskStatus, TreatmentOption
from annexa.risks.io.columns import (
    IMPORT_REASON,
    RISK_COLUMNS,
    RISK_IMPORTED,
    RISK_REQUIRED,
    TREATMENT_SYNONYMS,
    Progress,
)
from annexa.risks.io.reading import (
    Change,
    RowProblems,
    choice,
    date_text,
    members,
    person,
    reference,
    run,
)
from annexa.risks.models import Asset, Risk
from annexa.risks.services import bulk
from annexa.risks.services import risks as risk_service


def import_risks(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a risk register from XLSX or CSV: every row valid and saved, or nothing changes
    (the report names every problem)."""
    return run(ctx, file, name, _RiskRows, progress)


class _RiskRows:
    """Reads register rows against data read once: members, inventory, register, catalog."""

    COLUMNS, REQUIRED = RISK_COLUMNS, RISK_REQUIRED
    create = staticmethod(bulk.create_risks)

    @staticmethod
    def update(ctx: OrgContext, change: Change) -> Risk:
        return risk_service.update_risk(ctx, change.obj, change.data, reason=IMPORT_REASON)

    @staticmethod
    def column_of(field: str) -> str | None:
        return field if field in RISK_COLUMNS else None

    def check_new(self, plan: list[Change], report: ImportReport) -> None:
        """Nothing more: new rows were checked under ``bulk.check_risk`` as they were read."""

    def __init__(self, org, sheet: Sheet) -> None:
        from django.db.models import Prefetch

        from annexa.catalog.models import Control

        self.columns = set(sheet.columns) & set(RISK_IMPORTED)
        self.members = members(org)
        inventory = list(Asset.objects.for_org(org).only("pk", "number", "name"))
        self.assets = {a.name.lower(): a for a in inventory}
        self.assets_by_number = {a.number: a for a in inventory}
        referenced = {
            n
            for row in sheet.rows
            if (n := reference(row.values.get("reference", ""), "R")) is not None
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

    def read(self, row: SheetRow, report: ImportReport) -> Change | None:
        problems = RowProblems(row, report)
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
        return Change(row.number, data, existing)

    def _existing(self, problems: RowProblems) -> Risk | None:
        text = problems.cell("reference")
        if not text or "reference" in problems.unreadable:
            return None
        number = reference(text, "R")
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

    def _values(self, problems: RowProblems) -> dict[str, Any]:
        """The row's editable values, typed for the services (only the sheet's columns)."""
        data: dict[str, Any] = {}
        for column in self.columns - {"reference"}:
            if column in problems.unreadable:
                continue
            text = problems.cell(column)
            if column == "owner":
                if not text:
                    problems.add("owner", "the risk owner is required: a member's e-mail")
                data["owner"] = person(problems, "owner", self.members, "a member's e-mail")
            elif column == "assets":
                data["assets"] = self._assets(problems, text)
            elif column == "controls":
                data["controls"] = self._controls(problems, text)
            elif column == "treatment":
                value = choice(text, TreatmentOption.choices, TREATMENT_SYNONYMS) if text else ""
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

    def _assets(self, problems: RowProblems, text: str) -> list[Asset]:
        found, unknown = [], []
        for name in filter(None, (n.strip() for n in re.split(r"[;\n]", text))):
            number = reference(name, "AS")
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

    def _controls(self, problems: RowProblems, text: str) -> list[str]:
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
    def _date(problems: RowProblems, text: str):
        import datetime as dt

        if not text:
            return None
        try:
            return dt.date.fromisoformat(date_text(text))
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
