"""Monitoring tests: a private ANNEXA_HOME and blob store per test."""

from __future__ import annotations

import pytest

from annexa.connectors import secrets


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    root = tmp_path / "home"
    root.mkdir()
    settings.HOME = root
    settings.STORAGE_URL = f"file://{tmp_path / 'blobs'}"
    secrets.ensure_keyring()
    return root
