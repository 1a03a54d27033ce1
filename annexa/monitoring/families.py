"""Shared bases of the control tests, one per kind of evidence (not tests themselves).

Each base fixes the evidence kind and connectors and the way its records are judged, so a test
module holds only what is particular to it: metadata and one or two small methods.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from annexa.connectors.formats.lynis import LynisReport
from annexa.connectors.mapping import Finding
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.framework import Outcome, ReportTest, ResourceTest, errored


class LynisTest(ReportTest):
    """A test over one Lynis report."""

    connectors = ("lynis",)
    evidence_kind = "lynis"

    def judge(self, report: LynisReport) -> Outcome:
        raise NotImplementedError

    @staticmethod
    def missing(key: str) -> Outcome:
        return errored(
            f"the Lynis report has no {key!r} value, so this cannot be judged; "
            "run a complete `lynis audit system`"
        )

    @staticmethod
    def host(report: LynisReport) -> str:
        return report.hostname or "the host"


class FindingTest(ResourceTest):
    """A test over mapped tool findings (OpenSCAP rules, OCSF findings)."""

    def verdict(self, record: Finding) -> str | None:
        if record.status == "not_applicable":
            return None
        return record.status

    def resource(self, record: Finding) -> str:
        return f"{record.rule} ({record.resource})" if record.resource else record.rule


class OpenScapRuleTest(FindingTest):
    """Judges the SCAP Security Guide rules whose id matches ``rules`` (a regex)."""

    connectors = ("openscap",)
    evidence_kind = "openscap"
    noun = "rules"
    rules: ClassVar[str]

    def applies(self, record: Finding) -> bool:
        return re.fullmatch(self.rules, record.rule) is not None

    def resource(self, record: Finding) -> str:
        return record.rule


class OcsfTopicTest(FindingTest):
    """Judges OCSF findings of the known checks of one ``topic`` (data/prowler_checks.json)."""

    connectors = ("ocsf",)
    evidence_kind = "ocsf"
    noun = "findings"
    topic: ClassVar[str]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "topic" in vars(cls):
            cls.route = ("topic", cls.topic)

    def applies(self, record: Finding) -> bool:
        return record.topic == self.topic


class RowTest(ResourceTest):
    """Judges the rows of a CSV/XLSX export, as of the day the export speaks for."""

    connectors = ("spreadsheet",)
    key: ClassVar[str]

    def days_before(self, day: dt.date | None) -> int | None:
        """How many days ``day`` lies before ``as_of`` (None when there is no date)."""
        return None if day is None else (self.as_of - day).days

    def applies(self, record: dict[str, Any]) -> bool:
        return True

    def resource(self, record: dict[str, Any]) -> str:
        return str(record.get(self.key) or f"row {record.get('_row')}")

    @staticmethod
    def pass_if(condition: bool) -> str:
        return ResultStatus.PASS if condition else ResultStatus.FAIL


class AccountTest(RowTest):
    evidence_kind = "accounts"
    noun = "accounts"
    key = "account"

    def resource(self, record: dict[str, Any]) -> str:
        return f"{record.get('account')} @ {record.get('system')}"


class AssetTest(RowTest):
    evidence_kind = "assets"
    noun = "assets"
    key = "asset_id"

    @staticmethod
    def in_use(record: dict[str, Any]) -> bool:
        return record.get("status") in (None, "in_use", "stored")


class TrainingTest(RowTest):
    evidence_kind = "training"
    noun = "training records"
    key = "person"

    def resource(self, record: dict[str, Any]) -> str:
        return f"{record.get('person')}: {record.get('course')}"
