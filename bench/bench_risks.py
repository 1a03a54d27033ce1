"""Risk register spreadsheets: importing a 5,000-row register and exporting it.

* **import**: ``risks.io.import_risks`` of a 5,000-row register (XLSX, then the same rows as
  CSV) into an organization with 25 members and 200 assets: each row names one to three assets,
  an owner, two or three Annex A controls, inherent and residual likelihood and impact and a
  treatment. All rows are saved in one transaction with a ledger entry each; the time to the end
  of the checking (reading the file included) and the saving are reported apart;
* **re-import**: the register's own XLSX export imported again (every row read, checked and
  found unchanged: nothing written);
* **refused**: the 5,000 rows with 50 bad ones (unknown owner, asset or control, a likelihood
  off the scale): the time to the report naming all of them, nothing saved;
* **export**: ``risks.io.export_risks`` of the 5,000 risks as XLSX and as CSV.

``run()`` starts one worker process per database with a fresh temporary ANNEXA_HOME: SQLite
always, PostgreSQL when ``ANNEXA_BENCH_DATABASE_URL`` is set or 127.0.0.1:5432 answers (in a
scratch database created for the run and dropped after it). Run directly for a quick look:

    python -m bench.bench_risks --rows 1000
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

from bench.common import per_database

ROOT = Path(__file__).resolve().parents[1]
ROWS = 5000
RUNS = 2
MEMBERS = 25
ASSETS = 200
BAD_ROWS = 50
CONTROLS = ("A.5.15", "A.5.23", "A.8.5", "A.8.7", "A.8.8", "A.8.13", "A.8.15", "A.8.24")
TREATMENTS = ("modify", "modify", "retain", "share", "avoid")


def run(rows: int = ROWS, runs: int = RUNS, database: str | None = None) -> dict:
    """Figures for SQLite and, when reachable, PostgreSQL (or only ``database``)."""
    return per_database(lambda url: _spawn(url, rows, runs), database)


def _spawn(database_url: str | None, rows: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-risks-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
        )
        if database_url:
            env["ANNEXA_DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "bench.bench_risks", "--worker"]
        command += ["--rows", str(rows), "--runs", str(runs)]
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"the risks benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


# --- the worker ----------------------------------------------------------------------------


def _worker(rows: int, runs: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog

    call_command("migrate", interactive=False, verbosity=0)
    load_catalog()
    figures: dict = {"rows": rows}
    for fmt in ("xlsx", "csv"):
        figures.update(_import(rows, runs, fmt))
    org, ctx = _organization("bench-export")
    _import_once(ctx, _register(rows, fmt="xlsx"), "register.xlsx")
    figures.update(_export(org, runs))
    figures.update(_reimport(ctx, runs))
    figures.update(_refused(rows, runs))
    return figures


def _organization(slug: str):
    from annexa.core.tenancy import OrgContext
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, Organization, User
    from annexa.risks.choices import AssetKind
    from annexa.risks.models import Asset

    org = Organization.objects.create(name=f"Bench {slug}", slug=slug)
    manager = None
    for n in range(MEMBERS):
        user, _ = User.objects.get_or_create(email=f"person{n}@bench.test")
        role = Role.ISMS_MANAGER if n == 0 else Role.CONTROL_OWNER
        membership = Membership.objects.create(user=user, organization=org, role=role)
        manager = manager or membership
    kinds = list(AssetKind.values)
    Asset.objects.bulk_create(
        Asset(organization=org, number=n + 1, name=f"Asset {n + 1:03d}", kind=kinds[n % 6])
        for n in range(ASSETS)
    )
    return org, OrgContext(org=org, user=manager.user, membership=manager)


def _row(n: int, bad: bool = False) -> list[object]:
    """Row ``n`` in the import's column order (``io.RISK_IMPORTED`` without the reference)."""
    likelihood, impact = 1 + n % 5, 1 + (n * 7) % 5
    assets = "; ".join(f"Asset {1 + (n * k) % ASSETS:03d}" for k in range(1, 2 + n % 3))
    controls = ", ".join(CONTROLS[(n + k) % len(CONTROLS)] for k in range(2 + n % 2))
    row: list[object] = [
        f"Risk scenario {n}: unauthorised access to the customer data store",
        "An external attacker with stolen credentials",
        "Single-factor sign-in on the administration console",
        "Customer records copied; notification to the supervisory authority",
        assets,
        f"person{n % MEMBERS}@bench.test",
        "Quarterly access review; VPN for administration",
        likelihood,
        impact,
        TREATMENTS[n % len(TREATMENTS)],
        "Enforce phishing-resistant multi-factor sign-in; alert on new admin sessions.",
        controls,
        max(1, likelihood - 1),
        max(1, impact - 1),
        "2027-03-31",
    ]
    if bad:
        problem = n % 4
        if problem == 0:
            row[5] = "stranger@elsewhere.test"
        elif problem == 1:
            row[4] = "Mainframe that does not exist"
        elif problem == 2:
            row[11] = "A.99.1"
        else:
            row[7] = 9
    return row


def _register(rows: int, *, fmt: str, bad: int = 0) -> bytes:
    from annexa.core import spreadsheets
    from annexa.risks.io import RISK_IMPORTED

    header = [c for c in RISK_IMPORTED if c != "reference"]
    step = rows // bad if bad else 0
    body = [_row(n, bad=bool(step) and n % step == step - 1) for n in range(rows)]
    if fmt == "csv":
        return spreadsheets.write_csv(header, body)
    return spreadsheets.write_xlsx(header, body)


def _import_once(ctx, data: bytes, name: str) -> tuple[float, float, object]:
    """(seconds to the end of the checking, seconds in all, the report)."""
    from annexa.risks import io

    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "checking" and done == total:
            marks["checked"] = time.perf_counter()

    started = time.perf_counter()
    report = io.import_risks(ctx, data, name, progress=progress)
    ended = time.perf_counter()
    if not report.ok:
        raise RuntimeError(f"the benchmark's register was refused: {report.errors[:5]}")
    return marks.get("checked", ended) - started, ended - started, report


def _import(rows: int, runs: int, fmt: str) -> dict:
    from annexa.ledger.models import LedgerEntry

    data = _register(rows, fmt=fmt)
    checks, totals, created = [], [], 0
    for number in range(runs):
        _, ctx = _organization(f"bench-{fmt}-{number}")
        checked, total, report = _import_once(ctx, data, f"register.{fmt}")
        checks.append(checked)
        totals.append(total)
        created = len(report.created)
    entries = LedgerEntry.objects.filter(organization=ctx.org, object_type="risk").count()
    return {
        f"import {fmt} KiB": len(data) // 1024,
        f"import {fmt} risks created": created,
        f"import {fmt} ledger entries": entries,
        f"import {fmt} read+check s (median)": round(statistics.median(checks), 2),
        f"import {fmt} total s (median)": round(statistics.median(totals), 2),
        f"import {fmt} total s (max)": round(max(totals), 2),
    }


def _export(org, runs: int) -> dict:
    from annexa.risks import io

    figures = {}
    for fmt in ("xlsx", "csv"):
        timings, body = [], b""
        for _ in range(runs):
            started = time.perf_counter()
            body = io.export_risks(org, fmt)
            timings.append(time.perf_counter() - started)
        figures[f"export {fmt} s (median)"] = round(statistics.median(timings), 2)
        figures[f"export {fmt} KiB"] = len(body) // 1024
    return figures


def _reimport(ctx, runs: int) -> dict:
    from annexa.risks import io

    exported = io.export_risks(ctx.org, "xlsx")
    timings, unchanged = [], 0
    for _ in range(runs):
        _, total, report = _import_once(ctx, exported, "export.xlsx")
        timings.append(total)
        unchanged = report.unchanged
    return {
        "re-import of the export: rows unchanged": unchanged,
        "re-import of the export s (median)": round(statistics.median(timings), 2),
    }


def _refused(rows: int, runs: int) -> dict:
    from annexa.risks import io
    from annexa.risks.models import Risk

    data = _register(rows, fmt="xlsx", bad=BAD_ROWS)
    _, ctx = _organization("bench-refused")
    timings, report = [], None
    for _ in range(runs):
        started = time.perf_counter()
        report = io.import_risks(ctx, data, "register.xlsx")
        timings.append(time.perf_counter() - started)
    if report.ok or Risk.objects.for_org(ctx.org).exists():
        raise RuntimeError("the register with bad rows was not refused whole")
    return {
        "refused: bad rows named": len(report.bad_rows),
        "refused: report s (median)": round(statistics.median(timings), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(_worker(options.rows, options.runs)))
    else:
        print(json.dumps(run(options.rows, options.runs), indent=2))


if __name__ == "__main__":
    main()
