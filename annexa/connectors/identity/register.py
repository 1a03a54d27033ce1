"""The people register as the identity control tests see it while one organization's evidence
is judged: who has left (end date), by e-mail address and employee id.

A control test reads evidence only, and knows no organization. The leaver test also needs the
register of the organization whose evidence it judges: the code that judges holds
``judging_for(org)`` around the evaluation, and the test reads ``current()`` (None outside:
the test then says it cannot judge, rather than guess). The register is read once per
evaluation, only if a test asks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Register:
    """The leavers of one organization, read on first use."""

    org_id: int
    _loaded: bool = field(default=False, init=False)
    _by_address: dict[str, tuple[str, dt.date]] = field(default_factory=dict, init=False)
    _by_employee_id: dict[str, tuple[str, dt.date]] = field(default_factory=dict, init=False)

    def _load(self) -> None:
        if self._loaded:
            return
        from annexa.people.models import Person

        rows = Person.objects.filter(
            organization_id=self.org_id, end_date__isnull=False
        ).values_list("name", "email", "employee_id", "end_date")
        for name, email, employee_id, end_date in rows:
            if email:
                self._by_address[email.strip().lower()] = (name, end_date)
            if employee_id:
                self._by_employee_id[employee_id.strip()] = (name, end_date)
        self._loaded = True

    @property
    def has_leavers(self) -> bool:
        self._load()
        return bool(self._by_address or self._by_employee_id)

    def left(self, addresses: frozenset[str], employee_id: str, on: dt.date):
        """(name, end date) of the person these addresses or employee id belong to, when that
        person's end date is on or before ``on``; else None."""
        self._load()
        found = [self._by_address.get(a) for a in sorted(addresses)]
        if employee_id:
            found.append(self._by_employee_id.get(employee_id.strip()))
        for match in found:
            if match is not None and match[1] <= on:
                return match
        return None


_current: ContextVar[Register | None] = ContextVar("annexa_identity_register", default=None)


@contextlib.contextmanager
def judging_for(org) -> Iterator[Register]:
    """While inside, identity tests judge against ``org``'s people register."""
    token = _current.set(Register(org.pk))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> Register | None:
    return _current.get()
