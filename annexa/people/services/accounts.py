"""Accounts in the systems Annexa reads, kept as ``Account`` rows and matched to people.

Every source of accounts — a connector's collection (identity providers, AWS IAM users, GitHub
members), an uploaded list for an access review — hands one system's complete list to
``sync_system``. The rows of that system are created, updated, or marked no longer present, in
one transaction with one ledger entry summarising the change; each account is matched to a
person of the register (``match``). Access reviews and the leaver check read these rows, so a
revocation decided in a review is verified by the next read of the system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger
from annexa.people.choices import AccountSource
from annexa.people.models import Account, Person

OBJECT_TYPE = "account_list"
MANAGE = "people.manage"
MAX_SYSTEM = 200
BATCH = 1000
_FIELDS = (
    "email",
    "display_name",
    "entitlements",
    "privileged",
    "enabled",
    "mfa_enabled",
    "last_login",
    "person_id",
    "present",
    "source",
    "source_ref",
)


@dataclass(frozen=True)
class AccountRecord:
    """One account as a source lists it. ``person_hint`` is the person's e-mail address or
    employee id when the source knows it (an HR-linked directory), else ''."""

    username: str
    email: str = ""
    display_name: str = ""
    entitlements: tuple[str, ...] = ()
    privileged: bool = False
    enabled: bool = True
    mfa_enabled: bool | None = None
    last_login: dt.datetime | None = None
    person_hint: str = ""


@dataclass
class SyncResult:
    system: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    unmatched: int = 0
    accounts: list[Account] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class PersonIndex:
    """The register's people by lower-cased e-mail address and by employee id, read once."""

    def __init__(self, org) -> None:
        self.by_email: dict[str, int] = {}
        self.by_employee_id: dict[str, int] = {}
        rows = Person.objects.for_org(org).values_list("pk", "email", "employee_id")
        for pk, email, employee_id in rows:
            if email:
                self.by_email[email.lower()] = pk
            if employee_id:
                self.by_employee_id[employee_id] = pk

    def match(self, *, username: str, email: str = "", person_hint: str = "") -> int | None:
        """The person an account belongs to: by its e-mail address, by a user name that is an
        e-mail address, then by the source's hint (an e-mail address or an employee id)."""
        for candidate in (email, username, person_hint):
            if candidate and (pk := self.by_email.get(candidate.strip().lower())):
                return pk
        if person_hint:
            return self.by_employee_id.get(person_hint.strip())
        return None


def clean_system(system: str) -> str:
    name = " ".join((system or "").split())
    if not name:
        raise ValidationError({"system": "Name the system the accounts belong to."})
    if len(name) > MAX_SYSTEM:
        raise ValidationError({"system": f"A system name has at most {MAX_SYSTEM} characters."})
    return name


_listeners: list[Callable[[Any, str], None]] = []


def register_sync_listener(listener: Callable[[Any, str], None]) -> None:
    """Call ``listener(org, system)`` after each committed sync of a system's accounts (access
    reviews verify their revocations so; they sit above this app and register at start-up)."""
    if listener not in _listeners:
        _listeners.append(listener)


def sync_system(
    ctx: OrgContext,
    system: str,
    records: Sequence[AccountRecord],
    *,
    source: str = AccountSource.CONNECTOR,
    source_ref: str = "",
) -> SyncResult:
    """Make ``system``'s accounts what ``records`` (its complete list) say, in one
    transaction: new usernames are created, known ones updated, those no longer listed marked
    not present. Duplicate usernames in ``records`` are refused."""
    ctx.require(MANAGE)
    system = clean_system(system)
    if source not in AccountSource.values:
        raise ValueError(f"unknown account source {source!r}")
    seen: set[str] = set()
    for record in records:
        if not record.username:
            raise ValidationError({"username": "Every account needs a user name."})
        if record.username in seen:
            raise ValidationError(
                {"username": f"The account {record.username!r} is listed twice for {system}."}
            )
        seen.add(record.username)
    now = timezone.now()
    result = SyncResult(system=system)
    with transaction.atomic():
        index = PersonIndex(ctx.org)
        existing = {
            a.username: a
            for a in Account.objects.for_org(ctx.org).select_for_update().filter(system=system)
        }
        new, changed = [], []
        for record in records:
            values = _values(record, index, source, source_ref)
            if values["person_id"] is None:
                result.unmatched += 1
            account = existing.pop(record.username, None)
            if account is None:
                account = Account(
                    organization=ctx.org,
                    system=system,
                    username=record.username,
                    first_seen_at=now,
                    last_seen_at=now,
                    **values,
                )
                new.append(account)
                result.created += 1
            else:
                if any(getattr(account, name) != value for name, value in values.items()):
                    result.updated += 1
                else:
                    result.unchanged += 1
                for name, value in values.items():
                    setattr(account, name, value)
                account.last_seen_at = now
                changed.append(account)
            result.accounts.append(account)
        gone = [a for a in existing.values() if a.present]
        for account in gone:
            account.present = False
        result.gone = len(gone)
        Account.objects.bulk_create(new, batch_size=BATCH)
        Account.objects.bulk_update(changed + gone, [*_FIELDS, "last_seen_at"], batch_size=BATCH)
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=_list_id(system),
            action="synced",
            data={
                "system": system,
                "source": source,
                "source_ref": source_ref,
                "accounts": result.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "no_longer_present": result.gone,
                "unmatched": result.unmatched,
                "sha256": _digest(records),
            },
        )
        org = ctx.org
        for listener in list(_listeners):
            transaction.on_commit(lambda listener=listener: listener(org, system))
    return result


def rematch(ctx: OrgContext, accounts: Iterable[Account] | None = None) -> int:
    """Match the organization's accounts (or ``accounts``) to the register again, after people
    were added or their addresses changed; returns how many matches changed. An account's
    match is only ever to a person of its own organization."""
    ctx.require(MANAGE)
    with transaction.atomic():
        index = PersonIndex(ctx.org)
        rows = Account.objects.for_org(ctx.org) if accounts is None else list(accounts)
        moved = []
        for account in rows:
            if account.organization_id != ctx.org.pk:
                raise ValueError("an account of another organization")
            person_id = index.match(username=account.username, email=account.email)
            if person_id is None and account.person_id is not None:
                # A match made by a source's hint (an employee id) is not undone here.
                continue
            if person_id != account.person_id:
                account.person_id = person_id
                moved.append(account)
        Account.objects.bulk_update(moved, ["person_id"], batch_size=BATCH)
    return len(moved)


def systems(org) -> list[str]:
    """The names of the systems whose accounts Annexa holds, sorted."""
    return sorted(set(Account.objects.for_org(org).values_list("system", flat=True)))


def _values(record: AccountRecord, index: PersonIndex, source: str, source_ref: str) -> dict:
    last_login = record.last_login
    if last_login is not None and timezone.is_naive(last_login):
        last_login = timezone.make_aware(last_login, dt.UTC)
    return {
        "email": record.email.strip()[:254],
        "display_name": record.display_name.strip()[:300],
        "entitlements": sorted({str(e) for e in record.entitlements if str(e).strip()}),
        "privileged": bool(record.privileged),
        "enabled": bool(record.enabled),
        "mfa_enabled": record.mfa_enabled,
        "last_login": last_login,
        "person_id": index.match(
            username=record.username, email=record.email, person_hint=record.person_hint
        ),
        "present": True,
        "source": source,
        "source_ref": source_ref[:300],
    }


def _list_id(system: str) -> str:
    return hashlib.sha256(system.encode("utf-8")).hexdigest()[:32]


def _digest(records: Sequence[AccountRecord]) -> str:
    """A digest of the list as given (sorted by user name), recorded in the ledger entry."""
    rows = [
        asdict(r) | {"last_login": r.last_login.isoformat() if r.last_login else None}
        for r in sorted(records, key=lambda r: r.username)
    ]
    payload = json.dumps(rows, sort_keys=True, default=list).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()
