"""The layout of an export bundle: its format, version, file names, and the error for a bundle
that cannot be read at all.

Part of the standalone verifier (``annexa-verify``): standard library only. ``annexa export``
writes bundles with these names and ``annexa import`` reads them.
"""

from __future__ import annotations

BUNDLE_FORMAT = "annexa-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
ENTRIES = "ledger/entries.jsonl"
CHECKPOINTS = "ledger/checkpoints.json"
PUBLIC_KEY = "ledger/public_key.pem"
KEYS_DIR = "ledger/keys/"
BLOBS_DIR = "blobs/"


class BundleError(Exception):
    """The bundle cannot be read at all (not a zip, no manifest, unknown format)."""
