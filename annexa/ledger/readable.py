"""Ledger entries as people read them: field names, choice labels, references, dates.

An entry's data is stored as it was hashed: field names, choice values (``in_progress``,
``major_nc``), the uids of linked objects and the e-mail addresses of people. A page that shows
an object's history says the same in words: each key by its field's verbose name, a choice by
its label, a linked object by its human reference (``Quarterly access review v2``, ``IA-2026-01
#3 A.5.15``), a person by name with the e-mail address on hover, a date as a date.

Which model fields a key stands for is given by a ``Vocabulary`` (the models an object type's
entries describe, searched in order). Linked objects and people are fetched in bulk: one query
per kind of linked object and one for the people, however many entries there are.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from annexa.orgs.templatetags.people import person_html

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# An ISO date-time as ``iso()`` stores one (a key that is no model field may hold one).
ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
NOTHING = "—"
ARROW = " → "


@dataclass(frozen=True)
class Key:
    """A data key that is no field of the vocabulary's models: its label, and the model its
    values refer to (``"app_label.Model"``, by uid or, for users, by e-mail) when they do."""

    label: str
    model: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """How to read the entries of one object type."""

    models: tuple[str, ...]  # "app_label.Model", searched in order for a field named like a key
    keys: Mapping[str, Key] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset({"reference"})  # the page already says which object

    def field(self, key: str) -> models.Field | None:
        for label in self.models:
            try:
                found = apps.get_model(label)._meta.get_field(key)
            except FieldDoesNotExist:
                continue
            if isinstance(found, models.Field):  # not a reverse relation
                return found
        return None

    def label(self, key: str) -> str:
        if key in self.keys:
            return self.keys[key].label
        found = self.field(key)
        if found is not None:
            return str(found.verbose_name)
        return key.replace("_", " ")

    def target(self, key: str) -> type[models.Model] | None:
        """The model ``key``'s values refer to, if any."""
        if key in self.keys:
            named = self.keys[key].model
            return apps.get_model(named) if named else None
        found = self.field(key)
        if found is not None and found.is_relation:
            return found.related_model
        return None


class Actor(str):
    """Who acted, as recorded (an e-mail address, ``system``…), with the person's name when
    the address is a member's. A ``str``: the API gives the recorded value."""

    name: str = ""

    def __new__(cls, recorded: str, name: str = "") -> Actor:
        actor = super().__new__(cls, recorded)
        actor.name = name
        return actor

    @property
    def email(self) -> str:
        return str(self) if "@" in self else ""


class Detail(tuple):
    """One line of an entry: ``(label, text)`` as a tuple (the API's form), with ``html`` for
    pages (people with their e-mail address on hover)."""

    html: SafeString

    def __new__(cls, label: str, text: str, html: SafeString) -> Detail:
        detail = super().__new__(cls, (label, text))
        detail.html = html
        return detail

    @property
    def label(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]


@dataclass(frozen=True)
class Shown:
    """A value as plain text and as HTML."""

    text: str
    html: SafeString

    @classmethod
    def plain(cls, text: str) -> Shown:
        return cls(text, _lines(text))


BREAK = mark_safe("<br>")  # nosec B308 - a constant


def _lines(text: str) -> SafeString:
    return format_html_join(BREAK, "{}", ((line,) for line in text.split("\n")))


def _join(values: list[Shown], sep: str = ", ") -> Shown:
    return Shown(
        sep.join(v.text for v in values),
        format_html_join(sep, "{}", ((v.html,) for v in values)),
    )


class Reader:
    """Reads the entries of one organization: collects what they refer to, fetches it in bulk,
    then renders each entry."""

    def __init__(self, org, vocabulary: Vocabulary) -> None:
        self.org = org
        self.vocabulary = vocabulary
        self._wanted: dict[type[models.Model], set[str]] = defaultdict(set)
        self._found: dict[type[models.Model], dict[str, Any]] = {}
        self._people: dict[str, Any] = {}
        self._user_model = get_user_model()

    # --- collecting ----------------------------------------------------------------------

    def want(self, key: str, value: Any) -> None:
        """Note what ``value`` (stored under ``key``) refers to."""
        if isinstance(value, list):
            for item in value:
                self.want(key, item)
            return
        if isinstance(value, dict):
            for inner, item in value.items():
                self.want(inner, item)
            return
        target = self.vocabulary.target(key)
        if isinstance(value, str) and (
            target is self._user_model
            or (target is not None and _has_uid(target) and UUID.match(value))
        ):
            self._wanted[target].add(value)

    def want_data(self, data: Any) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key in ("before", "after") and isinstance(value, dict):
                    for inner, item in value.items():
                        self.want(inner, item)
                else:
                    self.want(key, value)

    def fetch(self, actors: Iterable[str] = ()) -> None:
        """One query per kind of linked object, one for people (members of the organization)."""
        emails = set(self._wanted.pop(self._user_model, set()))
        emails.update(a for a in actors if "@" in a)
        if emails:
            self._people = {
                u.email: u
                for u in self._user_model.objects.filter(
                    email__in=emails, memberships__organization=self.org
                ).distinct()
            }
        for model, uids in self._wanted.items():
            query = model.objects.filter(uid__in=uids).select_related()
            if _has_field(model, "organization"):
                query = query.filter(organization=self.org)
            self._found[model] = {str(obj.uid): obj for obj in query}
        self._wanted.clear()

    # --- rendering -----------------------------------------------------------------------

    def actor(self, recorded: str) -> Actor:
        user = self._people.get(recorded)
        return Actor(recorded, user.full_name if user is not None else "")

    def person(self, email: str) -> Shown:
        user = self._people.get(email)
        name = user.full_name if user is not None else ""
        text = f"{name} ({email})" if name else email
        return Shown(text, person_html(name, email))

    def value(self, key: str, value: Any) -> Shown:
        """``value`` stored under ``key``, as people read it."""
        if value is None or value == "" or value == [] or value == {}:
            return Shown(NOTHING, mark_safe(NOTHING))  # noqa: S308 - a constant  # nosec B308
        if isinstance(value, bool):
            return Shown.plain("yes" if value else "no")
        if isinstance(value, list):
            return _join([self.value(key, item) for item in value])
        if isinstance(value, dict):
            return self.pairs(value)
        found = self.vocabulary.field(key) if key not in self.vocabulary.keys else None
        target = self.vocabulary.target(key)
        if target is not None and isinstance(value, str):
            return self.reference(target, value)
        if found is not None and found.choices and not isinstance(value, (dict, list)):
            labels = {str(k): str(v) for k, v in found.flatchoices}
            return Shown.plain(labels.get(str(value), str(value)))
        if isinstance(value, str) and (
            isinstance(found, (models.DateTimeField, models.DateField)) or ISO_DATETIME.match(value)
        ):
            date_only = isinstance(found, models.DateField) and not isinstance(
                found, models.DateTimeField
            )
            return Shown.plain(_date(value, datetime=not date_only))
        return Shown.plain(str(value))

    def reference(self, target: type[models.Model], value: str) -> Shown:
        if target is self._user_model:
            return self.person(value)
        obj = self._found.get(target, {}).get(value)
        if obj is None:
            if UUID.match(value):  # gone, or of another organization: say what it was
                name = str(target._meta.verbose_name)
                return Shown.plain(f"a {name} no longer here")
            return Shown.plain(value)  # a reference or catalog id, readable as stored
        return Shown.plain(human_reference(obj))

    def pairs(self, value: Mapping[str, Any]) -> Shown:
        if set(value) == {"why", "because"}:  # a row of a 5-whys chain
            because = value["because"] or "…"
            return Shown.plain(f"why? {value['why']} because {because}")
        parts = []
        for key, item in value.items():
            shown = self.value(key, item)
            label = self.vocabulary.label(key)
            parts.append(Shown(f"{label}: {shown.text}", format_html("{}: {}", label, shown.html)))
        return _join(parts, "; ")

    def details(self, data: Any) -> list[Detail]:
        if not isinstance(data, dict):
            shown = self.value("data", data)
            return [Detail("data", shown.text, shown.html)]
        hidden = self.vocabulary.hidden
        if isinstance(data.get("before"), dict) and isinstance(data.get("after"), dict):
            before, after = data["before"], data["after"]
            rows = []
            for key in sorted(set(before) | set(after)):
                old, new = self.value(key, before.get(key)), self.value(key, after.get(key))
                rows.append(
                    Detail(
                        self.vocabulary.label(key),
                        f"{old.text}{ARROW}{new.text}",
                        format_html("{}{}{}", old.html, ARROW, new.html),
                    )
                )
            extra = {k: v for k, v in data.items() if k not in ("before", "after", *hidden)}
            return rows + [self.detail(k, v) for k, v in extra.items() if v not in ("", None)]
        return [self.detail(k, v) for k, v in data.items() if k not in hidden]

    def detail(self, key: str, value: Any) -> Detail:
        shown = self.value(key, value)
        return Detail(self.vocabulary.label(key), shown.text, shown.html)


def human_reference(obj: models.Model) -> str:
    """How people name ``obj``: its reference (F-0001, CA-0002) or what it calls itself."""
    reference = getattr(obj, "reference", None)
    if isinstance(reference, str) and reference:
        return reference
    return str(obj)


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _has_uid(model: type[models.Model]) -> bool:
    return _has_field(model, "uid")


def _date(value: str, *, datetime: bool) -> str:
    """An ISO date or date-time as the pages write them (date-times in UTC)."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if not datetime:
        return parsed.date().isoformat()
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC)
    return parsed.strftime("%Y-%m-%d %H:%M") + (" UTC" if parsed.tzinfo else "")


@dataclass(frozen=True)
class Entry:
    """One ledger entry, readable."""

    when: str  # UTC, as recorded, to the second
    actor: Actor
    action: str
    details: list[Detail]


def actors(org, recorded: Iterable[str]) -> dict[str, Actor]:
    """Each recorded actor with the member's name when the address is a member's (one query)."""
    recorded = set(recorded)
    reader = Reader(org, Vocabulary(models=()))
    reader.fetch(recorded)
    return {value: reader.actor(value) for value in recorded}


def read(org, entries: Iterable, vocabulary: Vocabulary) -> list[Entry]:
    """``entries`` (``LedgerEntry`` rows of ``org``) as people read them, in the given order."""
    entries = list(entries)
    reader = Reader(org, vocabulary)
    parsed = []
    for entry in entries:
        data = json.loads(entry.data)
        reader.want_data(data)
        parsed.append(data)
    reader.fetch(entry.actor for entry in entries)
    return [
        Entry(
            when=entry.time[:19].replace("T", " "),
            actor=reader.actor(entry.actor),
            action=entry.action.replace("_", " "),
            details=reader.details(data),
        )
        for entry, data in zip(entries, parsed, strict=True)
    ]
