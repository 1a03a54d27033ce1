"""What each membership role may do. Checked server-side by the tenancy layer on every request.

Permissions are plain strings so views, API views and services can declare what they need as
data (``permission_required = "isms.change"``). Viewers (top management, external auditors)
hold no permission: they can read everything in their organization and change nothing.
"""

from annexa.orgs.choices import Role

_MANAGERS = frozenset({Role.OWNER, Role.ISMS_MANAGER})

PERMISSIONS: dict[str, frozenset[str]] = {
    # tenancy and people
    "org.manage": frozenset({Role.OWNER}),
    "members.manage": _MANAGERS,
    # one's own API keys; a viewer stays read-only, so an administrator issues theirs (CLI)
    "apikeys.issue": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER, Role.AUDITOR}),
    # scope, context, interested parties, Statement of Applicability
    "isms.change": _MANAGERS,
    # evidence: anyone who does the work may add it
    "evidence.add": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER, Role.AUDITOR}),
    # audit programme and audits
    "audit.manage": _MANAGERS,
    "audit.conduct": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR}),
    # the ledger: creating a checkpoint or exporting the record
    "ledger.checkpoint": _MANAGERS,
    "ledger.export": _MANAGERS,
    # connectors: configuring them (their secrets) is for managers; running one, or importing
    # a scanner's output file, for whoever owns the controls it feeds
    "connectors.manage": _MANAGERS,
    "connectors.run": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER}),
    # findings: auditors and managers raise, open and close them (never their own, see
    # annexa.findings.services); the audited side acknowledges observations and OFIs
    "findings.raise": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR}),
    "findings.close": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR}),
    "findings.respond": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER}),
    # corrective actions: whoever fixes things plans and works them; someone other than the
    # action's owner reviews their effectiveness and closes them
    "actions.manage": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER}),
    "actions.review": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR}),
    # risks (6.1.2, 8.2): managers keep the methodology, the asset inventory, the supplier
    # register and the risk register; risk owners assess and treat the risks they own (and
    # accept the residual risk where the methodology lets their role)
    "risks.manage": _MANAGERS,
    "risks.assess": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER}),
    # people (7.2, 7.3, A.6): managers keep the staff register and the accounts read from
    # the systems (imports, matching accounts to people)
    "people.manage": _MANAGERS,
    # documented information (7.5): managers keep the register and run acknowledgement
    # campaigns; a document's reviewers record their review; someone other than the author
    # approves (annexa.documents.services); whoever works here confirms reading a policy
    "documents.manage": _MANAGERS,
    "documents.approve": _MANAGERS,
    "documents.review": frozenset(
        {Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER, Role.AUDITOR}
    ),
    "documents.acknowledge": frozenset(
        {Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER, Role.AUDITOR}
    ),
    # access reviews (A.5.15, A.5.18, A.8.2): managers run the campaigns; the reviewers they
    # name (system owners, managers) decide on each account, never on their own
    "access.manage": _MANAGERS,
    "access.review": frozenset({Role.OWNER, Role.ISMS_MANAGER, Role.CONTROL_OWNER}),
    # management reviews: managers prepare them; top management (the owner) signs them off
    "reviews.change": _MANAGERS,
    "reviews.sign_off": frozenset({Role.OWNER}),
}


def role_has(role: str, permission: str) -> bool:
    try:
        allowed = PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    return role in allowed


def permissions_of(role: str) -> set[str]:
    return {name for name, roles in PERMISSIONS.items() if role in roles}
