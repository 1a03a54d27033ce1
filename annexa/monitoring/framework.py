"""What a control test is: a small class that reads evidence records and concludes.

A test never opens a connection: the engine streams the records of one evidence file through
``observe`` and asks ``conclude`` for the outcome. The class docstring states exactly when the
test passes and when it fails; the class attributes are its metadata (the loader checks them).

Two helpers cover most tests:

- ``ResourceTest`` judges each relevant record (a rule result, a finding, a spreadsheet row)
  as a resource: it fails when any resource fails and is not applicable when none is relevant;
- ``ReportTest`` judges one whole report (Lynis) at once.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from annexa.monitoring.choices import ResultStatus

MAX_RESOURCES = 100


@dataclass(frozen=True)
class Outcome:
    """A test's conclusion: status, a reason a person can read, and the failing resources
    (at most ``MAX_RESOURCES`` listed; the counts are exact)."""

    status: str
    reason: str
    resources: tuple[str, ...] = ()
    resource_count: int = 0
    failing_count: int = 0


def passed(reason: str, count: int = 1) -> Outcome:
    return Outcome(ResultStatus.PASS, reason, (), count, 0)


def failed(reason: str, resources: Iterable[str] = (), count: int = 1) -> Outcome:
    listed = tuple(resources)
    return Outcome(ResultStatus.FAIL, reason, listed[:MAX_RESOURCES], count, max(len(listed), 1))


def errored(reason: str) -> Outcome:
    return Outcome(ResultStatus.ERROR, reason)


def not_applicable(reason: str) -> Outcome:
    return Outcome(ResultStatus.NOT_APPLICABLE, reason)


class ControlTest(abc.ABC):
    """Base of every control test (see the module docstring)."""

    id: ClassVar[str]
    title: ClassVar[str]
    control_ids: ClassVar[tuple[str, ...]]
    clause_ids: ClassVar[tuple[str, ...]] = ()
    severity: ClassVar[str] = "medium"
    remediation: ClassVar[str]
    connectors: ClassVar[tuple[str, ...]]
    evidence_kind: ClassVar[str]
    version: ClassVar[int] = 1
    # ``(attribute, value)``: the test only wants records whose attribute has that value, so
    # the engine hands it nothing else (a speed-up for large files; ``observe`` still checks).
    route: ClassVar[tuple[str, Any] | None] = None

    def __init__(self, as_of: dt.date | None = None) -> None:
        # The day the evidence speaks for: "within a year" is counted back from it.
        self.as_of = as_of or dt.date.today()

    @abc.abstractmethod
    def observe(self, record: Any) -> None: ...

    @abc.abstractmethod
    def conclude(self) -> Outcome: ...

    @classmethod
    def evaluate(cls, records: Iterable[Any], as_of: dt.date | None = None) -> Outcome:
        """Run the test over ``records`` on its own (the engine streams many tests at once)."""
        test = cls(as_of)
        for record in records:
            test.observe(record)
        return test.conclude()

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {
            "id": cls.id,
            "title": cls.title,
            "description": " ".join((cls.__doc__ or "").split()),
            "control_ids": list(cls.control_ids),
            "clause_ids": list(cls.clause_ids),
            "severity": cls.severity,
            "remediation": cls.remediation,
            "connectors": list(cls.connectors),
            "evidence_kind": cls.evidence_kind,
            "version": cls.version,
        }


class ResourceTest(ControlTest):
    """Judges every relevant record as one resource.

    Subclasses implement ``applies`` (is the record relevant?), ``verdict`` (``"pass"``,
    ``"fail"``, ``"error"`` or None to ignore it) and ``resource`` (its name); ``noun`` names
    the resources in the reason ("rules", "accounts").
    """

    noun: ClassVar[str] = "resources"

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__(as_of)
        self.judged = 0
        self.failures: list[str] = []
        self.failing = 0
        self.errors = 0

    @abc.abstractmethod
    def applies(self, record: Any) -> bool: ...

    @abc.abstractmethod
    def verdict(self, record: Any) -> str | None: ...

    @abc.abstractmethod
    def resource(self, record: Any) -> str: ...

    def observe(self, record: Any) -> None:
        if not self.applies(record):
            return
        verdict = self.verdict(record)
        if verdict is None:
            return
        self.judged += 1
        if verdict == ResultStatus.FAIL:
            self.failing += 1
            if len(self.failures) < MAX_RESOURCES:
                self.failures.append(self.resource(record))
        elif verdict == ResultStatus.ERROR:
            self.errors += 1

    def conclude(self) -> Outcome:
        noun = self.noun
        if self.judged == 0:
            return not_applicable(f"the evidence holds no {noun} this test judges")
        if self.failing:
            shown = ", ".join(self.failures[:5]) + (" …" if self.failing > 5 else "")
            return Outcome(
                ResultStatus.FAIL,
                f"{self.failing} of {self.judged} {noun} fail: {shown}",
                tuple(self.failures),
                self.judged,
                self.failing,
            )
        if self.errors:
            return Outcome(
                ResultStatus.ERROR,
                f"{self.errors} of {self.judged} {noun} could not be evaluated",
                (),
                self.judged,
                0,
            )
        return Outcome(ResultStatus.PASS, f"all {self.judged} {noun} pass", (), self.judged, 0)


class ReportTest(ControlTest):
    """Judges one whole report; subclasses implement ``judge(report)``."""

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__(as_of)
        self.reports: list[Any] = []

    def observe(self, record: Any) -> None:
        self.reports.append(record)

    @abc.abstractmethod
    def judge(self, report: Any) -> Outcome: ...

    def conclude(self) -> Outcome:
        if not self.reports:
            return not_applicable("the evidence holds no report")
        return self.judge(self.reports[-1])
