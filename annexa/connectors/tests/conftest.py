"""Connector tests: a private ANNEXA_HOME (imports, scratch, keyring) and blob store per test."""

from __future__ import annotations

import pytest

from annexa.connectors import secrets


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    """A fresh ANNEXA_HOME with a secrets keyring, and a fresh blob store."""
    root = tmp_path / "home"
    root.mkdir()
    settings.HOME = root
    settings.STORAGE_URL = f"file://{tmp_path / 'blobs'}"
    secrets.ensure_keyring()
    return root


@pytest.fixture
def import_dir(home, acme):
    """Acme's import directory (where path-based connectors read files)."""
    path = home / "imports" / acme.slug
    path.mkdir(parents=True)
    return path
