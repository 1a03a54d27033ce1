"""Risk management (6.1.2, 6.1.3, 8.2, 8.3), the asset inventory (8.1, A.5.9) and suppliers
(A.5.19–A.5.22).

A risk's levels are derived from its likelihood and impact by the organization's current
``Methodology`` version and stored (for lists, filters and heat maps); a new methodology version
re-derives every stored level in the same transaction (``services.methodology``), so nothing
stored is ever computed under an older version than ``Risk.methodology`` says. Assessment
records (``RiskAssessment``) keep the version they were made under. Change everything through
``annexa.risks.services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.risks.choices import (
    ACTION_NOT_DONE,
    ActionStatus,
    AssetKind,
    AssetSource,
    Criticality,
    RiskStatus,
    SupplierAssessmentKind,
    SupplierAssessmentResult,
    TreatmentOption,
)


class Methodology(OrgOwned):
    """One version of the organization's risk assessment methodology (6.1.2 a–b).

    ``likelihood`` and ``impact`` are the scales, lowest first: ``[{"value": 1, "label": …,
    "description": …}, …]``. ``matrix[l - 1][i - 1]`` is the score of likelihood ``l`` and
    impact ``i`` (editable cell by cell). ``bands`` name the levels, lowest first, each over a
    range of scores and with the roles that may accept a residual risk at that level:
    ``[{"key": "low", "label": "Low", "min": 1, "max": 4, "colour": "#2e7d32",
    "accept_roles": ["control_owner", …]}, …]``. A residual risk whose score is above
    ``acceptance_threshold`` is above the risk acceptance criteria: accepting it needs a role
    its band allows and a written reason. Versions are never changed, only superseded.
    """

    version = models.PositiveIntegerField()
    likelihood = models.JSONField()
    impact = models.JSONField()
    matrix = models.JSONField()
    bands = models.JSONField()
    acceptance_threshold = models.PositiveIntegerField()
    review_months = models.PositiveIntegerField(
        default=12, help_text="Months between periodic reassessments of a risk (8.2)."
    )
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="risks_methodology_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"Risk methodology v{self.version}"

    def score(self, likelihood: int | None, impact: int | None) -> int | None:
        if likelihood is None or impact is None:
            return None
        return int(self.matrix[likelihood - 1][impact - 1])

    def band(self, score: int | None) -> dict | None:
        if score is None:
            return None
        for band in self.bands:
            if band["min"] <= score <= band["max"]:
                return band
        return None

    def level(self, score: int | None) -> str:
        band = self.band(score)
        return band["key"] if band else ""

    def label_of(self, level: str) -> str:
        return next((b["label"] for b in self.bands if b["key"] == level), level)

    def above_threshold(self, score: int | None) -> bool:
        return score is not None and score > self.acceptance_threshold


class Classification(OrgOwned):
    """An information classification label the organization defines (A.5.12), lowest first."""

    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organization_id", "rank", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="risks_classification_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Asset(OrgOwned):
    """An entry of the asset inventory (8.1, A.5.9). ``value_c/i/a`` are the confidentiality,
    integrity and availability values (1 to 5). An asset proposed from collected evidence
    (``source=connector``) waits for its owner to confirm it (``confirmed``)."""

    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    classification = models.ForeignKey(
        Classification, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    value_c = models.PositiveSmallIntegerField("confidentiality", default=3)
    value_i = models.PositiveSmallIntegerField("integrity", default=3)
    value_a = models.PositiveSmallIntegerField("availability", default=3)
    location = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=AssetSource.choices, default="manual")
    source_reference = models.CharField(
        max_length=300, blank=True, help_text="The scope unit, or the evidence it was read from."
    )
    confirmed = models.BooleanField(default=True)
    retired = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="risks_asset_number"),
            models.UniqueConstraint(fields=["organization", "name"], name="risks_asset_name"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def reference(self) -> str:
        return f"AS-{self.number:04d}"

    @property
    def value(self) -> int:
        """The asset's value: the highest of its C, I and A values."""
        return max(self.value_c, self.value_i, self.value_a)


class Risk(OrgOwned):
    """One information security risk (6.1.2 c–e, 8.2) and its treatment (6.1.3, 8.3).

    The scenario is a threat exploiting a vulnerability with a consequence. ``inherent_*`` is
    the risk with the existing controls, before treatment; ``residual_*`` after it. Scores and
    levels are derived (``services.methodology.derive``) under ``methodology``. The risk owner's
    acceptance of the residual risk is recorded with the criteria it was judged under
    (``acceptance``: methodology version, score, level, threshold, the accepter's role).
    """

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    threat = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    consequence = models.TextField(blank=True)
    assets = models.ManyToManyField(Asset, blank=True, related_name="risks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risks"
    )
    existing_controls = models.TextField(blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_level = models.CharField(max_length=30, blank=True)
    treatment = models.CharField(
        max_length=20, choices=TreatmentOption.choices, blank=True, default=""
    )
    treatment_plan = models.TextField(blank=True)
    controls = models.ManyToManyField(
        "catalog.Control", blank=True, related_name="+", help_text="Annex A controls chosen."
    )
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_level = models.CharField(max_length=30, blank=True)
    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=RiskStatus.choices, default=RiskStatus.IDENTIFIED
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance = models.JSONField(default=dict, blank=True)
    review_date = models.DateField(null=True, blank=True)
    last_assessed = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="risks_risk_number")
        ]
        indexes = [models.Index(fields=["organization", "status", "review_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"R-{self.number:04d}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    def is_review_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status != RiskStatus.CLOSED
            and self.review_date is not None
            and self.review_date < today
        )


class TreatmentAction(OrgOwned):
    """A tracked action of a risk treatment plan (8.3): owner, due date, where it stands."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="risks_treatment_action_number"
            )
        ]
        indexes = [models.Index(fields=["organization", "status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"RT-{self.number:04d}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in ACTION_NOT_DONE and self.due_date < today


class RiskAssessment(OrgOwned):
    """One risk assessment run (8.2): when, who took part, under which methodology version,
    and which risks changed and why (``changes``: ``[{"risk": "R-0003", "fields": {name:
    [before, after]}, "reason": …}]``)."""

    number = models.PositiveIntegerField()
    held_on = models.DateField()
    title = models.CharField(max_length=200)
    trigger = models.CharField(
        max_length=200, blank=True, help_text="Periodic, or the event that called for it."
    )
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "-held_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="risks_assessment_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"RA-{self.number:04d}"


class Supplier(OrgOwned):
    """A supplier (A.5.19–A.5.22): the service, how critical it is, the data shared with it,
    the contract and its security clauses, when it is next reviewed, the risks it brings."""

    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    service = models.CharField(max_length=300)
    criticality = models.CharField(max_length=20, choices=Criticality.choices)
    data_shared = models.TextField(blank=True)
    contract = models.CharField(max_length=300, blank=True)
    security_clauses = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_date = models.DateField(null=True, blank=True)
    risks = models.ManyToManyField(Risk, blank=True, related_name="suppliers")
    asset = models.OneToOneField(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="supplier"
    )
    retired = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="risks_supplier_number"
            ),
            models.UniqueConstraint(fields=["organization", "name"], name="risks_supplier_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        return f"SUP-{self.number:03d}"


class SupplierAssessment(OrgOwned):
    """An assessment of a supplier: a questionnaire, or a certificate or report (stored as
    evidence) with its expiry."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(max_length=30, choices=SupplierAssessmentKind.choices)
    assessed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=SupplierAssessmentResult.choices)
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supplier_id", "-assessed_on"]

    def __str__(self) -> str:
        return f"{self.supplier.name}: {self.get_kind_display()} {self.assessed_on}"

    def is_expired(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today


class TreatmentNotice(OrgOwned):
    """An overdue reminder about one treatment action sent to one person on one day (at most
    one), as ``actions.OverdueNotice`` is for corrective actions
    (``services.treatment_reminders``)."""

    action = models.ForeignKey(TreatmentAction, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "action_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "recipient", "date"], name="risks_treatment_notice_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action.reference} overdue notice to {self.recipient} on {self.date}"
