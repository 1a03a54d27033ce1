"""Enumerations of the actions app: where an action comes from, its states, its review."""

from django.db import models


class ActionSource(models.TextChoices):
    FINDING = "finding", "Nonconformity"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    OTHER = "other", "Other"


class ActionStatus(models.TextChoices):
    """open → in progress → implemented → verified effective → closed. A review that finds
    the action not effective sends it back to in progress with a revised plan."""

    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED_EFFECTIVE = "verified_effective", "Verified effective"
    CLOSED = "closed", "Closed"


# Work not yet done: past its due date, such an action is overdue.
NOT_DONE: frozenset[str] = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})
UNRESOLVED: frozenset[str] = frozenset(set(ActionStatus.values) - {ActionStatus.CLOSED})


class ReviewMethod(models.TextChoices):
    """How an effectiveness review established its conclusion."""

    AUTOMATED_TEST = "automated_test", "Automated test results since the fix"
    TECHNICAL_TEST = "technical_test", "Technical test"
    DOCUMENT_REVIEW = "document_review", "Document and record review"
    SAMPLING = "sampling", "Sampling of records"
    INTERVIEW = "interview", "Interview"
    OBSERVATION = "observation", "Observation"
    FOLLOW_UP_AUDIT = "follow_up_audit", "Follow-up audit"


class ReviewConclusion(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    NOT_EFFECTIVE = "not_effective", "Not effective"
