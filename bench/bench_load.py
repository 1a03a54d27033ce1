"""Load test of the scale-out topology: 50 simulated users for 2 minutes (locust).

    python -m bench --only load                          # 50 users, 120 s
    python -m bench --only load --users 20 --seconds 30
    python -m bench --only load --wait 0                 # throughput: no pause between requests

Starts the topology of ``tests/integration/topology.py`` (two gunicorn processes with one
worker each, two huey workers on Redis, PostgreSQL, S3 on a moto server), seeds an audit of 30
controls in fieldwork through the API, then runs ``bench/locustfile.py`` headless: auditors
saving checklist results with If-Match and reading them back, managers reading the dashboard
and lists, uploaders storing evidence. Reports requests/s, p50/p95/p99 (all requests, reads,
saves, uploads), errors, refused stale saves, and proves no save was lost: every accepted save
got a version of its own, and each item ends with the last accepted save's notes. Needs
PostgreSQL and Redis on this machine (as the integration test does).

Where the machine's two cores go is measured too, because locust, the workers, PostgreSQL and
moto share them with the web processes: the CPU time of each part during the run (web
processes, workers, the database, locust) and the web processes' CPU time per request, from
which the throughput two cores would give the web processes alone follows (2 CPU-seconds per
second divided by it). Before the run, each endpoint of the mix is asked 30 times in a row on
one web process and the CPU time that process spent is divided by 30: the cost of one request
of that endpoint through the whole stack (gunicorn, middleware, authentication, view).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import figure, load_average  # noqa: E402
from tests.integration import topology as topo  # noqa: E402
from tests.integration.topology import expect  # noqa: E402

CONTROLS = 30
ROLES = {
    "owner@load.test": "owner",
    "manager@load.test": "isms_manager",
    "auditor1@load.test": "auditor",
    "auditor2@load.test": "auditor",
}
LOCUST = str(Path(sys.executable).with_name("locust"))
READS = ("item: read", "item: read back", "checklist", "dashboard", "audits: list")
READS += ("findings: list", "evidence: list")


def seed(topology: topo.Topology) -> dict:
    """An audit of ``CONTROLS`` applicable controls in fieldwork, with its checklist."""
    api = f"/api/v1/orgs/{topo.ORG}"
    owner_key = topology.members["owner@load.test"].key
    with httpx.Client(
        base_url=topology.web_urls[0],
        headers={"Authorization": f"Bearer {owner_key}"},
        timeout=60,
    ) as owner:
        entries = expect(owner.get(f"{api}/soa/", params={"theme": "technological", "limit": 100}))
        controls = [e["control_id"] for e in entries["results"]][:CONTROLS]
        team = [("auditor1@load.test", "lead"), ("auditor2@load.test", "member")]
        audit = topo.audit_in_fieldwork(owner, controls, team)
        expect(owner.post(f"{api}/audits/{audit['id']}/checklist/generate/"), 201)
        items = expect(owner.get(f"{api}/audits/{audit['id']}/checklist/"))["items"]
    return {"audit": audit["id"], "items": [i["id"] for i in items]}


def _stats(prefix: Path) -> dict[str, dict]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def _combined(rows: list[dict], pct: str) -> float:
    """A request-weighted percentile over several endpoints (locust keeps one per endpoint)."""
    total = sum(int(r["Request Count"]) for r in rows)
    return (
        max(float(r[pct]) for r in rows)
        if total == 0
        else round(sum(float(r[pct]) * int(r["Request Count"]) for r in rows) / total, 1)
    )


def check_saves(topology: topo.Topology, saves: list[dict], items: list[int]) -> list[str]:
    """Problems with the accepted saves: a version given twice, or an item whose final state is
    not its last accepted save."""
    problems = []
    by_item: dict[int, list[dict]] = defaultdict(list)
    for save in saves:
        by_item[save["item"]].append(save)
    key = topology.members["auditor1@load.test"].key
    with httpx.Client(
        base_url=topology.web_urls[-1], headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as client:
        for item in items:
            accepted = sorted(by_item.get(item, []), key=lambda s: s["version"])
            versions = [s["version"] for s in accepted]
            if len(set(versions)) != len(versions):
                problems.append(f"item {item}: two saves accepted with the same version")
            state = expect(client.get(f"/api/v1/orgs/{topo.ORG}/audits/checklist/items/{item}/"))
            if accepted and (
                state["version"] != accepted[-1]["version"]
                or state["notes"] != accepted[-1]["notes"]
            ):
                problems.append(
                    f"item {item}: ends at version {state['version']} with {state['notes']!r}, "
                    f"the last accepted save was version {accepted[-1]['version']}"
                )
    return problems


def _memory(topology: topo.Topology) -> dict[str, float]:
    """Resident memory (MiB) of each web process (gunicorn arbiter and its worker) and worker."""
    import psutil

    found = {}
    for name, proc in topology.processes.items():
        if name.startswith(("web", "worker")) and proc.poll() is None:
            tree = psutil.Process(proc.pid)
            members = [tree, *tree.children(recursive=True)]
            found[name] = round(sum(p.memory_info().rss for p in members) / 2**20, 1)
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes and all their descendants, in seconds."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _postgres_pids() -> list[int]:
    import psutil

    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres",)]


def _parts(topology: topo.Topology) -> dict[str, list[int]]:
    """The processes of each part of the topology, by part."""
    parts: dict[str, list[int]] = defaultdict(list)
    for name, proc in topology.processes.items():
        if proc.poll() is None:
            part = (
                "web"
                if name.startswith("web")
                else "workers"
                if name.startswith("worker")
                else "other"
            )
            parts[part].append(proc.pid)
    parts["postgresql"] = _postgres_pids()
    return parts


def cpu_per_endpoint(topology: topo.Topology, config: dict, times: int = 30) -> dict[str, float]:
    """Milliseconds of web CPU per request of each read endpoint of the mix, asked ``times``
    times in a row on the first web process (after one warm-up request)."""
    api = f"/api/v1/orgs/{config['org']}"
    item = config["items"][0]
    endpoints = {
        "item: read": f"{api}/audits/checklist/items/{item}/",
        "checklist": f"{api}/audits/{config['audit']}/checklist/",
        "dashboard": f"{api}/dashboard/",
        "audits: list": f"{api}/audits/",
        "findings: list": f"{api}/findings/",
        "evidence: list": f"{api}/evidence/",
    }
    web = [proc.pid for name, proc in topology.processes.items() if name == "web1"]
    found = {}
    key = config["keys"]["manager"][0]
    with httpx.Client(
        base_url=topology.web_urls[0], headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as client:
        for name, path in endpoints.items():
            expect(client.get(path))
            start = _cpu_seconds(web)
            for _ in range(times):
                expect(client.get(path))
            found[name] = round((_cpu_seconds(web) - start) * 1000 / times, 1)
    return found


def run(users: int = 50, seconds: int = 120, wait: float | str = "0.2-1.0") -> dict:
    before = load_average()
    try:
        topo.check_services()
    except topo.Unavailable as exc:
        # `make bench` on a machine without them: the other benchmarks still run.
        print(f"load test skipped: {exc}", file=sys.stderr)
        return {"_skipped": str(exc)}
    with topo.running_topology(web=2, workers=2, web_workers=1, roles=ROLES) as topology:
        seeded = seed(topology)
        with tempfile.TemporaryDirectory(prefix="annexa-load-") as scratch:
            work = Path(scratch)
            keys = topology.members
            config = {
                "org": topo.ORG,
                "web_urls": topology.web_urls,
                "keys": {
                    "auditor": [keys["auditor1@load.test"].key, keys["auditor2@load.test"].key],
                    "manager": [keys["manager@load.test"].key],
                },
                "saves_path": str(work / "saves.json"),
                "wait": _wait(wait),
                **seeded,
            }
            per_endpoint = cpu_per_endpoint(topology, config)
            parts = _parts(topology)
            cpu_before = {part: _cpu_seconds(pids) for part, pids in parts.items()}
            locust_before = _children_cpu()
            (work / "config.json").write_text(json.dumps(config))
            env = {**os.environ, "LOAD_TEST_CONFIG": str(work / "config.json")}
            started = time.monotonic()
            completed = subprocess.run(
                [
                    LOCUST,
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(1, users // 10)),
                    "--run-time",
                    f"{seconds}s",
                    "--csv",
                    str(work / "load"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--stop-timeout",
                    "30",
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.monotonic() - started
            cpu = {part: _cpu_seconds(pids) - cpu_before[part] for part, pids in parts.items()}
            cpu["locust"] = _children_cpu() - locust_before
            during = load_average()
            memory = _memory(topology)
            stats = _stats(work / "load")
            outcome = json.loads((work / "saves.json").read_text())
            saves = outcome["saves"]
            failures_csv = (work / "load_failures.csv").read_text()
        lost = check_saves(topology, saves, seeded["items"])
    total = stats["Aggregated"]
    reads = [stats[name] for name in READS if name in stats]
    errors = int(total["Failure Count"])
    if completed.returncode not in (0, 1) or not stats:
        raise RuntimeError(f"locust failed ({completed.returncode}):\n{completed.stderr[-4000:]}")

    def ms(row: dict, pct: str) -> dict:
        return figure(float(row[pct]), "ms")

    figures = {
        "requests/s (all users)": figure(float(total["Requests/s"]), "requests/s"),
        "requests": figure(int(total["Request Count"]), "requests"),
        "errors": figure(errors, "requests", target="0", passed=errors == 0),
        "lost updates": figure(len(lost), "saves", target="0", passed=not lost),
        "saves accepted": figure(len(saves), "saves"),
        "stale saves refused with 412": figure(outcome["refused"], "saves"),
        "p50 all": ms(total, "50%"),
        "p95 all": ms(total, "95%"),
        "p99 all": ms(total, "99%"),
        "p99 reads (request-weighted over read endpoints)": figure(_combined(reads, "99%"), "ms"),
    }
    requests = max(1, int(total["Request Count"]))
    web_ms = cpu["web"] * 1000 / requests
    figures["web CPU per request (mean over the mix)"] = figure(round(web_ms, 1), "ms")
    figures["throughput of two cores given to the web processes alone"] = figure(
        round(2000 / web_ms, 1) if web_ms else 0,
        "requests/s",
        target=">= 300",
        passed=web_ms > 0 and 2000 / web_ms >= 300,
    )
    for part, spent in cpu.items():
        figures[f"CPU during the run: {part}"] = figure(round(spent, 1), "s")
    for name, spent in per_endpoint.items():
        figures[f"web CPU per request: {name}"] = figure(spent, "ms")
    for name, mib in memory.items():
        figures[f"memory {name} after the run"] = figure(mib, "MiB")
    for name in ("item: save (If-Match)", "evidence: upload", "dashboard", "checklist"):
        if name in stats:
            for pct in ("50%", "95%", "99%"):
                figures[f"{name} p{pct[:-1]}"] = ms(stats[name], pct)
    return {
        **figures,
        "_users": users,
        "_wait_s": config["wait"],
        "_seconds": seconds,
        "_elapsed_s": round(elapsed, 1),
        "_topology": "2 gunicorn processes (1 gthread worker, 4 threads each), 2 huey workers "
        "on Redis, PostgreSQL, S3 on moto; locust on the same machine",
        "_load_average_before": before,
        "_load_average_after": during,
        "_lost_update_problems": lost[:20],
        "_failures": failures_csv[:4000],
        "_locust_stderr_tail": completed.stderr[-2000:],
    }


def _wait(wait: float | str) -> list[float]:
    """``0`` or ``"0.2-1.0"``: the low and high pause of each user between requests."""
    low, _, high = str(wait).partition("-")
    return [float(low), float(high or low)]


def _children_cpu() -> float:
    """CPU time of this process's waited-for children (the locust run)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--wait", default="0.2-1.0", help="pause between requests: 0 or LOW-HIGH")
    options = parser.parse_args()
    print(json.dumps(run(options.users, options.seconds, options.wait), indent=2))
