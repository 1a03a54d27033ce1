"""The ledger brought to its size with the commonest change of an audit's life: fieldwork edits
of the checklist items (``checklist_item``/``update``)."""

from __future__ import annotations

from bench.generate.state import AUDITS, CHUNK, Build


def fill_ledger(b: Build) -> None:
    """Fieldwork edits of the checklist items until the ledger holds its size."""
    from annexa.audits.models import ChecklistItem
    from annexa.audits.services.fieldwork import OBJECT_TYPE
    from annexa.ledger.models import LedgerHead
    from annexa.ledger.services import Record

    head = LedgerHead.objects.get(organization=b.org).seq
    missing = b.size["ledger"] - head
    items = [
        str(u)
        for u in ChecklistItem.objects.filter(audit__in=b.audits[: AUDITS - 1])
        .order_by("pk")
        .values_list("uid", flat=True)
    ]
    if missing <= 0 or not items:
        return
    fields = ("notes", "examined", "analysis", "verification")
    for start in range(0, missing, CHUNK):
        b.append(
            [
                Record(
                    OBJECT_TYPE,
                    items[n % len(items)],
                    "update",
                    {
                        "changes": {b.rng.choice(fields): f"Fieldwork note {n}: records examined."},
                        "version": n // len(items) + 2,
                    },
                )
                for n in range(start, min(missing, start + CHUNK))
            ]
        )
