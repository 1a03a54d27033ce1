"""Checklist speed: generating a full-scope checklist, and loading a big checklist page.

* **generate**: ``checklist.generate`` for an audit whose scope is every auditable clause
  requirement and all 93 Annex A controls of the real catalog (one audit per run, timed alone);
* **create**: what a client does to get a full-scope audit with its checklist: ``POST`` of the
  audit with its scope to the API, then ``POST`` of ``checklist/generate/`` (an ISMS manager on
  the team through the API, Django's test client);
* **page** and **api**: ``GET`` of the checklist page and of the checklist API of an audit with
  250 items (the full scope and 26 ad-hoc questions) and 8,000 evidence items linked to them
  (each also on file for the item's subject), through Django's test client with a logged-in
  auditor, after one warm-up request; p50/p95, the process's CPU time and the query count;
* **export**: the same checklist as CSV and XLSX (``checklist_io``);
* **pdf** (SQLite only): ``checklist_io.export_pdf`` of a full-scope audit filled in as a team
  would fill it: every item with a result, methods, what was examined, the analysis and the
  verification, Markdown notes and auditees; five evidence versions linked to each item (also on
  file for its subject, 1,120 in all; ``--per-item`` changes the five) and a sample of 25
  records on every tenth item. The PDF is rendered by the worker process; its CPU time is
  printed next to the wall time, as the machine may be shared.

``run()`` starts one worker process per database with a fresh temporary ANNEXA_HOME: SQLite
always, PostgreSQL when ``ANNEXA_BENCH_DATABASE_URL`` is set or 127.0.0.1:5432 answers (in a
scratch database created for the run and dropped after it). Run directly for a quick look:

    python -m bench.bench_checklist --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import figure, per_database

ROOT = Path(__file__).resolve().parents[1]
RUNS = 10
PAGE_ITEMS = 250
EVIDENCE = 8000
PDF_RUNS = 2
PDF_EVIDENCE_PER_ITEM = 5
PDF_SAMPLE_EVERY = 10
PDF_SAMPLE_RECORDS = 25


def run(
    runs: int = RUNS,
    pdf: int = PDF_RUNS,
    per_item: int = PDF_EVIDENCE_PER_ITEM,
    database: str | None = None,
) -> dict:
    """Figures for SQLite and, when reachable, PostgreSQL (or only ``database``); ``pdf``
    renders of the PDF (SQLite only), with ``per_item`` evidence versions linked to each item."""
    return per_database(lambda url: _spawn(url, runs, 0 if url else pdf, per_item), database)


def _spawn(database_url: str | None, runs: int, pdf: int, per_item: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-checklist-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            ANNEXA_STORAGE_URL=f"file://{Path(home) / 'blobs'}",
            ANNEXA_ALLOWED_HOSTS="testserver",
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
            # Measured, not stopped: a slow PDF is a figure here, not a failure.
            ANNEXA_REPORT_PDF_SECONDS="1800",
        )
        if database_url:
            env["ANNEXA_DATABASE_URL"] = database_url
        result = subprocess.run(
            [
                *(sys.executable, "-m", "bench.bench_checklist", "--worker"),
                *("--runs", str(runs), "--pdf", str(pdf), "--per-item", str(per_item)),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the checklist benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


# --- the worker ------------------------------------------------------------------------------


def _worker(runs: int, pdf: int, per_item: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog

    call_command("migrate", interactive=False, verbosity=0)
    load_catalog()
    org, auditor = _organization()
    figures = {
        **_generation(org, auditor, runs),
        **_create(org, runs),
        **_page(org, auditor, runs),
    }
    if pdf:
        # An organization of its own: the 8,000 pieces the page measurement linked would
        # otherwise be on file for every item of the printed audit too.
        figures.update(_pdf(*_organization("bench-pdf"), pdf, per_item))
    return figures


def _organization(slug: str = "bench"):
    from annexa.core.testing.fixtures import give_totp
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, Organization, User

    org = Organization.objects.create(name=f"{slug.title()} Ltd", slug=slug)
    auditor = User.objects.create_user(f"auditor@{slug}.test")
    give_totp(auditor)  # auditors need two-factor authentication before any page
    Membership.objects.create(user=auditor, organization=org, role=Role.AUDITOR)
    return org, auditor


def _scope() -> tuple[list[str], list[str]]:
    from annexa.catalog.models import Control, Requirement

    requirements = list(
        Requirement.objects.filter(auditable=True).order_by("sort_key").values_list("id", flat=True)
    )
    controls = list(Control.objects.order_by("sort_key").values_list("id", flat=True))
    return requirements, controls


def _generation(org, auditor, runs: int) -> dict:
    from annexa.audits.services import checklist
    from annexa.audits.tests.fieldwork_fixtures import build_audit
    from annexa.core.tenancy import OrgContext

    requirements, controls = _scope()
    timings, sizes = [], []
    for number in range(runs):
        audit = build_audit(
            org,
            lead=auditor,
            requirements=requirements,
            controls=controls,
            reference=f"IA-2026-{number + 10:02d}",
        )
        started = time.perf_counter()
        added = checklist.generate(OrgContext.system(org), audit)
        timings.append(time.perf_counter() - started)
        sizes.append(len(added))
    return {
        "generate items": sizes[0],
        "generate ms": figure(
            [t * 1000 for t in timings],
            "ms",
            target="< 100 ms",
            passed=statistics.median(timings) < 0.1,
        ),
    }


def _create(org, runs: int) -> dict:
    """A full-scope audit with its checklist through the API: create, then generate."""
    import datetime as dt

    from django.test import Client

    from annexa.audits.models import AuditProgramme
    from annexa.core.testing.fixtures import give_totp, signed_in_with_totp
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, User

    requirements, controls = _scope()
    manager = User.objects.create_user("manager@bench.test")
    give_totp(manager)
    Membership.objects.create(user=manager, organization=org, role=Role.ISMS_MANAGER)
    start = dt.date(2026, 1, 5)
    programme = AuditProgramme.objects.create(
        organization=org, title="Cycle", start_date=start, end_date=start + dt.timedelta(1000)
    )
    client = Client()
    client.force_login(manager)
    signed_in_with_totp(client, manager)
    base = f"/api/v1/orgs/{org.slug}/audits/"
    body = json.dumps(
        {
            "programme": str(programme.uid),
            "title": "Full-scope internal audit",
            "kind": "internal_full",
            "planned_start": str(start + dt.timedelta(30)),
            "planned_end": str(start + dt.timedelta(34)),
            "requirements": requirements,
            "controls": controls,
        }
    )
    creates, generates, totals, cpus = [], [], [], []
    for number in range(runs + 1):
        cpu, started = time.process_time(), time.perf_counter()
        created = client.post(base, body, content_type="application/json")
        middle = time.perf_counter()
        if created.status_code != 201:
            raise RuntimeError(f"creating the audit answered {created.status_code}")
        generated = client.post(f"{base}{created.json()['id']}/checklist/generate/")
        ended = time.perf_counter()
        if generated.status_code != 201:
            raise RuntimeError(f"generating the checklist answered {generated.status_code}")
        if number:  # the first is a warm-up
            creates.append((middle - started) * 1000)
            generates.append((ended - middle) * 1000)
            totals.append((ended - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return {
        "create audit + checklist via API ms": figure(
            totals, "ms", target="< 100 ms", passed=statistics.median(totals) < 100
        ),
        "create: the audit (POST) ms": figure(creates, "ms"),
        "create: the checklist (POST generate) ms": figure(generates, "ms"),
        "create: CPU of both ms": figure(cpus, "ms"),
    }


def _page(org, auditor, runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annexa.audits.models import ChecklistItem
    from annexa.audits.services import checklist, checklist_io
    from annexa.audits.tests.fieldwork_fixtures import attach_bulk_evidence, build_audit
    from annexa.core.tenancy import OrgContext
    from annexa.core.testing.fixtures import signed_in_with_totp

    requirements, controls = _scope()
    audit = build_audit(
        org, lead=auditor, requirements=requirements, controls=controls, reference="IA-2026-90"
    )
    checklist.generate(OrgContext.system(org), audit)
    scoped = list(ChecklistItem.objects.filter(audit=audit).order_by("order"))
    # Ad-hoc questions up to PAGE_ITEMS (the full scope gives 224 items).
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            organization=org,
            audit=audit,
            order=len(scoped) + n + 1,
            adhoc=True,
            requirement=item.requirement,
            control=item.control,
            questions=[f"Ad-hoc question {n + 1} about {item.subject_id}?"],
        )
        for n, item in enumerate(scoped[: max(PAGE_ITEMS - len(scoped), 0)])
    )
    attach_bulk_evidence(audit, EVIDENCE)
    client = Client()
    client.force_login(auditor)
    signed_in_with_totp(client, auditor)
    targets = {
        "page": reverse("audits:checklist", kwargs={"org": org.slug, "pk": audit.pk}),
        "api": f"/api/v1/orgs/{org.slug}/audits/{audit.pk}/checklist/",
    }
    figures: dict = {
        "page items": audit.checklist_items.count(),
        "page linked evidence": EVIDENCE,
    }
    for name, url in targets.items():
        first = client.get(url)
        if first.status_code != 200:
            raise RuntimeError(f"the checklist {name} answered {first.status_code}")
        walls, cpus = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                cpu, started = time.process_time(), time.perf_counter()
                response = client.get(url)
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
        figures[f"{name} ms"] = figure(
            walls, "ms", target="p95 < 150 ms", passed=figure(walls, "ms").get("p95", 1e9) < 150
        )
        figures[f"{name} CPU ms"] = figure(cpus, "ms")
        figures[f"{name} queries"] = len(queries)
        figures[f"{name} kB"] = round(len(response.content) / 1024)
    for fmt in ("csv", "xlsx"):
        export = getattr(checklist_io, f"export_{fmt}")
        walls, cpus = [], []
        for _ in range(max(runs // 2, 1)):
            cpu, started = time.process_time(), time.perf_counter()
            body = export(audit)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        figures[f"export {fmt} ms"] = figure(walls, "ms")
        figures[f"export {fmt} CPU ms"] = figure(cpus, "ms")
        figures[f"export {fmt} kB"] = round(len(body) / 1024)
    return figures


def _pdf(org, auditor, runs: int, per_item: int) -> dict:
    from annexa.audits.services import checklist_io

    audit = _filled_audit(org, auditor, per_item)
    walls, cpus, body = [], [], b""
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        body = checklist_io.export_pdf(audit)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    return {
        "pdf items": audit.checklist_items.count(),
        "pdf linked evidence versions": audit.checklist_items.values("evidence").count(),
        "pdf wall s (median)": round(statistics.median(walls), 2),
        "pdf wall s (max)": round(max(walls), 2),
        "pdf worker CPU s (median)": round(statistics.median(cpus), 2),
        "pdf KiB": len(body) // 1024,
        "pdf pages": _page_count(body),
    }


def _filled_audit(org, auditor, per_item: int = PDF_EVIDENCE_PER_ITEM):
    """A full-scope audit with every item filled in, evidence linked and samples drawn."""
    import hashlib

    from annexa.audits.choices import AuditMethod, ChecklistResult, SampleRecordResult
    from annexa.audits.models import ChecklistItem, Sample, SampleRecord
    from annexa.audits.services import checklist
    from annexa.audits.tests.fieldwork_fixtures import attach_bulk_evidence, build_audit
    from annexa.core.tenancy import OrgContext

    requirements, controls = _scope()
    audit = build_audit(
        org, lead=auditor, requirements=requirements, controls=controls, reference="IA-2026-95"
    )
    checklist.generate(OrgContext.system(org), audit)
    items = list(ChecklistItem.objects.filter(audit=audit).order_by("order"))
    results = [
        *[ChecklistResult.CONFORMING] * 14,
        ChecklistResult.MINOR_NC,
        ChecklistResult.OBSERVATION,
        ChecklistResult.OFI,
        ChecklistResult.CONFORMING,
        ChecklistResult.MAJOR_NC,
        ChecklistResult.NOT_AUDITED,
        ChecklistResult.BLANK,
    ]
    methods = [AuditMethod.DOCUMENT_REVIEW, AuditMethod.INTERVIEW, AuditMethod.SAMPLING]
    for n, item in enumerate(items):
        item.result = results[n % len(results)]
        item.methods = methods[: 1 + n % 3]
        item.examined = (
            f"The {item.subject_id} procedure (version 3), the change tickets of the last "
            "quarter and the owner's monthly review records."
        )
        item.analysis = "Compared each ticket with the approval recorded in the register."
        item.verification = "Re-performed two approvals with the service desk lead watching."
        item.notes = (
            f"Owner interviewed on site about **{item.subject_id}**.\n\n"
            "- The register is reviewed monthly; the last review was signed in March.\n"
            "- Two tickets had no approver recorded; both were closed within a day.\n\n"
            "Follow up at the next audit: whether the reminder to approvers is working."
        )
        item.auditees_other = "J. Osei (service desk lead)"
    ChecklistItem.objects.bulk_update(
        items,
        ["result", "methods", "examined", "analysis", "verification", "notes", "auditees_other"],
    )
    ChecklistItem.auditees.through.objects.bulk_create(
        ChecklistItem.auditees.through(checklistitem=item, user=auditor) for item in items
    )
    attach_bulk_evidence(audit, len(items) * per_item)
    population = [f"CHG-{n:05d}" for n in range(400)]
    for item in items[::PDF_SAMPLE_EVERY]:
        sample = Sample.objects.create(
            organization=org,
            item=item,
            population_source="uploaded_list",
            population=population,
            population_sha256=hashlib.sha256(repr(population).encode()).hexdigest(),
            rule="judgement",
            rationale="Every month of the period, the busiest weeks weighted twice.",
            computed_size=PDF_SAMPLE_RECORDS,
            seed="0" * 32,
            selected_indices=list(range(0, 400, 400 // PDF_SAMPLE_RECORDS)),
        )
        SampleRecord.objects.bulk_create(
            SampleRecord(
                organization=org,
                sample=sample,
                population_index=i,
                label=population[i],
                result=SampleRecordResult.DEVIATION if i % 7 == 0 else "conforming",
                note="Approved after the change was made." if i % 7 == 0 else "",
            )
            for i in sample.selected_indices
        )
    return audit


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _page_count(pdf: bytes) -> int | str:
    """Pages, as poppler's ``pdfinfo`` counts them (when installed)."""
    import re

    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "pdfinfo not available"
    found = re.search(rb"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    return int(found.group(1)) if found else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--pdf", type=int, default=PDF_RUNS, help="renders of the PDF (0: none)")
    parser.add_argument("--per-item", type=int, default=PDF_EVIDENCE_PER_ITEM, help="evidence")
    parser.add_argument(
        "--database", choices=("sqlite", "postgres"), help="only this database (default: both)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(_worker(options.runs, options.pdf, options.per_item)))
    else:
        figures = run(options.runs, options.pdf, options.per_item, options.database)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
