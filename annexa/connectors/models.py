"""Configured connectors, their collection runs, and the evidence each run stored.

Secret configuration values are kept only as sealed tokens (``sealed``), never in clear; the
plain settings are in ``config``. A run records which evidence versions it produced and
whether each was new content or identical to what the locker already held.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from annexa.connectors.choices import RunStatus, Trigger
from annexa.core.tenancy import OrgOwned

MAX_INTERVAL = 7 * 24 * 60


class Connector(OrgOwned):
    """One configured connector (a plugin ``kind`` with its settings) of an organization."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    config = models.JSONField(default=dict, blank=True)
    sealed = models.JSONField(default=dict, blank=True)  # field name → sealed secret token
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(MAX_INTERVAL)]
    )
    valid_days = models.PositiveIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="connector_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # The sealed tokens are ciphertext, but there is no reason to print them either.
        return f"<Connector {self.pk} {self.kind} {self.name!r} secrets={sorted(self.sealed)}>"


class CollectionRun(OrgOwned):
    """One collection: scheduled, on demand, or a file import (``connector`` is then null)."""

    connector = models.ForeignKey(
        Connector, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    source = models.CharField(max_length=100)  # the connector's name at the time, or "import"
    kind = models.CharField(max_length=40)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The lease: who executes the run (host:pid) and when it last said it is still at work.
    # A running run whose heartbeat is older than the lease is interrupted by the sweeper.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When its job was last put on the queue (null: not yet, e.g. the queue was unavailable).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="run_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.source} {self.get_trigger_display().lower()} {self.queued_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class CollectedItem(OrgOwned):
    """One evidence version a run produced; ``created`` is False when the content was already
    in the locker (the run then adds nothing new)."""

    run = models.ForeignKey(CollectionRun, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(
        "evidence.EvidenceVersion", on_delete=models.RESTRICT, related_name="+"
    )
    kind = models.CharField(max_length=40)
    stream = models.CharField(max_length=300)  # which system it speaks for, e.g. "lynis:web1"
    created = models.BooleanField(default=True)
    records = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "id"]

    def __str__(self) -> str:
        return f"{self.stream} ({self.version.sha256[:12]})"
