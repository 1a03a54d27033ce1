"""People of the organization (7.2, 7.3, A.6.1–A.6.6) and the accounts they hold in the
systems Annexa reads (A.5.15, A.5.18, A.8.2).

A ``Person`` is someone who works for the organization (an HR record), not an Annexa user: most
people never sign in here. ``user`` links the two when the person is also a member, which is
how access reviews refuse self-review. An ``Account`` is one login in one system, as a
connector collected it or an uploaded list gave it; ``person`` is the match (``None`` for an
orphan account).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.people.choices import AccountSource, PersonSource


class Person(OrgOwned):
    """One member of staff (or contractor): employment dates, department, manager, screening,
    terms and NDA, as HR or an identity provider knows them."""

    employee_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, blank=True)
    department = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    screened_on = models.DateField(null=True, blank=True)
    terms_signed_on = models.DateField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=PersonSource.choices)
    source_ref = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=~models.Q(email=""),
                name="people_person_email",
            ),
            models.UniqueConstraint(
                fields=["organization", "employee_id"],
                condition=~models.Q(employee_id=""),
                name="people_person_employee_id",
            ),
        ]
        indexes = [models.Index(fields=["organization", "end_date"])]

    def __str__(self) -> str:
        return self.name

    def has_left(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.end_date is not None and self.end_date <= on


class TrainingCompletion(OrgOwned):
    """One security awareness or other training course a person completed (7.2, 7.3)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person_id", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "completed_on"], name="people_training_once"
            )
        ]


class Account(OrgOwned):
    """One account in one system, as last read. ``system`` names the system (the connector's
    name, or the name given to an imported list); ``(system, username)`` is
    the account's identity, so the next collection updates the same row."""

    system = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=AccountSource.choices)
    # The connector's name or the imported file's name (connectors sit above this app, so no
    # foreign key points up at them).
    source_ref = models.CharField(max_length=300, blank=True)
    username = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    entitlements = models.JSONField(default=list, blank=True)
    privileged = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    mfa_enabled = models.BooleanField(null=True, blank=True)
    last_login = models.DateTimeField(null=True, blank=True)
    # False once a later read of the system no longer lists the account (deleted there).
    present = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization_id", "system", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "system", "username"], name="people_account_identity"
            )
        ]
        indexes = [models.Index(fields=["organization", "person"])]

    def __str__(self) -> str:
        return f"{self.username} ({self.system})"


class PeopleSettings(OrgOwned):
    """How the joiner checks judge a person (A.6.1, A.6.2, A.6.3, 7.3), per organization.

    Screening and the terms of employment are due ``…_days`` after the start date (0: by the
    first day; a negative number: that many days before it); the security awareness course
    is due within ``training_days`` of the start. A joiner is anyone who started in the last
    ``joiner_window_days`` days."""

    screening_days = models.IntegerField(default=0)
    terms_days = models.IntegerField(default=0)
    training_days = models.PositiveIntegerField(default=30)
    training_course = models.CharField(
        max_length=200,
        blank=True,
        help_text="Only completions of this course count (blank: any course).",
    )
    joiner_window_days = models.PositiveIntegerField(default=90)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="people_settings_once")
        ]

    @staticmethod
    def due(days: int) -> str:
        """When a check is due, in words: "by the start date", "5 days after the start"."""
        if days == 0:
            return "by the start date"
        count = abs(days)
        side = "after" if days > 0 else "before"
        return f"{count} day{'s' if count != 1 else ''} {side} the start"

    @property
    def screening_due(self) -> str:
        return self.due(self.screening_days)

    @property
    def terms_due(self) -> str:
        return self.due(self.terms_days)
