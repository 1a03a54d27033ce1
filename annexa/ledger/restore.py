"""Restoring a bundle's ``data/`` rows into an organization: the inverse of ``orgdata.Writer``.

Models are inserted in dependency order (a row's link targets first), rows keep their ``uid``,
and links are resolved through identities (uid, e-mail, catalog key). A link whose target is
not there yet (a row pointing at another row of its own model, or a cycle between models) is
written after all rows exist; such a link must be nullable.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from annexa.ledger.orgdata import (
    DataError,
    columns,
    is_plain,
    link_kind,
    m2m_fields,
    through_columns,
)


def dependency_order(present: list[type[models.Model]]) -> list[type[models.Model]]:
    """``present`` sorted so link targets come first.

    A cycle is broken at one model on it whose remaining links are all nullable (the first by
    name); only that model's links into the cycle are written later, so every other link, and
    any check constraint that needs it, holds when a row is inserted.
    """
    names = {m._meta.label_lower: m for m in present}
    hard: dict[str, set[str]] = {name: set() for name in names}
    soft: dict[str, set[str]] = {name: set() for name in names}
    for name, model in names.items():
        for field in columns(model):
            if not field.is_relation or link_kind(field) != "uid":
                continue
            target = field.related_model._meta.label_lower
            if target in names and target != name:
                (soft if field.null else hard)[name].add(target)
    remaining = {name: hard[name] | soft[name] for name in names}
    order: list[str] = []
    while remaining:
        ready = sorted(name for name, targets in remaining.items() if not targets)
        if not ready:
            ready = [_cycle_breaker(remaining, hard)]
        for name in ready:
            order.append(name)
            del remaining[name]
        for targets in remaining.values():
            targets.difference_update(ready)
    return [names[name] for name in order]


def _cycle_breaker(remaining: dict[str, set[str]], hard: dict[str, set[str]]) -> str:
    """The first model (by name) on a cycle whose links still waiting are all nullable."""
    for name in sorted(remaining):
        if remaining[name] & hard[name]:
            continue
        seen, todo = set(), list(remaining[name])
        while todo:
            current = todo.pop()
            if current == name:
                return name
            if current not in seen:
                seen.add(current)
                todo.extend(remaining.get(current, ()))
    raise DataError("the bundle's models link to each other in a cycle of required links")


class Restorer:
    """Inserts rows for ``org``; ``users`` maps e-mail to user for links to people."""

    def __init__(self, org, users: dict[str, Any]) -> None:
        self.org = org
        self.users = users
        self.done: set[str] = set()
        self.keys: dict[tuple[str, str], dict[str, Any]] = {}  # (model, key attname) -> uid -> key
        self._existing: dict[tuple[str, str], set] = {}
        self.deferred: list[tuple[type[models.Model], Any, models.Field, str]] = []

    def restore(self, model: type[models.Model], rows: list[dict]) -> int:
        known = {f.name: f for f in columns(model)} | {f.name: f for f in m2m_fields(model)}
        label = model._meta.label
        created = []
        for row in rows:
            unknown = set(row["fields"]) - set(known)
            if unknown:
                raise DataError(f"{label}: this instance has no field(s) {', '.join(unknown)}")
            obj = model(uid=row["uid"], organization=self.org)
            for field in columns(model):
                if field.name in row["fields"]:
                    self._set(obj, field, row["fields"][field.name])
            # raw=True, as loaddata does: keeps auto_now timestamps and tells signal receivers
            # this is a restore, not a user's change.
            models.Model.save_base(obj, raw=True, force_insert=True)
            created.append(obj)
        self.done.add(model._meta.label_lower)
        return len(created)

    def finish(self, rows_by_model: dict[type[models.Model], list[dict]]) -> None:
        """Write deferred links, then many-to-many links, once every row exists."""
        for model, obj_uid, field, target_uid in self.deferred:
            where = f"{model._meta.label} {obj_uid}: {field.name}"
            value = self.resolve(field, field.target_field.attname, target_uid, where)
            model._base_manager.filter(uid=obj_uid).update(**{field.attname: value})
        for model, rows in rows_by_model.items():
            for field in m2m_fields(model):
                self._restore_m2m(model, field, rows)

    def _set(self, obj: models.Model, field: models.Field, value: Any) -> None:
        if not field.is_relation:
            setattr(obj, field.attname, field.to_python(value))
            return
        if value is None:
            setattr(obj, field.attname, None)
            return
        target = field.related_model._meta.label_lower
        if link_kind(field) == "uid" and target not in self.done:
            if not field.null:
                raise DataError(f"{obj._meta.label}.{field.name}: required link in a cycle")
            self.deferred.append((type(obj), obj.uid, field, value))
            setattr(obj, field.attname, None)
            return
        where = f"{obj._meta.label} {obj.uid}: {field.name}"
        setattr(obj, field.attname, self.resolve(field, field.target_field.attname, value, where))

    def resolve(self, field: models.Field, key: str, value: Any, where: str) -> Any:
        """The local value of ``key`` on the row that identity ``value`` names."""
        kind, target = link_kind(field), field.related_model
        if kind == "org":
            return getattr(self.org, key)
        if kind == "email":
            user = self.users.get(value)
            if user is None:
                raise DataError(f"{where}: user {value} is not in the bundle")
            return getattr(user, key)
        if kind == "content_type":
            app_label, _, model_name = str(value).partition(".")
            ct = target._base_manager.get_by_natural_key(app_label, model_name)
            return getattr(ct, key)
        if kind == "natural":
            return self._natural(target, key, value, where)
        return self._by_uid(target, key, value, where)

    def _natural(self, target, key: str, value: Any, where: str) -> Any:
        cache = (target._meta.label_lower, key)
        if cache not in self._existing:
            self._existing[cache] = set(target._base_manager.values_list(key, flat=True))
        if value not in self._existing[cache]:
            raise DataError(f"{where}: catalog row {value!r} is missing here; run `annexa init`")
        return value

    def _by_uid(self, target, key: str, value: Any, where: str) -> Any:
        cache = (target._meta.label_lower, key)
        if cache not in self.keys:
            rows = target._base_manager.filter(organization=self.org).values_list("uid", key)
            self.keys[cache] = {str(uid): k for uid, k in rows}
        found = self.keys[cache].get(str(value))
        if found is None:
            raise DataError(f"{where}: no {target._meta.label} with uid {value} in the bundle")
        return found

    def _restore_m2m(self, model, field: models.ManyToManyField, rows: list[dict]) -> None:
        through = field.remote_field.through
        source_attname = through._meta.get_field(field.m2m_field_name()).attname
        local = dict(model._base_manager.filter(organization=self.org).values_list("uid", "pk"))
        if not is_plain(field):
            self._restore_through(field, rows, local, source_attname)
            return
        target_attname = through._meta.get_field(field.m2m_reverse_field_name()).attname
        key = field.related_model._meta.pk.attname
        links = []
        for row in rows:
            source = local[uuid.UUID(str(row["uid"]))]
            for value in row["fields"].get(field.name, []):
                where = f"{model._meta.label} {row['uid']}: {field.name}"
                target = self.resolve(field, key, value, where)
                links.append(through(**{source_attname: source, target_attname: target}))
        through._base_manager.bulk_create(links, batch_size=500)

    def _restore_through(self, field, rows: list[dict], local: dict, source_attname: str) -> None:
        through = field.remote_field.through
        columns_by_name = {f.name: f for f in through_columns(field)}
        for row in rows:
            for values in row["fields"].get(field.name, []):
                unknown = set(values) - set(columns_by_name)
                if unknown:
                    label = through._meta.label
                    raise DataError(f"{label}: this instance has no field(s) {', '.join(unknown)}")
                link = through(**{source_attname: local[uuid.UUID(str(row["uid"]))]})
                for name, value in values.items():
                    self._set_plain(link, columns_by_name[name], value, row["uid"])
                models.Model.save_base(link, raw=True, force_insert=True)

    def _set_plain(self, obj: models.Model, field: models.Field, value: Any, owner: str) -> None:
        if not field.is_relation:
            setattr(obj, field.attname, field.to_python(value))
        elif value is None:
            setattr(obj, field.attname, None)
        else:
            where = f"{obj._meta.label} of {owner}: {field.name}"
            key = field.target_field.attname
            setattr(obj, field.attname, self.resolve(field, key, value, where))
