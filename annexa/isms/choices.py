"""Enumerations of the isms app: unit kinds, context issue kinds, implementation status,
objective status and target direction."""

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


class ObjectiveStatus(models.TextChoices):
    """Where an information security objective (clause 6.2) stands."""

    PLANNED = "planned", "Planned"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TargetDirection(models.TextChoices):
    """Whether a numeric target is a floor or a ceiling: it decides "met" and "improving"."""

    AT_LEAST = "at_least", "At least (higher is better)"
    AT_MOST = "at_most", "At most (lower is better)"
