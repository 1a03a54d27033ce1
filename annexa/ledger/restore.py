"""Restoring a bundle's ``data/`` rows into an organization: the inverse of ``orgdata.Writer``.

Models are inserted in dependency order (a row's link targets first), rows keep their ``uid``,
and links are resolved through identities (uid, e-mail, catalog key). A link whose target is
not there yet (a row pointing at another row of its own model, or a cycle between models) is
written after all rows exist; such a link must be nullable.

Rows are not saved one model instance at a time: each value is converted to its database form
as ``save_base(raw=True)`` would (``to_python``, then ``get_db_prep_save``; no ``pre_save``, so
``auto_now`` timestamps are kept) and the rows go in by batches (``executemany``, or ``COPY``
on PostgreSQL). No signal is sent; the receivers of this project ignore raw saves anyway.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

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


INSERT_BATCH = 5000  # rows converted, then inserted, at a time
# Field types whose database value is the JSON value itself when it already has the right type.
_AS_IS: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.EmailField: str,
    models.URLField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
}


def _db():
    """The default connection itself (``django.db.connection`` is a per-context proxy whose
    every attribute access costs a lookup)."""
    return connections[DEFAULT_DB_ALIAS]


def db_converter(field: models.Field) -> Callable[[Any], Any]:
    """JSON value -> the value ``save_base(raw=True)`` would send to the database."""
    prep, to_python, db = field.get_db_prep_save, field.to_python, _db()
    kind = _AS_IS.get(type(field))

    def convert(value: Any) -> Any:
        if value is None or type(value) is kind:
            return value
        return prep(to_python(value), db)

    if kind is not None:
        return convert
    return lambda value: prep(to_python(value), db)


def insert_rows(model: type[models.Model], fields: Sequence[models.Field], rows: list) -> None:
    """Insert ``rows`` (tuples of database values of ``fields``) into ``model``'s table."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only the model's own table and column names are formatted in; rows are data.
            # The driver's errors become Django's, as for execute (copy is not wrapped).
            copying = cursor.copy(f"COPY {table} ({names}) FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608 - quoted identifiers of our own model; values are parameters
        cursor.executemany(sql, rows)


def _update_links(
    model: type[models.Model], field: models.Field, org_pk: Any, pairs: list[tuple]
) -> None:
    """Set ``field`` to each value on ``org_pk``'s row of each uid: one statement, run for
    every pair."""
    db, quote = _db(), connection.ops.quote_name
    prep, to_uid = field.get_db_prep_save, db_converter(model._meta.get_field("uid"))
    rows = [(prep(value, db), to_uid(uid), org_pk) for value, uid in pairs]
    table, column = quote(model._meta.db_table), quote(field.column)
    uid_column = quote(model._meta.get_field("uid").column)
    org_column = quote(model._meta.get_field("organization").column)
    sql = f"UPDATE {table} SET {column} = %s WHERE {uid_column} = %s AND {org_column} = %s"  # noqa: S608  # nosec B608 - quoted identifiers of our own model; values are parameters
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, batch)


def _batches(items: Iterable, size: int = INSERT_BATCH) -> Iterable[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
        fields = columns(model)
        known = {f.name for f in fields} | {f.name for f in m2m_fields(model)}
        label = model._meta.label
        uid_field = model._meta.get_field("uid")
        org_field = model._meta.get_field("organization")
        to_uid, org_value = db_converter(uid_field), self.org.pk
        setters = [(f, f.name, self._setter(model, f)) for f in fields]
        missing = object()

        def values(row: dict) -> tuple:
            given, uid = row["fields"], row["uid"]
            if not known.issuperset(given):
                unknown = set(given) - known
                raise DataError(f"{label}: this instance has no field(s) {', '.join(unknown)}")
            out = [to_uid(uid), org_value]
            for field, name, setter in setters:
                value = given.get(name, missing)
                if value is missing:
                    out.append(field.get_db_prep_save(field.get_default(), connection))
                else:
                    out.append(setter(value, uid))
            return tuple(out)

        for batch in _batches(rows):
            insert_rows(model, [uid_field, org_field, *fields], [values(row) for row in batch])
        self.done.add(model._meta.label_lower)
        return len(rows)

    def _setter(self, model, field: models.Field) -> Callable[[Any, Any], Any]:
        """(JSON value, row uid) -> the column's database value, as ``_set`` resolves it."""
        if not field.is_relation:
            convert = db_converter(field)
            return lambda value, uid: convert(value)
        prep, db = field.get_db_prep_save, _db()
        deferred = link_kind(field) == "uid" and field.related_model._meta.label_lower not in (
            self.done
        )

        def setter(value: Any, uid: Any) -> Any:
            if value is None:
                return None
            if deferred:
                if not field.null:
                    raise DataError(f"{model._meta.label}.{field.name}: required link in a cycle")
                self.deferred.append((model, uid, field, value))
                return None
            where = f"{model._meta.label} {uid}: {field.name}"
            return prep(self.resolve(field, field.target_field.attname, value, where), db)

        return setter

    def finish(self, rows_by_model: dict[type[models.Model], list[dict]]) -> None:
        """Write deferred links, then many-to-many links, once every row exists."""
        links: dict[tuple, list[tuple]] = {}
        for model, obj_uid, field, target_uid in self.deferred:
            where = f"{model._meta.label} {obj_uid}: {field.name}"
            value = self.resolve(field, field.target_field.attname, target_uid, where)
            links.setdefault((model, field), []).append((value, obj_uid))
        for (model, field), pairs in links.items():
            _update_links(model, field, self.org.pk, pairs)
        for model, rows in rows_by_model.items():
            for field in m2m_fields(model):
                self._restore_m2m(model, field, rows)

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
        source_field = through._meta.get_field(field.m2m_field_name())
        local = dict(model._base_manager.filter(organization=self.org).values_list("uid", "pk"))
        if not is_plain(field):
            self._restore_through(field, rows, local, source_field)
            return
        target_field = through._meta.get_field(field.m2m_reverse_field_name())
        key = field.related_model._meta.pk.attname
        prep_source, prep_target = source_field.get_db_prep_save, target_field.get_db_prep_save
        links = []
        for row in rows:
            source = prep_source(local[uuid.UUID(str(row["uid"]))], connection)
            for value in row["fields"].get(field.name, []):
                where = f"{model._meta.label} {row['uid']}: {field.name}"
                target = prep_target(self.resolve(field, key, value, where), connection)
                links.append((source, target))
        for batch in _batches(links):
            insert_rows(through, [source_field, target_field], batch)

    def _restore_through(
        self, field, rows: list[dict], local: dict, source_field: models.Field
    ) -> None:
        through = field.remote_field.through
        label = through._meta.label
        fields = through_columns(field)
        names = {f.name for f in fields}
        prep_source = source_field.get_db_prep_save
        links = []
        for row in rows:
            for values in row["fields"].get(field.name, []):
                unknown = set(values) - names
                if unknown:
                    raise DataError(f"{label}: this instance has no field(s) {', '.join(unknown)}")
                source = prep_source(local[uuid.UUID(str(row["uid"]))], connection)
                links.append(
                    (source, *(self._plain_value(label, f, values, row["uid"]) for f in fields))
                )
        for batch in _batches(links):
            insert_rows(through, [source_field, *fields], batch)

    def _plain_value(self, label: str, field: models.Field, values: dict, owner: str) -> Any:
        """A through row's column (its default when the bundle lacks it), links resolved now."""
        if field.name not in values:
            return field.get_db_prep_save(field.get_default(), connection)
        value = values[field.name]
        if value is None:
            return None
        if not field.is_relation:
            return field.get_db_prep_save(field.to_python(value), connection)
        where = f"{label} of {owner}: {field.name}"
        key = field.target_field.attname
        return field.get_db_prep_save(self.resolve(field, key, value, where), connection)
