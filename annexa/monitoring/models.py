"""Monitoring over time: test runs and their results, each control's status and its changes.

A ``TestRun`` is one evaluation of one evidence version by every control test of its kind
(unique per version and test suite, so evaluating the same content twice adds nothing). Its
``TestResult`` rows keep the outcome of each test; ``is_latest`` marks, per system (stream)
and test, the result of the newest evidence, and per system the run of its newest evidence
(whose scanner rule counts, in ``summary["controls"]``, are the system's). ``ControlState``
holds each control's current derived status, and ``ControlStatusChange`` every transition,
in order. ``MonitoringSettings``
say how an organization is told about transitions; ``Notification`` is the outbox of those
messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.monitoring.choices import (
    Channel,
    ControlStatus,
    DeliveryStatus,
    NotificationEvent,
    ResultStatus,
    RunStatus,
)


class TestRun(OrgOwned):
    """Every control test of one evidence kind, run over one evidence version."""

    __test__ = False  # not a pytest test class, despite the name

    version = models.ForeignKey(
        "evidence.EvidenceVersion", on_delete=models.RESTRICT, related_name="+"
    )
    collection = models.ForeignKey(
        "connectors.CollectionRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="test_runs",
    )
    kind = models.CharField(max_length=40)
    stream = models.CharField(max_length=300)
    suite = models.CharField(max_length=64)  # digest of the tests' ids, versions and mappings
    observed_at = models.DateTimeField()  # when the evidence was collected
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    summary = models.JSONField(default=dict, blank=True)
    # The run of the stream's newest evidence, whose scanner rule results are the system's
    # (set by the evaluation; a run recorded otherwise is history only).
    is_latest = models.BooleanField(default=False)

    class Meta:
        ordering = ["-observed_at", "-id"]
        indexes = [
            # The newest file of a system in a period (the audit checklist's scanner rules).
            models.Index(
                fields=["organization", "stream", "observed_at", "id"], name="run_stream_at_idx"
            ),
            # The lists' order: a page of runs is read off the index instead of sorting every
            # run of the organization (95,656 at scale 1: 47 ms on PostgreSQL).
            models.Index(fields=["organization", "-observed_at", "-id"], name="run_org_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version", "suite"], name="test_run_once_per_content"
            ),
            models.UniqueConstraint(
                fields=["organization", "stream"],
                condition=Q(is_latest=True),
                name="one_latest_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} tests of {self.stream} at {self.observed_at:%Y-%m-%d %H:%M}"


class TestResult(OrgOwned):
    """The outcome of one control test in one run."""

    __test__ = False

    run = models.ForeignKey(TestRun, on_delete=models.CASCADE, related_name="results")
    test_id = models.CharField(max_length=80)
    status = models.CharField(max_length=20, choices=ResultStatus.choices)
    reason = models.TextField()
    control_ids = models.JSONField(default=list)
    resources = models.JSONField(default=list, blank=True)
    resource_count = models.PositiveIntegerField(default=0)
    failing_count = models.PositiveIntegerField(default=0)
    stream = models.CharField(max_length=300)
    observed_at = models.DateTimeField()
    valid_until = models.DateField(null=True, blank=True)  # the evidence's validity
    is_latest = models.BooleanField(default=True)

    class Meta:
        ordering = ["-observed_at", "test_id"]
        indexes = [
            models.Index(fields=["organization", "is_latest"], name="result_latest_idx"),
            # Also the newest result of a test on a system in a period, one step down it
            # (the audit checklist's automated results).
            models.Index(
                fields=["organization", "stream", "test_id", "observed_at", "id"],
                name="result_stream_test_at_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "test_id"], name="one_result_per_test"),
            models.UniqueConstraint(
                fields=["organization", "stream", "test_id"],
                condition=Q(is_latest=True),
                name="one_latest_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test_id}: {self.status}"


class ControlState(OrgOwned):
    """A control's current status in one organization, as last derived."""

    control = models.ForeignKey("catalog.Control", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ControlStatus.choices)
    since = models.DateTimeField(default=timezone.now)
    no_longer_functioning = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["control__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "control"], name="one_state_per_control"
            )
        ]

    def __str__(self) -> str:
        return f"{self.control_id}: {self.status}"


class ControlStatusChange(OrgOwned):
    """One transition of a control's status; ``no_longer_functioning`` marks passing →
    failing (the control was effective and stopped being so)."""

    control = models.ForeignKey("catalog.Control", on_delete=models.CASCADE, related_name="+")
    previous = models.CharField(max_length=20, choices=ControlStatus.choices, blank=True)
    status = models.CharField(max_length=20, choices=ControlStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    no_longer_functioning = models.BooleanField(default=False)
    run = models.ForeignKey(
        TestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.control_id}: {self.previous or 'new'} → {self.status}"


class MonitoringSettings(OrgOwned):
    """How an organization hears about its controls: e-mail, an optional signed webhook, and
    whether a control that stops functioning opens a draft nonconformity by itself.

    ``webhook_secret`` holds only a sealed token (``annexa.connectors.secrets``, bound to the
    organization, this row and the field): never the secret in clear.
    """

    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.TextField(blank=True)
    notify_email = models.BooleanField(default=True)
    notify_recovery = models.BooleanField(default=False)
    open_draft_nonconformity = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "monitoring settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_monitoring_settings")
        ]

    def __str__(self) -> str:
        return f"monitoring settings of {self.organization_id}"

    def __repr__(self) -> str:
        return f"<MonitoringSettings {self.pk} webhook={bool(self.webhook_url)}>"


class Notification(OrgOwned):
    """One delivery of one status change over one channel to one recipient (the outbox).

    Unique per change, channel and recipient, so a transition is announced at most once to
    each; ``attempts`` counts tries, the last outcome is in ``status``, ``response_code``
    and ``error``.
    """

    change = models.ForeignKey(
        ControlStatusChange, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=40, choices=NotificationEvent.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "channel", "recipient"], name="one_delivery_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.status}"
