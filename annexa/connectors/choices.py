"""Fixed vocabularies of connectors and their collection runs."""

from django.db import models


class Trigger(models.TextChoices):
    """What started a collection run."""

    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Run now"
    INGEST = "ingest", "File import"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"  # its worker stopped; retried as a new run
