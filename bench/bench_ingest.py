"""OCSF ingestion throughput and memory, and control-test evaluation time.

``run()`` starts a worker process with a fresh temporary ANNEXA_HOME (its own SQLite database,
file store and keyring) and measures:

- a generated 1,000,000-finding OCSF file (JSON Lines, Prowler-shaped findings over the known
  check ids, some with ISO27001-2022 entries) imported with ``monitoring.services.ingest``:
  validation, storage as evidence, and one streaming evaluation by every OCSF control test;
  findings per second over the whole import, and for the evaluation pass alone;
- the peak resident memory of the worker (``ru_maxrss``) and its growth during the import,
  which stays flat however large the file is;
- the time the control tests take to judge 100,000 resources already in memory (OCSF findings,
  and rows of an accounts export), without any parsing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FINDINGS = 1_000_000
RESOURCES = 100_000
ROOT = Path(__file__).resolve().parents[1]


def run(findings: int = FINDINGS, resources: int = RESOURCES) -> dict:
    """Ingest ``findings`` generated findings and judge ``resources`` resources."""
    with tempfile.TemporaryDirectory(prefix="annexa-bench-ingest-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            ANNEXA_STORAGE_URL=f"file://{Path(home) / 'blobs'}",
            ANNEXA_UPLOAD_MAX_BYTES=str(64 * 1024**3),
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
        )
        result = subprocess.run(
            [sys.executable, __file__, "--worker", str(findings), str(resources)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the ingest benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


def _finding(number: int, check_id: str, known: dict) -> dict:
    """One Prowler-shaped OCSF Detection Finding."""
    failed = number % 5 == 0
    compliance = {"CIS-2.0": ["1.1"], "ENS-RD2022": ["op.exp.1.aws.cm.1"]}
    if number % 3 == 0:
        compliance["ISO27001-2022"] = list(known[check_id]["controls"])
    account = f"{100000000000 + number % 50}"
    return {
        "message": f"{check_id} on resource {number}",
        "metadata": {"event_code": check_id, "product": {"name": "Prowler"}, "version": "1.4.0"},
        "severity": "High" if failed else "Low",
        "status": "New",
        "status_code": "FAIL" if failed else "PASS",
        "status_detail": "generated for the benchmark",
        "unmapped": {"compliance": compliance},
        "finding_info": {"uid": f"prowler-{number}", "title": check_id.replace("_", " ")},
        "resources": [{"uid": f"arn:aws:s3:::bucket-{number}", "region": "eu-west-1"}],
        "class_uid": 2004,
        "cloud": {"provider": "aws", "account": {"uid": account}, "region": "eu-west-1"},
    }


def _generate(path: Path, count: int) -> int:
    from annexa.connectors.mapping import prowler_checks

    known = prowler_checks()
    ids = sorted(known)
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(count):
            handle.write(json.dumps(_finding(number, ids[number % len(ids)], known)) + "\n")
    return path.stat().st_size


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _account_row(number: int) -> dict:
    """One typed row of an accounts export, as ``connectors.formats.tabular`` reads it."""
    import datetime as dt

    return {
        "_row": number + 2,
        "account": f"user{number}",
        "system": "crm",
        "person": f"user{number}@bench.test" if number % 50 else None,
        "person_status": "terminated" if number % 97 == 0 else "active",
        "terminated_on": None,
        "account_status": "enabled",
        "mfa": number % 4 != 0,
        "privileged": number % 20 == 0,
        "last_login": dt.date(2025, 6, 1),
        "last_reviewed": dt.date(2025, 5, 1),
    }


def _judge_in_memory(resources: int) -> dict:
    import datetime as dt

    from annexa.connectors.mapping import Finding, prowler_checks
    from annexa.monitoring import loader

    topics = sorted({entry["topic"] for entry in prowler_checks().values()})
    findings = [
        Finding(
            "ocsf",
            f"check_{n}",
            "t",
            "fail" if n % 5 == 0 else "pass",
            "high",
            f"arn:{n}",
            ("A.8.5",),
            "",
            topics[n % len(topics)],
        )
        for n in range(resources)
    ]
    rows = [_account_row(n) for n in range(resources)]
    figures = {}
    for label, kind, records in (("ocsf", "ocsf", findings), ("accounts", "accounts", rows)):
        tests = [cls(dt.date(2025, 6, 30)) for cls in loader.tests_for_kind(kind)]
        started = time.perf_counter()
        for record in records:
            for test in tests:
                test.observe(record)
        for test in tests:
            test.conclude()
        figures[f"judge_{resources}_{label}_s"] = round(time.perf_counter() - started, 3)
        figures[f"judge_{label}_tests"] = len(tests)
    return figures


def _worker(findings: int, resources: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog
    from annexa.core.tenancy import OrgContext
    from annexa.monitoring import services
    from annexa.orgs.models import Organization

    call_command("migrate", interactive=False, verbosity=0)
    load_catalog()
    ctx = OrgContext.system(Organization.objects.create(name="Bench Ltd", slug="bench"))
    path = Path(os.environ["ANNEXA_HOME"]) / "findings.ocsf.jsonl"
    started = time.perf_counter()
    size = _generate(path, findings)
    generated = time.perf_counter() - started
    rss_before = _rss_mib()
    started = time.perf_counter()
    judged = services.ingest(ctx, path, kind="ocsf")
    seconds = time.perf_counter() - started
    run = judged.run
    evaluation = (run.finished_at - run.started_at).total_seconds()
    assert run.summary["findings"] == findings, run.summary
    return {
        "findings": findings,
        "file_mib": round(size / 1024**2, 1),
        "generate_s": round(generated, 1),
        "ingest_s": round(seconds, 1),
        "ingest_findings_per_s": round(findings / seconds),
        "evaluation_s": round(evaluation, 1),
        "evaluation_findings_per_s": round(findings / evaluation),
        "peak_rss_mib": round(_rss_mib(), 1),
        "rss_growth_during_ingest_mib": round(_rss_mib() - rss_before, 1),
        **_judge_in_memory(resources),
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    sys.path.insert(0, str(ROOT))
    print(json.dumps(_worker(int(sys.argv[2]), int(sys.argv[3]))))
