"""Enumerations of the risks app: asset kinds, treatment options, states of risks, treatment
actions and suppliers."""

from django.db import models


class AssetKind(models.TextChoices):
    INFORMATION = "information", "Information"
    SYSTEM = "system", "System"
    SERVICE = "service", "Service"
    PEOPLE = "people", "People (role)"
    LOCATION = "location", "Location"
    SUPPLIER = "supplier", "Supplier"


class AssetSource(models.TextChoices):
    """Where an asset came from: entered, imported, the scope, or proposed from evidence that a
    connector collected (``proposed`` until its owner confirms it)."""

    MANUAL = "manual", "Entered"
    IMPORT = "import", "Imported"
    SCOPE = "scope", "From the scope"
    CONNECTOR = "connector", "Proposed from collected evidence"


class TreatmentOption(models.TextChoices):
    """ISO/IEC 27005 treatment options."""

    MODIFY = "modify", "Modify (apply controls)"
    RETAIN = "retain", "Retain (accept)"
    AVOID = "avoid", "Avoid"
    SHARE = "share", "Share (transfer)"


class RiskStatus(models.TextChoices):
    """identified → assessed → treatment planned → treated (actions done and residual risk
    accepted). Closed risks no longer apply (the activity or asset is gone)."""

    IDENTIFIED = "identified", "Identified"
    ASSESSED = "assessed", "Assessed"
    TREATMENT_PLANNED = "treatment_planned", "Treatment planned"
    TREATED = "treated", "Treated"
    CLOSED = "closed", "Closed"


OPEN_RISK: frozenset[str] = frozenset(set(RiskStatus.values) - {RiskStatus.CLOSED})


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTION_NOT_DONE: frozenset[str] = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class SupplierAssessmentKind(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Security questionnaire"
    ISO27001 = "iso27001", "ISO/IEC 27001 certificate"
    SOC2 = "soc2", "SOC 2 report"
    OTHER_CERTIFICATE = "other_certificate", "Other certificate or attestation"
    ONSITE = "onsite", "On-site or remote audit"


class SupplierAssessmentResult(models.TextChoices):
    SATISFACTORY = "satisfactory", "Satisfactory"
    CONDITIONS = "conditions", "Satisfactory with conditions"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"
