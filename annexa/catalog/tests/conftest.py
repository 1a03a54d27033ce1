"""Fixtures of the catalog tests: a private, editable copy of the packaged data files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annexa.catalog.loader import DATA_DIR
from annexa.catalog.tests.datafiles import rewrite

Editor = Callable[[str, Callable[[Any], Any]], None]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of ``annexa/catalog/data`` that a test may change without touching the package."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def edit(data_dir: Path) -> Editor:
    """``edit("annex_a/people.json", change)``: rewrites one file of the copy."""
    return lambda name, change: rewrite(data_dir / name, change)
