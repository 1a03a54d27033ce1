"""Checklist speed: generating a full-scope checklist, and loading a big checklist page.

* **generate**: ``checklist.generate`` for an audit whose scope is every auditable clause
  requirement and all 93 Annex A controls of the real catalog (one audit per run, timed alone);
* **page**: ``GET`` of the checklist page of an audit with 200 items and 2,000 evidence items
  linked to them (each also on file for the item's subject), through Django's test client with
  a logged-in auditor, after one warm-up request; the query count is reported too.

``run()`` starts one worker process per database with a fresh temporary ANNEXA_HOME: SQLite
always, PostgreSQL when ``ANNEXA_BENCH_DATABASE_URL`` is set or 127.0.0.1:5432 answers (in a
scratch database created for the run and dropped after it). Run directly for a quick look:

    python -m bench.bench_checklist --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
PAGE_ITEMS = 200
EVIDENCE = 2000
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def run(runs: int = RUNS) -> dict:
    """Figures for SQLite and, when reachable, PostgreSQL."""
    figures = _prefixed("sqlite", _spawn(None, runs))
    server = _postgres_server()
    if server is None:
        figures["postgresql"] = "not reachable: skipped"
        return figures
    with _scratch_database(server) as url:
        figures.update(_prefixed("postgresql", _spawn(url, runs)))
    return figures


def _prefixed(prefix: str, figures: dict) -> dict:
    return {f"{prefix} {key}": value for key, value in figures.items()}


def _spawn(database_url: str | None, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="annexa-bench-checklist-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            ANNEXA_STORAGE_URL=f"file://{Path(home) / 'blobs'}",
            ANNEXA_ALLOWED_HOSTS="testserver",
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
        )
        if database_url:
            env["ANNEXA_DATABASE_URL"] = database_url
        result = subprocess.run(
            [sys.executable, "-m", "bench.bench_checklist", "--worker", "--runs", str(runs)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the checklist benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


# --- PostgreSQL ------------------------------------------------------------------------------


def _postgres_server() -> str | None:
    url = os.environ.get("ANNEXA_BENCH_DATABASE_URL")
    if url:
        return url
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return LOCAL_POSTGRES
    return None


@contextlib.contextmanager
def _scratch_database(server_url: str) -> Iterator[str]:
    """A database of its own on ``server_url``'s server, dropped afterwards."""
    import psycopg

    name = f"annexa_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the worker ------------------------------------------------------------------------------


def _worker(runs: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.catalog.loader import load_catalog

    call_command("migrate", interactive=False, verbosity=0)
    load_catalog()
    org, auditor = _organization()
    return {**_generation(org, auditor, runs), **_page(org, auditor, runs)}


def _organization():
    from annexa.core.testing.fixtures import give_totp
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, Organization, User

    org = Organization.objects.create(name="Bench Ltd", slug="bench")
    auditor = User.objects.create_user("auditor@bench.test")
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
        "generate median ms": round(statistics.median(timings) * 1000, 1),
        "generate max ms": round(max(timings) * 1000, 1),
    }


def _page(org, auditor, runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annexa.audits.services import checklist
    from annexa.audits.tests.fieldwork_fixtures import attach_bulk_evidence, build_audit
    from annexa.core.tenancy import OrgContext
    from annexa.core.testing.fixtures import signed_in_with_totp

    requirements, controls = _scope()
    audit = build_audit(
        org,
        lead=auditor,
        requirements=requirements[: PAGE_ITEMS - len(controls)],
        controls=controls,
        reference="IA-2026-90",
    )
    checklist.generate(OrgContext.system(org), audit)
    attach_bulk_evidence(audit, EVIDENCE)
    client = Client()
    client.force_login(auditor)
    signed_in_with_totp(client, auditor)
    url = reverse("audits:checklist", kwargs={"org": org.slug, "pk": audit.pk})
    first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"the checklist page answered {first.status_code}")
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
    return {
        "page items": audit.checklist_items.count(),
        "page linked evidence": EVIDENCE,
        "page median ms": round(statistics.median(timings) * 1000, 1),
        "page max ms": round(max(timings) * 1000, 1),
        "page queries": len(queries),
        "page kB": round(len(response.content) / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(_worker(options.runs)))
    else:
        print(json.dumps(run(options.runs), indent=2))


if __name__ == "__main__":
    main()
