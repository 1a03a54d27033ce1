"""Annexa on a large organization (issue 16's targets), measured on ``bench.generate``'s data.

One worker process per database (a fresh temporary ANNEXA_HOME; PostgreSQL in a scratch
database created for the run and dropped after it) generates the organization at ``scale`` and
measures, signed in as its ISMS manager (web pages through Django's test client with a session,
the API with an API key of the manager):

* every list page and API list endpoint of the organization (its URL patterns with no argument
  but the organization, walked as ``tests/test_access.py`` walks them; downloads, forms and
  actions left out), each asked ``runs`` times after one warm-up: p50 and p95, and the queries
  of one request;
* the readiness dashboard page and API;
* the checklist page and API of the audit with 250 items and 8,000 linked evidence items;
* creating a full-scope audit with its checklist through the API (POST the audit with every
  auditable requirement and control, POST the checklist's generation);
* the report of the audit with 200 findings and 5,000 cited evidence items: data, then PDF
  (WeasyPrint in its worker process), DOCX and OSCAL, each alone;
* ``annexa verify`` of the organization (entries/s, blob MB/s) next to raw ``hashlib.sha256``;
* ``annexa export`` of the organization, ``annexa import`` of that bundle under a new slug (then
  verified), and ``annexa backup`` of the instance — the code behind those commands, in process.

Each figure is printed with its target and PASS or MISS. For every MISS of a request the
request is asked once more under pyinstrument, and where its time goes (the slowest frames by
their own time and Annexa's functions by their total) is kept in the results and in
``bench/results/profiles/``.

    python -m bench --only scale --scale 0.1 --database sqlite
    python -m bench.bench_scale --scale 0.01 --runs 5       # directly, both databases
    python -m bench --only scale --scale 1 --quiet 1.2      # measure once the machine is quiet

``quiet``: after generating (which may share the machine), wait until the one-minute load
average is below this bound before measuring; the wait is kept as a fact of the run.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, figure, per_database, percentile, write_results

RUNS = 10
SCALE = 1.0
LIST_MS, DASHBOARD_MS, CHECKLIST_MS, CREATE_MS = 100, 150, 150, 100
REPORT_S = {"pdf": 10, "docx": 2, "oscal": 1}
VERIFY_ENTRIES_PER_S, BLOB_SHARE = 200_000, 0.5
BUNDLE_S = 120
# Routes with only <org> that are not lists to read: forms, actions, downloads, the heavy
# verification and the checks whose cost is the data they compute (measured elsewhere).
NOT_A_LIST = re.compile(
    r"(new|create|import|export|xlsx|csv|poam|approve|from-|ingest|verify|population|"
    r"public-key|sample-size|settings|apikeys|types|guidance|\.json|\.ics|first-run|pdf|docx|"
    r"edit|upload|feed)",
    re.IGNORECASE,
)
# Of those, the ones that list rows (the issue's "list page or API list" target applies).
LISTS = re.compile(
    r"(list|programmes|owners|my-requests|entries|checkpoint|runs|changes|notifications|"
    r"members|assessments|classifications|templates|acknowledgements|controls)$"
)


def run(
    scale: float = SCALE,
    runs: int = RUNS,
    database: str | None = None,
    pdf: int = 1,
    bundles: int = 1,
    quiet: float = 0.0,
) -> dict:
    """Figures per database (both, or only ``database``: "sqlite" or "postgres"), prefixed by
    its name; ``_profiles`` and ``_scale`` are the run's facts, not figures."""
    profiles: dict[str, Any] = {}

    def spawn(url: str | None) -> dict:
        found = _spawn(url, scale, runs, pdf, bundles, quiet)
        name = "postgresql" if url else "sqlite"
        write_profiles(name, found["profiles"])
        profiles[name] = found["profiles"]
        # Each database's figures as soon as they are known (a later failure keeps them).
        extra = {"scale": scale, **found.get("facts", {})}
        write_results(f"scale-{name}", found["figures"], database=name, extra=extra)
        return found["figures"]

    figures = per_database(spawn, database)
    return {**figures, "_scale": scale, "_profiles": profiles}


def _spawn(
    database_url: str | None, scale: float, runs: int, pdf: int, bundles: int, quiet: float
) -> dict:
    command = [sys.executable, "-m", "bench.bench_scale", "--worker"]
    command += ["--scale", str(scale), "--runs", str(runs), "--pdf", str(pdf)]
    command += ["--bundles", str(bundles), "--quiet", str(quiet)]
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"the scale benchmark failed (exit {result.returncode})")
    return json.loads(result.stdout)


# --- the worker ----------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Worker:
    def __init__(
        self,
        scale: float,
        runs: int,
        pdf: int,
        bundles: int,
        home: Path,
        database_url: str | None,
        quiet: float = 0.0,
    ) -> None:
        self.scale, self.runs, self.pdf, self.bundles, self.home = scale, runs, pdf, bundles, home
        self.quiet = quiet
        self.database_url = database_url
        self.figures: dict[str, Any] = {}
        self.profiles: dict[str, Any] = {}
        self.facts: dict[str, Any] = {}

    def measure(self) -> dict:
        from bench.generate import generate

        started = time.perf_counter()
        self.made = generate(scale=self.scale, progress=_say)
        self.figures["generate the organization"] = figure(
            time.perf_counter() - started, "s", steps=self.made.seconds, counts=self.made.counts
        )
        self._analyze()
        self._wait_for_quiet()
        self._clients()
        # What the generator leaves in this process's heap is not a web worker's: served
        # workers freeze what they loaded at start-up (``gc.freeze()``, see ``annexa serve``),
        # and so does this process before it measures, or a full collection over everything
        # generation allocated lands in one request in ten.
        gc.collect()
        gc.freeze()
        self._lists()
        self._checklist()
        self._create_audit()
        self._report()
        self._verify()
        self._bundles()
        return {
            "scale": self.scale,
            "figures": self.figures,
            "profiles": self.profiles,
            "facts": self.facts,
        }

    def _analyze(self) -> None:
        """PostgreSQL's statistics brought up to date after the bulk load, as its autovacuum
        does in a running installation within a minute or so of a large change: measured right
        after generation, the planner would still believe the tables nearly empty (the
        dashboard's per-control evidence count took 340 ms at scale 1 on such a plan, 110 ms
        once analyzed). SQLite is left as installations run it, without ``ANALYZE``."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.facts["analyze_s"] = round(time.perf_counter() - started, 1)

    def _wait_for_quiet(self) -> None:
        """Until the one-minute load average is below ``quiet`` (no wait when it is 0)."""
        if not self.quiet:
            return
        started = time.perf_counter()
        while os.getloadavg()[0] >= self.quiet:
            _say(f"waiting for load < {self.quiet} (now {os.getloadavg()[0]:.2f})")
            time.sleep(30)
        self.facts["waited_for_quiet_s"] = round(time.perf_counter() - started)
        self.facts["load_average_at_start"] = round(os.getloadavg()[0], 2)

    # --- clients -------------------------------------------------------------------------

    def _clients(self) -> None:
        from django.core.signals import request_started
        from django.db import reset_queries
        from django.test import Client

        from annexa.core.tenancy import OrgContext
        from annexa.core.testing.fixtures import signed_in_with_totp
        from annexa.orgs.services import issue_api_key

        # Each request would empty the query log the counts are read from.
        request_started.disconnect(reset_queries)
        made = self.made
        # A server error is a figure ("status": 500), not the end of the benchmark.
        self.web = Client(raise_request_exception=False)
        self.web.force_login(made.manager)
        signed_in_with_totp(self.web, made.manager)
        _, key = issue_api_key(OrgContext.member(made.org, made.manager), name="bench")
        self.api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")

    def _client(self, url: str):
        return self.api if url.startswith("/api/") else self.web

    def _timed(self, url: str, runs: int | None = None) -> tuple[list[float], int, int, int]:
        """(ms of each run, status, queries of one run, bytes) of GETs of ``url``; the CPU
        time of each run in ``self.cpu``."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self._client(url)
        first = client.get(url)
        timings, self.cpu = [], []
        for _ in range(runs or self.runs):
            with CaptureQueriesContext(connection) as queries:  # the last run's are kept
                cpu, started = time.process_time(), time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                self.cpu.append((time.process_time() - cpu) * 1000)
        return timings, first.status_code, len(queries), len(response.content)

    def _request_figure(
        self, name: str, url: str, limit_ms: float | None, target: str | None
    ) -> None:
        """``runs`` GETs of ``url``: p50, p95 and its verdict (none without a target)."""
        timings, status, queries, size = self._timed(url)
        p95 = percentile(timings, 95)
        passed = status == 200 and (limit_ms is None or p95 < limit_ms)
        self.figures[name] = figure(
            timings,
            "ms",
            target=target,
            passed=passed,
            p50=round(percentile(timings, 50), 1),
            p95=round(p95, 1),
            # The process's own CPU time: what the request costs on an idle core, since the
            # machine may be shared (with the database's time too, for SQLite).
            cpu_p50=round(percentile(self.cpu, 50), 1),
            cpu_p95=round(percentile(self.cpu, 95), 1),
            status=status,
            queries=queries,
            kB=round(size / 1024),
            url=url,
        )
        if not passed and status == 200:
            self.profiles[name] = profile(lambda: self._client(url).get(url))

    # --- lists and the dashboard ---------------------------------------------------------

    def _lists(self) -> None:
        from django.urls import reverse

        slug = self.made.org.slug
        for route in list_routes():
            url = reverse(route.name, kwargs={"org": slug})
            if route.name in ("dashboard:readiness", "dashboard-api:readiness"):
                kind = "API" if url.startswith("/api/") else "page"
                self._request_figure(
                    f"dashboard {kind} {url}", url, DASHBOARD_MS, f"p95 < {DASHBOARD_MS} ms"
                )
                continue
            probe = self._client(url).get(url)
            kind = probe.get("Content-Type", "")
            listing = (
                bool(LISTS.search(route.name))
                or getattr(route.callback, "actions", {}).get("get") == "list"
            )
            label = f"{'list' if listing else 'page'} {url}"
            if probe.status_code == 405:
                continue  # an action's route (POST only), not something to read
            if probe.status_code != 200 or not kind.startswith(("text/html", "application/json")):
                self.figures[label] = {
                    "value": f"not measured: {probe.status_code} {kind}",
                    "unit": "",
                    "runs": 0,
                }
                continue
            if listing:
                self._request_figure(label, url, LIST_MS, f"p95 < {LIST_MS} ms")
            else:
                self._request_figure(label, url, None, None)

    def _checklist(self) -> None:
        from django.urls import reverse

        audit, slug = self.made.page_audit, self.made.org.slug
        items = audit.checklist_items.count()
        linked = audit.checklist_items.values("evidence").exclude(evidence=None).count()
        for kind, name in (("page", "audits:checklist"), ("API", "audits-api:checklist")):
            url = reverse(name, kwargs={"org": slug, "pk": audit.pk})
            self._request_figure(
                f"checklist {kind}, {items} items, {linked} linked evidence",
                url,
                CHECKLIST_MS,
                f"p95 < {CHECKLIST_MS} ms",
            )

    def _create_audit(self) -> None:
        """POST a full-scope audit, then POST its checklist's generation (both timed)."""
        from django.urls import reverse

        from annexa.audits.models import AuditProgramme
        from annexa.catalog.models import Control, Requirement

        slug = self.made.org.slug
        programme = AuditProgramme.objects.filter(organization=self.made.org).first()
        body = {
            "programme": str(programme.uid),
            "title": "Full-scope audit (bench)",
            "kind": "internal_full",
            "planned_start": "2026-11-16",
            "planned_end": "2026-11-20",
            "requirements": list(
                Requirement.objects.filter(auditable=True).values_list("id", flat=True)
            ),
            "controls": list(Control.objects.values_list("id", flat=True)),
        }
        url = reverse("audits-api:audit-list", kwargs={"org": slug})
        timings, items = [], 0
        for _ in range(max(3, self.runs // 2)):
            started = time.perf_counter()
            created = self.api.post(url, body, content_type="application/json")
            if created.status_code != 201:
                raise RuntimeError(
                    f"creating an audit answered {created.status_code}: {created.content[:500]!r}"
                )
            pk = created.json()["id"]
            generate = reverse("audits-api:checklist-generate", kwargs={"org": slug, "pk": pk})
            answer = self.api.post(generate, {}, content_type="application/json")
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code not in (200, 201):
                raise RuntimeError(f"generating answered {answer.status_code}")
            from annexa.audits.models import ChecklistItem

            items = ChecklistItem.objects.filter(audit_id=pk).count()
        median = sorted(timings)[len(timings) // 2]
        name = f"create a full-scope audit with its checklist ({items} items), API"
        self.figures[name] = figure(
            timings, "ms", target=f"< {CREATE_MS} ms", passed=median < CREATE_MS
        )
        if median >= CREATE_MS:

            def once() -> None:
                created = self.api.post(url, body, content_type="application/json")
                pk = created.json()["id"]
                self.api.post(
                    reverse("audits-api:checklist-generate", kwargs={"org": slug, "pk": pk}),
                    {},
                    content_type="application/json",
                )

            self.profiles[name] = profile(once)

    # --- the report ----------------------------------------------------------------------

    def _report(self) -> None:
        from annexa.core.tenancy import OrgContext
        from annexa.reports import data, render

        audit = self.made.report_audit
        ctx = OrgContext.member(self.made.org, self.made.manager)
        started = time.perf_counter()
        report = data.build(ctx, audit)
        self.figures["report: gather the data"] = figure(
            time.perf_counter() - started,
            "s",
            findings=len(report.findings),
            cited_evidence=len(report.manifest),
        )
        label = f"{len(report.findings)} findings, {len(report.manifest)} cited evidence"
        for fmt, limit in REPORT_S.items():
            times = self.pdf if fmt == "pdf" else 3
            if times <= 0:
                continue
            walls, cpus, size = [], [], 0
            for _ in range(times):
                cpu = _children_cpu()
                started = time.perf_counter()
                body = render.render(report, fmt)
                walls.append(time.perf_counter() - started)
                cpus.append(_children_cpu() - cpu)
                size = len(body)
            name = f"report {fmt.upper()} ({label})"
            median = sorted(walls)[len(walls) // 2]
            extra = {"KiB": size // 1024}
            if fmt == "pdf":
                extra["worker CPU s"] = round(sorted(cpus)[len(cpus) // 2], 2)
            self.figures[name] = figure(
                walls, "s", target=f"< {limit} s", passed=median < limit, **extra
            )
            if median >= limit and fmt != "pdf":  # the PDF's time is in its worker process
                self.profiles[name] = profile(lambda f=fmt: render.render(report, f))

    # --- verify, export, import, backup --------------------------------------------------

    def _verify(self) -> None:
        from annexa.ledger.blobs import default_opener
        from annexa.ledger.verify import verify_org

        report = verify_org(self.made.org, default_opener())
        if not report.ok:
            raise RuntimeError("the generated ledger does not verify:\n" + report.summary())
        rate = report.entries / report.timings["entries"]
        self.figures["annexa verify, entries"] = figure(
            rate,
            "entries/s",
            target=f">= {VERIFY_ENTRIES_PER_S:,} entries/s",
            passed=rate >= VERIFY_ENTRIES_PER_S,
            entries=report.entries,
            seconds=round(report.seconds, 1),
        )
        megabytes = report.blob_bytes / 1_000_000
        blob_rate = megabytes / report.timings["blobs"] if report.timings["blobs"] else 0
        raw = raw_sha256_mb_per_s()
        self.figures["annexa verify, blobs"] = figure(
            blob_rate,
            "MB/s",
            target=f">= {BLOB_SHARE:.0%} of raw hashlib.sha256",
            passed=blob_rate >= BLOB_SHARE * raw,
            blobs=report.blobs,
            MB=round(megabytes, 1),
            raw_sha256_MB_per_s=round(raw, 1),
        )
        self.figures["raw hashlib.sha256 (same run)"] = figure(raw, "MB/s")
        if rate < VERIFY_ENTRIES_PER_S:
            self.profiles["annexa verify, entries"] = profile(
                lambda: verify_org(self.made.org, default_opener())
            )

    def _import_elsewhere(self, bundle: Path) -> dict:
        """Run the import in a process of its own, on a fresh home and database."""
        import contextlib

        from bench.common import database_url_for

        database = "postgres" if self.database_url else "sqlite"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with (
            database_url_for(database)
            if database == "postgres"
            else contextlib.nullcontext(None) as url
        ):
            done = subprocess.run(
                _import_elsewhere_cmd(bundle, url),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"the import failed (exit {done.returncode})")
        return json.loads(done.stdout)

    def _bundles(self) -> None:
        if self.bundles <= 0:
            return
        from annexa.core.tenancy import OrgContext
        from annexa.ledger.backup import write_backup
        from annexa.ledger.blobs import default_opener, default_store
        from annexa.ledger.bundle_export import export_bundle

        out = self.home / "out"
        out.mkdir()
        bundle = out / "large.bundle"
        started = time.perf_counter()
        summary = export_bundle(OrgContext.system(self.made.org), bundle, default_opener())
        seconds = time.perf_counter() - started
        self.figures["annexa export of the organization"] = figure(
            seconds,
            "s",
            target=f"< {BUNDLE_S} s",
            passed=seconds < BUNDLE_S,
            MiB=round(bundle.stat().st_size / 2**20, 1),
            entries=summary.counts["entries"],
            blobs=summary.counts["blobs"],
        )
        if seconds >= BUNDLE_S:
            self.profiles["annexa export of the organization"] = profile(
                lambda: export_bundle(
                    OrgContext.system(self.made.org), out / "again.bundle", default_opener()
                )
            )
        found = self._import_elsewhere(bundle)
        self.figures["annexa import of that bundle (a fresh instance)"] = figure(
            found["seconds"],
            "s",
            target=f"< {BUNDLE_S} s, verify clean after",
            passed=found["seconds"] < BUNDLE_S and found["verify_ok"],
            verify_ok=found["verify_ok"],
            verify_s=found["verify_s"],
        )
        started = time.perf_counter()
        write_backup(out / "backup.tar.gz", default_store())
        seconds = time.perf_counter() - started
        self.figures["annexa backup of the instance"] = figure(
            seconds,
            "s",
            target=f"< {BUNDLE_S} s",
            passed=seconds < BUNDLE_S,
            MiB=round((out / "backup.tar.gz").stat().st_size / 2**20, 1),
        )


def _import_elsewhere_cmd(bundle: Path, database_url: str | None) -> list[str]:
    command = [sys.executable, "-m", "bench.bench_scale", "--import-worker", str(bundle)]
    return command + (["--database-url", database_url] if database_url else [])


def _import_worker(bundle: Path, database_url: str | None) -> dict:
    """Import ``bundle`` into a fresh instance (``annexa import``), then verify it."""
    from bench.common import configure

    with tempfile.TemporaryDirectory(prefix="annexa-bench-import-") as scratch:
        configure(Path(scratch), database_url)
        from annexa.ledger.blobs import default_opener, default_store
        from annexa.ledger.bundle_import import import_bundle
        from annexa.ledger.verify import verify_org

        started = time.perf_counter()
        imported = import_bundle(bundle, default_store())
        seconds = time.perf_counter() - started
        check = verify_org(imported.org, default_opener())
        return {"seconds": seconds, "verify_ok": check.ok, "verify_s": round(check.seconds, 1)}


def list_routes() -> list:
    """The organization's URL patterns with no argument but ``org`` that list or show data."""
    from tests.test_access import project_routes

    return [
        r
        for r in project_routes()
        if r.kwargs == ("org",) and r.name and not NOT_A_LIST.search(f"{r.name} {r.text}")
    ]


def raw_sha256_mb_per_s(megabytes: int = 256) -> float:
    chunk = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(megabytes):
        digest.update(chunk)
    return megabytes * len(chunk) / 1_000_000 / (time.perf_counter() - started)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- profiles ------------------------------------------------------------------------------


def profile(call: Callable[[], Any], top: int = 10) -> dict[str, Any]:
    """Where ``call``'s time goes, by pyinstrument: the frames with the most time of their own,
    and Annexa's functions with the most time in all (each counted once per call stack)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"error": "pyinstrument is not installed (pip install -r requirements-dev.lock)"}
    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        call()
    finally:
        profiler.stop()
    root = profiler.last_session.root_frame()
    own: dict[str, float] = {}
    ours: dict[str, float] = {}

    def walk(frame, stack: frozenset) -> None:
        key = f"{frame.function} ({_short(frame.file_path)}:{frame.line_no})"
        children = frame.children
        own[key] = own.get(key, 0.0) + frame.time - sum(c.time for c in children)
        if "/annexa/" in (frame.file_path or "") and key not in stack:
            ours[key] = ours.get(key, 0.0) + frame.time
            stack = stack | {key}
        for child in children:
            walk(child, stack)

    if root is not None:
        walk(root, frozenset())
    total = root.time if root is not None else 0.0

    def ranked(table: dict[str, float]) -> list[dict[str, Any]]:
        best = sorted(table.items(), key=lambda kv: -kv[1])[:top]
        return [
            {"frame": k, "s": round(v, 3), "share": round(v / total, 3) if total else 0}
            for k, v in best
        ]

    return {
        "seconds": round(total, 3),
        "own time": ranked(own),
        "annexa total": ranked(ours),
        "text": profiler.output_text(unicode=False, color=False, show_all=False),
    }


def _short(path: str | None) -> str:
    if not path:
        return "?"
    for marker in ("/annexa/", "/site-packages/", "/lib/python"):
        if marker in path:
            return path[path.index(marker) + 1 :]
    return Path(path).name


def write_profiles(database: str, profiles: dict[str, Any]) -> None:
    """Each profile's call tree as ``bench/results/profiles/scale-<database>-<figure>.txt``."""
    folder = RESULTS / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for name, found in profiles.items():
        text = found.pop("text", None)
        if text:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]
            # No path of the machine in a file that may be committed: paths from the project
            # and from site-packages on.
            text = re.sub(r"/\S*?/(?=(bench|annexa|site-packages)/)", "", text)
            (folder / f"scale-{database}-{slug}.txt").write_text(text, encoding="utf-8")


def _worker(
    scale: float, runs: int, pdf: int, bundles: int, database_url: str | None, quiet: float
) -> dict:
    from bench.common import configure

    with tempfile.TemporaryDirectory(prefix="annexa-bench-scale-") as scratch:
        home = Path(scratch)
        configure(home, database_url)
        return _Worker(scale, runs, pdf, bundles, home, database_url, quiet).measure()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--import-worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=SCALE)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--pdf", type=int, default=1, help="renders of the report PDF (0: none)")
    parser.add_argument("--bundles", type=int, default=1, help="export/import/backup (0: no)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=None)
    parser.add_argument("--quiet", type=float, default=0.0, help="load average to measure below")
    args = parser.parse_args()
    if args.import_worker:
        print(json.dumps(_import_worker(args.import_worker, args.database_url)))
        return
    if args.worker:
        found = _worker(
            args.scale, args.runs, args.pdf, args.bundles, args.database_url, args.quiet
        )
        print(json.dumps(found, default=str))
        return
    found = run(args.scale, args.runs, args.database, args.pdf, args.bundles, args.quiet)
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
