"""Configuring connectors: create, change and delete them, with their secrets sealed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annexa.connectors import registry, schema
from annexa.connectors import secrets as sealing
from annexa.connectors.base import BaseConnector
from annexa.connectors.models import Connector
from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

MANAGE = "connectors.manage"
RUN = "connectors.run"
OBJECT_TYPE = "connector"


class ConnectorError(Exception):
    """A connector cannot be configured or run as asked; the message says why."""


def import_dir(org) -> Path:
    """Where an organization's tool outputs are dropped for path-based connectors."""
    return Path(settings.HOME) / "imports" / org.slug


# --- configuration ---------------------------------------------------------------------------


def _plugin_class(kind: str) -> type[BaseConnector]:
    try:
        return registry.get(kind)
    except registry.UnknownConnector as exc:
        raise ConnectorError(str(exc)) from None


def open_secrets(connector: Connector) -> dict[str, str]:
    """The plaintext of every sealed field (for building the config; never for display)."""
    return {
        field: sealing.unseal(
            token,
            org_uid=str(connector.organization.uid),
            connector_uid=str(connector.uid),
            field=field,
        )
        for field, token in connector.sealed.items()
    }


def load_config(connector: Connector) -> schema.ConnectorConfig:
    """The connector's typed configuration with its secrets opened."""
    plugin = _plugin_class(connector.kind)
    return schema.build(plugin.config_class, connector.config, open_secrets(connector))


def instantiate(connector: Connector) -> BaseConnector:
    return _plugin_class(connector.kind)(load_config(connector))


def _seal_all(connector: Connector, config: schema.ConnectorConfig) -> dict[str, str]:
    sealed = {}
    for field in schema.secret_fields(type(config)):
        value = getattr(config, field)
        if value:
            sealed[field] = sealing.seal(
                value.reveal(),
                org_uid=str(connector.organization.uid),
                connector_uid=str(connector.uid),
                field=field,
            )
    return sealed


def _record(connector: Connector) -> dict[str, Any]:
    """What the ledger keeps about a connector: settings and the *names* of its secrets."""
    return {
        "name": connector.name,
        "kind": connector.kind,
        "config": connector.config,
        "secret_fields": sorted(connector.sealed),
        "enabled": connector.enabled,
        "interval_minutes": connector.interval_minutes,
        "valid_days": connector.valid_days,
    }


def _check_name(ctx: OrgContext, name: str, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ConnectorError("a name is required")
    if len(name) > 100:
        raise ConnectorError("the name is longer than 100 characters")
    clash = Connector.objects.for_org(ctx.org).filter(name=name).exclude(pk=exclude)
    if clash.exists():
        raise ConnectorError(f"a connector called {name!r} already exists")
    return name


def _check_schedule(interval_minutes: int, valid_days: int) -> None:
    if not 5 <= interval_minutes <= 7 * 24 * 60:
        raise ConnectorError("the interval must be between 5 minutes and 7 days")
    if not 1 <= valid_days <= 366:
        raise ConnectorError("evidence validity must be between 1 and 366 days")


def create(
    ctx: OrgContext,
    *,
    name: str,
    kind: str,
    values: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
    enabled: bool = True,
    interval_minutes: int = 60,
    valid_days: int = 7,
) -> Connector:
    """Configure a new connector; ``schema.ConfigInvalid`` lists problems by field."""
    ctx.require(MANAGE)
    plugin = _plugin_class(kind)
    _check_schedule(interval_minutes, valid_days)
    config = schema.build(plugin.config_class, values, _given(secrets))
    connector = Connector(
        organization=ctx.org,
        name=_check_name(ctx, name),
        kind=kind,
        config=schema.plain_values(config),
        enabled=enabled,
        interval_minutes=interval_minutes,
        valid_days=valid_days,
        next_run_at=timezone.now() if enabled else None,
        created_by=ctx.user,
    )
    connector.sealed = _seal_all(connector, config)
    with transaction.atomic():
        connector.save()
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(connector.uid),
            action="create",
            data=_record(connector),
        )
    return connector


def _given(secrets: Mapping[str, str] | None) -> dict[str, str]:
    """Secret inputs that carry a value: an empty field on a form means "keep the old one"."""
    return {k: v for k, v in (secrets or {}).items() if isinstance(v, str) and v != ""}


def update(
    ctx: OrgContext,
    connector: Connector,
    *,
    name: str | None = None,
    values: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    clear_secrets: tuple[str, ...] = (),
    enabled: bool | None = None,
    interval_minutes: int | None = None,
    valid_days: int | None = None,
) -> Connector:
    """Change settings; secrets not given (or given empty) keep their sealed value."""
    ctx.require(MANAGE)
    if connector.organization_id != ctx.org.pk:
        raise ConnectorError("this connector belongs to another organization")
    plugin = _plugin_class(connector.kind)
    with transaction.atomic():
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        current = {k: v for k, v in open_secrets(locked).items() if k not in clear_secrets}
        merged = current | _given(secrets)
        config = schema.build(
            plugin.config_class, locked.config if values is None else values, merged
        )
        locked.name = _check_name(ctx, name, exclude=locked.pk) if name is not None else locked.name
        locked.config = schema.plain_values(config)
        locked.sealed = _seal_all(locked, config)
        if enabled is not None:
            locked.enabled = enabled
            locked.next_run_at = timezone.now() if enabled else None
        locked.interval_minutes = interval_minutes or locked.interval_minutes
        locked.valid_days = valid_days or locked.valid_days
        _check_schedule(locked.interval_minutes, locked.valid_days)
        locked.save()
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="update",
            data=_record(locked) | {"secrets_changed": sorted({*_given(secrets), *clear_secrets})},
        )
    return locked


def delete(ctx: OrgContext, connector: Connector) -> None:
    """Remove a connector; its runs and the evidence they stored stay."""
    ctx.require(MANAGE)
    if connector.organization_id != ctx.org.pk:
        raise ConnectorError("this connector belongs to another organization")
    with transaction.atomic():
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(connector.uid),
            action="delete",
            data={"name": connector.name, "kind": connector.kind},
        )
        connector.delete()
