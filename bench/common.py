"""What every benchmark shares: the scratch PostgreSQL database, the machine's facts, one
figure's statistics, the one-line print and ``bench/results/<name>.json``."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASES = ("sqlite", "postgres")


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_server() -> str | None:
    """The server to make scratch databases on: ``ANNEXA_BENCH_DATABASE_URL``, else the local
    one when it answers, else None."""
    url = os.environ.get("ANNEXA_BENCH_DATABASE_URL")
    if url:
        return url
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return LOCAL_POSTGRES
    return None


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A database of its own on ``server_url``'s server, dropped afterwards."""
    import psycopg

    name = f"annexa_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_url_for(database: str) -> Iterator[str | None]:
    """None for SQLite (the instance's own file); a scratch PostgreSQL database otherwise."""
    if database not in DATABASES:
        raise ValueError(f"--database is one of {', '.join(DATABASES)}, not {database!r}")
    if database == "sqlite":
        yield None
        return
    server = postgres_server()
    if server is None:
        raise SystemExit(
            "PostgreSQL does not answer at 127.0.0.1:5432 (or set ANNEXA_BENCH_DATABASE_URL)"
        )
    with scratch_database(server) as url:
        yield url


def per_database(spawn, database: str | None = None) -> dict:
    """``spawn(database_url)``'s figures, prefixed: SQLite and PostgreSQL (when it answers), or
    only the ``database`` asked for ("sqlite" or "postgres")."""
    figures: dict = {}
    if database in (None, "sqlite"):
        figures.update(prefixed("sqlite", spawn(None)))
    if database == "sqlite":
        return figures
    if database is None and postgres_server() is None:
        figures["postgresql"] = "not reachable: skipped"
        return figures
    with database_url_for("postgres") as url:
        figures.update(prefixed("postgresql", spawn(url)))
    return figures


def prefixed(prefix: str, figures: dict) -> dict:
    return {f"{prefix} {key}": value for key, value in figures.items()}


def configure(home: Path, database_url: str | None = None, *, catalog: bool = True) -> None:
    """Django on a fresh instance in ``home`` (and ``database_url``'s database), migrated, with
    the catalog and the ledger signing key."""
    for name in [n for n in os.environ if n.startswith("ANNEXA_")]:
        del os.environ[name]  # never touch a configured database or store
    os.environ.update(
        ANNEXA_HOME=str(home),
        ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
        ANNEXA_STORAGE_URL=f"file://{home / 'blobs'}",
        ANNEXA_ALLOWED_HOSTS="testserver",
        ANNEXA_REPORT_PDF_SECONDS="1800",
        DJANGO_SETTINGS_MODULE="annexa.settings",
    )
    if database_url:
        os.environ["ANNEXA_DATABASE_URL"] = database_url
    (home / "tmp" / "uploads").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog
    from annexa.ledger.keys import ensure_signing_key

    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    call_command("migrate", interactive=False, verbosity=0)
    if catalog:
        load_catalog()


# --- facts -------------------------------------------------------------------------------------


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def git_commit() -> str:
    """HEAD's commit (``ANNEXA_BENCH_COMMIT`` when the code runs from an exported copy)."""
    if os.environ.get("ANNEXA_BENCH_COMMIT"):
        return os.environ["ANNEXA_BENCH_COMMIT"]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head


def machine() -> dict[str, Any]:
    """The facts that make a figure comparable: cores, CPU model, memory, Python, SQLite."""
    import sqlite3

    facts: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory GiB"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    return facts


# --- figures -----------------------------------------------------------------------------------


def figure(
    samples: Sequence[float] | float,
    unit: str,
    *,
    target: str | None = None,
    passed: bool | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One figure: its value (the median of ``samples``), unit, runs, median, min, max, p95,
    its target and whether it met it."""
    values = [float(samples)] if isinstance(samples, int | float) else [float(s) for s in samples]
    if not values:
        raise ValueError("a figure needs at least one sample")
    median = statistics.median(values)
    out: dict[str, Any] = {
        "value": _round(median),
        "unit": unit,
        "runs": len(values),
        "median": _round(median),
        "min": _round(min(values)),
        "max": _round(max(values)),
    }
    # With few runs the p95 is close to the max; it is there so a p95 target can be judged.
    out["p95"] = _round(percentile(values, 95))
    if target is not None:
        out["target"] = target
        out["verdict"] = "PASS" if passed else "MISS"
    out.update(extra)
    return out


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile, linear between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value: float) -> float:
    return round(value, 3 if abs(value) < 100 else 1)


def as_figure(key: str, value: Any) -> dict[str, Any]:
    """A figure from an older module's flat ``{"name (unit)": value}`` pair."""
    if isinstance(value, dict) and "value" in value:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return {"value": value, "unit": "", "runs": None}
    unit = ""
    lowered = key.lower()
    for marker, name in (
        ("(s)", "s"),
        (" s (", "s"),
        (", s", "s"),
        (" ms", "ms"),
        ("mb/s", "MB/s"),
        ("entries/s", "entries/s"),
        ("files/s", "files/s"),
        ("findings/s", "findings/s"),
        ("(kib)", "KiB"),
        (" kib", "KiB"),
        (" kb", "kB"),
        ("mib", "MiB"),
    ):
        if marker in lowered:
            unit = name
            break
    return {"value": value, "unit": unit, "runs": None, "median": value, "min": value, "max": value}


def line(key: str, fig: dict[str, Any]) -> str:
    """One printed line: ``name: value unit (median of n, min–max) target → PASS``."""
    value = fig.get("value")
    shown = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    text = f"{key}: {shown}{(' ' + fig['unit']) if fig.get('unit') else ''}"
    runs = fig.get("runs")
    if runs and runs > 1:
        text += f" (median of {runs}, min {fig['min']:,} max {fig['max']:,}"
        text += f", p95 {fig['p95']:,})" if "p95" in fig else ")"
    if isinstance(fig.get("queries"), int):
        text += f", {fig['queries']} queries"
    if "target" in fig:
        text += f" — target {fig['target']}: {fig['verdict']}"
    return text


def write_results(
    name: str, figures: dict[str, Any], *, database: str, extra: dict[str, Any] | None = None
) -> Path:
    """``bench/results/<name>.json`` with every figure and the facts of the run."""
    RESULTS.mkdir(exist_ok=True)
    document = {
        "name": name,
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": database,
        "load_average": load_average(),
        "git_commit": git_commit(),
        "machine": machine(),
        **(extra or {}),
        "figures": {key: as_figure(key, value) for key, value in figures.items()},
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path
