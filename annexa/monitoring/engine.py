"""Evaluating one evidence file: every control test of its kind, in one streaming pass.

No database and no network here: the caller opens the stored content, the engine streams
its records through the tests and tallies the tool's own findings per Annex A control. A file
that cannot be read makes every test of its kind an error, never a pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from annexa.connectors.formats import FormatError
from annexa.connectors.kinds import FileKind, PreparedLost
from annexa.connectors.mapping import STATUSES, Finding, Mapper
from annexa.monitoring.framework import ControlTest, Outcome, errored

logger = logging.getLogger(__name__)

MAX_UNMAPPED = 500
Opener = Callable[[], AbstractContextManager[BinaryIO]]
Progress = Callable[[int], None]
PROGRESS_EVERY = 10_000
MAX_ROUTE_KEYS = 1024


@dataclass
class Evaluation:
    """Outcomes by test id, the tool's findings tallied per control, and what was unmapped."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    controls: dict[str, dict[str, int]] = field(default_factory=dict)
    unmapped: dict[str, str] = field(default_factory=dict)
    # Per control: findings whose tool cites it only through a broad reference (not counted).
    related: dict[str, int] = field(default_factory=dict)
    # What the tool says about its own run (Lynis: its warning and suggestion counts).
    facts: dict[str, int | str] = field(default_factory=dict)
    unmapped_findings: int = 0
    findings: int = 0
    records: int = 0
    error: str = ""

    def summary(self) -> dict[str, Any]:
        """JSON-ready (integers and strings only), as the test run keeps it."""
        return {
            "controls": {k: self.controls[k] for k in sorted(self.controls, key=_control_key)},
            "facts": self.facts,
            "related": {k: self.related[k] for k in sorted(self.related, key=_control_key)},
            "unmapped": [{"rule": r, "reason": why} for r, why in sorted(self.unmapped.items())],
            "unmapped_findings": self.unmapped_findings,
            "findings": self.findings,
            "records": self.records,
            "error": self.error,
        }


def _control_key(control_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control_id.split(".")[1:])


class _Run:
    def __init__(self, tests: list[ControlTest], progress: Progress | None) -> None:
        self.active = list(tests)
        self.broken: dict[str, Outcome] = {}
        self.result = Evaluation()
        self.progress = progress
        self._route()

    def _route(self) -> None:
        """Tests that want every record, and routed ones by attribute and value."""
        self.everything = [t for t in self.active if t.route is None]
        self.routes: dict[str, dict[Any, list[ControlTest]]] = {}
        for test in self.active:
            if test.route is not None:
                attribute, value = test.route
                self.routes.setdefault(attribute, {}).setdefault(value, []).append(test)
        self.attributes = tuple(self.routes)
        # The tests of each combination of routed values, gathered once, not per record.
        self.chosen: dict[tuple, list[ControlTest]] = {}

    def tally(self, finding: Finding) -> None:
        result = self.result
        result.findings += 1
        for control in finding.related:
            result.related[control] = result.related.get(control, 0) + 1
        if not finding.controls:
            result.unmapped_findings += 1
            if finding.rule not in result.unmapped and len(result.unmapped) < MAX_UNMAPPED:
                result.unmapped[finding.rule] = finding.unmapped
            return
        for control in finding.controls:
            counts = result.controls.get(control)
            if counts is None:
                counts = result.controls[control] = dict.fromkeys(STATUSES, 0)
            counts[finding.status] = counts.get(finding.status, 0) + 1

    def observe(self, record: Any) -> None:
        self.result.records += 1
        for test in self._tests_for(record):
            try:
                test.observe(record)
            except Exception as exc:  # one faulty test must not stop the others
                self._break(test, exc)
        if self.progress is not None and self.result.records % PROGRESS_EVERY == 0:
            self.progress(self.result.records)

    def _tests_for(self, record: Any) -> list[ControlTest]:
        if not self.routes:
            return self.everything
        if len(self.attributes) == 1:  # the usual case: one attribute, no tuple to build
            key: Any = (getattr(record, self.attributes[0], None),)
        else:
            key = tuple(getattr(record, attribute, None) for attribute in self.attributes)
        try:
            tests = self.chosen.get(key)
        except TypeError:  # an unhashable value routes to no test, as an unknown one does
            return self.everything
        if tests is None:
            if len(self.chosen) >= MAX_ROUTE_KEYS:
                self.chosen.clear()
            tests = list(self.everything)
            for attribute, value in zip(self.attributes, key, strict=True):
                tests.extend(self.routes[attribute].get(value, ()))
            self.chosen[key] = tests
        return tests

    def _break(self, test: ControlTest, exc: Exception) -> None:
        logger.exception("control test %s failed", test.id)
        self.broken[test.id] = errored(f"the test itself failed ({type(exc).__name__}: {exc})")
        self.active = [t for t in self.active if t is not test]
        self._route()

    def conclude(self, tests: list[ControlTest]) -> Evaluation:
        for test in tests:
            if test.id in self.broken:
                self.result.outcomes[test.id] = self.broken[test.id]
                continue
            try:
                self.result.outcomes[test.id] = test.conclude()
            except Exception as exc:
                self._break(test, exc)
                self.result.outcomes[test.id] = self.broken[test.id]
        return self.result


def evaluate(
    kind: FileKind,
    open_content: Opener,
    mapper: Mapper,
    test_classes: list[type[ControlTest]],
    *,
    as_of: dt.date,
    progress: Progress | None = None,
    sha256: str = "",
) -> Evaluation:
    """Run ``test_classes`` over the content ``open_content()`` yields (read once or twice).

    With the content's ``sha256``, records the kind kept while it inspected that content in
    this process are read instead of parsing it again (``FileKind.prepared``).
    """
    prepared = kind.prepared(sha256, mapper) if sha256 and kind.records_are_findings else None
    if prepared is not None:
        try:
            return _evaluate(kind, open_content, mapper, test_classes, as_of, progress, prepared)
        except PreparedLost:
            logger.warning("the records kept while inspecting %s were lost: parsing it", sha256)
    return _evaluate(kind, open_content, mapper, test_classes, as_of, progress, None)


def _evaluate(
    kind: FileKind,
    open_content: Opener,
    mapper: Mapper,
    test_classes: list[type[ControlTest]],
    as_of: dt.date,
    progress: Progress | None,
    prepared: Iterator[Any] | None,
) -> Evaluation:
    tests = [cls(as_of) for cls in test_classes]
    run = _Run(tests, progress)
    try:
        if prepared is not None:
            for record in prepared:
                run.tally(record)
                run.observe(record)
        elif kind.records_are_findings:
            with open_content() as stream:
                for record in kind.records(stream, mapper):
                    run.tally(record)
                    run.observe(record)
        else:
            with open_content() as stream:
                for finding in kind.findings(stream, mapper):
                    run.tally(finding)
            with open_content() as stream:
                for record in kind.records(stream, mapper):
                    run.result.facts.update(kind.facts(record))
                    run.observe(record)
    except (FormatError, OSError) as exc:
        message = f"the evidence could not be read: {exc}"
        run.result.error = message
        run.result.outcomes = {test.id: errored(message) for test in tests}
        return run.result
    return run.conclude(tests)
