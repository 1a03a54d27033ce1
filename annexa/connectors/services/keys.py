"""Rotating the key that seals connector secrets (``annexa rotate-keys``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from annexa.connectors import secrets as sealing
from annexa.connectors.models import Connector
from annexa.connectors.services.config import OBJECT_TYPE
from annexa.core import security_log
from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

# Apps above this one that seal their own secrets with the keyring (monitoring's webhook
# secret) register how to re-seal them and list their tokens, so rotation and pruning cover them.
_HOLDERS: list[tuple[Callable[[sealing.Keyring], int], Callable[[], Iterable[str]]]] = []


def register_sealed_holder(
    reseal: Callable[[sealing.Keyring], int], tokens: Callable[[], Iterable[str]]
) -> None:
    """``reseal(ring)`` re-seals under the active key and returns how many it changed;
    ``tokens()`` lists the sealed tokens held (registered once, from ``AppConfig.ready``)."""
    if (reseal, tokens) not in _HOLDERS:
        _HOLDERS.append((reseal, tokens))


@dataclass
class RotationSummary:
    """The new active key, how many secrets were re-sealed, and the keys removed."""

    key_id: str
    resealed: int = 0
    connectors: int = 0
    removed_keys: list[str] = field(default_factory=list)


def rotate_keys(*, prune: bool = False) -> RotationSummary:
    """Add a new active key and re-seal every secret of every organization under it.

    Older keys stay in the keyring (a web process that has not re-read it yet can still open
    what it reads); with ``prune`` the keys no token uses any more are removed afterwards.
    Each connector is re-sealed in its own transaction, so a failure leaves every secret
    sealed under one of the keys the keyring still holds.
    """
    summary = RotationSummary(key_id=sealing.add_active_key())
    ring = sealing.load_keyring()
    for pk in Connector.objects.exclude(sealed={}).values_list("pk", flat=True):
        resealed = _reseal(pk, ring)
        if resealed:
            summary.connectors += 1
            summary.resealed += resealed
    for reseal, _tokens in _HOLDERS:
        summary.resealed += reseal(ring)
    if prune:
        used = {
            sealing.split_token(token)[0]
            for sealed in Connector.objects.values_list("sealed", flat=True)
            for token in (sealed or {}).values()
        }
        used |= {sealing.split_token(t)[0] for _reseal, tokens in _HOLDERS for t in tokens()}
        summary.removed_keys = sealing.remove_keys(set(ring.keys) - used - {ring.active})
    security_log.event(
        "connector secrets keyring rotated",
        active_key=summary.key_id,
        resealed=summary.resealed,
        removed_keys=summary.removed_keys,
    )
    return summary


def _reseal(pk: int, ring: sealing.Keyring) -> int:
    with transaction.atomic():
        connector = Connector.objects.select_for_update().select_related("organization").get(pk=pk)
        org_uid = str(connector.organization.uid)
        changed = 0
        sealed = dict(connector.sealed)
        for field_name, token in sealed.items():
            if sealing.split_token(token)[0] == ring.active:
                continue
            aad = sealing.associated_data(org_uid, str(connector.uid), field_name)
            sealed[field_name] = ring.seal(ring.open(token, aad), aad)
            changed += 1
        if changed:
            connector.sealed = sealed
            connector.save(update_fields=["sealed"])
            ledger.append(
                OrgContext.system(connector.organization),
                object_type=OBJECT_TYPE,
                object_id=str(connector.uid),
                action="reseal",
                data={"key_id": ring.active, "fields": sorted(sealed)},
            )
    return changed
