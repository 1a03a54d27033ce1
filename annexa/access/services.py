"""Every change to an access review: opening a campaign over a system's accounts, refreshing its
items from a newer account list, deciding (keep or revoke, with the reasons the rules ask
for), confirming a self-review, marking a revocation done, verifying revocations from the next
read of the system, and closing the campaign with its decision record stored as evidence.

Each function checks the caller's permission (``ctx.require``) and appends to the ledger in the
same transaction as its change. Refusals are ``ValidationError``s naming the field concerned;
deciding on an account one is not the reviewer of is a ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from annexa.access.choices import Decision, OrphanReason, ReviewerMode, ReviewStatus, Revocation
from annexa.access.models import CONTROLS, AccessReview, ReviewItem
from annexa.core import spreadsheets
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.isms.services.common import clean_text, email_of, iso
from annexa.ledger import services as ledger
from annexa.orgs.models import Membership, Organization, User
from annexa.orgs.permissions import PERMISSIONS
from annexa.people.models import Account

MANAGE = "access.manage"
REVIEW = "access.review"
OBJECT_TYPE = "access_review"
MAX_REASON = 2000
MAX_NOTE = 500


class StaleReviewError(Exception):
    """The campaign changed since the caller read it (``If-Match``)."""

    def __init__(self, review: AccessReview, expected: int) -> None:
        self.review = review
        super().__init__(
            f"{review.reference} changed since you read it (now version {review.version}, you "
            f"sent {expected}): reload it and try again."
        )


# --- reading -------------------------------------------------------------------------------


def reviews(org):
    return AccessReview.objects.for_org(org).select_related(
        "system_owner", "opened_by", "closed_by", "evidence__current_version", "record_csv"
    )


def items_of(review: AccessReview):
    return review.items.select_related(
        "reviewer", "decided_by", "confirmed_by", "revoked_by", "person"
    ).order_by("username")


def undecided_q() -> Q:
    """Items not counted as decided: no decision, or a self-review not yet confirmed."""
    return Q(decision="") | Q(self_review=True, confirmed_at__isnull=True)


PROGRESS_NAMES = (
    "decided",
    "undecided",
    "awaiting_confirmation",
    "orphans",
    "privileged",
    "kept",
    "revoked",
    "revocation_pending",
    "revocation_done",
    "revocation_verified",
)


def progress(review: AccessReview) -> dict[str, int]:
    """The campaign's figures: accounts, decided, undecided, awaiting confirmation, orphans,
    privileged, kept, revoked and each revocation state. Read from the annotations of
    :func:`with_progress` when the campaign was fetched through it, else counted here."""
    if hasattr(review, "progress_accounts"):
        names = ("accounts", *PROGRESS_NAMES)
        return {name: getattr(review, f"progress_{name}") for name in names}
    rows = list(
        review.items.values_list(
            "decision", "self_review", "confirmed_at", "orphan", "privileged", "revocation"
        )
    )
    figures = Counter()
    for decision, self_review, confirmed_at, orphan, privileged, revocation in rows:
        if not decision:
            figures["undecided"] += 1
        elif self_review and confirmed_at is None:
            figures["awaiting_confirmation"] += 1
        else:
            figures["decided"] += 1
            figures["kept" if decision == Decision.KEEP else "revoked"] += 1
        figures["orphans"] += bool(orphan)
        figures["privileged"] += privileged
        if revocation:
            figures[f"revocation_{revocation}"] += 1
    return {"accounts": len(rows), **{name: figures[name] for name in PROGRESS_NAMES}}


def with_progress(queryset):
    """``queryset`` of campaigns with :func:`progress`'s figures counted in the same query
    (``progress_<figure>`` annotations), for the lists that show them on every row. The
    figures are read-only: a campaign changed afterwards must be fetched again."""
    decided = ~Q(items__decision="") & (
        Q(items__self_review=False) | Q(items__confirmed_at__isnull=False)
    )
    conditions = {
        "decided": decided,
        "undecided": Q(items__decision=""),
        "awaiting_confirmation": ~Q(items__decision="")
        & Q(items__self_review=True, items__confirmed_at__isnull=True),
        "orphans": ~Q(items__orphan=""),
        "privileged": Q(items__privileged=True),
        "kept": decided & Q(items__decision=Decision.KEEP),
        "revoked": decided & ~Q(items__decision=Decision.KEEP),
        **{f"revocation_{r}": Q(items__revocation=r) for r in Revocation.values},
    }
    return queryset.annotate(
        progress_accounts=Count("items"),
        **{f"progress_{name}": Count("items", filter=conditions[name]) for name in PROGRESS_NAMES},
    )


def reviewers(org):
    """The members who may review accounts (their role holds ``access.review``), a queryset."""
    roles = PERMISSIONS[REVIEW]
    return User.objects.filter(memberships__organization=org, memberships__role__in=roles).order_by(
        "full_name", "email"
    )


def can_review(org, user) -> bool:
    return (
        user is not None
        and Membership.objects.filter(
            organization=org, user=user, role__in=PERMISSIONS[REVIEW]
        ).exists()
    )


# --- opening a campaign --------------------------------------------------------------------


def create_review(
    ctx: OrgContext,
    *,
    system: str,
    reviewer_mode: str,
    system_owner: User | None,
    due_date: dt.date | None,
    description: str = "",
) -> AccessReview:
    """Open a campaign over ``system``'s accounts (as the people app holds them), one item per
    account present, each with its reviewer."""
    ctx.require(MANAGE)
    system = " ".join((system or "").split())
    description = clean_text(description)
    if not system:
        raise ValidationError({"system": "Choose the system whose accounts are reviewed."})
    if reviewer_mode not in ReviewerMode.values:
        raise ValidationError(
            {"reviewer_mode": "Choose who reviews: the system owner or each person's manager."}
        )
    if system_owner is None:
        raise ValidationError({"system_owner": "Name the system owner (a member)."})
    if not can_review(ctx.org, system_owner):
        raise ValidationError(
            {
                "system_owner": f"{system_owner.email} cannot review accounts here: choose a "
                "member who is an owner, ISMS manager or control owner."
            }
        )
    if due_date is None:
        raise ValidationError({"due_date": "Give the date the review is due."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    if len(description) > 10_000:
        raise ValidationError({"description": "The description is at most 10,000 characters."})
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=ctx.org.pk)
        accounts = _present_accounts(ctx.org, system)
        if not accounts:
            raise ValidationError(
                {
                    "system": f"Annexa holds no account of {system!r}: run the system's "
                    "connector or import its account list first."
                }
            )
        already = AccessReview.objects.for_org(ctx.org).filter(
            system=system, status=ReviewStatus.OPEN
        )
        if found := already.first():
            raise ValidationError(
                {"system": f"{found.reference} is already open for {system}: close it first."}
            )
        last = AccessReview.objects.for_org(ctx.org).order_by("-number").first()
        review = AccessReview.objects.create(
            organization=ctx.org,
            number=(last.number + 1) if last else 1,
            system=system,
            description=description,
            reviewer_mode=reviewer_mode,
            system_owner=system_owner,
            due_date=due_date,
            opened_by=ctx.user,
            opened_at=timezone.now(),
        )
        chooser = _ReviewerChooser(ctx.org, review)
        today = timezone.localdate()
        ReviewItem.objects.bulk_create(
            [_new_item(review, account, chooser, today) for account in accounts],
            batch_size=1000,
        )
        _append(
            ctx,
            review,
            "opened",
            {
                "reference": review.reference,
                "system": system,
                "reviewer_mode": reviewer_mode,
                "system_owner": system_owner.email,
                "due_date": due_date.isoformat(),
                "accounts": len(accounts),
            },
        )
    return review


def refresh_items(ctx: OrgContext, review: AccessReview) -> dict[str, int]:
    """Bring an open campaign's items up to date with its system's accounts (after a new list
    was imported): new accounts are added, undecided items take the account as it is now and
    those of accounts gone are dropped; a kept account whose entitlements, privilege or holder
    changed is undecided again (the reviewer kept something else). Call inside the import's
    transaction."""
    ctx.require(MANAGE)
    review = AccessReview.objects.select_for_update().get(pk=review.pk)
    if not review.is_open:
        raise ValidationError({"review": f"{review.reference} is closed."})
    accounts = {a.username: a for a in _present_accounts(ctx.org, review.system)}
    items = {i.username: i for i in review.items.all()}
    chooser = _ReviewerChooser(ctx.org, review)
    today = timezone.localdate()
    new = [
        _new_item(review, account, chooser, today)
        for name, account in accounts.items()
        if name not in items
    ]
    changed, dropped, reopened = [], [], []
    for name, item in items.items():
        account = accounts.get(name)
        if account is None:
            if not item.decision:
                dropped.append(item.pk)
            continue
        fresh = _new_item(review, account, chooser, today)
        if not item.decision:
            _copy_snapshot(fresh, item)
            changed.append(item)
        elif item.decision == Decision.KEEP and _what_was_kept(item) != _what_was_kept(fresh):
            _copy_snapshot(fresh, item)
            _clear_decision(item)
            changed.append(item)
            reopened.append(name)
    ReviewItem.objects.bulk_create(new, batch_size=1000)
    ReviewItem.objects.bulk_update(changed, [*SNAPSHOT, *DECISION_FIELDS], batch_size=1000)
    ReviewItem.objects.filter(pk__in=dropped).delete()
    review.version += 1
    review.save(update_fields=["version"])
    figures = {"added": len(new), "refreshed": len(changed), "dropped": len(dropped)}
    _append(ctx, review, "accounts_refreshed", {**figures, "undecided_again": sorted(reopened)})
    return figures | {"undecided_again": len(reopened)}


SNAPSHOT = (
    "account",
    "person",
    "email",
    "display_name",
    "person_name",
    "entitlements",
    "privileged",
    "enabled",
    "last_login",
    "orphan",
    "reviewer",
    "self_review",
)
DECISION_FIELDS = (
    "decision",
    "reason",
    "justification",
    "decided_by",
    "decided_at",
    "confirmed_by",
    "confirmed_at",
    "revocation",
)


def _present_accounts(org, system: str) -> list[Account]:
    return list(
        Account.objects.for_org(org)
        .filter(system=system, present=True)
        .select_related("person__manager__user", "person__user")
        .order_by("username")
    )


class _ReviewerChooser:
    """Who reviews an account: the system owner, or in "manager" mode the holder's manager
    when that manager is a member who may review (else the system owner)."""

    def __init__(self, org, review: AccessReview) -> None:
        self.review = review
        self.allowed = {u.pk for u in reviewers(org)}

    def __call__(self, account: Account) -> int:
        owner = self.review.system_owner_id
        if self.review.reviewer_mode != ReviewerMode.MANAGER or account.person is None:
            return owner
        manager = account.person.manager
        if manager is not None and manager.user_id in self.allowed:
            return manager.user_id
        return owner


def _new_item(review: AccessReview, account: Account, chooser, today) -> ReviewItem:
    person = account.person
    if person is None:
        orphan = OrphanReason.NO_PERSON
    elif person.has_left(today):
        orphan = OrphanReason.LEFT
    else:
        orphan = ""
    reviewer_id = chooser(account)
    return ReviewItem(
        organization_id=review.organization_id,
        review=review,
        account=account,
        person=person,
        username=account.username,
        email=account.email,
        display_name=account.display_name,
        person_name=person.name if person else "",
        entitlements=list(account.entitlements or []),
        privileged=account.privileged,
        enabled=account.enabled,
        last_login=account.last_login,
        orphan=orphan,
        reviewer_id=reviewer_id,
        self_review=person is not None and person.user_id == reviewer_id,
    )


def _copy_snapshot(source: ReviewItem, target: ReviewItem) -> None:
    for name in SNAPSHOT:
        setattr(target, name, getattr(source, name))


def _what_was_kept(item: ReviewItem) -> tuple:
    return (sorted(item.entitlements or []), item.privileged, item.person_id)


def _clear_decision(item: ReviewItem) -> None:
    item.decision = item.reason = item.justification = item.revocation = ""
    item.decided_by = item.decided_at = item.confirmed_by = item.confirmed_at = None


# --- deciding ------------------------------------------------------------------------------


def decide(
    ctx: OrgContext,
    item: ReviewItem,
    decision: str,
    *,
    reason: str = "",
    justification: str = "",
) -> ReviewItem:
    """The reviewer keeps or revokes the account. A reason is required to revoke, and to keep
    a privileged or orphan account. When the reviewer holds the account themselves, a
    justification is required and another reviewer must confirm the decision."""
    ctx.require(REVIEW)
    reason, justification = clean_text(reason), clean_text(justification)
    with transaction.atomic():
        item = _locked(ctx, item)
        review = item.review
        if not review.is_open:
            raise ValidationError({"decision": f"{review.reference} is closed."})
        if ctx.user is None or ctx.user.pk != item.reviewer_id:
            raise PermissionDenied(
                f"{item.username} is reviewed by {item.reviewer.email}; only they decide on it."
            )
        if decision not in Decision.values:
            raise ValidationError({"decision": "Choose keep or revoke."})
        if item.revocation in (Revocation.DONE, Revocation.VERIFIED):
            raise ValidationError(
                {"decision": "The access was already revoked; the decision stands."}
            )
        errors: dict[str, str] = {}
        if not reason:
            if decision == Decision.REVOKE:
                errors["reason"] = "Say why the access is revoked."
            elif item.privileged:
                errors["reason"] = "Say why this privileged access is still needed."
            elif item.orphan:
                errors["reason"] = (
                    "This account has no current holder: say why it is kept "
                    "(a service account, a shared mailbox…)."
                )
        if item.self_review and not justification:
            errors["justification"] = (
                "This is your own account: nobody reviews their own access. Explain why you "
                "decide on it (another reviewer must then confirm)."
            )
        for name, text, limit in (
            ("reason", reason, MAX_REASON),
            ("justification", justification, MAX_REASON),
        ):
            if len(text) > limit:
                errors[name] = f"At most {limit} characters."
        if errors:
            raise ValidationError(errors)
        before = _decision_data(item)
        item.decision = decision
        item.reason = reason
        item.justification = justification if item.self_review else ""
        item.decided_by = ctx.user
        item.decided_at = timezone.now()
        item.confirmed_by = item.confirmed_at = None
        item.revocation = Revocation.PENDING if decision == Decision.REVOKE else ""
        item.save(update_fields=list(DECISION_FIELDS))
        _append(
            ctx,
            review,
            "decided",
            {
                "account": item.username,
                "before": before,
                "after": _decision_data(item),
                "awaiting_confirmation": item.awaiting_confirmation,
            },
        )
    return item


def confirm(ctx: OrgContext, item: ReviewItem) -> ReviewItem:
    """A second reviewer confirms a self-review's decision (someone other than the account's
    holder and the one who decided)."""
    ctx.require(REVIEW)
    with transaction.atomic():
        item = _locked(ctx, item)
        if not item.review.is_open:
            raise ValidationError({"confirm": f"{item.review.reference} is closed."})
        if not item.awaiting_confirmation:
            raise ValidationError({"confirm": "This decision awaits no confirmation."})
        holder = item.person.user_id if item.person else None
        if ctx.user is None or ctx.user.pk in (item.decided_by_id, holder):
            raise ValidationError(
                {
                    "confirm": "A second reviewer confirms: not the account's holder, not whoever "
                    "decided."
                }
            )
        item.confirmed_by, item.confirmed_at = ctx.user, timezone.now()
        item.save(update_fields=["confirmed_by", "confirmed_at"])
        _append(
            ctx,
            item.review,
            "confirmed",
            {
                "account": item.username,
                "decision": item.decision,
                "decided_by": email_of(item.decided_by),
            },
        )
    return item


def mark_revoked(ctx: OrgContext, item: ReviewItem, note: str = "") -> ReviewItem:
    """The access was removed in the system (a ticket or a note says how); the next read of
    the system verifies it. Also after the campaign closed."""
    ctx.require(REVIEW)
    note = clean_text(note)
    with transaction.atomic():
        item = _locked(ctx, item)
        if item.decision != Decision.REVOKE or not item.is_decided:
            raise ValidationError({"revocation": "Only a decided revocation can be marked done."})
        if item.revocation != Revocation.PENDING:
            state = item.get_revocation_display().lower()
            raise ValidationError({"revocation": f"The revocation is already {state}."})
        if len(note) > MAX_NOTE:
            raise ValidationError({"note": f"At most {MAX_NOTE} characters."})
        item.revocation = Revocation.DONE
        item.revoked_by, item.revoked_at, item.revocation_note = ctx.user, timezone.now(), note
        item.save(update_fields=["revocation", "revoked_by", "revoked_at", "revocation_note"])
        _append(ctx, item.review, "revocation_done", {"account": item.username, "note": note})
    return item


def verify_revocations(org, system: str) -> int:
    """After a read of ``system``'s accounts: each decided revocation (pending or done) whose
    account is now disabled or no longer listed is verified. Returns how many."""
    ctx = OrgContext.system(org)
    with transaction.atomic():
        items = list(
            ReviewItem.objects.for_org(org)
            .select_for_update(of=("self",))
            .filter(
                review__system=system,
                decision=Decision.REVOKE,
                revocation__in=(Revocation.PENDING, Revocation.DONE),
            )
            .select_related("account", "review")
        )
        verified = []
        now = timezone.now()
        for item in items:
            if not item.is_decided:
                continue
            account = item.account
            if account is None or not account.present:
                how = "no longer listed by the system"
            elif not account.enabled:
                how = "disabled in the system"
            else:
                continue
            item.revocation, item.verified_at, item.verified_how = Revocation.VERIFIED, now, how
            verified.append(item)
            _append(ctx, item.review, "revocation_verified", {"account": item.username, "how": how})
        ReviewItem.objects.bulk_update(verified, ["revocation", "verified_at", "verified_how"])
    return len(verified)


def _locked(ctx: OrgContext, item: ReviewItem) -> ReviewItem:
    return (
        ReviewItem.objects.for_org(ctx.org)
        .select_for_update(of=("self",))
        .select_related("review", "reviewer", "person", "decided_by")
        .get(pk=item.pk)
    )


def _decision_data(item: ReviewItem) -> dict[str, Any] | None:
    if not item.decision:
        return None
    return {
        "decision": item.decision,
        "reason": item.reason,
        "justification": item.justification,
        "decided_by": email_of(item.decided_by),
    }


# --- closing -------------------------------------------------------------------------------


def close(
    ctx: OrgContext, review: AccessReview, *, expected_version: int | None = None
) -> AccessReview:
    """Close the campaign once every account is decided (self-reviews confirmed); its full
    decision record is stored as evidence of A.5.15, A.5.18 and A.8.2 (JSON, and the same as
    CSV) and the ledger entry carries the record's SHA-256."""
    ctx.require(MANAGE)
    with transaction.atomic():
        review = reviews(ctx.org).select_for_update(of=("self",)).get(pk=review.pk)
        if expected_version is not None and expected_version != review.version:
            raise StaleReviewError(review, expected_version)
        if not review.is_open:
            raise ValidationError({"status": f"{review.reference} is already closed."})
        figures = progress(review)
        waiting = figures["undecided"] + figures["awaiting_confirmation"]
        if waiting:
            # Not a field's error: the page shows it at the top, the CLI and API as the reason.
            detail = ""
            if figures["awaiting_confirmation"]:
                detail = (
                    f" ({figures['undecided']} undecided, "
                    f"{figures['awaiting_confirmation']} awaiting a second reviewer)"
                )
            raise ValidationError(
                f"{review.reference} cannot close: {waiting} account"
                f"{'s' if waiting != 1 else ''} not decided yet{detail}."
            )
        review.status = ReviewStatus.CLOSED
        review.closed_by, review.closed_at = ctx.user, timezone.now()
        document = decision_record(review)
        body = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
        table = record_csv(document)
        stem = f"{review.reference}-access-review"
        title = f"{review.reference} access review of {review.system}: decision record"
        saved = evidence.store(
            ctx,
            chunks=[body],
            filename=f"{stem}.json",
            title=f"{title} (JSON)",
            description=f"Every account of {review.system} and who decided what, when.",
            controls=CONTROLS,
            generated=True,
        )
        saved_csv = evidence.store(
            ctx,
            chunks=[table],
            filename=f"{stem}.csv",
            title=f"{title} (CSV)",
            description=f"The decision record of {review.reference} as a table.",
            controls=CONTROLS,
            generated=True,
        )
        review.evidence, review.record_csv = saved.evidence, saved_csv.evidence
        review.version += 1
        review.save(
            update_fields=["status", "closed_by", "closed_at", "evidence", "record_csv", "version"]
        )
        _append(
            ctx,
            review,
            "closed",
            {
                "summary": document["summary"],
                "evidence": str(saved.evidence.uid),
                "csv_evidence": str(saved_csv.evidence.uid),
                "csv_sha256": saved_csv.sha256,
            },
            blob_sha256=saved.sha256,
        )
    return review


RECORD_COLUMNS = (
    "account",
    "email",
    "display_name",
    "person",
    "orphan",
    "entitlements",
    "privileged",
    "enabled",
    "last_login",
    "reviewer",
    "self_review",
    "decision",
    "reason",
    "justification",
    "decided_by",
    "decided_at",
    "confirmed_by",
    "confirmed_at",
    "revocation",
    "revoked_by",
    "revoked_at",
    "revocation_note",
    "verified_at",
)


def decision_record(review: AccessReview) -> dict[str, Any]:
    """The campaign and each account with who decided what, when, and why."""
    figures = progress(review)
    return {
        "reference": review.reference,
        "uid": str(review.uid),
        "organization": review.organization.name,
        "system": review.system,
        "description": review.description,
        "controls": list(CONTROLS),
        "reviewer_mode": review.get_reviewer_mode_display(),
        "system_owner": email_of(review.system_owner),
        "due_date": review.due_date.isoformat(),
        "opened_by": email_of(review.opened_by),
        "opened_at": iso(review.opened_at),
        "closed_by": email_of(review.closed_by),
        "closed_at": iso(review.closed_at),
        "summary": {k: figures[k] for k in ("accounts", "kept", "revoked", "orphans", "privileged")}
        | {"revocations_pending": figures["revocation_pending"] + figures["revocation_done"]},
        "accounts": [_record_row(item) for item in items_of(review)],
    }


def _record_row(item: ReviewItem) -> dict[str, Any]:
    return {
        "account": item.username,
        "email": item.email,
        "display_name": item.display_name,
        "person": item.person_name,
        "orphan": item.get_orphan_display() if item.orphan else "",
        "entitlements": list(item.entitlements or []),
        "privileged": item.privileged,
        "enabled": item.enabled,
        "last_login": iso(item.last_login),
        "reviewer": email_of(item.reviewer),
        "self_review": item.self_review,
        "decision": item.decision,
        "reason": item.reason,
        "justification": item.justification,
        "decided_by": email_of(item.decided_by),
        "decided_at": iso(item.decided_at),
        "confirmed_by": email_of(item.confirmed_by),
        "confirmed_at": iso(item.confirmed_at),
        "revocation": item.revocation,
        "revoked_by": email_of(item.revoked_by),
        "revoked_at": iso(item.revoked_at),
        "revocation_note": item.revocation_note,
        "verified_at": iso(item.verified_at),
    }


def record_csv(document: dict[str, Any]) -> bytes:
    def cell(value: Any) -> Any:
        if isinstance(value, list):
            return "; ".join(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value if value is not None else ""

    rows = ([cell(row[c]) for c in RECORD_COLUMNS] for row in document["accounts"])
    return spreadsheets.write_csv(RECORD_COLUMNS, rows)


def record_sha256(review: AccessReview) -> str | None:
    version = review.evidence.current_version if review.evidence else None
    return version.sha256 if version else None


# --- the ledger ----------------------------------------------------------------------------


def _append(
    ctx: OrgContext,
    review: AccessReview,
    action: str,
    data: dict[str, Any],
    *,
    blob_sha256: str | None = None,
) -> None:
    ledger.append(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(review.uid),
        action=action,
        data={"reference": review.reference, **data},
        blob_sha256=blob_sha256,
    )
