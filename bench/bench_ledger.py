"""How fast `annexa verify` checks a large ledger and its blobs, next to raw SHA-256 speed.

Builds a fresh instance in a temporary ANNEXA_HOME (SQLite, as `annexa init` makes it), bulk
inserts ``entries`` ledger entries with real hashes and chain links (no per-entry service call,
so building a million takes a minute, not an hour), stores ``blob_mb`` of random blobs that the
entries reference, signs a checkpoint, then times ``verify_org`` — the code behind
`annexa verify`. Run directly for a quick look:

    python -m bench.bench_ledger --entries 10000 --blob-mb 16
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import configure

CHUNK = 1024 * 1024
BLOB_SIZE = 4 * CHUNK
BATCH = 20_000


def _configure(home: Path) -> None:
    configure(home, catalog=False)


def _blobs(total_mb: int) -> list[str]:
    from annexa.evidence.storage import get_store

    store = get_store()
    count = max(1, total_mb * CHUNK // BLOB_SIZE)
    return [
        store.put_stream(os.urandom(CHUNK) for _ in range(BLOB_SIZE // CHUNK))[0]
        for _ in range(count)
    ]


def _rows(org, entries: int, blobs: list[str]):
    """Entries 1..n exactly as `append` would store them, with every blob referenced once."""
    from annexa.ledger import format as fmt

    org_uid, prev = str(org.uid), fmt.GENESIS_HASH
    every = max(1, entries // max(1, len(blobs)))
    for seq in range(1, entries + 1):
        index = seq // every
        blob = blobs[index - 1] if seq % every == 0 and index <= len(blobs) else None
        data = {"title": f"evidence item {seq}", "controls": ["A.5.15", "A.8.2"], "n": seq}
        data_json = fmt.canonical(data).decode()
        time_text = f"2026-01-01T00:00:{seq // 1_000_000:02d}.{seq % 1_000_000:06d}Z"
        fields = {
            "seq": seq,
            "time": time_text,
            "actor": "bench@annexa.test",
            "object_type": "evidence",
            "object_id": f"e{seq}",
            "action": "create",
        }
        digest = fmt.sha256_hex(
            fmt.stored_entry_bytes(
                org=org_uid, data_json=data_json, blob_sha256=blob, prev=prev, **fields
            )
        )
        yield (org.pk, *fields.values(), data_json, blob, prev, digest)
        prev = digest


def _build(org, entries: int, blobs: list[str]) -> None:
    from django.db import connection, transaction

    from annexa.ledger.models import LedgerHead

    sql = (
        "INSERT INTO ledger_ledgerentry (organization_id, seq, time, actor, object_type, "
        "object_id, action, data, blob_sha256, prev_hash, entry_hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch, last = [], None
    with transaction.atomic(), connection.cursor() as cursor:
        for row in _rows(org, entries, blobs):
            batch.append(row)
            last = row
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
        LedgerHead.objects.create(organization=org, seq=last[1], head_hash=last[10])


def _raw_sha256_mb_per_s(megabytes: int = 256) -> float:
    chunk = os.urandom(CHUNK)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(megabytes):
        digest.update(chunk)
    return megabytes * CHUNK / 1_000_000 / (time.perf_counter() - started)


def run(entries: int = 1_000_000, blob_mb: int = 256, runs: int = 1) -> dict:
    """Figures for a ledger of ``entries`` entries referencing ``blob_mb`` MB of blobs."""
    with tempfile.TemporaryDirectory(prefix="annexa-bench-ledger-") as scratch:
        _configure(Path(scratch))
        from annexa.core.tenancy import OrgContext
        from annexa.ledger import services
        from annexa.ledger.blobs import default_opener
        from annexa.ledger.verify import verify_org
        from annexa.orgs.models import Organization

        org = Organization.objects.create(name="Bench Ltd", slug="bench")
        blobs = _blobs(blob_mb)
        started = time.perf_counter()
        _build(org, entries, blobs)
        built = time.perf_counter() - started
        started = time.perf_counter()
        services.create_checkpoint(OrgContext.system(org))
        signed = time.perf_counter() - started
        runs_out = []
        for _ in range(max(1, runs)):
            cpu = time.process_time()
            report = verify_org(org, default_opener())
            cpu = time.process_time() - cpu
            if not report.ok:
                raise RuntimeError("the benchmark ledger does not verify:\n" + report.summary())
            runs_out.append((report, cpu))
        report, cpu = sorted(runs_out, key=lambda run: run[0].seconds)[len(runs_out) // 2]
        megabytes = report.blob_bytes / 1_000_000
        return {
            "database": "SQLite (WAL), fresh ANNEXA_HOME",
            "entries": report.entries,
            "build (bulk insert with real hashes), s": built,
            "first checkpoint over all entries, s": signed,
            "verify runs (the median run below)": len(runs_out),
            "annexa verify total, s": report.seconds,
            "annexa verify CPU time, s": cpu,
            "annexa verify total per run, s": [round(r.seconds, 2) for r, _ in runs_out],
            "annexa verify CPU time per run, s": [round(c, 2) for _, c in runs_out],
            "load average (1, 5, 15 min)": os.getloadavg(),
            "verify entries/s": report.entries / report.timings["entries"],
            "blobs verified": report.blobs,
            "blob MB hashed": megabytes,
            "verify blob MB/s": megabytes / report.timings["blobs"],
            "raw hashlib.sha256 MB/s (same run)": _raw_sha256_mb_per_s(),
        }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ledger")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--blob-mb", type=int, default=256)
    parser.add_argument("--runs", type=int, default=1, help="verifications (median reported)")
    args = parser.parse_args()
    print(json.dumps(run(entries=args.entries, blob_mb=args.blob_mb, runs=args.runs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
