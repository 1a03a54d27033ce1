"""The catalog: clauses 4–10, Annex A, and the 2013→2022 correspondence. Pure data.

Loaded from the versioned JSON files in ``annexa/catalog/data`` by ``loader.load_catalog``;
nothing else writes these tables. The catalog imports nothing else of Annexa.
"""

from __future__ import annotations

from django.db import models

from annexa.catalog.choices import RequirementKind, Theme


class CatalogVersion(models.Model):
    """Which data files are loaded (their version and SHA-256), so loading is idempotent."""

    name = models.CharField(max_length=50, unique=True)
    version = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Requirement(models.Model):
    """A clause, sub-clause or lettered requirement of ISO/IEC 27001:2022 clauses 4–10.

    ``id`` is the clause number with lettered items as ``6.1.2.c`` and nested numbered items as
    ``6.1.2.c.1``. ``auditable`` marks the items a checklist asks about (the leaves, plus
    sub-clauses without lettered items).
    """

    id = models.CharField(max_length=20, primary_key=True)
    title = models.CharField(max_length=300)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(max_length=10, choices=RequirementKind.choices)
    clause = models.PositiveSmallIntegerField()
    sort_key = models.CharField(max_length=60, db_index=True)
    auditable = models.BooleanField(default=True)
    amendment = models.CharField(max_length=40, blank=True)  # e.g. "Amd 1:2024"
    mandatory_document = models.CharField(max_length=200, blank=True)
    questions = models.JSONField(default=list)
    evidence = models.JSONField(default=list)

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.id} {self.title}"


class Control(models.Model):
    """An ISO/IEC 27001:2022 Annex A control, with its ISO/IEC 27002:2022 attributes."""

    id = models.CharField(max_length=10, primary_key=True)
    title = models.CharField(max_length=200)
    theme = models.CharField(max_length=20, choices=Theme.choices)
    sort_key = models.CharField(max_length=20, db_index=True)
    new_in_2022 = models.BooleanField(default=False)
    control_type = models.JSONField(default=list)
    security_properties = models.JSONField(default=list)
    cybersecurity_concepts = models.JSONField(default=list)
    operational_capabilities = models.JSONField(default=list)
    security_domains = models.JSONField(default=list)
    questions = models.JSONField(default=list)
    evidence = models.JSONField(default=list)

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.id} {self.title}"


class LegacyControl(models.Model):
    """An ISO/IEC 27001:2013 Annex A control and the 2022 controls it corresponds to."""

    id = models.CharField(max_length=12, primary_key=True)
    title = models.CharField(max_length=200)
    sort_key = models.CharField(max_length=20, db_index=True)
    controls = models.ManyToManyField(Control, related_name="legacy_controls")

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.id} {self.title}"
