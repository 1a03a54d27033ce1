"""Importing a system's account list (XLSX or CSV) for access reviews: all rows or none.

The first row names the columns, in any case (``Account``, ``E-mail``, ``Display name``,
``Person``, ``Entitlements``, ``Privileged``, ``Enabled``, ``Last login``, and the usual other
names for them, see ``ALIASES``); only the account column is required. Every row is checked
before anything is written: with one bad cell anywhere nothing is saved and the report lists
every problem by row and column. Otherwise the list becomes the system's complete account list
through ``people.services.accounts.sync_system`` (source: imported list), and the system's open
campaign (or the one named) takes the new list — in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annexa.access import services
from annexa.access.models import AccessReview
from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError, Sheet
from annexa.core.tenancy import OrgContext
from annexa.people.choices import AccountSource
from annexa.people.models import Person
from annexa.people.services import accounts as people_accounts

Progress = Callable[[str, int, int], None]
MAX_IMPORT_BYTES = spreadsheets.MAX_IMPORT_BYTES
COLUMNS = (
    "account",
    "email",
    "display_name",
    "person",
    "entitlements",
    "privileged",
    "enabled",
    "last_login",
)
# Header names (normalised: lower case, words joined by "_") → the column they mean.
ALIASES = {
    "account": "account",
    "username": "account",
    "user_name": "account",
    "login": "account",
    "user": "account",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "email_address": "email",
    "e-mail_address": "email",
    "display_name": "display_name",
    "name": "display_name",
    "full_name": "display_name",
    "person": "person",
    "person_email": "person",
    "person_e-mail": "person",
    "employee_id": "person",
    "employee": "person",
    "owner": "person",
    "entitlements": "entitlements",
    "entitlement": "entitlements",
    "role": "entitlements",
    "roles": "entitlements",
    "groups": "entitlements",
    "privileged": "privileged",
    "admin": "privileged",
    "enabled": "enabled",
    "active": "enabled",
    "last_login": "last_login",
    "last_sign-in": "last_login",
    "last_sign_in": "last_login",
    "last_logon": "last_login",
}
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0"}
SPLIT = re.compile(r"[;,\n]")


@dataclass
class AccountImport(spreadsheets.ImportProblems):
    """What an import did, or why it did nothing (``errors``, by row and column)."""

    system: str = ""
    accounts: int = 0
    created: int = 0
    updated: int = 0
    gone: int = 0
    unmatched: int = 0
    review: str | None = None
    items: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.errors:
            return self.refusal()
        text = (
            f"{self.accounts} accounts of {self.system}: {self.created} new, {self.updated} "
            f"changed, {self.gone} no longer listed, {self.unmatched} without a person."
        )
        if self.review:
            text += (
                f" {self.review}: {self.items.get('added', 0)} accounts added, "
                f"{self.items.get('dropped', 0)} dropped, "
                f"{self.items.get('undecided_again', 0)} to decide again."
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "errors": [e.as_dict() for e in self.errors],
            "accounts": self.accounts,
            "created": self.created,
            "updated": self.updated,
            "no_longer_listed": self.gone,
            "without_person": self.unmatched,
            "review": self.review,
            "items": self.items,
        }


describe = spreadsheets.describe


def import_accounts(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str,
    *,
    system: str,
    review: AccessReview | None = None,
    progress: Progress | None = None,
) -> AccountImport:
    """Read ``file`` as ``system``'s complete account list; save it all or nothing."""
    ctx.require(services.MANAGE)
    report = AccountImport()
    try:
        report.system = people_accounts.clean_system(system)
    except ValidationError as exc:
        report.errors.append(CellError(None, None, " ".join(exc.messages)))
        return report
    if review is not None and (review.system != report.system or not review.is_open):
        what = "is closed" if not review.is_open else f"reviews {review.system}"
        report.errors.append(
            CellError(None, None, f"{review.reference} {what}: it cannot take this list")
        )
        return report
    try:
        sheet = spreadsheets.read_sheet(file, name)
    except spreadsheets.Unreadable as exc:
        report.errors.append(CellError(None, None, str(exc)))
        return report
    report.errors.extend(sheet.errors)
    positions = _columns(sheet, report)
    if positions is None:
        return _sorted(report)
    records = _records(ctx.org, sheet, positions, report, progress)
    if report.errors:
        return _sorted(report)
    if progress is not None:
        progress("saving", 0, len(records))
    with transaction.atomic():
        result = people_accounts.sync_system(
            ctx, report.system, records, source=AccountSource.IMPORT, source_ref=name[:300]
        )
        target = review
        if target is None:
            target = services.reviews(ctx.org).filter(system=report.system, status="open").first()
        if target is not None:
            report.items = services.refresh_items(ctx, target)
            report.review = target.reference
    report.accounts = result.total
    report.created, report.updated = result.created, result.updated
    report.gone, report.unmatched = result.gone, result.unmatched
    if progress is not None:
        progress("saving", len(records), len(records))
    return report


def _columns(sheet: Sheet, report: AccountImport) -> dict[str, str] | None:
    """Each known column's header name in the sheet; ``None`` when the header is unusable."""
    positions: dict[str, str] = {}
    for header in sheet.columns:
        column = ALIASES.get(header)
        if column is None:
            continue
        if column in positions:
            report.errors.append(
                CellError(
                    1,
                    header,
                    f"{positions[column]!r} and {header!r} both give the {column} column: keep one",
                )
            )
            continue
        positions[column] = header
    if "account" not in positions:
        report.errors.append(
            CellError(1, "account", "the header needs an 'account' (user name) column")
        )
    if any(e.row == 1 for e in report.errors):
        return None
    if not sheet.rows:
        report.errors.append(CellError(None, None, "the sheet has a header but no data rows"))
        return None
    return positions


def _records(org, sheet: Sheet, positions, report: AccountImport, progress):
    people = _people(org)
    first_row: dict[str, int] = {}
    records = []
    total = len(sheet.rows)
    for done, row in enumerate(sheet.rows, start=1):

        def cell(column: str, row=row) -> str:
            header = positions.get(column)
            return (row.values.get(header) or "").strip() if header else ""

        def problem(column: str, message: str, row=row) -> None:
            report.errors.append(CellError(row.number, positions.get(column, column), message))

        username = cell("account")
        if not username:
            problem("account", "every row needs the account's user name")
        elif len(username) > 300:
            problem("account", "a user name has at most 300 characters")
        elif username in first_row:
            problem("account", f"{username!r} is listed already in row {first_row[username]}")
        else:
            first_row[username] = row.number
        email = cell("email")
        if len(email) > 254:
            problem("email", "an e-mail address has at most 254 characters")
        hint = cell("person")
        if hint and hint.lower() not in people:
            problem(
                "person",
                f"no person of the register has the e-mail address or employee id {hint!r}: "
                "add them to the people register, or leave the cell empty",
            )
        privileged = _flag(cell("privileged"), default=False)
        if privileged is None:
            problem("privileged", "write yes or no")
        enabled = _flag(cell("enabled"), default=True)
        if enabled is None:
            problem("enabled", "write yes or no")
        last_login, bad_date = _moment(cell("last_login"))
        if bad_date:
            problem("last_login", "write a date (2026-03-31) or a date and time (2026-03-31 14:05)")
        entitlements = tuple(e.strip() for e in SPLIT.split(cell("entitlements")) if e.strip())
        records.append(
            people_accounts.AccountRecord(
                username=username,
                email=email,
                display_name=cell("display_name")[:300],
                entitlements=entitlements,
                privileged=bool(privileged),
                enabled=enabled is not False,
                last_login=last_login,
                person_hint=people.get(hint.lower(), "") if hint else "",
            )
        )
        if progress is not None and (done == total or done % 250 == 0):
            progress("checking", done, total)
    return records


def _people(org) -> dict[str, str]:
    """Lower-cased e-mail addresses and employee ids of the register → the hint that matches."""
    found: dict[str, str] = {}
    for email, employee_id in Person.objects.for_org(org).values_list("email", "employee_id"):
        if email:
            found[email.lower()] = email
        if employee_id:
            found[employee_id.lower()] = employee_id
    return found


def _flag(text: str, *, default: bool) -> bool | None:
    if not text:
        return default
    lowered = text.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


def _moment(text: str) -> tuple[dt.datetime | None, bool]:
    """A last-login cell as an aware date-time; ``(None, True)`` when it is not one."""
    if not text:
        return None, False
    try:
        moment = parse_datetime(text.replace(" ", "T", 1))
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        return None, True
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment, False


def _sorted(report: AccountImport) -> AccountImport:
    def key(error: CellError):
        column = (
            COLUMNS.index(ALIASES.get(error.column or "", ""))
            if ALIASES.get(error.column or "")
            else len(COLUMNS)
        )
        return (error.row or 0, column, error.message)

    report.errors.sort(key=key)
    return report
