"""Every organization-owned row as plain JSON, and back: the ``data/`` files of a bundle.

Models are discovered, not listed: every concrete model that subclasses ``OrgOwned`` is carried,
so an app added later is exported without touching this module. Values are written the way
Django's own serializers write them, but with full precision (datetimes keep microseconds).
Links are written as identities that survive a move to another instance:

- to another organization-owned row: its ``uid``;
- to a user: the e-mail address;
- to the catalog (clauses, Annex A controls): the natural primary key, e.g. ``"A.5.1"``;
- to the organization itself: its ``uid``; to a content type: ``"app_label.model"``.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.utils.encoding import is_protected_type

from annexa.core.tenancy import OrgOwned


class DataError(Exception):
    """A row or model cannot be carried in a bundle, or a bundle's data cannot be restored."""


def org_models() -> list[type[models.Model]]:
    """Every concrete ``OrgOwned`` model, in a stable order."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, OrgOwned) or model._meta.proxy:
            continue
        if model._meta.parents:
            raise DataError(f"{model._meta.label}: multi-table inheritance cannot be exported")
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def data_name(model: type[models.Model]) -> str:
    return f"data/{model._meta.label_lower}.json"


def link_kind(field: models.Field) -> str:
    """How a relation is written: uid, email, natural, org or content_type."""
    target = field.related_model
    label = target._meta.label_lower
    if issubclass(target, OrgOwned):
        return "uid"
    if target is get_user_model():
        return "email"
    if label == "orgs.organization":
        return "org"
    if target._meta.app_label == "catalog":
        return "natural"
    if label == "contenttypes.contenttype":
        return "content_type"
    raise DataError(f"{field.model._meta.label}.{field.name}: links to {label} cannot be exported")


def columns(model: type[models.Model]) -> list[models.Field]:
    """The stored fields a bundle carries: all but the local primary key and the org link."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in ("organization", "uid")
        and not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]


def m2m_fields(model: type[models.Model]) -> list[models.ManyToManyField]:
    """Many-to-many fields carried with the model's rows: auto-created through tables as lists
    of identities, explicit through models that are not OrgOwned as lists of their rows."""
    return [f for f in model._meta.many_to_many if not issubclass(f.remote_field.through, OrgOwned)]


def is_plain(field: models.ManyToManyField) -> bool:
    return field.remote_field.through._meta.auto_created


def through_columns(field: models.ManyToManyField) -> list[models.Field]:
    """An explicit through model's fields, less its primary key and the link to the owner."""
    through = field.remote_field.through
    owner = field.m2m_field_name()
    return [
        f
        for f in through._meta.concrete_fields
        if f.name != owner and not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]


def uncarried_models() -> list[str]:
    """Models that link to organization-owned rows but that no bundle would carry.

    Rows of such a model would be lost by an export; the fix is to make the model OrgOwned.
    """
    carried = {f.remote_field.through for m in org_models() for f in m2m_fields(m)}
    found = []
    for model in apps.get_models():
        if issubclass(model, OrgOwned) or model in carried or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and issubclass(field.related_model, OrgOwned):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def plain(value: Any) -> Any:
    """A protected-type value as JSON (ISO dates at full precision, decimals as strings)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def field_value(obj: models.Model, field: models.Field) -> Any:
    """A non-relation field's value as JSON, as Django's serializers would write it."""
    value = field.value_from_object(obj)
    if is_protected_type(value):
        return plain(value)
    return field.value_to_string(obj)


def canonical_order(values: list[Any]) -> list[Any]:
    """``values`` (identities, or a through model's rows as dicts) in an order that depends only
    on their content: sorted by their JSON with sorted keys, so dicts, strings, numbers and None
    can be ordered, and mixed, alike."""
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))


def _through_names(field: models.ManyToManyField) -> tuple[str, str]:
    through = field.remote_field.through._meta
    source = through.get_field(field.m2m_field_name()).attname
    target = through.get_field(field.m2m_reverse_field_name()).attname
    return source, target


class Writer:
    """Turns one organization's rows into JSON-ready dicts, resolving links to identities."""

    def __init__(self, org) -> None:
        self.org = org
        self._maps: dict[tuple[str, str, str], dict[Any, str]] = {}
        self.user_emails: set[str] = set()

    def _map(self, target: type[models.Model], key: str, value: str, scoped: bool) -> dict:
        cache_key = (target._meta.label_lower, key, value)
        if cache_key not in self._maps:
            rows = target._base_manager.all()
            if scoped:
                rows = rows.filter(organization=self.org)
            self._maps[cache_key] = {k: str(v) for k, v in rows.values_list(key, value)}
        return self._maps[cache_key]

    def link(self, kind: str, target: type[models.Model], key: str, raw: Any, where: str) -> Any:
        """The identity that ``raw`` (the value of ``key`` on ``target``) is written as."""
        if kind == "natural":
            return raw
        if kind == "org":
            if raw != getattr(self.org, key):
                raise DataError(f"{where} points at another organization")
            return str(self.org.uid)
        if kind == "content_type":
            ct = target._base_manager.get(**{key: raw})
            return f"{ct.app_label}.{ct.model}"
        column = "uid" if kind == "uid" else "email"
        found = self._map(target, key, column, scoped=kind == "uid").get(raw)
        if found is None:
            raise DataError(f"{where} points at a row outside this organization")
        if kind == "email":
            self.user_emails.add(found)
        return found

    def rows(self, model: type[models.Model]) -> Iterator[dict]:
        fields = columns(model)
        many = {f.name: self._m2m_values(f) for f in m2m_fields(model)}
        queryset = model._base_manager.filter(organization=self.org).order_by("pk")
        for obj in queryset.iterator(chunk_size=2000):
            values = {f.name: self._value(obj, f) for f in fields}
            for name, mapping in many.items():
                values[name] = canonical_order(mapping.get(obj.pk, []))
            yield {"uid": str(obj.uid), "fields": values}

    def _value(self, obj: models.Model, field: models.Field) -> Any:
        if field.is_relation:
            raw = getattr(obj, field.attname)
            if raw is None:
                return None
            where = f"{obj._meta.label} {getattr(obj, 'uid', obj.pk)}: {field.name}"
            target_key = field.target_field.attname
            return self.link(link_kind(field), field.related_model, target_key, raw, where)
        return field_value(obj, field)

    def _m2m_values(self, field: models.ManyToManyField) -> dict[Any, list]:
        if not is_plain(field):
            return self._through_rows(field)
        source, target = _through_names(field)
        through = field.remote_field.through
        pairs = through._base_manager.filter(
            **{f"{field.m2m_field_name()}__organization": self.org}
        ).values_list(source, target)
        kind, related = link_kind(field), field.related_model
        key = related._meta.pk.attname
        where = f"{field.model._meta.label}.{field.name}"
        mapping: dict[Any, list] = {}
        for source_pk, target_pk in pairs:
            value = self.link(kind, related, key, target_pk, where)
            mapping.setdefault(source_pk, []).append(value)
        return mapping

    def _through_rows(self, field: models.ManyToManyField) -> dict[Any, list]:
        through = field.remote_field.through
        owner = through._meta.get_field(field.m2m_field_name())
        fields = through_columns(field)
        rows = through._base_manager.filter(**{f"{owner.name}__organization": self.org})
        mapping: dict[Any, list] = {}
        for row in rows.order_by("pk").iterator(chunk_size=2000):
            values = {f.name: self._value(row, f) for f in fields}
            mapping.setdefault(getattr(row, owner.attname), []).append(values)
        return mapping
