from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ISMS_MANAGER = "isms_manager", "ISMS manager"
    CONTROL_OWNER = "control_owner", "Control owner"
    AUDITOR = "auditor", "Auditor"
    VIEWER = "viewer", "Viewer"
