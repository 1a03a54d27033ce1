"""Evidence tests: every test gets its own empty blob store, so stores never leak."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def blob_root(tmp_path, settings):
    """A fresh file store under the test's temporary directory."""
    root = tmp_path / "blobs"
    settings.STORAGE_URL = f"file://{root}"
    return root


@pytest.fixture
def acme_ctx(alice):
    """Alice (owner of Acme) as the acting context."""
    return alice.ctx


@pytest.fixture
def controls(db):
    """Two Annex A controls and one clause requirement, without loading the whole catalog."""
    from annexa.catalog.choices import RequirementKind, Theme
    from annexa.catalog.ids import sort_key
    from annexa.catalog.models import Control, Requirement

    for control_id, title, theme in (
        ("A.5.15", "Access control", Theme.ORGANIZATIONAL),
        ("A.8.2", "Privileged access rights", Theme.TECHNOLOGICAL),
    ):
        Control.objects.get_or_create(
            id=control_id,
            defaults={
                "title": title,
                "theme": theme,
                "sort_key": sort_key(control_id),
            },
        )
    Requirement.objects.get_or_create(
        id="9.2.2",
        defaults={
            "title": "Internal audit programme",
            "kind": RequirementKind.SUBCLAUSE,
            "clause": 9,
            "sort_key": sort_key("9.2.2"),
        },
    )
