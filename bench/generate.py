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
services create are random, as in production.

    python -m bench.generate --scale 0.01              # a fresh temporary home, SQLite
    python -m bench.generate --scale 0.1 --database postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 16
SLUG = "large"
SIZES = {
    "people": 5_000,
    "assets": 20_000,
    "accounts": 20_000,
    "risks": 400,
    "findings": 2_000,
    "evidence": 100_000,
    "results": 1_000_000,
    "ledger": 1_000_000,
}
AUDITS = 12
PAGE_AUDIT_ITEMS = 250  # the checklist measured by bench_scale: 224 generated + 26 ad hoc
PAGE_AUDIT_EVIDENCE = 8_000
REPORT_AUDIT_FINDINGS = 200
REPORT_AUDIT_EVIDENCE = 5_000
SYSTEMS = ("Google Workspace", "AWS production", "GitHub", "Okta")
STREAMS_PER_KIND = 2
DEPARTMENTS = (
    "Engineering",
    "Operations",
    "Finance",
    "Sales",
    "Support",
    "People",
    "Legal",
    "Security",
    "Product",
    "Data",
)
FIRST = ("Ada", "Bo", "Chidi", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kemi")
LAST = ("Osei", "Lind", "Marsh", "Novak", "Okafor", "Petit", "Quist", "Reyes", "Sato", "Tran")
ASSET_KINDS = ("information", "system", "service", "people", "location", "supplier")
PASS_REASON, FAIL_REASON = "Every resource passes.", "2 resources fail the test."
CHUNK = 50_000  # ledger records per append_many call, rows per bulk step

Progress = Callable[[str], None]


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
    return _Generator(sizes(scale), random.Random(seed), slug, progress or (lambda _: None)).run()


class _Generator:
    def __init__(self, size: dict[str, int], rng: random.Random, slug: str, progress: Progress):
        self.size, self.rng, self.slug, self.say = size, rng, slug, progress
        self.today = dt.date(2026, 12, 1)
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
        self.seconds: dict[str, float] = {}

    def run(self) -> Generated:
        self._step("members", self._members)
        self._step("people", self._people)
        self._step("accounts", self._accounts)
        self._step("assets", self._assets)
        self._step("risks", self._risks)
        self._step("audits and checklists", self._audits)
        self._step("evidence", self._evidence)
        self._step("findings", self._findings)
        self._step("control-test results", self._monitoring)
        self._step("control status", self._status)
        self._step("ledger to size", self._fill_ledger)
        return Generated(
            org=self.org,
            manager=self.manager,
            auditor=self.auditor,
            page_audit=self.page_audit,
            report_audit=self.report_audit,
            counts=counts(self.org),
            seconds=self.seconds,
        )

    def _step(self, name: str, action: Callable[[], None]) -> None:
        started = time.perf_counter()
        action()
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.say(f"{name}: {self.seconds[name]:.1f} s")

    def _uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- members ---------------------------------------------------------------------------

    def _members(self) -> None:
        from annexa.core.tenancy import OrgContext
        from annexa.core.testing.fixtures import give_totp
        from annexa.orgs.choices import Role
        from annexa.orgs.models import Membership, Organization, User

        self.org = Organization.objects.create(name="Large Holdings plc", slug=self.slug)
        roles = [("owner", Role.OWNER), ("isms", Role.ISMS_MANAGER)]
        roles += [(f"auditor{n}", Role.AUDITOR) for n in range(1, 9)]
        roles += [(f"owner{n}", Role.CONTROL_OWNER) for n in range(1, 31)]
        roles += [(f"viewer{n}", Role.VIEWER) for n in range(1, 11)]
        self.users = {}
        for name, role in roles:
            user = User.objects.create_user(f"{name}@{self.slug}.test", full_name=name.title())
            Membership.objects.create(user=user, organization=self.org, role=role)
            if role in (Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR):
                give_totp(user)
            self.users[name] = user
        self.manager, self.auditor = self.users["isms"], self.users["auditor1"]
        self.owners = [u for n, u in self.users.items() if n.startswith("owner")]
        self.ctx = OrgContext.member(self.org, self.manager)

    # --- people and accounts ---------------------------------------------------------------

    def _people(self) -> None:
        from annexa.people.choices import PersonSource
        from annexa.people.services.bulk import PersonRow, upsert_people

        rng, count = self.rng, self.size["people"]
        rows, self.emails = [], []
        for n in range(count):
            start = self.today - dt.timedelta(days=rng.randint(20, 3650))
            left = rng.random() < 0.08
            email = f"p{n:05d}@{self.slug}.test"
            self.emails.append(email)
            rows.append(
                PersonRow(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:05d}",
                    email=email,
                    employee_id=f"E{n:05d}",
                    department=rng.choice(DEPARTMENTS),
                    job_title=rng.choice(("Engineer", "Analyst", "Manager", "Specialist")),
                    manager=self.emails[rng.randrange(n)] if n else "",
                    start_date=start,
                    end_date=(
                        start + dt.timedelta(days=rng.randint(30, 900))
                        if left and start < self.today - dt.timedelta(days=400)
                        else None
                    ),
                    screened_on=start - dt.timedelta(days=rng.randint(1, 30))
                    if rng.random() > 0.02
                    else None,
                    terms_signed_on=start if rng.random() > 0.02 else None,
                    trainings=(("Security awareness", start + dt.timedelta(days=14)),),
                )
            )
        upsert_people(self.ctx, rows, source=PersonSource.IMPORT, source_ref="hr-export.csv")

    def _accounts(self) -> None:
        from annexa.people.services.accounts import AccountRecord, sync_system

        rng, total = self.rng, self.size["accounts"]
        per = math.ceil(total / len(SYSTEMS))
        for s, system in enumerate(SYSTEMS):
            records = []
            for n in range(min(per, total - s * per)):
                hint = self.emails[n % len(self.emails)] if rng.random() > 0.03 else ""
                records.append(
                    AccountRecord(
                        username=f"u{n:05d}" if hint == "" else hint.split("@")[0] + f".{n}",
                        email=hint,
                        display_name=f"Account {n:05d}",
                        entitlements=("admin",) if n % 50 == 0 else ("member",),
                        privileged=n % 50 == 0,
                        enabled=rng.random() > 0.05,
                        mfa_enabled=rng.random() > 0.1,
                        last_login=self.now - dt.timedelta(days=rng.randint(0, 200)),
                        person_hint=hint,
                    )
                )
            if records:
                sync_system(self.ctx, system, records)

    # --- assets and risks ------------------------------------------------------------------

    def _assets(self) -> None:
        from annexa.risks.services import bulk

        rng = self.rng
        rows = [
            {
                "name": f"{rng.choice(ASSET_KINDS).title()} asset {n:05d}",
                "kind": rng.choice(ASSET_KINDS),
                "description": "Generated for the benchmarks.",
                "owner": rng.choice(self.owners),
                "value_c": rng.randint(1, 5),
                "value_i": rng.randint(1, 5),
                "value_a": rng.randint(1, 5),
            }
            for n in range(self.size["assets"])
        ]
        self.assets = []
        for start in range(0, len(rows), CHUNK):
            self.assets += bulk.create_assets(self.ctx, rows[start : start + CHUNK])

    def _risks(self) -> None:
        from annexa.catalog.models import Control
        from annexa.risks.services import bulk

        rng = self.rng
        controls = list(Control.objects.order_by("sort_key").values_list("id", flat=True))
        rows = []
        for n in range(self.size["risks"]):
            likelihood, impact = rng.randint(2, 5), rng.randint(2, 5)
            rows.append(
                {
                    "title": f"Risk {n:04d}: loss of {rng.choice(DEPARTMENTS).lower()} data",
                    "threat": "Credential theft",
                    "vulnerability": "Weak review of access rights",
                    "consequence": "Disclosure of customer records",
                    "inherent_likelihood": likelihood,
                    "inherent_impact": impact,
                    "residual_likelihood": rng.randint(1, likelihood),
                    "residual_impact": rng.randint(1, impact),
                    "treatment": rng.choice(("modify", "retain", "avoid", "share")),
                    "owner": rng.choice(self.owners),
                    "assets": rng.sample(self.assets, min(3, len(self.assets))),
                    "controls": rng.sample(controls, 3),
                }
            )
        bulk.create_risks(self.ctx, rows)

    # --- audits ----------------------------------------------------------------------------

    def _audits(self) -> None:
        from annexa.audits.choices import AuditKind, AuditStatus, TeamRole
        from annexa.audits.models import Audit, AuditTeamMember, ChecklistItem
        from annexa.audits.services import audits, checklist, programme
        from annexa.audits.services.scope import Scope
        from annexa.catalog.models import Control, Requirement

        requirements = list(
            Requirement.objects.filter(auditable=True)
            .order_by("sort_key")
            .values_list("id", flat=True)
        )
        controls = list(Control.objects.order_by("sort_key").values_list("id", flat=True))
        first = self.today - dt.timedelta(days=3 * 365)
        cycle = programme.create_programme(self.ctx, start_date=first, years=3)
        scope = Scope(
            requirements={r: "Full scope" for r in requirements},
            controls={c: "Full scope" for c in controls},
        )
        self.audits = []
        for n in range(AUDITS):
            start = first + dt.timedelta(days=n * 91 + 14)
            audit = audits.create_audit(
                self.ctx,
                cycle,
                title=f"Full-scope internal audit {n + 1}",
                planned_start=start,
                planned_end=start + dt.timedelta(days=9),
                kind=AuditKind.INTERNAL_FULL,
                objectives="Confirm that the ISMS conforms and is effectively implemented.",
                scope=scope,
            )
            AuditTeamMember.objects.create(
                audit=audit, user=self.users[f"auditor{n % 8 + 1}"], role=TeamRole.LEAD
            )
            checklist.generate(self.ctx, audit)
            self.audits.append(audit)
        # The checklist measured by bench_scale: 250 items (224 generated, 26 ad hoc).
        self.page_audit, self.report_audit = self.audits[-2], self.audits[-3]
        order = ChecklistItem.objects.filter(audit=self.page_audit).count()
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                organization=self.org,
                audit=self.page_audit,
                order=order + k + 1,
                control_id=controls[k],
                adhoc=True,
                questions=[f"Ad hoc question {k + 1}: is the latest change reviewed?"],
            )
            for k in range(max(0, PAGE_AUDIT_ITEMS - order))
        )
        statuses = [AuditStatus.CLOSED] * (AUDITS - 3)
        statuses += [AuditStatus.REPORTING, AuditStatus.FIELDWORK, AuditStatus.PLANNED]
        for audit, status in zip(self.audits, statuses, strict=True):
            Audit.objects.filter(pk=audit.pk).update(status=status)
            audit.status = status
        results = ["conforming"] * 12 + ["observation", "ofi", "not_audited"]
        for audit in self.audits[: AUDITS - 1]:
            items = list(ChecklistItem.objects.filter(audit=audit))
            for item in items:
                item.result = self.rng.choice(results)
                item.notes = "Examined the records of the period and interviewed the owner."
            ChecklistItem.objects.bulk_update(items, ["result", "notes"], batch_size=1000)

    # --- evidence --------------------------------------------------------------------------

    def _evidence(self) -> None:
        """100,000 small blobs: 8,000 on the page audit's items, 5,000 on the report audit's
        first 200 items, the rest spread over the closed audits."""
        from annexa.audits.models import ChecklistItem

        total = self.size["evidence"]
        page, report = self.size["page evidence"], self.size["report evidence"]
        rest = total - page - report
        closed = self.audits[: AUDITS - 3]
        plan = [(self.page_audit, page), (self.report_audit, report)]
        plan += [(a, rest // len(closed) + (i < rest % len(closed))) for i, a in enumerate(closed)]
        self.versions_of: dict[int, list] = {}
        number = 0
        for audit, count in plan:
            items = list(ChecklistItem.objects.filter(audit=audit).order_by("order"))
            if audit == self.report_audit:
                items = items[: min(self.size["report findings"], len(items))]
            made = []
            for start in range(0, count, CHUNK):
                batch = min(CHUNK, count - start)
                made += self._evidence_batch(items, number, batch, audit.planned_start)
                number += batch
            self.versions_of[audit.pk] = made

    def _evidence_batch(self, items: list, first: int, count: int, day: dt.date) -> list:
        from annexa.audits.models import ChecklistItem
        from annexa.evidence.models import Evidence, EvidenceVersion
        from annexa.evidence.services import OBJECT_TYPE, _version_record
        from annexa.ledger.services import Record

        rng = self.rng
        contents = [self._csv(first + k) for k in range(count)]
        hashes = [hashlib.sha256(c).hexdigest() for c in contents]
        write_blobs(zip(hashes, contents, strict=True))
        collected = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
        pieces = [
            Evidence(
                organization=self.org,
                uid=self._uid(),
                title=f"Records export {first + k:06d}",
                created_at=collected,
                created_by=self.manager,
            )
            for k in range(count)
        ]
        versions = [
            EvidenceVersion(
                organization=self.org,
                uid=self._uid(),
                evidence=piece,
                number=1,
                sha256=digest,
                size=len(content),
                media_type="text/csv",
                filename=f"records-{first + k:06d}.csv",
                source="upload",
                collected_at=collected,
                effective_date=day,
                valid_until=day + dt.timedelta(days=365) if rng.random() > 0.2 else None,
                created_by=self.manager,
            )
            for k, (piece, digest, content) in enumerate(zip(pieces, hashes, contents, strict=True))
        ]
        targets = [items[(first + k) % len(items)] for k in range(count)]
        records = [
            Record(
                OBJECT_TYPE,
                str(piece.uid),
                "create",
                {
                    "title": piece.title,
                    "controls": [item.control_id] if item.control_id else [],
                    "requirements": [item.requirement_id] if item.requirement_id else [],
                    "version": _version_record(version),
                },
                version.sha256,
            )
            for piece, version, item in zip(pieces, versions, targets, strict=True)
        ]
        from django.db import transaction

        with transaction.atomic():
            Evidence.objects.bulk_create(pieces, batch_size=2000)
            EvidenceVersion.objects.bulk_create(versions, batch_size=2000)
            for piece, version in zip(pieces, versions, strict=True):
                piece.current_version = version
            Evidence.objects.bulk_update(pieces, ["current_version"], batch_size=2000)
            through_c, through_r = Evidence.controls.through, Evidence.requirements.through
            through_c.objects.bulk_create(
                (
                    through_c(evidence=p, control_id=i.control_id)
                    for p, i in zip(pieces, targets, strict=True)
                    if i.control_id
                ),
                batch_size=5000,
            )
            through_r.objects.bulk_create(
                (
                    through_r(evidence=p, requirement_id=i.requirement_id)
                    for p, i in zip(pieces, targets, strict=True)
                    if i.requirement_id
                ),
                batch_size=5000,
            )
            linked = ChecklistItem.evidence.through
            linked.objects.bulk_create(
                (
                    linked(checklistitem=i, evidenceversion=v)
                    for v, i in zip(versions, targets, strict=True)
                ),
                batch_size=5000,
            )
            self._append(records)
        return versions

    def _csv(self, n: int) -> bytes:
        rng = self.rng
        lines = ["record,owner,approved,reviewed_on"]
        for row in range(rng.randint(3, 8)):
            lines.append(
                f"R{n:06d}-{row},p{rng.randrange(5000):05d},yes,2026-{rng.randint(1, 12):02d}-01"
            )
        return ("\n".join(lines) + "\n").encode()

    # --- findings --------------------------------------------------------------------------

    def _findings(self) -> None:
        """200 findings in the report audit, each citing 25 of its evidence versions; the rest
        spread over the closed audits, each citing evidence of its own checklist item."""
        from annexa.audits.models import ChecklistItem
        from annexa.findings.models import Finding
        from annexa.findings.services.raising import OBJECT_TYPE
        from annexa.ledger.services import Record

        total = self.size["findings"]
        in_report = min(self.size["report findings"], total)
        closed = self.audits[: AUDITS - 3]
        rest = total - in_report
        plan = [(self.report_audit, in_report)]
        plan += [(a, rest // len(closed) + (i < rest % len(closed))) for i, a in enumerate(closed)]
        number, findings, citations, records = 0, [], [], []
        for audit, count in plan:
            items = list(ChecklistItem.objects.filter(audit=audit, adhoc=False).order_by("order"))
            count = min(count, len(items))
            versions = self.versions_of.get(audit.pk, [])
            per = len(versions) // count if count else 0
            for k in range(count):
                number += 1
                grade = (
                    "major_nc"
                    if number % 20 == 0
                    else self.rng.choice(("minor_nc", "minor_nc", "observation", "ofi"))
                )
                item = items[k]
                item.result = grade
                finding = Finding(
                    organization=self.org,
                    uid=self._uid(),
                    number=number,
                    title=f"Gap {number}: records incomplete",
                    grade=grade,
                    status="closed" if audit.status == "closed" else "open",
                    origin="checklist",
                    requirement_id=item.requirement_id,
                    control_id=item.control_id,
                    requirement_statement="The records are kept for every change.",
                    statement=f"{number % 7 + 1} of 25 sampled records had no approval.",
                    nature="ineffective",
                    checklist_item=item,
                    raised_in=audit,
                    raised_by=self.auditor,
                    raised_at=dt.datetime.combine(audit.planned_end, dt.time(15), tzinfo=dt.UTC),
                )
                findings.append(finding)
                cited = versions[k * per : (k + 1) * per] if audit == self.report_audit else []
                citations += [(finding, v) for v in cited]
                records.append(
                    Record(
                        OBJECT_TYPE,
                        str(finding.uid),
                        "raise",
                        {
                            "number": number,
                            "grade": grade,
                            "audit": str(audit.uid),
                            "subject": item.requirement_id or item.control_id,
                            "evidence": [str(v.uid) for _, v in citations[-len(cited) :]]
                            if cited
                            else [],
                        },
                    )
                )
            ChecklistItem.objects.bulk_update(items[:count], ["result"], batch_size=1000)
        from django.db import transaction

        with transaction.atomic():
            Finding.objects.bulk_create(findings, batch_size=1000)
            through = Finding.evidence.through
            through.objects.bulk_create(
                (through(finding=f, evidenceversion=v) for f, v in citations), batch_size=5000
            )
            self._append(records)

    # --- monitoring ------------------------------------------------------------------------

    def _monitoring(self) -> None:
        """Two systems per evidence kind, each evaluated at a regular interval over the year
        before ``today`` by every control test of its kind (one evidence version per run)."""
        from annexa.monitoring.loader import all_tests

        kinds: dict[str, list] = {}
        for test in all_tests().values():
            kinds.setdefault(test.evidence_kind, []).append(test)
        per_round = STREAMS_PER_KIND * sum(len(t) for t in kinds.values())
        runs = max(1, math.ceil(self.size["results"] / per_round))
        for kind, tests in sorted(kinds.items()):
            for s in range(STREAMS_PER_KIND):
                self._stream(kind, f"{kind}:system-{s + 1}", tests, runs)

    def _stream(self, kind: str, stream: str, tests: list, runs: int) -> None:
        from django.db import transaction

        from annexa.evidence.models import Evidence, EvidenceVersion
        from annexa.evidence.services import OBJECT_TYPE, _version_record
        from annexa.ledger.services import Record
        from annexa.monitoring.models import TestResult, TestRun
        from annexa.monitoring.services.evaluation import OBJECT_TYPE as RUN_TYPE
        from annexa.monitoring.services.evaluation import suite_digest

        rng, suite = self.rng, suite_digest(kind)
        step = dt.timedelta(days=365) / runs
        first_time = self.now - dt.timedelta(days=365)
        evidence = Evidence.objects.create(
            organization=self.org,
            uid=self._uid(),
            title=f"{kind} snapshot of {stream}",
            created_at=first_time,
        )
        failing = {t.id: rng.random() < 0.15 for t in tests}  # each system's weak spots
        for start in range(0, runs, max(1, CHUNK // len(tests))):
            numbers = range(start + 1, min(runs, start + max(1, CHUNK // len(tests))) + 1)
            at = [first_time + step * (n - 1) for n in numbers]
            contents = [
                json.dumps({"stream": stream, "kind": kind, "collected_at": t.isoformat()}).encode()
                for t in at
            ]
            hashes = [hashlib.sha256(c).hexdigest() for c in contents]
            write_blobs(zip(hashes, contents, strict=True))
            versions = [
                EvidenceVersion(
                    organization=self.org,
                    uid=self._uid(),
                    evidence=evidence,
                    number=n,
                    sha256=h,
                    size=len(c),
                    media_type="application/json",
                    filename=f"{kind}-snapshot.json",
                    source="connector",
                    source_detail=f"{kind} connector",
                    collected_at=t,
                    effective_date=t.date(),
                    valid_until=t.date() + dt.timedelta(days=7),
                )
                for n, h, c, t in zip(numbers, hashes, contents, at, strict=True)
            ]
            latest = numbers[-1] == runs
            test_runs = [
                TestRun(
                    organization=self.org,
                    uid=self._uid(),
                    version=v,
                    kind=kind,
                    stream=stream,
                    suite=suite,
                    observed_at=v.collected_at,
                    started_at=v.collected_at,
                    finished_at=v.collected_at + dt.timedelta(seconds=2),
                    status="succeeded",
                    summary={"tests": len(tests)},
                    is_latest=latest and v.number == runs,
                )
                for v in versions
            ]
            results, records = [], []
            for v, run in zip(versions, test_runs, strict=True):
                outcome = {}
                for test in tests:
                    fails = failing[test.id] and rng.random() < 0.7
                    outcome[test.id] = "fail" if fails else "pass"
                    results.append(
                        TestResult(
                            organization=self.org,
                            run=run,
                            test_id=test.id,
                            status=outcome[test.id],
                            reason="2 resources fail the test."
                            if fails
                            else "Every resource passes.",
                            control_ids=list(test.control_ids),
                            resources=["resource-1", "resource-2"] if fails else [],
                            resource_count=20,
                            failing_count=2 if fails else 0,
                            stream=stream,
                            observed_at=v.collected_at,
                            valid_until=v.valid_until,
                            is_latest=run.is_latest,
                        )
                    )
                action = "create" if v.number == 1 else "add_version"
                data = {"version": _version_record(v)}
                if v.number == 1:
                    data.update(title=evidence.title, controls=[], requirements=[])
                records.append(Record(OBJECT_TYPE, str(evidence.uid), action, data, v.sha256))
                records.append(
                    Record(
                        RUN_TYPE,
                        str(run.uid),
                        "evaluate",
                        {
                            "kind": kind,
                            "stream": stream,
                            "evidence_version": str(v.uid),
                            "suite": suite,
                            "status": run.status,
                            "results": outcome,
                        },
                        v.sha256,
                    )
                )
            with transaction.atomic():
                EvidenceVersion.objects.bulk_create(versions, batch_size=2000)
                TestRun.objects.bulk_create(test_runs, batch_size=2000)
                TestResult.objects.bulk_create(results, batch_size=2000)
                if latest:
                    evidence.current_version = versions[-1]
                    evidence.save(update_fields=["current_version"])
                self._append(records)

    def _status(self) -> None:
        from annexa.monitoring.services import status

        status.refresh(self.ctx, reason="generated results")

    # --- the ledger ------------------------------------------------------------------------

    def _fill_ledger(self) -> None:
        """Fieldwork edits of the checklist items until the ledger holds its size."""
        from annexa.audits.models import ChecklistItem
        from annexa.audits.services.fieldwork import OBJECT_TYPE
        from annexa.ledger.models import LedgerHead
        from annexa.ledger.services import Record

        head = LedgerHead.objects.get(organization=self.org).seq
        missing = self.size["ledger"] - head
        items = [
            str(u)
            for u in ChecklistItem.objects.filter(audit__in=self.audits[: AUDITS - 1])
            .order_by("pk")
            .values_list("uid", flat=True)
        ]
        if missing <= 0 or not items:
            return
        fields = ("notes", "examined", "analysis", "verification")
        for start in range(0, missing, CHUNK):
            self._append(
                [
                    Record(
                        OBJECT_TYPE,
                        items[n % len(items)],
                        "update",
                        {
                            "changes": {
                                self.rng.choice(fields): f"Fieldwork note {n}: records examined."
                            },
                            "version": n // len(items) + 2,
                        },
                    )
                    for n in range(start, min(missing, start + CHUNK))
                ]
            )

    def _append(self, records: list) -> None:
        from annexa.ledger.services import append_many

        for start in range(0, len(records), CHUNK):
            append_many(self.ctx, records[start : start + CHUNK], batch_size=5000)


def write_blobs(blobs: Iterable[tuple[str, bytes]]) -> None:
    """Put small blobs into the configured store: on a local-file store as the store writes
    them but with one file-system sync for the batch instead of fsyncs per file."""
    from annexa.evidence.storage import FileBlobStore, get_store

    store = get_store()
    if not isinstance(store, FileBlobStore):
        for _, content in blobs:
            store.put_stream([content])
        return
    store.temp_dir.mkdir(parents=True, exist_ok=True)
    for sha256, content in blobs:
        final = store.path_for(sha256)
        if final.exists():
            continue
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = store.temp_dir / f"{sha256}.part"
        temp.write_bytes(content)
        os.chmod(temp, 0o440)
        os.replace(temp, final)
    os.sync()


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
