"""The isms app's models: scope and units, context and interested parties, the SoA,
information security objectives."""

from annexa.isms.models.context import ContextIssue, InterestedParty
from annexa.isms.models.objectives import Objective, ObjectiveMeasurement
from annexa.isms.models.scope import OrgUnit, ScopeStatement
from annexa.isms.models.soa import SoAApproval, SoAEntry

__all__ = [
    "ContextIssue",
    "InterestedParty",
    "Objective",
    "ObjectiveMeasurement",
    "OrgUnit",
    "ScopeStatement",
    "SoAApproval",
    "SoAEntry",
]
