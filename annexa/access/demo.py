"""The demo organization's access records (filled in by issue 15's work)."""

from __future__ import annotations


def build_access_demo(ctx, people) -> None:
    """Build the demo's access records through the ordinary services."""
