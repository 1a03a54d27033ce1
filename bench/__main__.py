"""Run every benchmark: one line per figure, and ``bench/results/<name>.json`` for each.

    python -m bench                          # every bench/bench_*.py module
    python -m bench --only ledger            # just bench_ledger.py
    python -m bench --only ledger --entries 10000
    python -m bench --only scale --scale 0.1 --database postgres
    python -m bench --only scale --compare-url https://peer.example --compare-token TOKEN

``--database sqlite|postgres`` runs the modules that can use either on that one only (by
default they run on SQLite and, when it answers, on PostgreSQL in a scratch database; the
others always use SQLite). Other options are passed to each module's ``run()`` as keyword
arguments when its signature accepts them (``--entries 10000`` becomes ``entries=10000``). Each
module runs in a process of its own, so one benchmark's Django settings never leak into
another's. A module's keys that start with ``_`` are facts of its run (kept in its JSON file),
not figures. With ``--compare-url`` and ``--compare-token`` the same operations are also run
against another tool's HTTP API and the ratios printed (``bench/compare.py``); without them
nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bench
from bench.common import as_figure, line, write_results

CHILD = """
import importlib, inspect, json, sys
module = importlib.import_module(sys.argv[1])
options = json.loads(sys.argv[2])
accepted = inspect.signature(module.run).parameters
figures = module.run(**{k: v for k, v in options.items() if k in accepted})
with open(sys.argv[3], "w", encoding="utf-8") as handle:
    json.dump(figures, handle)
"""


def discover() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )


def parse(argv: list[str]) -> tuple[argparse.Namespace, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", default=[], help="e.g. ledger (repeatable)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=None)
    parser.add_argument("--compare-url", default=None, help="another tool's API base URL")
    parser.add_argument("--compare-token", default=None, help="its API token")
    parser.add_argument("--no-write", action="store_true", help="print only; no results file")
    known, rest = parser.parse_known_args(argv)
    if bool(known.compare_url) != bool(known.compare_token):
        parser.error("--compare-url and --compare-token go together")
    options: dict[str, object] = {}
    while rest:
        flag = rest.pop(0)
        if not flag.startswith("--") or not rest:
            parser.error(f"options are --name VALUE pairs; got {flag!r}")
        options[flag[2:].replace("-", "_")] = _value(rest.pop(0))
    if known.database:
        options["database"] = known.database
    return known, options


def _value(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run_module(name: str, options: dict[str, object]) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-") as scratch:
        result = Path(scratch) / "figures.json"
        command = [sys.executable, "-c", CHILD, f"bench.{name}", json.dumps(options), str(result)]
        completed = subprocess.run(command, stdout=sys.stderr, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"bench.{name} failed with exit code {completed.returncode}")
        return json.loads(result.read_text(encoding="utf-8"))


def databases_of(name: str, options: dict[str, object]) -> str:
    """Which database(s) a module's figures were measured on."""
    import importlib
    import inspect

    module = importlib.import_module(f"bench.{name}")
    if "database" not in inspect.signature(module.run).parameters:
        return "sqlite"
    return str(options.get("database") or "sqlite and postgres (when it answers)")


def report(name: str, found: dict, *, database: str, write: bool) -> dict:
    """Print one line per figure; write ``bench/results/<short name>.json``."""
    short = name.removeprefix("bench_")
    figures = {k: as_figure(k, v) for k, v in found.items() if not k.startswith("_")}
    facts = {k.removeprefix("_"): v for k, v in found.items() if k.startswith("_")}
    print(f"## {short} ({database})", flush=True)
    for key, fig in figures.items():
        print(line(key, fig), flush=True)
    if write:
        path = write_results(short, figures, database=database, extra=facts)
        print(f"(written to bench/results/{path.name})", flush=True)
    print(flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    known, options = parse(sys.argv[1:] if argv is None else argv)
    names = discover()
    if known.only:
        wanted = {f"bench_{n.removeprefix('bench_')}" for n in known.only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    measured: dict[str, dict] = {}
    for name in names:
        found = run_module(name, options)
        database = databases_of(name, options)
        measured[name] = report(name, found, database=database, write=not known.no_write)
    if known.compare_url:
        from bench import compare

        compare.main(known.compare_url, known.compare_token, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
