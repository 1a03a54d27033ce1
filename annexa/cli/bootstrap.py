"""Django set-up for CLI commands, done lazily so ``annexa --help`` stays instant."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

# Messages go to stderr; stdout carries only machine-readable output (--format json/csv).
err = Console(stderr=True)


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
    import django

    from annexa.config import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        fail(f"configuration error: {exc}")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def out(text: str) -> None:
    sys.stdout.write(text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")


def get_org(slug: str):
    from annexa.orgs.models import Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        fail(f"no organization with slug {slug!r} (see `annexa org list`)")
    return org


def system_ctx(slug: str):
    from annexa.core.tenancy import OrgContext

    return OrgContext.system(get_org(slug))
