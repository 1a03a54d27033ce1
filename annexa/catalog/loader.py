"""Loads the catalog data files into the database, idempotently.

``load_catalog()`` reads ``clauses.json``, ``annex_a/<theme>.json`` and ``iso27001_2013.json``,
and does nothing when every file's SHA-256 matches what ``CatalogVersion`` recorded. Otherwise
it validates every file completely before writing anything, then upserts all rows in one
transaction and removes rows that the data no longer contains, refusing when another part of
Annexa still refers to one of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction

from annexa.catalog import ids
from annexa.catalog.choices import Theme
from annexa.catalog.models import CatalogVersion, Control, LegacyControl, Requirement
from annexa.catalog.validation import (
    CatalogError,
    ControlRecord,
    LegacyRecord,
    RequirementRecord,
    Where,
    check_mapping,
    check_new_controls,
    parse_controls,
    parse_legacy,
    parse_requirements,
)

__all__ = ["DATA_DIR", "CatalogError", "load_catalog"]

DATA_DIR = Path(__file__).resolve().parent / "data"
CLAUSES_FILE = "clauses.json"
LEGACY_FILE = "iso27001_2013.json"
ANNEX_DIR = "annex_a"


@dataclass(frozen=True)
class DataFile:
    name: str  # path relative to the data directory, as recorded in CatalogVersion
    data: Any
    version: str
    sha256: str


@dataclass(frozen=True)
class Catalog:
    requirements: list[RequirementRecord]
    controls: list[ControlRecord]
    legacy: list[LegacyRecord]
    files: list[DataFile]


def load_catalog(data_dir: str | Path | None = None) -> str:
    """Loads the catalog if its files changed; returns a one-line summary of what is loaded."""
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    files = _read_files(root)
    if _unchanged(files):
        return _summary("unchanged")
    catalog = _validate(files)
    with transaction.atomic():
        _write(catalog)
    return _summary("loaded")


def _file_names(root: Path) -> list[str]:
    annex = root / ANNEX_DIR
    expected = {f"{theme}.json" for theme in Theme.values}
    if annex.is_dir():
        extra = sorted(p.name for p in annex.glob("*.json") if p.name not in expected)
        if extra:
            raise CatalogError(
                f"{ANNEX_DIR}/ holds unexpected file(s) {', '.join(extra)}; "
                f"only {', '.join(sorted(expected))} belong there"
            )
    themes = [f"{ANNEX_DIR}/{theme}.json" for theme in Theme.values]
    return [CLAUSES_FILE, *themes, LEGACY_FILE]


def _read_files(root: Path) -> list[DataFile]:
    if not root.is_dir():
        raise CatalogError(f"catalog data directory {root} does not exist")
    return [_read(root, name) for name in _file_names(root)]


def _read(root: Path, name: str) -> DataFile:
    try:
        raw = (root / name).read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"{name}: missing catalog data file") from None
    except OSError as exc:
        raise CatalogError(f"{name}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CatalogError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{name}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    version = data.get("version") if isinstance(data, dict) else None
    return DataFile(name, data, str(version), hashlib.sha256(raw).hexdigest())


def _unchanged(files: list[DataFile]) -> bool:
    recorded = {row.name: (row.version, row.sha256) for row in CatalogVersion.objects.all()}
    current = {f.name: (f.version, f.sha256) for f in files}
    return recorded == current


def _validate(files: list[DataFile]) -> Catalog:
    by_name = {f.name: f for f in files}
    requirements = parse_requirements(by_name[CLAUSES_FILE].data, CLAUSES_FILE)
    controls: list[ControlRecord] = []
    for theme in Theme.values:
        name = f"{ANNEX_DIR}/{theme}.json"
        controls.extend(parse_controls(by_name[name].data, name, theme))
    legacy = parse_legacy(by_name[LEGACY_FILE].data, LEGACY_FILE)
    check_new_controls(controls, Where(f"{ANNEX_DIR}/*.json"))
    check_mapping(controls, legacy, Where(LEGACY_FILE))
    return Catalog(requirements, controls, legacy, files)


def _write(catalog: Catalog) -> None:
    stale = {
        Requirement: _stale(Requirement, {r.id for r in catalog.requirements}),
        Control: _stale(Control, {c.id for c in catalog.controls}),
        LegacyControl: _stale(LegacyControl, {lc.id for lc in catalog.legacy}),
    }
    for model, stale_ids in stale.items():
        _refuse_if_referenced(model, stale_ids)
    _upsert_requirements(catalog.requirements)
    _upsert_controls(catalog.controls)
    _upsert_legacy(catalog.legacy)
    for model, stale_ids in stale.items():
        model.objects.filter(id__in=stale_ids).delete()
    CatalogVersion.objects.exclude(name__in=[f.name for f in catalog.files]).delete()
    for f in catalog.files:
        CatalogVersion.objects.update_or_create(
            name=f.name, defaults={"version": f.version, "sha256": f.sha256}
        )


def _stale(model: type[models.Model], keep: set[str]) -> list[str]:
    return sorted(set(model.objects.values_list("id", flat=True)) - keep, key=ids.sort_key)


def _refuse_if_referenced(model: type[models.Model], stale_ids: list[str]) -> None:
    """Rows the data dropped may go only if nothing outside the catalog points at them."""
    if not stale_ids:
        return
    for relation in model._meta.related_objects:
        related = relation.related_model
        if related._meta.app_label == model._meta.app_label:
            continue  # the catalog's own links are rewritten from the data
        lookup = {f"{relation.field.name}__in": stale_ids}
        if related._base_manager.filter(**lookup).exists():
            raise CatalogError(
                f"the data no longer contains {model._meta.verbose_name} "
                f"{', '.join(stale_ids)}, but {related._meta.label} still refers to "
                "one of them; keep them in the data or remove those references first"
            )


def _upsert(model: type[models.Model], rows: list[models.Model], fields: list[str]) -> None:
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["id"], update_fields=fields
    )


def _upsert_requirements(records: list[RequirementRecord]) -> None:
    # Parents first, so that every row's parent exists when it is inserted.
    ordered = sorted(records, key=lambda r: ids.sort_key(r.id))
    rows = [
        Requirement(
            id=r.id,
            title=r.title,
            parent_id=r.parent,
            kind=r.kind,
            clause=r.clause,
            sort_key=ids.sort_key(r.id),
            auditable=r.auditable,
            amendment=r.amendment,
            mandatory_document=r.mandatory_document,
            questions=r.questions,
            evidence=r.evidence,
        )
        for r in ordered
    ]
    _upsert(Requirement, rows, _fields(Requirement))


def _upsert_controls(records: list[ControlRecord]) -> None:
    rows = [
        Control(
            id=c.id,
            title=c.title,
            theme=c.theme,
            sort_key=ids.sort_key(c.id),
            new_in_2022=c.new_in_2022,
            questions=c.questions,
            evidence=c.evidence,
            **c.attributes,
        )
        for c in records
    ]
    _upsert(Control, rows, _fields(Control))


def _upsert_legacy(records: list[LegacyRecord]) -> None:
    rows = [LegacyControl(id=r.id, title=r.title, sort_key=ids.sort_key(r.id)) for r in records]
    _upsert(LegacyControl, rows, _fields(LegacyControl))
    through = LegacyControl.controls.through
    through.objects.all().delete()
    through.objects.bulk_create(
        [through(legacycontrol_id=r.id, control_id=target) for r in records for target in r.maps_to]
    )


def _fields(model: type[models.Model]) -> list[str]:
    """Every concrete column except the primary key: what an upsert overwrites."""
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


def _summary(state: str) -> str:
    return (
        f"{Control.objects.count()} controls, {Requirement.objects.count()} requirements, "
        f"{LegacyControl.objects.count()} legacy controls ({state})"
    )
