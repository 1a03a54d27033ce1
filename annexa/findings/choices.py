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

# One look per grade on every screen. The badge class (annexa.css, ``grade-<value>``), given by
# the ``grade_badge`` template tag (``findings/templatetags/grades.py``) to the findings, the
# corrective actions and the dashboard, and by ``result_badge`` to the checklist, whose result
# values are these; and the colour of the grade in every chart (the dashboard's, the report's),
# the hue of its badge.
GRADE_BADGES: dict[str, str] = {grade.value: f"grade-{grade.value}" for grade in FindingGrade}
GRADE_COLORS: dict[str, str] = {
    FindingGrade.MAJOR_NC: "#c62828",
    FindingGrade.MINOR_NC: "#ef8a17",
    FindingGrade.OBSERVATION: "#3d7cc9",
    FindingGrade.OFI: "#7fb0e0",
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
