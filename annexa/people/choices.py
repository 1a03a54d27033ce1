"""Enumerations of the people app: where a person or an account record came from."""

from django.db import models


class PersonSource(models.TextChoices):
    MANUAL = "manual", "Entered"
    IMPORT = "import", "Imported (HR export)"
    IDENTITY = "identity", "Identity provider"


class AccountSource(models.TextChoices):
    """Where an account record came from: a connector's collection, or an uploaded list."""

    CONNECTOR = "connector", "Collected by a connector"
    IMPORT = "import", "Imported list"
