"""Accounts (and, if chosen, people) from what connectors collected, for access reviews and the
leaver checks of the people register.

After a successful collection, each new snapshot that lists accounts is handed to the people
app: the identity providers' users (``identity`` snapshots, read through
``identity.schema``), the AWS account's IAM users and the GitHub organization's members and
outside collaborators. Each connector is one system whose complete account list is synced
(``people.services.accounts.sync_system``: created, updated, no longer present, matched to
people). An identity connector whose configuration says ``feed_people`` also adds its own
users (not guests or external identities, not deprovisioned or disabled ones) to the people
register (``people.services.bulk.upsert_people``, which never overwrites what HR gave).

Here, not in ``people``: the snapshot formats are the connectors'; the people services sit
below them (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from annexa.connectors.formats import FormatError
from annexa.connectors.formats import snapshot as snapshots
from annexa.connectors.identity import schema
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Person
from annexa.people.services import accounts
from annexa.people.services.bulk import PeopleRefused, PersonRow, upsert_people

logger = logging.getLogger(__name__)

KINDS = ("identity", "aws", "github")
# The person fields an identity provider gives (start and end dates, screening: HR's).
PERSON_FIELDS = ("name", "email", "employee_id", "department", "job_title", "manager")
NOT_PEOPLE = frozenset({"deprovisioned", "disabled"})


@dataclass
class Fed:
    """What one snapshot fed: the account sync's result, and the people upsert's counts."""

    system: str
    accounts: accounts.SyncResult | None = None
    people: dict[str, int] | None = None


def feed_run(org, connector, items: Iterable[Any], *, feed_people: bool = False) -> list[Fed]:
    """Feed every new snapshot of ``items`` (a run's ``CollectedItem``s) of a kind that lists
    accounts. Raises what the people services raise; the caller decides what a failure means."""
    done = []
    for item in items:
        if not item.created or item.kind not in KINDS:
            continue
        with evidence.open_version(item.version) as stream:
            try:
                found = snapshots.load(stream, item.kind)
            except FormatError:
                logger.warning("stored %s snapshot %s is unreadable", item.kind, item.version.pk)
                continue
        done.append(feed_snapshot(org, connector.name, found, feed_people=feed_people))
    return done


def feed_snapshot(org, system: str, found: snapshots.Snapshot, *, feed_people: bool = False) -> Fed:
    """Sync ``system``'s accounts from one snapshot (and its people, when asked)."""
    ctx = OrgContext.system(org)
    result = Fed(system=system)
    if found.kind == "identity":
        identity = schema.read_snapshot(found)
        if feed_people:
            result.people = _people(ctx, identity, system)
        records = identity_accounts(identity)
    elif found.kind == "aws":
        records = aws_accounts(found)
    elif found.kind == "github":
        records = github_accounts(found)
    else:
        raise ValueError(f"a {found.kind} snapshot lists no accounts")
    if records is None:
        logger.info("%s: the snapshot could not list its accounts; the last list stands", system)
        return result
    result.accounts = accounts.sync_system(
        ctx, system, records, source=AccountSource.CONNECTOR, source_ref=system
    )
    return result


# --- account lists ---------------------------------------------------------------------------


def identity_accounts(identity: schema.Identity) -> list[accounts.AccountRecord]:
    return [
        accounts.AccountRecord(
            username=user.username,
            email=user.email,
            display_name=user.name,
            entitlements=(*user.admin_roles, *user.groups),
            privileged=user.is_admin,
            enabled=user.holds_access,
            mfa_enabled=user.mfa_enrolled,
            last_login=user.last_sign_in,
            person_hint=user.employee_id,
        )
        for user in identity.users
    ]


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def aws_accounts(found: snapshots.Snapshot) -> list[accounts.AccountRecord] | None:
    """The IAM users; None when the connector could not read them (the previous list stands
    rather than every account being marked gone)."""
    users = found.get("iam.users")
    if not isinstance(users, dict) or not users.get("readable"):
        return None
    records = []
    for user in users.get("items", []):
        keys = [k for k in user.get("access_keys") or [] if k.get("active")]
        used = [
            d
            for d in [
                _day(user.get("password_last_used")),
                *(_day(k.get("last_used")) for k in keys),
            ]
            if d is not None
        ]
        last = max(used) if used else None
        policies = list(user.get("admin_policies") or [])
        access = (["console"] if user.get("password_enabled") else []) + (
            ["access keys"] if keys else []
        )
        records.append(
            accounts.AccountRecord(
                username=str(user.get("name")),
                display_name=str(user.get("arn") or user.get("name")),
                entitlements=(*policies, *access),
                privileged=bool(user.get("privileged")),
                # IAM users cannot be disabled as such: one without a console password or an
                # active key cannot sign in or call the API.
                enabled=bool(user.get("password_enabled")) or bool(keys),
                mfa_enabled=user.get("mfa_active"),
                last_login=dt.datetime.combine(last, dt.time(), dt.UTC) if last else None,
            )
        )
    return records


def github_accounts(found: snapshots.Snapshot) -> list[accounts.AccountRecord] | None:
    """The members (their role) and outside collaborators; None when the members could not
    be read."""
    members = found.get("members")
    if not isinstance(members, dict) or not members.get("readable"):
        return None
    records = {}
    for member in members.get("items", []):
        login = str(member.get("login"))
        records[login] = accounts.AccountRecord(
            username=login,
            display_name=str(member.get("name") or login),
            entitlements=(f"organization {member.get('role') or 'member'}",),
            privileged=bool(member.get("privileged")),
            mfa_enabled=member.get("mfa"),
        )
    outside = found.get("outside_collaborators")
    if isinstance(outside, dict) and outside.get("readable"):
        for person in outside.get("items", []):
            login = str(person.get("login"))
            records.setdefault(
                login,
                accounts.AccountRecord(
                    username=login,
                    display_name=str(person.get("name") or login),
                    entitlements=("outside collaborator",),
                    mfa_enabled=person.get("mfa"),
                ),
            )
    return list(records.values())


# --- people ----------------------------------------------------------------------------------


def person_rows(identity: schema.Identity, known: set[str]) -> list[PersonRow]:
    """The provider's own people as register rows. A manager is named only when they are in
    the batch or already in the register (``known``: lower-cased addresses and employee ids),
    so an unknown manager never refuses the batch."""
    users = [
        u
        for u in identity.users
        if not u.external and u.state not in NOT_PEOPLE and (u.addresses or u.employee_id)
    ]
    keys = set(known)
    for user in users:
        keys |= user.addresses
        if user.employee_id:
            keys.add(user.employee_id.lower())
    rows = []
    for user in users:
        email = user.email or (user.username if "@" in user.username else "")
        manager = user.manager if user.manager.lower() in keys else ""
        rows.append(
            PersonRow(
                name=user.name or user.username,
                email=email,
                employee_id=user.employee_id,
                department=user.department,
                job_title=user.title,
                manager=manager,
                source_ref=user.id,
            )
        )
    return rows


def _people(ctx: OrgContext, identity: schema.Identity, system: str) -> dict[str, int]:
    known = set()
    for email, employee_id in Person.objects.for_org(ctx.org).values_list("email", "employee_id"):
        if email:
            known.add(email.lower())
        if employee_id:
            known.add(employee_id.lower())
    rows = person_rows(identity, known)
    try:
        done = upsert_people(
            ctx, rows, source=PersonSource.IDENTITY, source_ref=system, fields=PERSON_FIELDS
        )
    except PeopleRefused as refused:
        # Rows the register refuses (a duplicate address, a malformed one) are left out and
        # named in the log; the others are fed.
        bad = {problem.index for problem in refused.problems}
        for problem in refused.problems[:20]:
            logger.warning(
                "%s: person %s not fed: %s: %s",
                system,
                rows[problem.index].email or rows[problem.index].name,
                problem.field,
                problem.message,
            )
        rows = [row for index, row in enumerate(rows) if index not in bad]
        good = {r.email.lower() for r in rows if r.email} | {
            r.employee_id.lower() for r in rows if r.employee_id
        }
        rows = [r if r.manager.lower() in good | known else _without_manager(r) for r in rows]
        done = upsert_people(
            ctx, rows, source=PersonSource.IDENTITY, source_ref=system, fields=PERSON_FIELDS
        )
    return done.as_dict()


def _without_manager(row: PersonRow) -> PersonRow:
    return replace(row, manager="")
