"""The one place the ledger reaches the evidence blob store, for the faces (CLI, web, API).

The ledger's own modules take a blob opener or store as a parameter, so the ledger never
depends on the evidence app; only these adapters import it, lazily.
"""

from __future__ import annotations

from typing import BinaryIO

from annexa.ledger.verify import BlobOpener


def default_store():
    """The configured evidence store (``annexa.evidence.storage.get_store``)."""
    from annexa.evidence.storage import get_store

    return get_store()


def store_opener(store) -> BlobOpener:
    """An opener over ``store`` that reports a missing or misnamed blob as FileNotFoundError."""
    from annexa.evidence.storage import BlobMissing, StorageError

    def open_blob(sha256: str) -> BinaryIO:
        try:
            return store.open(sha256)
        except (BlobMissing, StorageError) as exc:
            raise FileNotFoundError(sha256) from exc

    return open_blob


def default_opener() -> BlobOpener:
    return store_opener(default_store())
