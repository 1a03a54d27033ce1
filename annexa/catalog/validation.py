"""Validation of the catalog data files, before anything is written to the database.

Each ``parse_*`` function takes the decoded JSON of one file and returns typed records, or
raises ``CatalogError`` with a message that names the file, the record and the problem. The
cross-file rules live in ``check_new_controls`` and ``check_mapping``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from annexa.catalog import ids
from annexa.catalog.choices import ATTRIBUTES, RequirementKind, Theme

# Facts of ISO/IEC 27001:2022 Annex A and the 2013 edition: a data file that disagrees is wrong.
THEME_COUNTS: dict[str, int] = {
    Theme.ORGANIZATIONAL: 37,
    Theme.PEOPLE: 8,
    Theme.PHYSICAL: 14,
    Theme.TECHNOLOGICAL: 34,
}
THEME_NUMBERS: dict[str, int] = {
    Theme.ORGANIZATIONAL: 5,
    Theme.PEOPLE: 6,
    Theme.PHYSICAL: 7,
    Theme.TECHNOLOGICAL: 8,
}
NEW_IN_2022_COUNT = 11
LEGACY_COUNT = 114
CLAUSES = tuple(str(number) for number in range(4, 11))


class CatalogError(Exception):
    """A catalog data file is missing, malformed or inconsistent; nothing was written."""


@dataclass(frozen=True)
class RequirementRecord:
    id: str
    title: str
    parent: str | None
    kind: str
    amendment: str
    mandatory_document: str
    questions: list[str]
    evidence: list[str]
    auditable: bool = True

    @property
    def clause(self) -> int:
        return ids.clause_of(self.id)


@dataclass(frozen=True)
class ControlRecord:
    id: str
    title: str
    theme: str
    new_in_2022: bool
    attributes: dict[str, list[str]]
    questions: list[str]
    evidence: list[str]


@dataclass(frozen=True)
class LegacyRecord:
    id: str
    title: str
    maps_to: list[str]


class Where:
    """Names the place of a problem (file, record) in every error message."""

    def __init__(self, filename: str, record: str | None = None) -> None:
        self.filename = filename
        self.record = record

    def at(self, record: str) -> Where:
        return Where(self.filename, record)

    def error(self, problem: str) -> CatalogError:
        place = f"{self.filename}, record {self.record}" if self.record else self.filename
        return CatalogError(f"{place}: {problem}")


def _document(data: Any, where: Where, list_key: str, extra: frozenset[str]) -> list[Any]:
    """Checks the top level ``{"version": …, list_key: [...]}`` and returns the record list."""
    if not isinstance(data, dict):
        raise where.error("the file must contain a JSON object")
    allowed = {"version", "source", list_key} | extra
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise where.error(f"unknown top-level key(s) {', '.join(unknown)}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip() or len(version) > 50:
        raise where.error('"version" must be a non-empty string of at most 50 characters')
    records = data.get(list_key)
    if not isinstance(records, list) or not records:
        raise where.error(f'"{list_key}" must be a non-empty list')
    return records


def _fields(record: Any, where: Where, required: set[str], optional: set[str]) -> dict:
    if not isinstance(record, dict):
        raise where.error("each record must be a JSON object")
    missing = sorted(required - set(record))
    if missing:
        raise where.error(f"missing field(s) {', '.join(missing)}")
    unknown = sorted(set(record) - required - optional)
    if unknown:
        raise where.error(f"unknown field(s) {', '.join(unknown)}")
    return record


def _text(value: Any, where: Where, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(f'"{field}" must be a non-empty string')
    if len(value) > max_length:
        raise where.error(f'"{field}" is longer than {max_length} characters')
    return value


def _optional_text(value: Any, where: Where, field: str, max_length: int) -> str:
    return "" if value is None else _text(value, where, field, max_length)


def _text_list(value: Any, where: Where, field: str, minimum: int) -> list[str]:
    if not isinstance(value, list):
        raise where.error(f'"{field}" must be a list of strings')
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise where.error(f'"{field}" must contain only non-empty strings')
    duplicates = [item for item, count in Counter(value).items() if count > 1]
    if duplicates:
        raise where.error(f'"{field}" repeats {duplicates[0]!r}')
    if len(value) < minimum:
        raise where.error(f"needs at least {minimum} {field}, has {len(value)}")
    return list(value)


def _record_id(record: Any, where: Where, pattern: Any, example: str) -> str:
    value = record.get("id") if isinstance(record, dict) else None
    if not isinstance(value, str) or not pattern.match(value):
        raise where.error(f"id {value!r} is not a valid id (expected the form {example})")
    return value


def _unique(records: list[Any], where: Where, pattern: Any, example: str) -> list[str]:
    """Ids of all records, in order; refuses malformed and duplicate ids."""
    seen: set[str] = set()
    result = []
    for index, record in enumerate(records, start=1):
        record_id = _record_id(record, where.at(f"#{index}"), pattern, example)
        if record_id in seen:
            raise where.at(record_id).error(f"duplicate id {record_id}")
        seen.add(record_id)
        result.append(record_id)
    return result


def parse_requirements(data: Any, filename: str) -> list[RequirementRecord]:
    """Clauses 4–10 with their lettered items, from ``clauses.json``."""
    where = Where(filename)
    records = _document(data, where, "requirements", frozenset())
    all_ids = _unique(records, where, ids.REQUIREMENT_ID, "4.2, 6.1.2.a or 6.1.2.a.1")
    known = set(all_ids)
    # A clause or sub-clause with sub-clauses or lettered items beneath it is only a container:
    # those are audited instead. An item an amendment added by name (4.1.climate) extends its
    # sub-clause rather than splitting it, so 4.1 itself stays auditable.
    containers = {ids.parent_of(rid) for rid in all_ids if not ids.is_named(rid)}
    result = [
        _requirement(record, where.at(rid), known, rid not in containers)
        for rid, record in zip(all_ids, records, strict=True)
    ]
    missing = [clause for clause in CLAUSES if clause not in known]
    if missing:
        raise where.error(f"clause(s) {', '.join(missing)} missing")
    return result


def _requirement(record: dict, where: Where, known: set[str], leaf: bool) -> RequirementRecord:
    _fields(
        record,
        where,
        {"id", "title", "parent", "kind", "questions", "evidence"},
        {"amendment", "mandatory_document"},
    )
    rid = record["id"]
    kind = record["kind"]
    if kind not in RequirementKind.values:
        raise where.error(f"kind {kind!r} is not one of {', '.join(RequirementKind.values)}")
    if kind != ids.kind_of(rid):
        raise where.error(f"kind {kind!r} does not match the id (expected {ids.kind_of(rid)!r})")
    parent = record["parent"]
    if parent != ids.parent_of(rid):
        raise where.error(
            f"parent {parent!r} does not match the id (expected {ids.parent_of(rid)!r})"
        )
    if parent is not None and parent not in known:
        raise where.error(f"unknown parent {parent}")
    auditable = kind == RequirementKind.ITEM or leaf
    mandatory = _optional_text(record.get("mandatory_document"), where, "mandatory_document", 200)
    return RequirementRecord(
        id=rid,
        title=_text(record["title"], where, "title", 300),
        parent=parent,
        kind=kind,
        amendment=_optional_text(record.get("amendment"), where, "amendment", 40),
        mandatory_document=mandatory,
        questions=_text_list(record["questions"], where, "questions", 2 if auditable else 0),
        evidence=_text_list(
            record["evidence"], where, "evidence", 1 if auditable or mandatory else 0
        ),
        auditable=auditable,
    )


def parse_controls(data: Any, filename: str, theme: str) -> list[ControlRecord]:
    """The Annex A controls of one theme, from ``annex_a/<theme>.json``."""
    where = Where(filename)
    records = _document(data, where, "controls", frozenset({"theme"}))
    if data.get("theme") != theme:
        raise where.error(f'"theme" is {data.get("theme")!r}, expected {theme!r}')
    all_ids = _unique(records, where, ids.CONTROL_ID, "A.5.1")
    number = THEME_NUMBERS[theme]
    expected = {f"A.{number}.{n}" for n in range(1, THEME_COUNTS[theme] + 1)}
    unexpected = sorted(set(all_ids) - expected, key=ids.sort_key)
    missing = sorted(expected - set(all_ids), key=ids.sort_key)
    if unexpected or missing:
        raise where.error(
            f"the {Theme(theme).label} theme has exactly {len(expected)} controls "
            f"A.{number}.1 … A.{number}.{len(expected)}"
            + (f"; unexpected: {', '.join(unexpected)}" if unexpected else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    return [
        _control(record, where.at(cid), theme) for cid, record in zip(all_ids, records, strict=True)
    ]


def _control(record: dict, where: Where, theme: str) -> ControlRecord:
    _fields(
        record, where, {"id", "title", "new_in_2022", "attributes", "questions", "evidence"}, set()
    )
    if not isinstance(record["new_in_2022"], bool):
        raise where.error('"new_in_2022" must be true or false')
    return ControlRecord(
        id=record["id"],
        title=_text(record["title"], where, "title", 200),
        theme=theme,
        new_in_2022=record["new_in_2022"],
        attributes=_attributes(record["attributes"], where),
        questions=_text_list(record["questions"], where, "questions", 2),
        evidence=_text_list(record["evidence"], where, "evidence", 1),
    )


def _attributes(value: Any, where: Where) -> dict[str, list[str]]:
    """The five ISO/IEC 27002 attribute sets, each a non-empty list of known values."""
    if not isinstance(value, dict):
        raise where.error('"attributes" must be an object')
    missing = sorted(set(ATTRIBUTES) - set(value))
    unknown = sorted(set(value) - set(ATTRIBUTES))
    if missing or unknown:
        raise where.error(
            '"attributes" must have exactly the keys '
            + ", ".join(ATTRIBUTES)
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    result = {}
    for name, allowed in ATTRIBUTES.items():
        values = _text_list(value[name], where, name, 1)
        for item in values:
            if item not in allowed:
                raise where.error(f"unknown {name} value {item!r} (allowed: {', '.join(allowed)})")
        result[name] = values
    return result


def parse_legacy(data: Any, filename: str) -> list[LegacyRecord]:
    """ISO/IEC 27001:2013 Annex A controls and their 2022 counterparts."""
    where = Where(filename)
    records = _document(data, where, "controls", frozenset())
    all_ids = _unique(records, where, ids.LEGACY_ID, "A.12.1.2")
    if len(all_ids) != LEGACY_COUNT:
        raise where.error(
            f"expected {LEGACY_COUNT} controls of the 2013 edition, found {len(all_ids)}"
        )
    result = []
    for lid, record in zip(all_ids, records, strict=True):
        here = where.at(lid)
        _fields(record, here, {"id", "title", "maps_to"}, set())
        maps_to = _text_list(record["maps_to"], here, "maps_to", 1)
        for target in maps_to:
            if not ids.CONTROL_ID.match(target):
                raise here.error(f"maps_to {target!r} is not a 2022 control id like A.5.1")
        result.append(LegacyRecord(lid, _text(record["title"], here, "title", 200), maps_to))
    return result


def check_new_controls(controls: list[ControlRecord], where: Where) -> None:
    """The 2022 edition added exactly eleven controls."""
    new = [control.id for control in controls if control.new_in_2022]
    if len(new) != NEW_IN_2022_COUNT:
        raise where.error(
            f"exactly {NEW_IN_2022_COUNT} controls are new in 2022, the data flags {len(new)}: "
            + ", ".join(new)
        )


def check_mapping(controls: list[ControlRecord], legacy: list[LegacyRecord], where: Where) -> None:
    """Targets exist; new controls have no 2013 source; every other control has one."""
    known = {control.id for control in controls}
    new = {control.id for control in controls if control.new_in_2022}
    targets: set[str] = set()
    for record in legacy:
        unknown = [target for target in record.maps_to if target not in known]
        if unknown:
            raise where.at(record.id).error(f"maps_to unknown control(s) {', '.join(unknown)}")
        mapped_new = [target for target in record.maps_to if target in new]
        if mapped_new:
            raise where.at(record.id).error(
                f"maps_to {', '.join(mapped_new)}, which is new in 2022 and has no 2013 source"
            )
        targets.update(record.maps_to)
    orphans = sorted(known - targets - new, key=ids.sort_key)
    if orphans:
        raise where.error(
            f"control(s) {', '.join(orphans)} are not new in 2022 but no 2013 control maps to them"
        )
