"""Enumerations of the audits app: programme and audit states, results, methods, sampling."""

from django.db import models


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class MilestoneKind(models.TextChoices):
    """The external (certification body) audits of a three-year certification cycle."""

    STAGE_1 = "stage_1", "Stage 1 audit"
    STAGE_2 = "stage_2", "Stage 2 audit"
    SURVEILLANCE_1 = "surveillance_1", "Surveillance audit, year 1"
    SURVEILLANCE_2 = "surveillance_2", "Surveillance audit, year 2"
    RECERTIFICATION = "recertification", "Recertification audit"


class AuditKind(models.TextChoices):
    INTERNAL_FULL = "internal_full", "Internal audit (full)"
    INTERNAL_PARTIAL = "internal_partial", "Internal audit (partial)"
    FOLLOW_UP = "follow_up", "Follow-up audit"


class AuditStatus(models.TextChoices):
    """Audits move forward only, in this order; a manager may reopen one (see services)."""

    PLANNED = "planned", "Planned"
    PREPARING = "preparing", "Preparing"
    FIELDWORK = "fieldwork", "Fieldwork"
    REPORTING = "reporting", "Reporting"
    CLOSED = "closed", "Closed"


AUDIT_STATUS_ORDER: tuple[str, ...] = tuple(AuditStatus.values)


class TeamRole(models.TextChoices):
    LEAD = "lead", "Lead auditor"
    MEMBER = "member", "Audit team member"


class ScopeOrigin(models.TextChoices):
    """How an item came into an audit's scope: proposed by the planner, copied, or by hand."""

    PLANNER = "planner", "Planner"
    COPY = "copy", "Copied"
    MANUAL = "manual", "Added by hand"


class AuditOrigin(models.TextChoices):
    PLANNER = "planner", "Planner"
    COPY = "copy", "Copied from an earlier audit"
    MANUAL = "manual", "Added by hand"


class ChecklistResult(models.TextChoices):
    BLANK = "", "Not yet assessed"
    CONFORMING = "conforming", "Conforming"
    MAJOR_NC = "major_nc", "Major nonconformity"
    MINOR_NC = "minor_nc", "Minor nonconformity"
    OBSERVATION = "observation", "Observation"
    OFI = "ofi", "Opportunity for improvement"
    NOT_AUDITED = "not_audited", "Not audited"


NONCONFORMITY_RESULTS: frozenset[str] = frozenset(
    {ChecklistResult.MAJOR_NC, ChecklistResult.MINOR_NC}
)


class AuditMethod(models.TextChoices):
    DOCUMENT_REVIEW = "document_review", "Document review"
    INTERVIEW = "interview", "Interview"
    OBSERVATION = "observation", "Observation"
    TECHNICAL_TEST = "technical_test", "Technical test"
    SAMPLING = "sampling", "Sampling"


class PopulationSource(models.TextChoices):
    UPLOADED_LIST = "uploaded_list", "Uploaded list"
    EVIDENCE_VERSION = "evidence_version", "Evidence version"


class SamplingRule(models.TextChoices):
    JUDGEMENT = "judgement", "Judgement"
    STATISTICAL = "statistical", "Statistical"


class SampleRecordResult(models.TextChoices):
    PENDING = "", "Not yet tested"
    CONFORMING = "conforming", "Conforming"
    DEVIATION = "deviation", "Deviation"
    NOT_TESTABLE = "not_testable", "Could not be tested"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
