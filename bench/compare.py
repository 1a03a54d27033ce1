"""Side by side: the operations ``bench_scale`` measured in Annexa, asked of another ISO 27001
tool's HTTP API in the same run, and the ratios (Annexa / peer: below 1, Annexa is faster).

    python -m bench --only scale --scale 0.1 --compare-url http://peer:8000 --compare-token T

The peer's API is CISO Assistant's REST API (Django REST framework under ``/api/``, a personal
access token sent as ``Authorization: Token …``): lists of compliance assessments, assets, risk
scenarios and evidence, its metrics (the nearest thing to a readiness dashboard), the
requirement assessments of one compliance assessment (its checklist), and creating a compliance
assessment of ISO/IEC 27001:2022 (which creates one requirement assessment per requirement: a
full-scope audit with its checklist). The assessments created are deleted afterwards. Nothing is
sent anywhere unless both the URL and the token are given.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import RESULTS, figure, write_results

RUNS = 10
TIMEOUT = 60


@dataclass(frozen=True)
class Operation:
    """One operation: the suffix of Annexa's figure name, and the peer's request."""

    name: str
    annexa: str
    peer_path: str  # may hold {assessment}
    method: str = "GET"


API = "/api/v1/orgs/large"  # bench.generate's organization
OPERATIONS = (
    Operation("list audits (API)", f"list {API}/audits/", "/api/compliance-assessments/"),
    Operation("list assets (API)", f"list {API}/assets/", "/api/assets/"),
    Operation("list risks (API)", f"list {API}/risks/", "/api/risk-scenarios/"),
    Operation("list evidence (API)", f"list {API}/evidence/", "/api/evidences/"),
    Operation("dashboard (API)", f"dashboard API {API}/dashboard/", "/api/get_metrics/"),
    Operation(
        "one audit's checklist (API)",
        "checklist API",
        "/api/requirement-assessments/?compliance_assessment={assessment}",
    ),
    Operation(
        "create a full-scope audit with its checklist (API)",
        "create a full-scope audit with its checklist",
        "/api/compliance-assessments/",
        "POST",
    ),
)


class PeerError(Exception):
    pass


class Peer:
    """A CISO Assistant API at ``base`` with a personal access token."""

    def __init__(self, base: str, token: str, opener: Callable = urllib.request.urlopen) -> None:
        if not base.startswith(("http://", "https://")):
            raise PeerError(f"--compare-url must be an http(s) URL, not {base!r}")
        self.base, self.token, self.opener = base.rstrip("/"), token, opener

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Token {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener(request, timeout=TIMEOUT) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (urllib.error.URLError, OSError) as exc:
            raise PeerError(f"{self.base} does not answer: {exc}") from exc

    def timed(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        started = time.perf_counter()
        status, found = self.call(method, path, body)
        elapsed = (time.perf_counter() - started) * 1000
        if status >= 400:
            raise PeerError(f"{method} {path} answered {status}")
        return elapsed, found

    def first(self, path: str) -> dict | None:
        status, found = self.call("GET", path)
        if status != 200 or not found:
            return None
        rows = found.get("results", found) if isinstance(found, dict) else found
        return rows[0] if rows else None


def _iso27001(peer: Peer) -> str:
    for query in ("/api/frameworks/?search=27001", "/api/frameworks/"):
        _, found = peer.call("GET", query)
        rows = (found or {}).get("results", []) if isinstance(found, dict) else (found or [])
        for row in rows:
            text = f"{row.get('urn', '')} {row.get('name', '')}".lower()
            if "27001" in text and "2022" in text:
                return row["id"]
    raise PeerError("the peer has no ISO/IEC 27001:2022 framework loaded")


def _perimeter(peer: Peer) -> tuple[str, str]:
    for field, path in (("perimeter", "/api/perimeters/"), ("project", "/api/projects/")):
        found = peer.first(path)
        if found:
            return field, found["id"]
    raise PeerError("the peer has no perimeter (or project) to assess")


def measure_peer(peer: Peer, runs: int = RUNS) -> dict[str, dict]:
    """Each operation's median over ``runs`` on the peer (ms)."""
    framework = _iso27001(peer)
    field, scope = _perimeter(peer)
    created: list[str] = []
    results: dict[str, dict] = {}
    try:
        for op in OPERATIONS:
            timings = []
            if op.method == "GET" and "{assessment}" not in op.peer_path:
                peer.call("GET", op.peer_path)  # warm-up: a gunicorn worker's first request
            for n in range(runs):
                body = {"name": f"Annexa bench {n}", field: scope, "framework": framework}
                if op.method == "POST":
                    elapsed, found = peer.timed("POST", op.peer_path, body)
                    created.append(found["id"])
                else:
                    if "{assessment}" in op.peer_path and not created:
                        elapsed, found = peer.timed(
                            "POST",
                            "/api/compliance-assessments/",
                            {
                                "name": "Annexa bench checklist",
                                field: scope,
                                "framework": framework,
                            },
                        )
                        created.append(found["id"])
                    path = op.peer_path.format(assessment=created[0] if created else "")
                    elapsed, _ = peer.timed("GET", path)
                timings.append(elapsed)
            results[op.name] = figure(timings, "ms")
    finally:
        for uid in created:
            peer.call("DELETE", f"/api/compliance-assessments/{uid}/")
    return results


def annexa_figures(measured: dict[str, dict]) -> dict[str, dict]:
    """The scale benchmark's figures of this run, or of its last results file."""
    found = measured.get("bench_scale")
    if found:
        return found
    path = RESULTS / "scale.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8")).get("figures", {})
    return {}


def ratios(annexa: dict[str, dict], peer: dict[str, dict]) -> dict[str, dict]:
    """Annexa / peer per operation, from the medians (Annexa's first database that has it)."""
    out: dict[str, dict] = {}
    for op in OPERATIONS:
        mine = next(
            (
                f
                for key, f in annexa.items()
                if _names(key, op.annexa) and isinstance(f.get("value"), float | int)
            ),
            None,
        )
        theirs = peer.get(op.name)
        if mine is None or theirs is None:
            continue
        out[op.name] = {
            "annexa ms": mine["value"],
            "peer ms": theirs["value"],
            "annexa / peer": round(mine["value"] / theirs["value"], 2) if theirs["value"] else None,
        }
    return out


def _names(key: str, name: str) -> bool:
    """Whether the figure ``key`` ("sqlite list /api/…/risks/") is the one named ``name``:
    the whole name after the database, or the name and its detail ("checklist API, 250
    items…"), never a longer path (``…/risks/treatment-actions/`` is not ``…/risks/``)."""
    measured = key.split(" ", 1)[1] if " " in key else key
    return measured == name or measured.startswith(f"{name},") or measured.startswith(f"{name} (")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def main(url: str, token: str, measured: dict[str, dict], runs: int = RUNS) -> dict:
    peer = Peer(url, token)
    found = measure_peer(peer, runs)
    table = ratios(annexa_figures(measured), found)
    print("## compare (Annexa / peer; below 1: Annexa is faster)", flush=True)
    for name, row in table.items():
        print(
            f"{name}: Annexa {row['annexa ms']:,} ms, peer {row['peer ms']:,} ms, "
            f"ratio {row['annexa / peer']}",
            flush=True,
        )
    write_results(
        "compare",
        {f"peer {k}": v for k, v in found.items()},
        database="peer's own",
        extra={"peer": "CISO Assistant REST API", "ratios": table},
    )
    return table
