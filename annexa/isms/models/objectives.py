"""Information security objectives (clause 6.2) and the measurements that track them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.isms.choices import ObjectiveStatus, TargetDirection

# An objective in one of these states is decided: it can no longer fall overdue.
CLOSED_STATUSES = (
    ObjectiveStatus.ACHIEVED,
    ObjectiveStatus.NOT_ACHIEVED,
    ObjectiveStatus.WITHDRAWN,
)


class Objective(OrgOwned):
    """What the ISMS sets out to achieve, how progress is measured, by whom and by when.

    ``number`` is unique in the organization and never reused (``reference`` is ``OBJ-01``).
    ``serves`` says which policy statement or purpose the objective supports; ``control``
    optionally ties it to an Annex A control. ``target`` is the target in words; a numeric
    ``target_value`` (with ``unit`` and ``direction``) lets Annexa compare measurements with
    it. ``version`` grows by one on every change (optimistic concurrency, as SoA entries).
    Objectives are withdrawn, never deleted. Change them only through ``annexa.isms.services``.
    """

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    serves = models.TextField(
        "what it serves",
        blank=True,
        help_text="The policy statement or purpose this objective supports.",
    )
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measure = models.TextField(help_text="How progress is measured, and how often.")
    target = models.TextField(help_text="The target in words, e.g. 'at most 5% by December'.")
    target_value = models.DecimalField(
        "numeric target", max_digits=14, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, days, tests")
    direction = models.CharField(
        "the target is",
        max_length=10,
        choices=TargetDirection.choices,
        default=TargetDirection.AT_LEAST,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_objectives",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED
    )
    withdrawn_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="isms_objective_number_unique"
            )
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"OBJ-{self.number:02d}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return not self.is_closed and self.due_date < (today or timezone.localdate())


class ObjectiveMeasurement(OrgOwned):
    """One reading of an objective's measure: a value (when the measure is numeric), a note,
    or both. Measurements are added, never edited; the latest one is the objective's state."""

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["objective_id", "measured_on", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.objective.reference} on {self.measured_on:%Y-%m-%d}"
