"""Fixed vocabularies of the evidence locker."""

from django.db import models


class Source(models.TextChoices):
    """Where a version's content came from; ``source_detail`` says more (connector and version)."""

    UPLOAD = "upload", "Upload"
    CONNECTOR = "connector", "Connector"
    IMPORT = "import", "Import"


class Freshness(models.TextChoices):
    """Whether the current version still speaks for today (see ``EvidenceVersion.valid_until``)."""

    FRESH = "fresh", "Fresh"
    STALE = "stale", "Stale"
    NO_EXPIRY = "no_expiry", "No expiry"
