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
    JobQueueUnavailable,
    due_connectors,
    execute,
    hand_back,
    ingest_file,
    register_dispatcher,
    request_run,
    schedule_due,
    sweep,
)

__all__ = [
    "INGEST_VALID_DAYS",
    "MANAGE",
    "OBJECT_TYPE",
    "RUN",
    "RUN_OBJECT_TYPE",
    "ConnectorError",
    "ImportRejected",
    "JobQueueUnavailable",
    "RotationSummary",
    "create",
    "delete",
    "due_connectors",
    "execute",
    "hand_back",
    "import_dir",
    "ingest_file",
    "instantiate",
    "load_config",
    "open_secrets",
    "register_dispatcher",
    "request_run",
    "rotate_keys",
    "schedule_due",
    "sweep",
    "update",
]
