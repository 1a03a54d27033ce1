"""Run every benchmark and print its figures as Markdown, ready for docs/benchmarks.md.

    python -m bench                          # every bench/bench_*.py module
    python -m bench --only ledger            # just bench_ledger.py
    python -m bench --only ledger --entries 10000

Options other than ``--only`` are passed to each module's ``run()`` as keyword arguments when
its signature accepts them (``--entries 10000`` becomes ``entries=10000``). Each module runs in
a process of its own, so one benchmark's Django settings never leak into another's.
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


def parse(argv: list[str]) -> tuple[list[str], dict[str, object]]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", default=[], help="e.g. ledger (repeatable)")
    known, rest = parser.parse_known_args(argv)
    options: dict[str, object] = {}
    while rest:
        flag = rest.pop(0)
        if not flag.startswith("--") or not rest:
            parser.error(f"options are --name VALUE pairs; got {flag!r}")
        value = rest.pop(0)
        options[flag[2:].replace("-", "_")] = int(value) if value.isdigit() else value
    return known.only, options


def run_module(name: str, options: dict[str, object]) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-") as scratch:
        result = Path(scratch) / "figures.json"
        command = [sys.executable, "-c", CHILD, f"bench.{name}", json.dumps(options), str(result)]
        completed = subprocess.run(command, stdout=sys.stderr, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"bench.{name} failed with exit code {completed.returncode}")
        return json.loads(result.read_text(encoding="utf-8"))


def markdown(name: str, figures: dict) -> str:
    lines = [f"## {name.removeprefix('bench_')}", "", "| figure | value |", "|---|---|"]
    for key, value in figures.items():
        shown = (
            f"{value:,.1f}"
            if isinstance(value, float)
            else (f"{value:,}" if isinstance(value, int) else str(value))
        )
        lines.append(f"| {key} | {shown} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    only, options = parse(sys.argv[1:] if argv is None else argv)
    names = discover()
    if only:
        wanted = {f"bench_{n.removeprefix('bench_')}" for n in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    for name in names:
        print(markdown(name, run_module(name, options)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
