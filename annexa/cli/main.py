"""The ``annexa`` command. Each module in this package that defines ``register(app)`` adds its
commands, so an app's CLI lives next to nothing else's."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import annexa.cli

app = typer.Typer(
    name="annexa",
    help="Annexa: ISO/IEC 27001:2022 internal audits and continuous control monitoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module_info in sorted(pkgutil.iter_modules(annexa.cli.__path__), key=lambda m: m.name):
    if module_info.name in {"main", "bootstrap"}:
        continue
    module = importlib.import_module(f"annexa.cli.{module_info.name}")
    if hasattr(module, "register"):
        module.register(app)


def run() -> None:
    """The console script: configuration and database failures end with a message, not a
    traceback (every command, wherever the failure surfaces)."""
    from rich.markup import escape

    from annexa.cli.bootstrap import err, explain

    try:
        app()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    run()
