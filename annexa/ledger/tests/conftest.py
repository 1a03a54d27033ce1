"""Fixtures for the ledger tests: the signing key, a blob store, tampering helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from annexa.ledger.keys import ensure_signing_key

LEDGER_TABLES = (
    "ledger_ledgerentry",
    "ledger_checkpoint",
    "ledger_trustedkey",
    "ledger_checkpointtimestamp",
)


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    """Personas get passwords; argon2 at production cost would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def signing_key() -> Path:
    """The instance's checkpoint key, created on first use as `annexa init` would."""
    path = Path(settings.SIGNING_KEY_PATH)
    ensure_signing_key(path)
    return path


@pytest.fixture
def store(settings, tmp_path):
    """A fresh blob store for this test, configured as the instance's evidence store."""
    from annexa.evidence.storage import get_store

    settings.STORAGE_URL = f"file://{tmp_path / 'blobs'}"
    return get_store()


@pytest.fixture
def opener(store):
    from annexa.ledger.blobs import store_opener

    return store_opener(store)


def words(text: str) -> str:
    """CLI messages with rich's line wrapping undone, for substring assertions."""
    return " ".join(text.split())


def tamper_sql(sql: str, params: tuple = ()) -> None:
    """Run ``sql`` as a DBA with superuser rights would: past the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred FK checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
