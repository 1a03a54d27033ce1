"""Fixed vocabularies of monitoring: test results, control statuses, severities."""

from django.db import models


class ResultStatus(models.TextChoices):
    """What one control test concluded from the evidence it read."""

    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ControlStatus(models.TextChoices):
    """A control's standing, derived from its tests and its manual evidence."""

    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
    STALE = "stale", "Stale"
    MANUAL_ONLY = "manual_only", "Manual only"
    NOT_COVERED = "not_covered", "Not covered"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class RunStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# Colours of the status grid and badges (same palette as annexa.css).
STATUS_COLORS = {
    ControlStatus.PASSING: "#2e8540",
    ControlStatus.FAILING: "#c0392b",
    ControlStatus.STALE: "#c77700",
    ControlStatus.MANUAL_ONLY: "#6c5ce7",
    ControlStatus.NOT_COVERED: "#c9d0db",
}


class NotificationEvent(models.TextChoices):
    """What a notification announces (the webhook's ``type``)."""

    NO_LONGER_FUNCTIONING = "control.no_longer_functioning", "No longer functioning"
    RECOVERED = "control.recovered", "Recovered"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    """Where one delivery stands: waiting (or between retries), done, given up, or refused
    before anything was sent (the webhook address is not allowed)."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused"
