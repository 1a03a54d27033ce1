"""Every state change of the reviews app; web views, the API, the CLI and the demo call these.
Each function takes an ``OrgContext`` first, checks the permission itself (``reviews.change``;
``reviews.sign_off`` for top management's sign-off), validates (a ``ValidationError`` naming
the field; ``SignedOff`` once the record is frozen) and writes the ledger in the same
transaction."""

from annexa.reviews.services.common import CHANGE, OBJECT_TYPE, SIGN_OFF, SignedOff, snapshot
from annexa.reviews.services.decisions import (
    add_decision,
    delete_decision,
    track_decision,
    update_decision,
)
from annexa.reviews.services.inputs import AssemblyReport, assemble, update_input, window_of
from annexa.reviews.services.reviews import (
    create_review,
    hold_review,
    sign_off,
    sign_off_blockers,
    update_review,
)

__all__ = [
    "CHANGE",
    "OBJECT_TYPE",
    "SIGN_OFF",
    "AssemblyReport",
    "SignedOff",
    "add_decision",
    "assemble",
    "create_review",
    "delete_decision",
    "hold_review",
    "sign_off",
    "sign_off_blockers",
    "snapshot",
    "track_decision",
    "update_decision",
    "update_input",
    "update_review",
    "window_of",
]
