"""Fixed vocabularies of the evidence locker."""

from django.db import models


class Source(models.TextChoices):
    """Where a version's content came from; ``source_detail`` says more (connector and version)."""

    UPLOAD = "upload", "Upload"
    CONNECTOR = "connector", "Connector"
    IMPORT = "import", "Import"
    # Content Annexa produced and froze itself (an issued audit report): never set by an upload.
    ISSUED = "issued", "Issued report"


class Freshness(models.TextChoices):
    """Whether the current version still speaks for today (see ``EvidenceVersion.valid_until``)."""

    FRESH = "fresh", "Fresh"
    STALE = "stale", "Stale"
    NO_EXPIRY = "no_expiry", "No expiry"
