"""A large organization to measure on (issue 16), generated from a fixed seed.

At ``scale`` 1: 5,000 people, 20,000 assets, 20,000 accounts in four systems, 400 risks, 12
audits over three years with full-scope checklists (the checklist service generates each), 2,000
findings, 100,000 evidence items (small blobs) linked to checklist items, 1,000,000 control-test
results over a year and a ledger of 1,000,000 entries. Every size is multiplied by ``scale``
(0.01 for a quick run), except the 12 audits and their checklists.

Where a service writes many rows at once it is used as is: people through
``people.services.bulk.upsert_people`` (the HR import's path), accounts through
``accounts.sync_system``, assets and risks through ``risks.services.bulk`` (the spreadsheet
import's path), the programme and audits through the audit services, checklists through
``checklist.generate``. Evidence, findings and the monitoring history are inserted in bulk as
the services would store them, with their ledger entries through ``ledger.services.append_many``
(real hashes and chain links: ``annexa verify`` stays clean). The ledger is then brought to its
size with the entries of fieldwork edits of the checklist items (``checklist_item``/``update``),
the commonest change of an audit's life.

Blobs: 100,000 small files through ``put_stream`` would cost four fsyncs each. On a local-file
store the generator writes each blob as the store does (a temporary file in the store's
``.tmp``, read-only, renamed into ``ab/cd/abcd…``) without the per-file fsyncs, and syncs the
file system once before any row naming them is committed: the locker is as complete and
verifiable as the store's own writes make it. On another store (S3) it uses ``put_stream``.

The content is a function of the seed (names, dates, results, blob bytes); the uids of rows the
services create are random, as in production. Every step draws from one random stream, in the
order ``STEPS`` lists them: reordering the steps changes the data.

This module runs the steps and the command; each domain has its builder module beside it:
``people`` (members, people, accounts, assets), ``risks``, ``audits`` (audits, checklists,
findings), ``evidence`` (and ``write_blobs``), ``monitoring`` (control-test results and
status) and ``ledger``; ``state`` holds the sizes and the state the steps share.

    python -m bench.generate --scale 0.01              # a fresh temporary home, SQLite
    python -m bench.generate --scale 0.1 --database postgres
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import audits, evidence, ledger, monitoring, people, risks
from bench.generate.evidence import write_blobs
from bench.generate.monitoring import FAIL_REASON, PASS_REASON, STREAMS_PER_KIND
from bench.generate.people import ASSET_KINDS, FIRST, LAST, SYSTEMS
from bench.generate.state import (
    AUDITS,
    CHUNK,
    DEPARTMENTS,
    PAGE_AUDIT_EVIDENCE,
    PAGE_AUDIT_ITEMS,
    REPORT_AUDIT_EVIDENCE,
    REPORT_AUDIT_FINDINGS,
    SEED,
    SIZES,
    SLUG,
    Build,
)

__all__ = [
    "ASSET_KINDS",
    "AUDITS",
    "CHUNK",
    "DEPARTMENTS",
    "FAIL_REASON",
    "FIRST",
    "LAST",
    "PAGE_AUDIT_EVIDENCE",
    "PAGE_AUDIT_ITEMS",
    "PASS_REASON",
    "REPORT_AUDIT_EVIDENCE",
    "REPORT_AUDIT_FINDINGS",
    "SEED",
    "SIZES",
    "SLUG",
    "STEPS",
    "STREAMS_PER_KIND",
    "SYSTEMS",
    "Generated",
    "Progress",
    "counts",
    "generate",
    "main",
    "sizes",
    "write_blobs",
]

Progress = Callable[[str], None]

# The steps in the order they run (and draw from the random stream), each named as timed.
STEPS: tuple[tuple[str, Callable[[Build], None]], ...] = (
    ("members", people.build_members),
    ("people", people.build_people),
    ("accounts", people.build_accounts),
    ("assets", people.build_assets),
    ("risks", risks.build_risks),
    ("audits and checklists", audits.build_audits),
    ("evidence", evidence.build_evidence),
    ("findings", audits.build_findings),
    ("control-test results", monitoring.build_results),
    ("control status", monitoring.refresh_status),
    ("ledger to size", ledger.fill_ledger),
)


@dataclass
class Generated:
    """What was generated, and how long each step took (seconds)."""

    org: object
    manager: object
    auditor: object
    page_audit: object
    report_audit: object
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def sizes(scale: float) -> dict[str, int]:
    """The sizes at ``scale`` (at least one of each). The two audits measured alone keep their
    full size (8,000 linked evidence items; 200 findings citing 5,000) from scale 0.1 up, and
    shrink in proportion below it, so quick runs stay quick."""
    if not scale > 0:
        raise ValueError("the scale must be a positive number")
    out = {name: max(1, round(value * scale)) for name, value in SIZES.items()}
    full = min(1.0, scale * 10)
    out["page evidence"] = max(1, round(PAGE_AUDIT_EVIDENCE * full))
    out["report evidence"] = max(1, round(REPORT_AUDIT_EVIDENCE * full))
    out["report findings"] = max(1, round(REPORT_AUDIT_FINDINGS * full))
    out["evidence"] = max(out["evidence"], out["page evidence"] + out["report evidence"])
    out["findings"] = max(out["findings"], out["report findings"])
    return out


def generate(
    *, scale: float = 1.0, seed: int = SEED, slug: str = SLUG, progress: Progress | None = None
) -> Generated:
    """Build the organization ``slug`` in the configured database and store (which must be
    migrated, with the catalog loaded). Returns its handles, counts and step timings."""
    build = Build(sizes(scale), random.Random(seed), slug)
    say = progress or (lambda _: None)
    seconds: dict[str, float] = {}
    for name, action in STEPS:
        started = time.perf_counter()
        action(build)
        seconds[name] = round(time.perf_counter() - started, 2)
        say(f"{name}: {seconds[name]:.1f} s")
    return Generated(
        org=build.org,
        manager=build.manager,
        auditor=build.auditor,
        page_audit=build.page_audit,
        report_audit=build.report_audit,
        counts=counts(build.org),
        seconds=seconds,
    )


def counts(org) -> dict[str, int]:
    """How many of each thing ``org`` holds."""
    from annexa.audits.models import Audit, ChecklistItem
    from annexa.evidence.models import Evidence, EvidenceVersion
    from annexa.findings.models import Finding
    from annexa.ledger.models import LedgerEntry
    from annexa.monitoring.models import TestResult, TestRun
    from annexa.people.models import Account, Person
    from annexa.risks.models import Asset, Risk

    models = {
        "people": Person,
        "accounts": Account,
        "assets": Asset,
        "risks": Risk,
        "audits": Audit,
        "checklist items": ChecklistItem,
        "findings": Finding,
        "evidence items": Evidence,
        "evidence versions": EvidenceVersion,
        "test runs": TestRun,
        "control-test results": TestResult,
        "ledger entries": LedgerEntry,
    }
    return {name: model.objects.filter(organization=org).count() for name, model in models.items()}


# --- running it on its own ---------------------------------------------------------------------


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from bench.common import configure, database_url_for

    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--verify", action="store_true", help="run annexa verify after")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="annexa-generate-") as scratch,
        database_url_for(args.database) as url,
    ):
        configure(Path(scratch), url)
        started = time.perf_counter()
        made = generate(scale=args.scale, seed=args.seed, progress=_stderr)
        out = {
            "scale": args.scale,
            "database": args.database,
            "generate s": round(time.perf_counter() - started, 1),
            "steps s": made.seconds,
            "counts": made.counts,
        }
        if args.verify:
            from annexa.ledger.blobs import default_opener
            from annexa.ledger.verify import verify_org

            report = verify_org(made.org, default_opener())
            out["verify ok"] = report.ok
            out["verify s"] = round(report.seconds, 1)
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
