"""Enumerations of the isms app: unit kinds, context issue kinds, implementation status."""

from django.db import models


class UnitKind(models.TextChoices):
    UNIT = "unit", "Organizational unit"
    SYSTEM = "system", "System"
    LOCATION = "location", "Location"
    PROCESS = "process", "Process"


class IssueKind(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PLANNED = "planned", "Planned"
    PARTIALLY_IMPLEMENTED = "partially_implemented", "Partially implemented"
    IMPLEMENTED = "implemented", "Implemented"
