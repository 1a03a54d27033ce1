"""The enumerations of access reviews."""

from django.db import models


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReviewerMode(models.TextChoices):
    SYSTEM_OWNER = "system_owner", "The system owner"
    MANAGER = "manager", "Each person's manager"


class Decision(models.TextChoices):
    KEEP = "keep", "Keep"
    REVOKE = "revoke", "Revoke"


class Revocation(models.TextChoices):
    PENDING = "pending", "Revocation pending"
    DONE = "done", "Revoked (not yet verified)"
    VERIFIED = "verified", "Revocation verified"


class OrphanReason(models.TextChoices):
    NO_PERSON = "no_person", "No person"
    LEFT = "left", "Person has left"
