"""The asset inventory import: each row read against the members, the classification
labels and the inventory (an asset is known by its reference or its name), new assets under
the rules of ``services.bulk``, changed ones through ``services.assets.update_asset``."""

from __future__ import annotations

from typing import Any, BinaryIO

from annexa.core.spreadsheets import CellError, ImportReport, Sheet, SheetRow
from annexa.core.tenancy import OrgContext
from annexa.risks.choices import AssetKind
from annexa.risks.io.columns import (
    ASSET_COLUMNS,
    ASSET_FIELDS,
    ASSET_IMPORTED,
    ASSET_REQUIRED,
    NO,
    YES,
    Progress,
)
from annexa.risks.io.reading import Change, RowProblems, choice, members, person, reference, run
from annexa.risks.models import Asset
from annexa.risks.services import assets as asset_service
from annexa.risks.services import bulk


def import_assets(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the asset inventory from XLSX or CSV: every row valid and saved, or nothing
    changes (the report names every problem)."""
    return run(ctx, file, name, _AssetRows, progress)


class _AssetRows:
    """Reads inventory rows against data read once: members, labels, the inventory."""

    COLUMNS, REQUIRED = ASSET_COLUMNS, ASSET_REQUIRED
    create = staticmethod(bulk.create_assets)

    @staticmethod
    def update(ctx: OrgContext, change: Change) -> Asset:
        return asset_service.update_asset(ctx, change.obj, change.data)

    @staticmethod
    def column_of(field: str) -> str:
        return {v: k for k, v in ASSET_FIELDS.items()}.get(field, field)

    def __init__(self, org, sheet: Sheet) -> None:
        self.org = org
        self.columns = set(sheet.columns) & set(ASSET_IMPORTED)
        self.members = members(org)
        self.labels = {c.name.lower(): c.name for c in asset_service.classifications(org)}
        inventory = list(Asset.objects.for_org(org).select_related("owner", "classification"))
        self.by_number = {a.number: a for a in inventory}
        self.by_name = {a.name.lower(): a for a in inventory}
        self.seen: dict[int, int] = {}

    def read(self, row: SheetRow, report: ImportReport) -> Change | None:
        problems = RowProblems(row, report)
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
        return Change(row.number, data, existing)

    def _existing(self, problems: RowProblems) -> Asset | None:
        text = problems.cell("reference")
        if text and "reference" not in problems.unreadable:
            number = reference(text, "AS")
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

    def _values(self, problems: RowProblems) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for column in self.columns - {"reference"}:
            if column in problems.unreadable:
                continue
            text = problems.cell(column)
            if column == "kind":
                value = choice(text, AssetKind.choices) if text else None
                if value is None:
                    kinds = ", ".join(AssetKind.values)
                    unknown = f"unknown kind {text!r}" if text else "the kind is required"
                    problems.add("kind", f"{unknown}: use one of {kinds}")
                data["kind"] = value
            elif column == "owner":
                data["owner"] = person(problems, "owner", self.members, "a member's e-mail")
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
    def _value(problems: RowProblems, column: str, text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 5:
            problems.add(column, f"the {column} value is a whole number from 1 to 5, not {text!r}")
            return None
        return int(text)

    def check_new(self, plan: list[Change], report: ImportReport) -> None:
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
