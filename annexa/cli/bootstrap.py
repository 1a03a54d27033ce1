"""Django set-up for CLI commands, done lazily so ``annexa --help`` stays instant."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

# Messages go to stderr; stdout carries only machine-readable output (--format json/csv).
# soft_wrap: a message stays on one line, so logs and scripts can grep it whole.
err = Console(stderr=True, soft_wrap=True)


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
    import django

    from annexa.config import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        fail(f"configuration error: {exc}")


def fail(message: str, code: int = 1) -> None:
    # Escaped: a message may quote user input or data holding [brackets] (rich markup).
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
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


def explain(exc: BaseException) -> str | None:
    """What to fix, for the failures a command cannot prevent: configuration and database.

    ``None`` for anything else, which is a bug and keeps its traceback.
    """
    from annexa.config import ConfigError

    if isinstance(exc, ConfigError):
        return f"configuration error: {exc}"
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, OperationalError

    if isinstance(exc, ImproperlyConfigured) and "SECRET_KEY" in str(exc):
        return "no secret key: run `annexa init` (it writes one) or set ANNEXA_SECRET_KEY"
    if not isinstance(exc, DatabaseError):
        return None
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f"the database has no Annexa tables yet ({text}): run `annexa init` first"
    if "unable to open database file" in text:
        return (
            f"there is no database in ANNEXA_HOME ({text}): run `annexa init` first, "
            "or point ANNEXA_HOME at an initialised directory"
        )
    if isinstance(exc, OperationalError):
        return (
            f"cannot use the database ({text}): check ANNEXA_DATABASE_URL, or ANNEXA_HOME for "
            "the embedded SQLite file, and that the database server is running"
        )
    return None
