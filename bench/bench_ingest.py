"""OCSF ingestion throughput and memory, and control-test evaluation time.

``run()`` starts a worker process with a fresh temporary ANNEXA_HOME (its own SQLite database,
file store and keyring) and measures:

- a generated 1,000,000-finding OCSF file imported with ``monitoring.services.ingest``, in one
  of two shapes (``shape``): ``lines``, compact JSON Lines findings of about 670 bytes over the
  known check ids, some with ISO27001-2022 entries; or ``prowler``, a JSON array written as
  Prowler 5 writes its ``json-ocsf`` output (indented objects joined by ``},{``), each finding a
  real Prowler 5.46.0 finding of the test samples with its check id, resource, account and
  status changed (about 10 KB a finding, every field Prowler writes):
  validation, storage as evidence, and one streaming evaluation by every OCSF control test;
  findings per second over the whole import, and for the evaluation pass alone;
- the CPU time of the worker during the import (user + system), which a loaded machine
  inflates far less than the wall time;
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


SHAPES = ("lines", "prowler")
PROWLER_SAMPLE = (
    ROOT / "annexa/connectors/tests/tool_outputs/prowler/moto-aws-prowler-5.46.0.ocsf.json"
)


def run(
    findings: int = FINDINGS, resources: int = RESOURCES, shape: str = "lines", profile: str = ""
) -> dict:
    """Ingest ``findings`` generated findings of ``shape`` and judge ``resources`` resources;
    with ``profile`` (a file name), a pyinstrument profile of the import is written there."""
    if shape not in SHAPES:
        raise ValueError(f"--shape is one of {', '.join(SHAPES)}, not {shape!r}")
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
            [sys.executable, __file__, "--worker", str(findings), str(resources), shape]
            + ([str(Path(profile).resolve())] if profile else []),
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


def _generate(path: Path, count: int, shape: str = "lines") -> int:
    from annexa.connectors.mapping import prowler_checks

    known = prowler_checks()
    ids = sorted(known)
    with open(path, "w", encoding="utf-8") as handle:
        if shape == "prowler":
            _write_prowler(handle, count, ids)
        else:
            for number in range(count):
                handle.write(json.dumps(_finding(number, ids[number % len(ids)], known)) + "\n")
    return path.stat().st_size


# Stand-ins put into the sample findings, replaced by each finding's own values as it is written.
_SLOTS = {
    "check": "@@CHECK@@",
    "number": "@@NUMBER@@",
    "account": "@@ACCOUNT@@",
    "status_code": "@@STATUS_CODE@@",
    "severity": "@@SEVERITY@@",
}


def _prowler_templates() -> list[str]:
    """Each finding of the Prowler 5.46.0 sample as Prowler indents it, with stand-ins for
    the check id (wherever it appears), the resource and finding uids, account and status."""
    templates = []
    for finding in json.loads(PROWLER_SAMPLE.read_text(encoding="utf-8")):
        check = finding["metadata"]["event_code"]
        account = finding["cloud"]["account"]["uid"]
        finding["status_code"] = _SLOTS["status_code"]
        finding["severity"] = _SLOTS["severity"]
        finding["status"] = "New"
        finding["finding_info"]["uid"] = f"prowler-aws-{_SLOTS['check']}-{_SLOTS['number']}"
        for resource in finding["resources"]:
            resource["uid"] = f"arn:aws:s3:::bucket-{_SLOTS['number']}"
        text = json.dumps(finding, indent=4, ensure_ascii=False)
        templates.append(text.replace(check, _SLOTS["check"]).replace(account, _SLOTS["account"]))
    return templates


def _write_prowler(handle, count: int, ids: list[str]) -> None:
    templates = _prowler_templates()
    handle.write("[")
    for number in range(count):
        failed = number % 5 == 0
        text = templates[number % len(templates)]
        for slot, value in (
            ("check", ids[number % len(ids)]),
            ("number", str(number)),
            ("account", str(100000000000 + number % 50)),
            ("status_code", "FAIL" if failed else "PASS"),
            ("severity", "High" if failed else "Low"),
        ):
            text = text.replace(_SLOTS[slot], value)
        handle.write(text if number == 0 else "," + text)
    handle.write("]")


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


def _cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(findings: int, resources: int, shape: str, profile: str = "") -> dict:
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
    suffix = "json" if shape == "prowler" else "jsonl"
    path = Path(os.environ["ANNEXA_HOME"]) / f"findings.ocsf.{suffix}"
    started = time.perf_counter()
    size = _generate(path, findings, shape)
    generated = time.perf_counter() - started
    rss_before = _rss_mib()
    profiler = _profiler() if profile else None
    started, cpu = time.perf_counter(), _cpu_s()
    judged = services.ingest(ctx, path, kind="ocsf")
    seconds, cpu = time.perf_counter() - started, _cpu_s() - cpu
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(color=False), encoding="utf-8")
    run = judged.run
    evaluation = (run.finished_at - run.started_at).total_seconds()
    assert run.summary["findings"] == findings, run.summary
    return {
        "findings": findings,
        "shape": shape,
        "file_mib": round(size / 1024**2, 1),
        "generate_s": round(generated, 1),
        "ingest_s": round(seconds, 1),
        "ingest_findings_per_s": round(findings / seconds),
        "ingest_cpu_s": round(cpu, 1),
        "ingest_findings_per_cpu_s": round(findings / cpu),
        "_load_average": [round(x, 1) for x in os.getloadavg()],
        "evaluation_s": round(evaluation, 1),
        "evaluation_findings_per_s": round(findings / evaluation),
        "peak_rss_mib": round(_rss_mib(), 1),
        "rss_growth_during_ingest_mib": round(_rss_mib() - rss_before, 1),
        **_judge_in_memory(resources),
    }


def _profiler():
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    return profiler


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bench_ingest")
    parser.add_argument("--findings", type=int, default=FINDINGS)
    parser.add_argument("--resources", type=int, default=RESOURCES)
    parser.add_argument("--shape", choices=SHAPES, default="lines")
    parser.add_argument("--profile", default="", help="write a pyinstrument profile there")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.findings, args.resources, args.shape, args.profile), indent=2))


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    sys.path.insert(0, str(ROOT))
    print(json.dumps(_worker(int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:6])))
elif __name__ == "__main__":
    main(sys.argv[1:])
