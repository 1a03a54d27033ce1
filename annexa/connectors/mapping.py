"""From a tool's own rules to ISO/IEC 27001:2022 Annex A controls.

- OpenSCAP (SCAP Security Guide) rules land on the controls they actually test through
  ``data/ssg_rules.json`` (reviewed, one reason per line). The rules' own ISO/IEC 27001:2013
  references are broad (a file-ownership rule cites 23 controls, screening among them): the
  2013→2022 correspondence turns them into 2022 controls kept as ``related`` only, shown as
  cited and never counted as a result of the control.
- Prowler / OCSF findings land on the controls ``data/prowler_checks.json`` names for their
  check id (reviewed, a reason per check), whatever Prowler version wrote the file: Prowler's
  own ``ISO27001-2022`` entries change between versions and mostly disagree with what the
  check tests, so a finding's entries are kept as ``related`` only.
- Lynis tests land on the controls ``data/lynis_tests.json`` names for their id, else for their
  test group (reviewed for Lynis 3.0.8, a reason per line). Most tests that only record a fact
  about the host count for no control; a line's ``related`` controls are shown, never counted.

Everything that cannot be mapped keeps the reason, so the import summary can say why.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annexa.catalog.ids import CONTROL_ID
from annexa.connectors.formats.lynis import LynisReport
from annexa.connectors.formats.ocsf import OcsfFinding
from annexa.connectors.formats.xccdf import RuleResult

DATA = Path(__file__).resolve().parent / "data"

# What a tool's finding can say, each shown as what it is. Only pass and fail decide anything;
# the others are never counted as a pass: manual (the tool asks a person to check), muted (the
# finding was muted in the tool), not_checked and informational (OpenSCAP evaluated no check),
# no_finding (a Lynis test ran and raised no warning or suggestion, which is not a pass).
STATUSES = (
    "pass",
    "fail",
    "error",
    "not_applicable",
    "manual",
    "muted",
    "not_checked",
    "informational",
    "no_finding",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of a tool about one rule (and resource), mapped to Annex A controls."""

    tool: str
    rule: str
    title: str
    status: str  # one of STATUSES
    severity: str
    resource: str
    controls: tuple[str, ...]
    unmapped: str = ""  # why ``controls`` is empty
    topic: str = ""
    # Controls the tool's own broad references name: shown as related, never counted.
    related: tuple[str, ...] = ()


@functools.cache
def _data(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def prowler_checks() -> dict[str, dict]:
    """Known Prowler check ids → ``{"controls": [...], "topic": "..."}``."""
    return _data("prowler_checks.json")["checks"]


def lynis_mapping() -> dict:
    return _data("lynis_tests.json")


@dataclass(frozen=True, slots=True)
class LynisLine:
    """One reviewed line of ``lynis_tests.json`` (a test id or a test group)."""

    key: str
    controls: tuple[str, ...]
    related: tuple[str, ...]
    reason: str


def lynis_line(test_id: str) -> LynisLine | None:
    """The line of the test id, else of its group (the part before the dash), if any."""
    data = lynis_mapping()
    group = test_id.split("-", 1)[0]
    for section, key in (("tests", test_id), ("groups", group)):
        line = data[section].get(key)
        if line is not None:
            return LynisLine(
                key, tuple(line["controls"]), tuple(line.get("related", ())), line["reason"]
            )
    return None


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One reviewed line of ``ssg_rules.json``: the rules it matches and what they test."""

    pattern: re.Pattern
    controls: tuple[str, ...]
    reason: str


@functools.cache
def ssg_rules() -> tuple[RuleLine, ...]:
    return tuple(
        RuleLine(re.compile(line["pattern"]), tuple(line["controls"]), line["reason"])
        for line in _data("ssg_rules.json")["rules"]
    )


def ssg_line(short_id: str) -> RuleLine | None:
    """The first reviewed line whose pattern matches the whole rule id, if any."""
    return next((line for line in ssg_rules() if line.pattern.fullmatch(short_id)), None)


def mapping_version() -> str:
    """Changes whenever a mapping data file changes, so results are re-derived."""
    return (
        f"prowler{_data('prowler_checks.json')['version']}-lynis{lynis_mapping()['version']}"
        f"-ssg{_data('ssg_rules.json')['version']}"
    )


TABLES = ("ssg_rules.json", "lynis_tests.json", "prowler_checks.json")
MIN_REASON = 20  # characters: a reason says what the rule checks and which control that is
OCSF_MEMO = 4096  # (check id, ISO entries) pairs mapped once each by one Mapper


@dataclass(frozen=True, slots=True)
class TableLine:
    """One line of any reviewed mapping table, in one shape for checking them all."""

    key: str  # the SSG pattern, the Lynis test id or group, the Prowler check id
    controls: tuple[str, ...]
    related: tuple[str, ...]
    reason: str


def table_lines(document: dict) -> list[TableLine]:
    """The lines of a mapping table document (one of ``TABLES``, as read from its file)."""
    if "rules" in document:
        entries = [(line.get("pattern", ""), line) for line in document["rules"]]
    elif "checks" in document:
        entries = list(document["checks"].items())
    else:
        entries = [*document.get("groups", {}).items(), *document.get("tests", {}).items()]
    return [
        TableLine(
            str(key),
            tuple(entry.get("controls", ())),
            tuple(entry.get("related", ())),
            str(entry.get("reason") or "").strip(),
        )
        for key, entry in entries
    ]


def table_problems(document: dict, known: set[str]) -> list[str]:
    """What is wrong with a mapping table: no version, a line without a reason, a control
    that is not an Annex A control of the catalog (``known``), or a control named both as
    tested and as related (a related control must never be able to count)."""
    problems = [] if str(document.get("version") or "").strip() else ["the table has no version"]
    lines = table_lines(document)
    if not lines:
        problems.append("the table has no lines")
    for line in lines:
        if len(line.reason) < MIN_REASON:
            problems.append(f"{line.key}: no reason (or one too short to say anything)")
        for control in (*line.controls, *line.related):
            if control not in known:
                problems.append(f"{line.key}: {control!r} is not an Annex A control")
        if both := sorted(set(line.controls) & set(line.related)):
            problems.append(f"{line.key}: {', '.join(both)} named as tested and as related")
    return problems


class Mapper:
    """Maps findings of each tool; holds the 2013→2022 correspondence, read once."""

    def __init__(self, legacy: dict[str, list[str]], controls: set[str]) -> None:
        self.legacy = legacy
        self.controls = controls
        self._ocsf_seen: dict[tuple[str, tuple[str, ...] | None], tuple] = {}

    @classmethod
    def from_catalog(cls) -> Mapper:
        from annexa.catalog.models import Control
        from annexa.catalog.queries import legacy_controls

        legacy = {item.id: sorted(c.id for c in item.controls.all()) for item in legacy_controls()}
        return cls(legacy, set(Control.objects.values_list("id", flat=True)))

    # --- OpenSCAP ------------------------------------------------------------------------

    def xccdf(self, result: RuleResult) -> Finding:
        line = ssg_line(result.short_id)
        controls = line.controls if line is not None else ()
        cited, _why = self._from_2013(result.iso2013)
        related = tuple(c for c in cited if c not in controls)
        if controls:
            reason = ""
        elif line is not None:
            reason = f"tests no Annex A control on its own ({line.reason})"
        else:
            reason = "not in Annexa's reviewed SSG rule table (data/ssg_rules.json)"
        if related and not controls:
            reason += f"; its ISO/IEC 27001:2013 references name {len(related)} related controls"
        return Finding(
            tool="openscap",
            rule=result.short_id,
            title=result.title,
            status=result.status or "not_applicable",
            severity=result.severity,
            resource=result.target,
            controls=controls,
            unmapped=reason,
            related=related,
        )

    def _from_2013(self, refs: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
        if not refs:
            return (), "the rule cites no ISO/IEC 27001:2013 control"
        if not self.legacy:
            return (), "the catalog is not loaded (run `annexa init`)"
        found: dict[str, None] = {}
        unknown = []
        for ref in refs:
            targets = self.legacy.get(ref)
            if targets is None:
                unknown.append(ref)
            for target in targets or ():
                found[target] = None
        if found:
            return tuple(sorted(found, key=_sort_key)), ""
        return (), f"its ISO/IEC 27001:2013 references ({', '.join(unknown)}) are unknown"

    # --- OCSF ----------------------------------------------------------------------------

    def ocsf(self, finding: OcsfFinding) -> Finding:
        # A file repeats a few hundred checks, each with the same entries: map each pair once.
        key = (finding.check_id, finding.iso2022)
        mapped = self._ocsf_seen.get(key)
        if mapped is None:
            if len(self._ocsf_seen) >= OCSF_MEMO:
                self._ocsf_seen.clear()
            mapped = self._ocsf_seen[key] = self._ocsf_mapping(*key)
        controls, reason, topic, related = mapped
        return Finding(
            "ocsf",
            finding.check_id,
            finding.title,
            finding.status,
            finding.severity,
            finding.resource,
            controls,
            reason,
            topic,
            related,
        )

    def _ocsf_mapping(
        self, check_id: str, iso2022: tuple[str, ...] | None
    ) -> tuple[tuple[str, ...], str, str, tuple[str, ...]]:
        """Controls, why there are none, topic and related controls of a check id and the
        producer's own ISO27001-2022 entries."""
        known = prowler_checks().get(check_id)
        controls = tuple(known["controls"]) if known else ()
        given = tuple(c for c in iso2022 or () if self._is_control(c))
        related = tuple(c for c in given if c not in controls)
        reason = ""
        if not known:
            reason = "the check id is not in Annexa's reviewed mapping (data/prowler_checks.json)"
            if related:
                entries = ", ".join(related)
                reason += f"; the producer's ISO27001-2022 entries ({entries}) are kept as related"
        return controls, reason, known["topic"] if known else "", related

    def _is_control(self, value: str) -> bool:
        if not CONTROL_ID.match(value):
            return False
        return value in self.controls if self.controls else True

    # --- Lynis ---------------------------------------------------------------------------

    def lynis_test(self, test_id: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        """The controls a Lynis test counts for, its related ones, and why it counts for none."""
        line = lynis_line(test_id)
        if line is None:
            group = test_id.split("-", 1)[0]
            return (), (), f"the Lynis test group {group} is not in Annexa's reviewed Lynis table"
        reason = "" if line.controls else f"tests no Annex A control on its own ({line.reason})"
        related = tuple(c for c in line.related if c not in line.controls)
        return line.controls, related, reason

    def lynis(self, report: LynisReport) -> Iterator[Finding]:
        """One finding per Lynis test: failed when it raised a warning or suggestion,
        ``no_finding`` when it ran without one (Lynis tests also gather facts, so silence is
        not a pass), not applicable when it was skipped."""
        raised: dict[str, str] = {}
        for notice in [*report.warnings, *report.suggestions]:
            raised.setdefault(notice.test_id, notice.text)
        host = report.hostname
        for test_id in sorted(report.tests_executed | set(raised)):
            status = "fail" if test_id in raised else "no_finding"
            yield self._lynis_finding(test_id, status, raised.get(test_id, ""), host)
        for test_id in sorted(report.tests_skipped - report.tests_executed - set(raised)):
            yield self._lynis_finding(test_id, "not_applicable", "skipped by Lynis", host)

    def _lynis_finding(self, test_id: str, status: str, text: str, host: str) -> Finding:
        controls, related, reason = self.lynis_test(test_id)
        return Finding(
            tool="lynis",
            rule=test_id,
            title=text or test_id,
            status=status,
            severity="warning" if status == "fail" else "info",
            resource=host,
            controls=controls,
            unmapped=reason,
            related=related,
        )


def _sort_key(control_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control_id.split(".")[1:])
