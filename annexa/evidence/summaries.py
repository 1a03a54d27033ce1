"""Results computed from all of an organization's evidence, kept until the evidence changes.

Counting an organization's evidence per control or requirement reads every piece of it: at
the benchmark's scale 1 (100,000 pieces on PostgreSQL) 110 ms for the dashboard's status of the
controls and 170 ms per kind of subject for a full-scope checklist, on every page view. The
evidence changes far less often than those pages are read, so ``cached`` keeps such a result in
the shared cache (``core.shared_cache``) under a key made of a *fingerprint* of the evidence:

- the organization's number of evidence items and its highest evidence id,
- the highest version id (a version is never changed, and an item's current version is always
  its newest, so a new current version is a new highest id),
- the number of links to controls and to requirements, and the highest link id of each.

Every change the results can see adds a row (a higher id) or removes one (a smaller count), and
ids are never given out twice (PostgreSQL sequences; SQLite ``AUTOINCREMENT``), so two states of
the evidence with the same fingerprint are the same state. A version's dates and source never
change; what depends on the date (fresh or stale) has the date in its key. The fingerprint is one
query of small aggregates (index-only reads, the maximum of a primary key). Only a data
migration that rewrites evidence rows in place would go unseen: such a migration clears the
cache, and an entry is kept a day at most in any case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import F, Func, IntegerField, OuterRef, Subquery

from annexa.evidence.models import Evidence, EvidenceVersion

T = TypeVar("T")
TIMEOUT_SECONDS = 24 * 3600


def fingerprint(org) -> tuple:
    """What changes whenever the organization's evidence, its versions or its links change
    (one query: a row of small aggregates)."""
    from annexa.orgs.models import Organization

    items = Evidence.objects.filter(organization=OuterRef("pk"))
    parts = {
        "items": _of(items, "COUNT"),
        "last_item": _of(items, "MAX"),
        "last_version": _of(EvidenceVersion.objects.all(), "MAX"),
    }
    for name, through in (
        ("controls", Evidence.controls.through),
        ("requirements", Evidence.requirements.through),
    ):
        parts[f"{name}"] = _of(through.objects.all(), "COUNT")
        parts[f"last_{name}"] = _of(through.objects.all(), "MAX")
    row = Organization.objects.filter(pk=org.pk).annotate(**parts).values(*parts).get()
    return tuple(row[name] for name in parts)


def _of(queryset, function: str) -> Subquery:
    """``function`` (COUNT or MAX) of ``queryset``'s ids, as a subquery of one value."""
    column = Func(F("id"), function=function, output_field=IntegerField())
    return Subquery(queryset.order_by().annotate(value=column).values("value")[:1])


def cached(org, name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same ``name``, ``parts`` (the other inputs of the
    result: the date, the subjects asked about) and evidence fingerprint."""
    digest = hashlib.sha256(repr((parts, fingerprint(org))).encode()).hexdigest()
    key = f"evidence-summary:{name}:{org.pk}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=TIMEOUT_SECONDS)
    return found
