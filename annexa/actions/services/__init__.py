"""Every state change of the actions app; web views, the API, the CLI, the scheduled job and
the findings demo call these. Each function takes an ``OrgContext`` first (except the
reminders, which the system sends), checks the permission itself, validates and writes the
ledger in the same transaction."""

from annexa.actions.services.planning import (
    MANAGE,
    OBJECT_TYPE,
    REVIEW,
    create_action,
    implement_action,
    set_root_cause,
    snapshot,
    start_action,
    update_action,
)
from annexa.actions.services.reminders import NoticeReport, notify_overdue, overdue, summary
from annexa.actions.services.review import (
    AutomatedCheck,
    automated_results,
    close_action,
    effective_review,
    record_review,
)

__all__ = [
    "MANAGE",
    "OBJECT_TYPE",
    "REVIEW",
    "AutomatedCheck",
    "NoticeReport",
    "automated_results",
    "close_action",
    "create_action",
    "effective_review",
    "implement_action",
    "notify_overdue",
    "overdue",
    "record_review",
    "set_root_cause",
    "snapshot",
    "start_action",
    "summary",
    "update_action",
]
