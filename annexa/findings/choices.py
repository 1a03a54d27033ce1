"""Enumerations of the findings app: grades, statuses, the nature of a control gap, origins."""

from django.db import models


class FindingGrade(models.TextChoices):
    """How serious a finding is. Conformities are recorded on the checklist, not here.

    The values are the checklist's result values, so a checklist item maps onto a grade as is.
    """

    MAJOR_NC = "major_nc", "Major nonconformity"
    MINOR_NC = "minor_nc", "Minor nonconformity"
    OBSERVATION = "observation", "Observation"
    OFI = "ofi", "Opportunity for improvement"


NONCONFORMITIES: frozenset[str] = frozenset({FindingGrade.MAJOR_NC, FindingGrade.MINOR_NC})

# The badge class (annexa.css) of each grade, the same on every screen that shows one: the
# findings, the checklist (whose result values are these) and the report's colours.
GRADE_BADGES: dict[str, str] = {
    FindingGrade.MAJOR_NC: "bad",
    FindingGrade.MINOR_NC: "warn",
    FindingGrade.OBSERVATION: "new",
    FindingGrade.OFI: "",
}


class FindingStatus(models.TextChoices):
    """Nonconformities: draft → open → corrective action in progress → closed.
    Observations and OFIs: draft → open → acknowledged → closed. A draft may be withdrawn."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "Corrective action in progress"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Statuses in which a finding still needs someone's attention.
UNRESOLVED: frozenset[str] = frozenset(
    {
        FindingStatus.DRAFT,
        FindingStatus.OPEN,
        FindingStatus.IN_PROGRESS,
        FindingStatus.ACKNOWLEDGED,
    }
)
FINAL: frozenset[str] = frozenset({FindingStatus.CLOSED, FindingStatus.WITHDRAWN})


class GapNature(models.TextChoices):
    """What kind of control gap a nonconformity is (blank for observations and OFIs)."""

    NOT_STATED = "", "Not stated"
    MISSING = "missing", "Missing (never implemented)"
    NO_LONGER_FUNCTIONING = "no_longer_functioning", "No longer functioning"
    INEFFECTIVE = "ineffective", "Ineffective"


class FindingOrigin(models.TextChoices):
    CHECKLIST = "checklist", "Checklist item"
    DIRECT = "direct", "Raised directly"
    MONITORING = "monitoring", "Continuous monitoring"
