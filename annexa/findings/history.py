"""A finding's, an action's or a management review's ledger entries, readable by people (the
detail pages' History panels and the API's ``history``): fields by their names, choices by
their labels, linked objects by their references, people by name (``annexa.ledger.readable``).
"""

from __future__ import annotations

from annexa.ledger.readable import Entry, Key, Vocabulary, read
from annexa.ledger.services import history

HistoryRow = Entry

# What the keys of each object type's entries stand for: the fields of these models, searched in
# order, then the keys that are no model field.
VOCABULARIES: dict[str, Vocabulary] = {
    "finding": Vocabulary(
        models=("findings.Finding",),
        keys={
            "action": Key("corrective action"),
            "status_changed": Key("status changed"),
        },
    ),
    "corrective_action": Vocabulary(
        models=("actions.CorrectiveAction", "actions.EffectivenessReview"),
        keys={
            "reviewed_revision": Key("plan revision reviewed"),
            "test_ids": Key("automated tests"),
            "has_test": Key("has an automated test"),
        },
    ),
    "management_review": Vocabulary(
        models=("reviews.ManagementReview", "reviews.ReviewDecision", "reviews.ReviewInput"),
        keys={
            "evidence": Key("evidence", "evidence.Evidence"),
            "kept_edited_summaries": Key("edited summaries kept"),
            "replaced_edited_summaries": Key("edited summaries replaced"),
        },
    ),
}
DEFAULT = Vocabulary(models=())


def rows(org, object_type: str, uid) -> list[HistoryRow]:
    """Every ledger entry about the object, oldest first."""
    vocabulary = VOCABULARIES.get(object_type, DEFAULT)
    return read(org, history(org, object_type, str(uid)), vocabulary)
