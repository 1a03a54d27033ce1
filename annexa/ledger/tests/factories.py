"""Factories for the access tests: one row of each ledger model in a given organization."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from annexa.core.tenancy import OrgContext
from annexa.ledger import format as fmt
from annexa.ledger import keys, services
from annexa.ledger.models import Checkpoint, LedgerEntry, LedgerHead, TrustedKey


def make_entry(org) -> LedgerEntry:
    return services.append(
        OrgContext.system(org),
        object_type="test",
        object_id="factory",
        action="create",
        data={"made_by": "factory"},
    )


def make_checkpoint(org) -> Checkpoint:
    keys.ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    make_entry(org)
    return services.create_checkpoint(OrgContext.system(org))


def make_head(org) -> LedgerHead:
    make_entry(org)
    return LedgerHead.objects.get(organization=org)


def make_trusted_key(org) -> TrustedKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = keys.public_key_raw(Ed25519PrivateKey.generate())
    return TrustedKey.objects.create(
        organization=org,
        key_id=fmt.key_id(raw),
        public_key=raw.hex(),
        source="factory",
    )


FACTORIES = {
    LedgerEntry: make_entry,
    LedgerHead: make_head,
    Checkpoint: make_checkpoint,
    TrustedKey: make_trusted_key,
}

ROUTE_KWARGS = {
    # API routes address entries by their sequence number in the organization's chain.
    "seq": lambda org: make_entry(org).seq,
}
