"""The demo organization's documents records (filled in by issue 15's work)."""

from __future__ import annotations


def build_documents_demo(ctx, people) -> None:
    """Build the demo's documents records through the ordinary services."""
