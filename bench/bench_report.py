"""Internal audit report speed: gathering the data and rendering each format.

A full-scope audit (every auditable clause requirement and all 93 Annex A controls of the real
catalog, one checklist item each) with **200 findings** and **5,000 cited evidence versions**
(25 per finding, each also linked from the finding's checklist item). The rows are bulk-created
(the evidence bytes are never read by a renderer); the report is then built once
(``reports.data.build``, with its query count) and rendered in each format, each timed alone:
html, md, pdf (WeasyPrint in its worker process; its CPU time is reported too, as the machine
may be shared), docx, and oscal when ``annexa.reports.oscal`` is installed.

The demo organization's report (``annexa demo``: its closed audit) is rendered as PDF too, with
the demo audit's checklist PDF: the documents a new user downloads first.

``run()`` starts a worker process with a fresh temporary ANNEXA_HOME (SQLite). Directly:

    python -m bench.bench_report
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = 200
EVIDENCE = 5000


def run(findings: int = FINDINGS, evidence: int = EVIDENCE) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-report-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            ANNEXA_STORAGE_URL=f"file://{Path(home) / 'blobs'}",
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
        )
        command = [sys.executable, "-m", "bench.bench_report", "--worker"]
        command += ["--findings", str(findings), "--evidence", str(evidence)]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the report benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


def _worker(findings: int, evidence: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog

    call_command("migrate", interactive=False, verbosity=0)
    load_catalog()
    figures = _demo()
    ctx, audit = _audit(findings, evidence)
    return {**figures, **_measure(ctx, audit, findings, evidence)}


def _demo() -> dict:
    """The demo's closed audit: its report and its checklist as PDF (wall and worker CPU)."""
    from annexa.audits.choices import AuditStatus
    from annexa.audits.models import Audit
    from annexa.audits.services import checklist_io
    from annexa.cli.demo import build_demo
    from annexa.core.tenancy import OrgContext
    from annexa.reports import data, render

    org, _ = build_demo()
    audit = Audit.objects.filter(organization=org, status=AuditStatus.CLOSED).first()
    ctx = OrgContext.member(org, audit.lead_auditor)
    figures: dict = {"demo audit checklist items": audit.checklist_items.count()}
    documents = {
        "demo report pdf": lambda: render.render(data.build(ctx, audit), "pdf"),
        "demo checklist pdf": lambda: checklist_io.export_pdf(audit),
    }
    for name, make in documents.items():
        cpu = _children_cpu()
        started = time.perf_counter()
        body = make()
        figures[f"{name} (s)"] = round(time.perf_counter() - started, 2)
        figures[f"{name} worker CPU (s)"] = round(_children_cpu() - cpu, 2)
        figures[f"{name} size (KiB)"] = len(body) // 1024
    return figures


def _audit(findings: int, evidence: int):
    import datetime as dt

    from django.utils import timezone

    from annexa.audits.choices import ChecklistResult, TeamRole
    from annexa.audits.models import Audit, AuditProgramme, AuditTeamMember, ChecklistItem
    from annexa.catalog.models import Control, Requirement
    from annexa.core.tenancy import OrgContext
    from annexa.evidence.models import Evidence, EvidenceVersion
    from annexa.findings.models import Finding
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, Organization, User

    org = Organization.objects.create(name="Bench Ltd", slug="bench")
    lead = User.objects.create_user("lead@bench.test", full_name="Lead Auditor")
    membership = Membership.objects.create(user=lead, organization=org, role=Role.AUDITOR)
    start = dt.date(2026, 1, 5)
    programme = AuditProgramme.objects.create(
        organization=org, title="Cycle", start_date=start, end_date=start + dt.timedelta(1000)
    )
    audit = Audit.objects.create(
        organization=org,
        programme=programme,
        reference="IA-2026-01",
        title="Full-scope internal audit",
        objectives="Confirm that the ISMS conforms before the stage 2 audit.",
        planned_start=start,
        planned_end=start + dt.timedelta(10),
    )
    AuditTeamMember.objects.create(audit=audit, user=lead, role=TeamRole.LEAD)
    subjects = [("requirement", r) for r in Requirement.objects.filter(auditable=True)]
    subjects += [("control", c) for c in Control.objects.all()]
    items = ChecklistItem.objects.bulk_create(
        ChecklistItem(
            organization=org,
            audit=audit,
            order=n,
            requirement=subject if kind == "requirement" else None,
            control=subject if kind == "control" else None,
            result=ChecklistResult.MINOR_NC if n <= findings else ChecklistResult.CONFORMING,
            notes=f"Item {n}: examined the records and interviewed the owner.",
        )
        for n, (kind, subject) in enumerate(subjects, start=1)
    )
    now = timezone.now()
    items_of_evidence = Evidence.objects.bulk_create(
        Evidence(organization=org, title=f"Record set {n}") for n in range(evidence)
    )
    versions = EvidenceVersion.objects.bulk_create(
        EvidenceVersion(
            organization=org,
            evidence=e,
            number=1,
            sha256=hashlib.sha256(f"record set {n}".encode()).hexdigest(),
            size=1000 + n,
            media_type="text/csv",
            filename=f"records-{n}.csv",
            source="upload",
            collected_at=now,
            effective_date=now.date(),
        )
        for n, e in enumerate(items_of_evidence)
    )
    per = max(evidence // max(findings, 1), 1)
    rows = Finding.objects.bulk_create(
        Finding(
            organization=org,
            number=n + 1,
            title=f"Gap {n + 1}",
            grade="major_nc" if n % 20 == 0 else "minor_nc",
            status="open",
            requirement=items[n].requirement,
            control=items[n].control,
            requirement_statement="The records are kept for every change.",
            statement=f"{n % 7 + 1} of 25 sampled records were missing.",
            nature="ineffective",
            checklist_item=items[n],
            raised_in=audit,
        )
        for n in range(min(findings, len(items)))
    )
    finding_links, item_links = [], []
    for n, finding in enumerate(rows):
        for version in versions[n * per : (n + 1) * per]:
            finding_links.append(Finding.evidence.through(finding=finding, evidenceversion=version))
            item_links.append(
                ChecklistItem.evidence.through(checklistitem=items[n], evidenceversion=version)
            )
    Finding.evidence.through.objects.bulk_create(finding_links)
    ChecklistItem.evidence.through.objects.bulk_create(item_links)
    return OrgContext(org=org, user=lead, membership=membership), audit


def _measure(ctx, audit, findings: int, evidence: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annexa.reports import data, render

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = data.build(ctx, audit)
    figures: dict = {
        "checklist items": len(report.checklist),
        "findings": len(report.findings),
        "cited evidence versions": len(report.manifest),
        "gather the data (s)": round(time.perf_counter() - started, 2),
        "queries to gather the data": len(queries.captured_queries),
    }
    formats = ["html", "md", "pdf", "docx", "oscal"]
    for fmt in formats:
        started = time.perf_counter()
        worker_cpu, own_cpu = _children_cpu(), time.process_time()
        try:
            body = render.render(report, fmt)
        except render.RenderError as exc:
            figures[f"{fmt} (s)"] = f"skipped: {exc}"
            continue
        figures[f"{fmt} (s)"] = round(time.perf_counter() - started, 2)
        figures[f"{fmt} size (KiB)"] = len(body) // 1024
        if fmt == "pdf":
            # The worker's own CPU time: what the PDF costs on an idle core, whatever the load.
            figures["pdf worker CPU (s)"] = round(_children_cpu() - worker_cpu, 2)
        else:
            # This process's CPU time: the figure to compare on a shared, loaded machine.
            figures[f"{fmt} CPU (s)"] = round(time.process_time() - own_cpu, 2)
    figures["load average at the end"] = [round(v, 2) for v in os.getloadavg()]
    return figures


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_report")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--findings", type=int, default=FINDINGS)
    parser.add_argument("--evidence", type=int, default=EVIDENCE)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.findings, args.evidence)))
        return
    print(json.dumps(run(args.findings, args.evidence), indent=2))


if __name__ == "__main__":
    main()
