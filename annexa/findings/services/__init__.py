"""Every state change of the findings app; web views, the API, the CLI, the monitoring app
and the demo call these. Each function takes an ``OrgContext`` first, checks the permission
itself, validates (a ``ValidationError`` whose messages name the field) and writes the ledger
in the same transaction."""

from annexa.findings.services.lifecycle import (
    acknowledge_finding,
    close_finding,
    closure_blockers,
    conflicts,
    open_finding,
    opening_blockers,
    start_corrective_action,
    withdraw_finding,
)
from annexa.findings.services.raising import (
    OBJECT_TYPE,
    prefill_from_item,
    raise_draft_from_monitoring,
    raise_finding,
    raise_from_checklist_item,
    snapshot,
    update_finding,
)

__all__ = [
    "OBJECT_TYPE",
    "acknowledge_finding",
    "close_finding",
    "closure_blockers",
    "conflicts",
    "open_finding",
    "opening_blockers",
    "prefill_from_item",
    "raise_draft_from_monitoring",
    "raise_finding",
    "raise_from_checklist_item",
    "snapshot",
    "start_corrective_action",
    "update_finding",
    "withdraw_finding",
]
