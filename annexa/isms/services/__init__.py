"""Every state change of the isms app. Web views, API views and the CLI call these.

Each function takes an ``OrgContext`` first, checks ``isms.change`` itself, validates (a
``ValidationError`` whose messages name the field), and records the change in the ledger with
its before and after state inside the same transaction.
"""

from annexa.isms.services.context import (
    delete_issue,
    delete_party,
    delete_unit,
    save_issue,
    save_party,
    save_unit,
)
from annexa.isms.services.objectives import (
    StaleObjectiveError,
    create_objective,
    record_measurement,
    update_objective,
    withdraw_objective,
)
from annexa.isms.services.scope import approve_scope, save_scope
from annexa.isms.services.soa import StaleVersionError, ensure_soa, get_entry, update_soa_entry
from annexa.isms.services.soa_io import ImportReport, export_csv, export_xlsx, import_soa

__all__ = [
    "ImportReport",
    "StaleObjectiveError",
    "StaleVersionError",
    "approve_scope",
    "create_objective",
    "delete_issue",
    "delete_party",
    "delete_unit",
    "ensure_soa",
    "export_csv",
    "export_xlsx",
    "get_entry",
    "import_soa",
    "record_measurement",
    "save_issue",
    "save_party",
    "save_scope",
    "save_unit",
    "update_objective",
    "update_soa_entry",
    "withdraw_objective",
]
