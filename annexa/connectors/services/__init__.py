"""Every change to connectors: configure them, run collections, import files, re-seal secrets.

The web views, the API, the CLI and the background jobs call these functions. Each checks the
caller's permission and records the change in the ledger. Connectors only ever write evidence,
through ``evidence.services``; judging it is the monitoring app's job.
"""

from annexa.connectors.services.config import (
    MANAGE,
    OBJECT_TYPE,
    RUN,
    ConnectorError,
    create,
    delete,
    import_dir,
    instantiate,
    load_config,
    open_secrets,
    update,
)
from annexa.connectors.services.keys import RotationSummary, rotate_keys
from annexa.connectors.services.runs import (
    INGEST_VALID_DAYS,
    RUN_OBJECT_TYPE,
    ImportRejected,
    due_connectors,
    execute,
    ingest_file,
    request_run,
    schedule_due,
)

__all__ = [
    "INGEST_VALID_DAYS",
    "MANAGE",
    "OBJECT_TYPE",
    "RUN",
    "RUN_OBJECT_TYPE",
    "ConnectorError",
    "ImportRejected",
    "RotationSummary",
    "create",
    "delete",
    "due_connectors",
    "execute",
    "import_dir",
    "ingest_file",
    "instantiate",
    "load_config",
    "open_secrets",
    "request_run",
    "rotate_keys",
    "schedule_due",
    "update",
]
