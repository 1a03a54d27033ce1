"""Enumerations of the reports app: the formats a report is produced in, the overall conclusion."""

from django.db import models


class ReportFormat(models.TextChoices):
    """A format of the internal audit report; the value is also the file extension's key."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (DOCX)"
    HTML = "html", "HTML"
    MD = "md", "Markdown"
    OSCAL = "oscal", "OSCAL assessment results (JSON)"


class Conclusion(models.TextChoices):
    """The overall conclusion on conformity, derived from the audit's findings and checklist."""

    NOT_CONFORMING = "not_conforming", "Not conforming"
    CONFORMING_WITH_NC = "conforming_with_nc", "Conforming, with nonconformities to correct"
    CONFORMING = "conforming", "Conforming"
    NOT_CONCLUDED = "not_concluded", "No conclusion yet"


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"
