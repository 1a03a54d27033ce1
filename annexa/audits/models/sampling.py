"""Reproducible samples: the population, the rule and rationale, the seed and the selection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.audits.choices import PopulationSource, SampleRecordResult, SamplingRule
from annexa.audits.models.checklist import ChecklistItem
from annexa.core.tenancy import OrgOwned


class Sample(OrgOwned):
    """A sample drawn for one checklist item, stored so a second auditor can re-derive it.

    ``population`` is the list of record ids or labels as drawn from (``population_sha256`` is
    the SHA-256 of its canonical JSON); ``selected_indices`` are positions in it chosen from
    ``seed``. Rates and the confidence level are percentages with two decimals (Decimal, not
    float: they go into the ledger, which accepts no floats).
    """

    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="samples")
    population_source = models.CharField(max_length=20, choices=PopulationSource.choices)
    population_evidence = models.ForeignKey(
        "evidence.EvidenceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    population = models.JSONField(default=list)
    population_sha256 = models.CharField(max_length=64)
    rule = models.CharField(max_length=20, choices=SamplingRule.choices)
    rationale = models.TextField()
    confidence_level = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent, e.g. 95.00."
    )
    tolerable_deviation_rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent."
    )
    expected_deviation = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent."
    )
    computed_size = models.PositiveIntegerField()
    seed = models.CharField(max_length=100)
    selected_indices = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(population_sha256__regex=r"^[0-9a-f]{64}$"),
                name="audits_sample_population_sha256_hex",
            ),
            models.CheckConstraint(
                condition=(
                    ~Q(population_source=PopulationSource.EVIDENCE_VERSION)
                    | Q(population_evidence__isnull=False)
                ),
                name="audits_sample_evidence_population_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Sample of {self.computed_size} for {self.item}"


class SampleRecord(OrgOwned):
    """One selected record of a sample and what testing it showed."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="records")
    population_index = models.PositiveIntegerField()
    label = models.CharField(max_length=500)
    result = models.CharField(
        max_length=20,
        choices=SampleRecordResult.choices,
        default=SampleRecordResult.PENDING,
        blank=True,
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["sample_id", "population_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "population_index"], name="audits_sample_record_once"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.population_index} {self.label}"
