"""Shared bases of the control tests, one per kind of evidence (not tests themselves).

Each base fixes the evidence kind and connectors and the way its records are judged, so a test
module holds only what is particular to it: metadata and one or two small methods.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from annexa.connectors.formats.lynis import LynisReport
from annexa.connectors.formats.snapshot import KINDS as SNAPSHOT_KINDS
from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.mapping import Finding
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.framework import (
    Outcome,
    ReportTest,
    ResourceTest,
    errored,
    failed,
    not_applicable,
    passed,
)


class LynisTest(ReportTest):
    """A test over one Lynis report."""

    connectors = ("lynis",)
    evidence_kind = "lynis"

    @staticmethod
    def missing(key: str) -> Outcome:
        return errored(
            f"the Lynis report has no {key!r} value, so this cannot be judged; "
            "run a complete `lynis audit system`"
        )

    @staticmethod
    def host(report: LynisReport) -> str:
        return report.hostname or "the host"


DECIDING = ("pass", "fail", "error")


class FindingTest(ResourceTest):
    """A test over mapped tool findings (OpenSCAP rules, OCSF findings)."""

    def verdict(self, record: Finding) -> str | None:
        # Manual, muted, not checked or informational findings decide nothing either way.
        return record.status if record.status in DECIDING else None

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


class SnapshotTest(ReportTest):
    """A test over one snapshot of an API connector (``connectors.formats.snapshot``).

    Subclasses of the per-connector bases below implement ``judge(snapshot)``; ``missing``
    and ``each`` cover the two common shapes: a setting that must be present, and a list of
    resources (users, buckets, repositories) each of which must satisfy a rule.
    """

    def missing(self, snapshot: Snapshot, what: str) -> Outcome:
        label = SNAPSHOT_KINDS.get(snapshot.kind, "snapshot")
        return errored(
            f"the {label} of {snapshot.target} does not say {what}, so this cannot be judged; "
            "check that the connector's account may read it"
        )

    @staticmethod
    def each(
        items: Iterable[Any],
        fails: Callable[[Any], bool],
        name: Callable[[Any], str],
        *,
        noun: str,
        where: str,
        empty: str | None = None,
    ) -> Outcome:
        """Pass when no item ``fails``, fail naming those that do; not applicable (``empty``
        or a default reason) when there are no items at all."""
        items = list(items)
        if not items:
            return not_applicable(empty or f"{where} has no {noun} to judge")
        failing = [name(item) for item in items if fails(item)]
        if failing:
            shown = ", ".join(failing[:5]) + (" …" if len(failing) > 5 else "")
            return failed(
                f"{len(failing)} of {len(items)} {noun} on {where} fail: {shown}",
                failing,
                len(items),
            )
        return passed(f"all {len(items)} {noun} on {where} pass", len(items))


class LinuxTest(SnapshotTest):
    connectors = ("linux",)
    evidence_kind = "linux"


class PostgresTest(SnapshotTest):
    connectors = ("postgres",)
    evidence_kind = "postgres"


class AwsTest(SnapshotTest):
    connectors = ("aws",)
    evidence_kind = "aws"


class GithubTest(SnapshotTest):
    connectors = ("github",)
    evidence_kind = "github"


class IdentityTest(SnapshotTest):
    """A test over one identity provider's snapshot (Okta, Microsoft Entra ID, Google
    Workspace), read through ``connectors.identity.schema``; subclasses implement
    ``judge_identity``. A snapshot that breaks the contract errors, naming its first problems."""

    connectors = ("okta", "entra", "google_workspace")
    evidence_kind = "identity"

    def judge(self, snapshot: Snapshot) -> Outcome:
        from annexa.connectors.identity import schema

        try:
            identity = schema.read_snapshot(snapshot)
        except schema.IdentityDataError as exc:
            return errored(f"the identity snapshot of {snapshot.target} cannot be judged: {exc}")
        return self.judge_identity(identity)

    def judge_identity(self, identity: Any) -> Outcome:
        raise NotImplementedError

    @staticmethod
    def unreadable(identity: Any, resource: str, what: str) -> Outcome | None:
        """ERROR saying why, when the connector could not read ``resource``; else None."""
        reason = identity.unreadable.get(resource)
        if reason is None:
            return None
        return errored(
            f"{identity.where} did not let the connector read {what} ({reason}), so this cannot "
            "be judged; give the connector's account the read-only rights its help text names"
        )

    @staticmethod
    def shown(names: list[str]) -> str:
        return ", ".join(names[:5]) + (" …" if len(names) > 5 else "")

    def enrolment(self, identity: Any, users: Iterable[Any], noun: str) -> Outcome:
        """Fail naming the ``users`` known to have no second factor (saying how many more are
        unknown); error when some are unknown and none is known to lack one; else pass."""
        users = list(users)
        missing = [u.label() for u in users if u.mfa_enrolled is False]
        unknown = [u.label() for u in users if u.mfa_enrolled is None]
        where = identity.where
        if missing:
            later = f"; the enrolment of {len(unknown)} more is unknown" if unknown else ""
            return failed(
                f"{len(missing)} of {len(users)} {noun} of {where} have no second factor: "
                f"{self.shown(missing)}{later}",
                missing,
                len(users),
            )
        if unknown:
            reason = identity.unreadable.get("factors") or "the provider did not say"
            return errored(
                f"the MFA enrolment of {len(unknown)} of {len(users)} {noun} of {where} is "
                f"unknown ({reason}): {self.shown(unknown)}"
            )
        return passed(
            f"all {len(users)} {noun} of {where} have enrolled a second factor", len(users)
        )

    def now(self) -> dt.datetime:
        """The end of the day the evidence speaks for, in UTC (what "days ago" counts from)."""
        return dt.datetime.combine(self.as_of, dt.time(23, 59, 59), tzinfo=dt.UTC)
