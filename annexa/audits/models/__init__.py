"""The audits app's models: programme, audits, independence, checklist, sampling, requests."""

from annexa.audits.models.audit import (
    Audit,
    AuditControl,
    AuditRequirement,
    AuditTeamMember,
    AuditUnit,
)
from annexa.audits.models.checklist import ChecklistItem
from annexa.audits.models.independence import IndependenceOverride, RequirementOwner
from annexa.audits.models.programme import (
    AuditProgramme,
    CalendarFeed,
    CoverageGapReason,
    ExternalMilestone,
)
from annexa.audits.models.requests import EvidenceRequest
from annexa.audits.models.sampling import Sample, SampleRecord

__all__ = [
    "Audit",
    "AuditControl",
    "AuditProgramme",
    "AuditRequirement",
    "AuditTeamMember",
    "AuditUnit",
    "CalendarFeed",
    "ChecklistItem",
    "CoverageGapReason",
    "EvidenceRequest",
    "ExternalMilestone",
    "IndependenceOverride",
    "RequirementOwner",
    "Sample",
    "SampleRecord",
]
