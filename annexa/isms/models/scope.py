"""The ISMS scope (clause 4.3) and the units, systems, locations and processes it covers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.isms.choices import UnitKind


class OrgUnit(OrgOwned):
    """An organizational unit, system, location or process that the ISMS covers.

    ``manager`` is the member responsible for it: auditor independence rules ("an auditor may
    not audit a unit they manage") read it.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=UnitKind.choices, default=UnitKind.UNIT)
    description = models.TextField(blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="isms_unit_name_unique",
                violation_error_message="There is already a unit with this name.",
            )
        ]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ScopeStatement(OrgOwned):
    """One version of the ISMS scope statement. Versions are added, never edited.

    ``in_scope`` is a snapshot of the units chosen when the version was saved
    (``[{"uid", "name", "kind"}]``), so an old version still says what it covered after a unit
    is renamed or removed. ``exclusions`` lists what is left out and why
    (``[{"item", "reason"}]``). The current scope is the version with the highest number.
    """

    version = models.PositiveIntegerField()
    text = models.TextField(help_text="The scope statement, in Markdown.")
    boundaries = models.TextField(blank=True)
    in_scope = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    # An approval must keep naming its approver: the user row cannot be deleted under it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="isms_scope_version_unique"
            )
        ]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Scope v{self.version}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @classmethod
    def current(cls, org) -> ScopeStatement | None:
        """The latest version, or ``None`` before the first scope is written."""
        return cls.objects.for_org(org).order_by("-version").first()
