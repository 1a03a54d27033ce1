"""API representations of monitoring: runs, results, status changes, derived statuses."""

from __future__ import annotations

from rest_framework import serializers

from annexa.core.api import StrictBooleanField
from annexa.monitoring.models import ControlStatusChange, Notification, TestResult, TestRun
from annexa.monitoring.services import notifications


class TestResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestResult
        fields = [
            "test_id",
            "status",
            "reason",
            "control_ids",
            "resources",
            "resource_count",
            "failing_count",
            "stream",
            "observed_at",
            "valid_until",
            "is_latest",
        ]


class TestRunSerializer(serializers.ModelSerializer):
    evidence = serializers.UUIDField(source="version.evidence.uid", read_only=True)
    evidence_version = serializers.UUIDField(source="version.uid", read_only=True)
    sha256 = serializers.CharField(source="version.sha256", read_only=True)

    class Meta:
        model = TestRun
        fields = [
            "id",
            "uid",
            "kind",
            "stream",
            "status",
            "observed_at",
            "started_at",
            "finished_at",
            "evidence",
            "evidence_version",
            "sha256",
            "collection",
        ]


class TestRunDetailSerializer(TestRunSerializer):
    results = TestResultSerializer(many=True, read_only=True)
    controls = serializers.SerializerMethodField()
    control_status = serializers.SerializerMethodField()

    class Meta(TestRunSerializer.Meta):
        fields = [
            *TestRunSerializer.Meta.fields,
            "summary",
            "controls",
            "control_status",
            "results",
        ]

    def get_controls(self, run: TestRun) -> dict[str, dict[str, int]]:
        """The run's scanner rule results per control (control tests are in ``results``)."""
        from annexa.monitoring.services import control_counts

        return control_counts(run)

    def get_control_status(self, run: TestRun) -> dict[str, str]:
        """The current status of each control of ``controls`` (the one derivation)."""
        from annexa.monitoring.services import run_statuses

        return run_statuses(run)


class StatusChangeSerializer(serializers.ModelSerializer):
    control = serializers.CharField(source="control_id", read_only=True)
    test_run = serializers.UUIDField(source="run.uid", read_only=True, allow_null=True)

    class Meta:
        model = ControlStatusChange
        fields = [
            "control",
            "previous",
            "status",
            "at",
            "no_longer_functioning",
            "test_run",
            "reason",
        ]


def _when(found) -> dict:
    """Where and when a result was observed, and whether it is still fresh."""
    return {
        "stream": found.stream,
        "observed_at": found.observed_at.isoformat(),
        "valid_until": found.valid_until.isoformat() if found.valid_until else None,
        "fresh": found.fresh,
    }


def control_view(view, *, detail: bool = False) -> dict:
    """A derived ``ControlView`` as JSON: control tests (``tested_by``, ``automated_results``,
    ``results``) and scanner rules (``scanned_on``, ``scanner_results``, ``rules``) apart."""
    data = {
        "control": view.control_id,
        "title": view.title,
        "theme": view.theme,
        "status": view.status,
        "tests": view.tests,
        "tested_by": view.automated_tests,
        "scanned_on": view.scanned_by,
        "manual_evidence": {"fresh": view.manual_fresh, "stale": view.manual_stale},
        "automated_results": {"fresh": view.automated_fresh, "stale": view.automated_stale},
        "scanner_results": {"fresh": view.rules_fresh, "stale": view.rules_stale},
        "newest_evidence": view.newest_evidence.isoformat() if view.newest_evidence else None,
        "evidence_age_days": view.evidence_age_days,
    }
    if detail:
        data["results"] = [
            {"test_id": r.test_id, **_when(r), "status": r.status, "reason": r.reason}
            for r in view.results
        ]
        data["rules"] = [
            {
                "test_run": r.run_id,
                "kind": r.kind,
                **_when(r),
                "status": r.status,
                "counts": r.counts,
            }
            for r in view.rules
        ]
    return data


class SettingsSerializer(serializers.Serializer):
    """The monitoring settings. ``webhook_secret`` is write-only: reading shows only
    ``webhook_secret_set`` (and a mask), never the secret."""

    webhook_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    webhook_secret = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=False, max_length=500
    )
    clear_secret = StrictBooleanField(required=False, default=False, write_only=True)
    webhook_secret_set = serializers.SerializerMethodField()
    webhook_secret_mask = serializers.SerializerMethodField()
    notify_email = StrictBooleanField(required=False)
    notify_recovery = StrictBooleanField(required=False)
    open_draft_nonconformity = StrictBooleanField(required=False)

    def get_webhook_secret_set(self, row) -> bool:
        return bool(row.webhook_secret)

    def get_webhook_secret_mask(self, row) -> str:
        return notifications.masked(row)


class NotificationSerializer(serializers.ModelSerializer):
    control = serializers.CharField(source="change.control_id", read_only=True)
    change = serializers.UUIDField(source="change.uid", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "uid",
            "control",
            "change",
            "event",
            "channel",
            "recipient",
            "status",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "sent_at",
        ]
