"""What the builders share: the sizes the organization is made to, and ``Build``, the state one
generation carries from step to step (the one random stream, the dates, what earlier steps
made)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

SEED = 16
SLUG = "large"
SIZES = {
    "people": 5_000,
    "assets": 20_000,
    "accounts": 20_000,
    "risks": 400,
    "findings": 2_000,
    "evidence": 100_000,
    "results": 1_000_000,
    "ledger": 1_000_000,
}
AUDITS = 12
PAGE_AUDIT_ITEMS = 250  # the checklist measured by bench_scale: 224 generated + 26 ad hoc
PAGE_AUDIT_EVIDENCE = 8_000
REPORT_AUDIT_FINDINGS = 200
REPORT_AUDIT_EVIDENCE = 5_000
DEPARTMENTS = (
    "Engineering",
    "Operations",
    "Finance",
    "Sales",
    "Support",
    "People",
    "Legal",
    "Security",
    "Product",
    "Data",
)
CHUNK = 50_000  # ledger records per append_many call, rows per bulk step


class Build:
    """One generation's state. Every builder draws from the one ``rng``, in the order
    ``bench.generate`` calls them: that order is part of what the seed produces.

    The handles are set by the step that makes them: ``org``, ``users``, ``manager``,
    ``auditor``, ``owners`` and ``ctx`` (members); ``emails`` (people); ``assets`` (assets);
    ``audits``, ``page_audit`` and ``report_audit`` (audits); ``versions_of`` (evidence: the
    evidence versions linked in each audit, by the audit's pk, that findings cite)."""

    org: Any
    ctx: Any
    users: dict[str, Any]
    manager: Any
    auditor: Any
    owners: list
    emails: list[str]
    assets: list
    audits: list
    page_audit: Any
    report_audit: Any
    versions_of: dict[int, list]

    def __init__(self, size: dict[str, int], rng: random.Random, slug: str):
        self.size, self.rng, self.slug = size, rng, slug
        self.today = dt.date(2026, 12, 1)
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def uid(self) -> uuid.UUID:
        """A uid drawn from the seeded stream, for the rows inserted without a service."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def append(self, records: list) -> None:
        """Ledger ``records`` through ``append_many``, ``CHUNK`` at a time."""
        from annexa.ledger.services import append_many

        for start in range(0, len(records), CHUNK):
            append_many(self.ctx, records[start : start + CHUNK], batch_size=5000)
