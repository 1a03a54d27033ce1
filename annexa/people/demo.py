"""The demo organization's people records (filled in by issue 15's work)."""

from __future__ import annotations


def build_people_demo(ctx, people) -> None:
    """Build the demo's people records through the ordinary services."""
