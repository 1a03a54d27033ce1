"""``annexa connectors list|add``, ``annexa ingest``, ``annexa collect`` and ``annexa rotate-keys``.

Messages go to stderr, data (summaries, lists) to stdout. An import refused because the file
is not valid exits with 2, other errors with 1.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from annexa.cli.bootstrap import err, fail, out, setup, system_ctx

REJECTED_EXIT = 2
KINDS = ("openscap", "lynis", "ocsf", "accounts", "assets", "training")

connectors_app = typer.Typer(
    help="Connector plugins: built-in and installed.", no_args_is_help=True
)


class Format(StrEnum):
    json = "json"
    table = "table"


def _stdout_table(table: Table) -> None:
    Console(file=sys.stdout, width=120).print(table)


@connectors_app.command("list")
def list_(
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List the connector plugins: built-ins and those installed as packages."""
    setup()
    from annexa.connectors import registry
    from annexa.connectors.schema import describe

    rows = []
    for name, plugin in registry.plugins().items():
        cls = plugin.cls
        rows.append(
            {
                "name": name,
                "label": cls.label if cls else "",
                "origin": plugin.origin,
                "usable": plugin.usable,
                "error": plugin.error,
                "produces": list(cls.produces) if cls else [],
                "fields": [spec.as_dict() for spec in describe(cls.config_class)] if cls else [],
            }
        )
    if output == Format.json:
        out(json.dumps(rows, indent=2, default=str))
        return
    table = Table("name", "label", "origin", "evidence", "secret fields", "status")
    for row in rows:
        secrets = ", ".join(f["name"] for f in row["fields"] if f["secret"]) or "-"
        status = "ok" if row["usable"] else f"unusable: {row['error']}"
        table.add_row(
            row["name"], row["label"], row["origin"], ", ".join(row["produces"]), secrets, status
        )
    _stdout_table(table)


def _pairs(items: list[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; exits 2 naming a malformed one."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"{option} takes KEY=VALUE, not {item!r}", REJECTED_EXIT)
        pairs[key.strip()] = value
    return pairs


def _setting_value(text: str) -> Any:
    """A setting typed on the command line: JSON when it is a list, number or boolean
    (``regions=["eu-west-1"]``, ``port=22``), else the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, list | int | float | bool) else text


def _secret_values(files: list[str], env_vars: list[str]) -> dict[str, str]:
    """Secrets from files or environment variables, never from the command line (which
    other users of the server can read in the process list)."""
    import os

    secrets: dict[str, str] = {}
    for field, path in _pairs(files, "--secret-file").items():
        try:
            secrets[field] = Path(path).read_text(encoding="utf-8").strip("\n")
        except OSError as exc:
            fail(f"cannot read the secret {field!r} from {path}: {exc.strerror}", REJECTED_EXIT)
    for field, name in _pairs(env_vars, "--secret-env").items():
        if name not in os.environ:
            fail(f"the environment variable {name} (for {field!r}) is not set", REJECTED_EXIT)
        secrets[field] = os.environ[name]
    return secrets


@connectors_app.command("add")
def add(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    name: Annotated[str, typer.Option("--name", help="A name unique in the organization.")],
    kind: Annotated[str, typer.Option("--kind", help="The plugin (see `connectors list`).")],
    values: Annotated[
        list[str], typer.Option("--set", help="A setting, KEY=VALUE (repeatable).")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
    secret_files: Annotated[
        list[str], typer.Option("--secret-file", help="A secret read from a file, FIELD=PATH.")
    ] = [],  # noqa: B006
    secret_env: Annotated[
        list[str],
        typer.Option("--secret-env", help="A secret read from an environment variable, FIELD=VAR."),
    ] = [],  # noqa: B006
    interval: Annotated[int, typer.Option(help="Minutes between scheduled runs.")] = 60,
    valid_days: Annotated[int, typer.Option(help="Days its evidence stays fresh.")] = 7,
    disabled: Annotated[bool, typer.Option(help="Configure it without scheduling runs.")] = False,
) -> None:
    """Configure a connector (secrets come from files or environment variables only)."""
    setup()
    from annexa.connectors import services
    from annexa.connectors.schema import ConfigInvalid

    ctx = system_ctx(org)
    settings = {key: _setting_value(value) for key, value in _pairs(values, "--set").items()}
    secrets = _secret_values(secret_files, secret_env)
    try:
        connector = services.create(
            ctx,
            name=name,
            kind=kind,
            values=settings,
            secrets=secrets,
            enabled=not disabled,
            interval_minutes=interval,
            valid_days=valid_days,
        )
    except ConfigInvalid as exc:
        for field, message in exc.errors.items():
            err.print(f"  {field}: {message}", highlight=False, markup=False)
        fail(f"the {kind} connector was not saved: fix the settings above", REJECTED_EXIT)
    except services.ConnectorError as exc:
        fail(str(exc), REJECTED_EXIT)
    state = "disabled" if disabled else f"runs every {interval} min"
    err.print(f"connector {connector.name!r} ({kind}) saved for {org}; {state}", markup=False)


def _print_judged(report: dict[str, Any]) -> None:
    evidence = report["evidence"]
    state = "new evidence" if evidence["new"] else "already held (no new evidence)"
    run = "new" if report["test_run"]["new"] else "reused"
    err.print(
        f"{report['kind']}: {evidence['filename']} ({evidence['sha256'][:12]}…) — {state}; "
        f"{report['findings']} finding(s), test run {run}"
    )
    if report["facts"]:
        err.print(", ".join(f"{k}: {v}" for k, v in report["facts"].items()), markup=False)
    from annexa.connectors.mapping import STATUSES

    controls = Table(
        "control", *STATUSES, title="Scanner results per Annex A control (control tests apart)"
    )
    for control, counts in report["controls"].items():
        controls.add_row(control, *(str(counts[k]) for k in STATUSES))
    _stdout_table(controls)
    tests = Table("test", "status", "controls", "reason", title="Control tests")
    for test in report["tests"]:
        tests.add_row(test["id"], test["status"], ", ".join(test["controls"]), test["reason"])
    _stdout_table(tests)
    if report["unmapped"]:
        unmapped = Table("rule / check", "why it maps to no control", title="Unmapped")
        for entry in report["unmapped"]:
            unmapped.add_row(entry["rule"], entry["reason"])
        _stdout_table(unmapped)


def ingest(
    path: Annotated[Path, typer.Argument(help="A tool's output file.", show_default=False)],
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=f"One of {', '.join(KINDS)} (default: from the content)."),
    ] = None,
    valid_days: Annotated[
        int, typer.Option("--valid-days", min=1, max=366, help="Days the evidence stays fresh.")
    ] = 30,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Import a scanner's output as evidence, run the control tests, print the summary."""
    setup()
    from annexa.connectors.services import ConnectorError, ImportRejected
    from annexa.monitoring import services

    if kind is not None and kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not path.is_file():
        fail(f"{path}: no such file")
    ctx = system_ctx(org)
    try:
        judged = services.ingest(ctx, path, kind=kind, valid_days=valid_days)
    except ImportRejected as exc:
        fail(f"refused: {exc}", code=REJECTED_EXIT)
    except ConnectorError as exc:
        fail(str(exc))
    report = judged.as_dict()
    if output == Format.json:
        out(json.dumps(report, indent=2, default=str))
    else:
        _print_judged(report)


def collect(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    connector: Annotated[
        str | None, typer.Option("--connector", help="Only this connector (by name).")
    ] = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue", help="Queue the runs for `annexa worker` instead of running them here."
        ),
    ] = False,
) -> None:
    """Run connectors now, in the foreground with a progress bar, or queued for the worker."""
    setup()
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from annexa.connectors.models import Connector
    from annexa.connectors.services import JobQueueUnavailable
    from annexa.monitoring import services

    ctx = system_ctx(org)
    chosen = Connector.objects.for_org(ctx.org).filter(enabled=True)
    if connector:
        chosen = Connector.objects.for_org(ctx.org).filter(name=connector)
        if not chosen.exists():
            fail(f"{org} has no connector called {connector!r}")
    connectors = list(chosen)
    if not connectors:
        fail(
            f"{org} has no enabled connector; configure one with `annexa connectors add`, "
            "the web UI or the API"
        )
    if queue:
        for item in connectors:
            try:
                run = services.queue_collection(ctx, item)
            except JobQueueUnavailable as exc:
                fail(f"{item.name}: {exc}")
            out(json.dumps({"connector": item.name, "run": run.pk, "status": run.status}))
        return
    failures = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        overall = progress.add_task("connectors", total=len(connectors))
        for item in connectors:
            task = progress.add_task(item.name, total=None)

            def report(message: str, task=task, name=item.name) -> None:
                progress.update(task, description=f"{name}: {message}")

            result = services.collect_now(ctx, item, report)
            progress.update(
                task, description=f"{item.name}: {result.run.status}", total=1, completed=1
            )
            progress.advance(overall)
            failures += result.run.status != "succeeded"
            _print_collected(result)
    if failures:
        fail(f"{failures} connector run(s) failed; see the messages above")


def _print_collected(result) -> None:
    run = result.run
    summary = {
        "connector": run.source,
        "status": run.status,
        "message": run.message,
        "files": [judged.as_dict() for judged in result.judged],
    }
    out(json.dumps(summary, default=str))


def rotate_keys(
    prune: Annotated[
        bool, typer.Option("--prune", help="Afterwards remove keys no secret uses any more.")
    ] = False,
) -> None:
    """Make a new key active for connector secrets and re-encrypt every secret with it."""
    setup()
    from annexa.connectors.secrets import SecretError
    from annexa.connectors.services import rotate_keys as rotate

    try:
        summary = rotate(prune=prune)
    except SecretError as exc:
        fail(str(exc))
    err.print(
        f"new active key {summary.key_id}: re-encrypted {summary.resealed} secret(s) of "
        f"{summary.connectors} connector(s)"
    )
    if summary.removed_keys:
        err.print(f"removed key(s) no longer used: {', '.join(summary.removed_keys)}")
    out(summary.key_id)


def register(app: typer.Typer) -> None:
    app.add_typer(connectors_app, name="connectors")
    app.command()(ingest)
    app.command()(collect)
    app.command("rotate-keys")(rotate_keys)
