"""ISO/IEC 27002:2022 attribute values and Annex A themes (facts: identifiers only)."""

from django.db import models


class Theme(models.TextChoices):
    ORGANIZATIONAL = "organizational", "Organizational"
    PEOPLE = "people", "People"
    PHYSICAL = "physical", "Physical"
    TECHNOLOGICAL = "technological", "Technological"


# The five attribute sets of ISO/IEC 27002:2022, with their allowed values. The loader refuses a
# data file that uses any other value.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "control_type": ("Preventive", "Detective", "Corrective"),
    "security_properties": ("Confidentiality", "Integrity", "Availability"),
    "cybersecurity_concepts": ("Identify", "Protect", "Detect", "Respond", "Recover"),
    "operational_capabilities": (
        "Governance",
        "Asset_management",
        "Information_protection",
        "Human_resource_security",
        "Physical_security",
        "System_and_network_security",
        "Application_security",
        "Secure_configuration",
        "Identity_and_access_management",
        "Threat_and_vulnerability_management",
        "Continuity",
        "Supplier_relationships_security",
        "Legal_and_compliance",
        "Information_security_event_management",
        "Information_security_assurance",
    ),
    "security_domains": (
        "Governance_and_Ecosystem",
        "Protection",
        "Defence",
        "Resilience",
    ),
}


class RequirementKind(models.TextChoices):
    CLAUSE = "clause", "Clause"  # 4 … 10
    SUBCLAUSE = "subclause", "Sub-clause"  # 4.1, 6.1.2, 9.2.2 …
    ITEM = "item", "Lettered requirement"  # 4.2 a), 6.1.2 c) 1) …
