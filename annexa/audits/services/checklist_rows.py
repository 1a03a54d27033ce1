"""The checklist as its pages, API and exports read it: items with what is known about each.

``rows`` annotates a list of items in a fixed number of queries whatever its length: the
evidence linked to each item, the evidence on file for its requirement or control (with
freshness), open evidence requests, samples, whether its subject is still in scope, and the
automated test results of its control in the audit's period (see ``automated_results``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import CharField, Count, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from annexa.audits.choices import ChecklistResult, RequestStatus
from annexa.audits.models import Audit, ChecklistItem
from annexa.evidence.choices import Freshness

ALL_CLAUSES = ("4", "5", "6", "7", "8", "9", "10")


class OnFile(NamedTuple):
    """A piece of evidence in the locker linked to the item's requirement or control (a named
    tuple: a checklist may hold thousands, built faster than frozen dataclasses)."""

    evidence_id: int
    title: str
    version_id: int | None
    version_number: int | None
    filename: str
    valid_until: dt.date | None
    freshness: str


@dataclass
class Row:
    """One item and everything the checklist shows about it."""

    item: ChecklistItem
    linked: list = field(default_factory=list)  # the versions, when asked for
    linked_count: int = 0
    on_file: list[OnFile] = field(default_factory=list)
    open_requests: int = 0
    overdue_requests: int = 0
    samples: int = 0
    in_scope: bool = True
    automated: list = field(default_factory=list)
    # Counted in SQL instead of listed (``rows(..., on_file_counts=True)``): (all, stale).
    on_file_counts: tuple[int, int] | None = None

    @property
    def on_file_count(self) -> int:
        if self.on_file_counts is not None:
            return self.on_file_counts[0]
        return len(self.on_file)

    @property
    def stale_on_file(self) -> int:
        if self.on_file_counts is not None:
            return self.on_file_counts[1]
        return sum(1 for f in self.on_file if f.freshness == Freshness.STALE)

    @property
    def automated_failing(self) -> int:
        return sum(1 for a in self.automated if a.get("status") == "fail")


@dataclass(frozen=True)
class Progress:
    """How far fieldwork got: assessed items out of the active ones, counts per result."""

    assessed: int
    total: int
    by_result: dict[str, int]

    @property
    def percent(self) -> int:
        return (100 * self.assessed // self.total) if self.total else 0


# Where automated results come from. Audits sit below monitoring in the layers, so they do
# not import it: monitoring registers a source from its AppConfig.ready. A source takes the
# audit and some of its items and returns, by item pk, JSON-safe dicts (test id, status,
# observed at, reason, evidence) of the results in the audit's period.
AutomatedSource = Callable[[Audit, Sequence[ChecklistItem]], Mapping[int, list[dict]]]
_automated_sources: list[AutomatedSource] = []


def register_automated_source(source: AutomatedSource) -> None:
    """Add a source of automated results (idempotent)."""
    if source not in _automated_sources:
        _automated_sources.append(source)


def automated_for(audit: Audit, items: Sequence[ChecklistItem]) -> dict[int, list[dict]]:
    """The automated results of each item, from every registered source (none if none)."""
    found: dict[int, list[dict]] = defaultdict(list)
    for source in _automated_sources:
        for pk, results in source(audit, items).items():
            found[pk].extend(results)
    return found


def automated_results(item: ChecklistItem) -> list[dict]:
    """Automated control test results about one item's control in its audit's period."""
    return automated_for(item.audit, [item]).get(item.pk, [])


def items_of(audit: Audit) -> QuerySet[ChecklistItem]:
    """The audit's items in checklist order, with what every page shows of them."""
    return (
        ChecklistItem.objects.filter(audit=audit)
        .select_related("requirement", "control", "updated_by")
        .order_by("order", "id")
    )


def filter_items(
    items: QuerySet[ChecklistItem], params: Mapping[str, str]
) -> QuerySet[ChecklistItem]:
    """Narrow by ``result`` (a value, or ``none`` for not yet assessed), ``clause`` (4–10, or
    ``A`` for Annex A), ``theme`` and ``removed`` (``yes`` shows only removed items, ``all``
    shows both; by default removed items are hidden)."""
    result = params.get("result", "")
    if result == "none":
        items = items.filter(result=ChecklistResult.BLANK)
    elif result:
        items = items.filter(result=result)
    clause = params.get("clause", "")
    if clause == "A":
        items = items.filter(control__isnull=False)
    elif clause in ALL_CLAUSES:
        items = items.filter(requirement__clause=int(clause))
    theme = params.get("theme", "")
    if theme:
        items = items.filter(control__theme=theme)
    removed = params.get("removed", "")
    if removed == "yes":
        items = items.filter(removed=True)
    elif removed != "all":
        items = items.filter(removed=False)
    return items


def progress(audit: Audit) -> Progress:
    """Assessed items (any result, 'not audited' included) out of the items not removed."""
    counts = Counter(
        dict(
            ChecklistItem.objects.filter(audit=audit, removed=False)
            .values("result")
            .annotate(n=Count("id"))
            .values_list("result", "n")
        )
    )
    total = sum(counts.values())
    return Progress(
        assessed=total - counts.get(ChecklistResult.BLANK, 0),
        total=total,
        by_result={value: counts.get(value, 0) for value in ChecklistResult.values},
    )


def rows(
    audit: Audit,
    items: Iterable[ChecklistItem],
    *,
    with_linked: bool = False,
    on_file_counts: bool = False,
) -> list[Row]:
    """``items`` with their annotations; ``with_linked`` also loads the linked versions;
    ``on_file_counts`` counts the evidence on file (all, stale) in SQL instead of listing it
    (a page of hundreds of items shows only the counts)."""
    result = [Row(item=item) for item in items]
    if not result:
        return result
    pks = [r.item.pk for r in result]
    counts = _linked_counts(pks) if not with_linked else {}
    linked = _linked_versions(pks) if with_linked else {}
    subjects = [r.item for r in result]
    if on_file_counts:
        on_file, on_file_numbers = {}, evidence_on_file_counts(audit.organization, subjects)
    else:
        on_file, on_file_numbers = evidence_on_file(audit.organization, subjects), {}
    request_counts = _request_counts(pks)
    samples = _sample_counts(pks)
    scope = _scope_ids(audit)
    automated = automated_for(audit, [r.item for r in result])
    for row in result:
        pk = row.item.pk
        row.linked = linked.get(pk, [])
        row.linked_count = len(row.linked) if with_linked else counts.get(pk, 0)
        row.on_file = on_file.get(pk, [])
        if on_file_counts:
            row.on_file_counts = on_file_numbers.get(pk, (0, 0))
        row.open_requests, row.overdue_requests = request_counts.get(pk, (0, 0))
        row.samples = samples.get(pk, 0)
        row.in_scope = row.item.adhoc or row.item.subject_id in scope
        row.automated = automated.get(pk, [])
    return result


def evidence_on_file(org, items: Sequence[ChecklistItem]) -> dict[int, list[OnFile]]:
    """For each item, the organization's evidence linked to its control, or to its requirement
    or one of that requirement's parents (a policy filed under 5.2 speaks for 5.2.a too)."""
    from annexa.evidence.models import Evidence

    chains = _requirement_chains({i.requirement_id for i in items if i.requirement_id})
    wanted = {
        "control_id": {i.control_id for i in items if i.control_id},
        "requirement_id": {rid for chain in chains.values() for rid in chain},
    }
    relations = {"control_id": Evidence.controls, "requirement_id": Evidence.requirements}
    by_subject: dict[str, list[OnFile]] = defaultdict(list)
    today = timezone.localdate()
    for key, ids in wanted.items():
        if ids:
            for subject, *fields in _links(relations[key].through, key, ids, org):
                by_subject[subject].append(_on_file(fields, today))
    found: dict[int, list[OnFile]] = {}
    for item in items:
        if item.control_id:
            found[item.pk] = by_subject.get(item.control_id, [])
        else:
            chain = chains.get(item.requirement_id, [item.requirement_id])
            found[item.pk] = [f for rid in chain for f in by_subject.get(rid, [])]
    return found


def evidence_on_file_counts(org, items: Sequence[ChecklistItem]) -> dict[int, tuple[int, int]]:
    """For each item, how many entries ``evidence_on_file`` would list, and how many of them
    are stale: counted per requirement and control in SQL, whatever the number of pieces, and
    kept until the evidence changes (``evidence.summaries``)."""
    from annexa.evidence import summaries

    chains = _requirement_chains({i.requirement_id for i in items if i.requirement_id})
    wanted = {
        "control_id": {i.control_id for i in items if i.control_id},
        "requirement_id": {rid for chain in chains.values() for rid in chain},
    }
    today = timezone.localdate()
    parts = (today, *(tuple(sorted(ids)) for ids in wanted.values()))
    by_subject = summaries.cached(org, "on-file", parts, lambda: _count_on_file(org, wanted, today))
    found: dict[int, tuple[int, int]] = {}
    for item in items:
        chain = (
            [item.control_id]
            if item.control_id
            else chains.get(item.requirement_id, [item.requirement_id])
        )
        numbers = [by_subject.get(subject, (0, 0)) for subject in chain]
        found[item.pk] = (sum(n for n, _ in numbers), sum(s for _, s in numbers))
    return found


def _count_on_file(org, wanted: dict[str, set[str]], today: dt.date) -> dict:
    """(all, stale) evidence linked to each of the ``wanted`` controls and requirements."""
    from annexa.evidence.models import Evidence

    relations = {"control_id": Evidence.controls, "requirement_id": Evidence.requirements}
    by_subject: dict[str, tuple[int, int]] = {}
    for key, ids in wanted.items():
        if not ids:
            continue
        counted = (
            _subject_links(relations[key].through, key, ids, org)
            .values(key)
            .annotate(
                n=Count("id"),
                stale=Count("id", filter=Q(evidence__current_version__valid_until__lt=today)),
            )
            .values_list(key, "n", "stale")
        )
        by_subject.update({subject: (n, stale) for subject, n, stale in counted})
    return by_subject


def _requirement_chains(requirement_ids: set[str]) -> dict[str, list[str]]:
    """Each requirement with its parents, nearest first (``5.2.a`` → 5.2.a, 5.2, 5)."""
    if not requirement_ids:
        return {}
    from annexa.catalog.models import Requirement

    parent = dict(Requirement.objects.values_list("id", "parent_id"))
    chains = {}
    for rid in requirement_ids:
        chain, current = [], rid
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        chains[rid] = chain
    return chains


def _subject_links(through, key: str, ids: set[str], org) -> QuerySet:
    """The links of evidence of ``org`` to the requirements or controls ``ids``.

    The organization is compared as an expression (``organization_id + 0``) so that no
    database drives the join from the organization's index, which holds every piece of
    evidence of the organization: SQLite, without statistics, would otherwise read them all
    and probe each against the requirement list (0.3 s for 8,000 pieces, against 15 ms from
    the link table's index of the subjects).
    """
    return through.objects.alias(
        evidence_org=ExpressionWrapper(
            F("evidence__organization_id") + 0, output_field=IntegerField()
        )
    ).filter(**{f"{key}__in": ids, "evidence_org": org.pk})


def _links(through, key: str, ids: set[str], org):
    return (
        _subject_links(through, key, ids, org)
        .order_by("evidence__title", "evidence_id")
        .values_list(
            key,
            "evidence_id",
            "evidence__title",
            "evidence__current_version_id",
            "evidence__current_version__number",
            "evidence__current_version__filename",
            "evidence__current_version__valid_until",
        )
    )


def _on_file(fields: list, today: dt.date) -> OnFile:
    eid, title, vid, number, filename, valid_until = fields
    return OnFile(eid, title, vid, number, filename or "", valid_until, _fresh(valid_until, today))


def _fresh(valid_until: dt.date | None, today: dt.date) -> str:
    if valid_until is None:
        return Freshness.NO_EXPIRY
    return Freshness.STALE if valid_until < today else Freshness.FRESH


def _linked_counts(pks: list[int]) -> dict[int, int]:
    through = ChecklistItem.evidence.through
    return dict(
        through.objects.filter(checklistitem_id__in=pks)
        .values("checklistitem_id")
        .annotate(n=Count("id"))
        .values_list("checklistitem_id", "n")
    )


def linked_uids(pks: list[int]) -> dict[int, list[str]]:
    """The uids of the versions linked to each item, sorted, in one query of values.

    The uids are read as text (PostgreSQL gives the hyphenated form, SQLite the 32 hex
    digits it stores, hyphenated here): thousands of ``uuid.UUID`` objects made only to be
    turned back into text cost half of this function."""
    through = ChecklistItem.evidence.through
    found: dict[int, list[str]] = defaultdict(list)
    links = (
        through.objects.filter(checklistitem_id__in=pks)
        .annotate(text_uid=Cast("evidenceversion__uid", CharField()))
        .values_list("checklistitem_id", "text_uid")
    )
    for pk, uid in links:
        if len(uid) == 32:
            uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        found[pk].append(uid)
    for uids in found.values():
        uids.sort()
    return found


def _linked_versions(pks: list[int]) -> dict[int, list]:
    through = ChecklistItem.evidence.through
    found: dict[int, list] = defaultdict(list)
    links = (
        through.objects.filter(checklistitem_id__in=pks)
        .select_related("evidenceversion__evidence")
        .order_by("evidenceversion__evidence__title", "evidenceversion__number")
    )
    for link in links:
        found[link.checklistitem_id].append(link.evidenceversion)
    return found


def _request_counts(pks: list[int]) -> dict[int, tuple[int, int]]:
    from annexa.audits.models import EvidenceRequest

    today = timezone.localdate()
    rows_ = (
        EvidenceRequest.objects.filter(item_id__in=pks, status=RequestStatus.OPEN)
        .values("item_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_date__lt=today)))
        .values_list("item_id", "n", "late")
    )
    return {pk: (n, late) for pk, n, late in rows_}


def _sample_counts(pks: list[int]) -> dict[int, int]:
    from annexa.audits.models import Sample

    return dict(
        Sample.objects.filter(item_id__in=pks)
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
    )


def _scope_ids(audit: Audit) -> set[str]:
    from annexa.audits.services.checklist import scoped_control_ids, scoped_requirement_ids

    return {*scoped_requirement_ids(audit), *scoped_control_ids(audit)}
