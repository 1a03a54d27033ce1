"""Enumerations of the document register (7.5)."""

from django.db import models


class DocumentKind(models.TextChoices):
    POLICY = "policy", "Policy"
    PROCEDURE = "procedure", "Procedure"
    STANDARD = "standard", "Standard"
    GUIDELINE = "guideline", "Guideline"
    PLAN = "plan", "Plan"
    RECORD = "record", "Record"
    OTHER = "other", "Other"


class DocumentStatus(models.TextChoices):
    """Where the document as a whole stands. An approved document stays approved while its
    next version is drafted and reviewed (the approved version is in force until then)."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    RETIRED = "retired", "Retired"


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ContentKind(models.TextChoices):
    MARKDOWN = "markdown", "Written in Annexa (Markdown)"
    FILE = "file", "Uploaded file"


class AckMethod(models.TextChoices):
    SELF = "self", "Confirmed by the person"
    RECORDED = "recorded", "Recorded by a manager"


class Threshold(models.TextChoices):
    """The moments a reminder goes out, once each."""

    OPEN = "open", "Open"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


OPEN_VERSION_STATES = (VersionState.DRAFT, VersionState.IN_REVIEW)
