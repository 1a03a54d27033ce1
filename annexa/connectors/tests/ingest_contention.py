"""Helper process for the ingest lock test: one thread imports a large file, another writes.

Run as ``python -m annexa.connectors.tests.ingest_contention --org SLUG --file PATH`` with
the database in ANNEXA_DATABASE_URL (a SQLite file). A writer thread changes a connector's
settings through ``connectors.services.update`` (a transaction with a ledger entry) again and
again, each on its own connection, timing how long each write took; the main thread imports
the file (``connectors.ingest_file``), then once more as ``annexa ingest`` does (already
held, then judged). Prints one JSON line: the writes, how many finished while the file was
being stored, the longest write, and the "database is locked" errors.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--org", required=True)
    parser.add_argument("--file", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
    import django

    django.setup()
    from pathlib import Path

    from django.db import OperationalError, connections

    from annexa.connectors import services as connectors
    from annexa.core.tenancy import OrgContext
    from annexa.monitoring import services as monitoring
    from annexa.orgs.models import Organization

    ctx = OrgContext.system(Organization.objects.get(slug=args.org))
    target = connectors.create(
        ctx, name="contention", kind="lynis", values={"mode": "run"}, enabled=False
    )
    stop = threading.Event()
    started = threading.Event()
    finished: list[float] = []  # when each write finished (monotonic)
    waits: list[float] = []
    locked: list[str] = []

    def write() -> None:
        minutes = 60
        try:
            while not stop.is_set():
                minutes = 61 if minutes == 60 else 60
                begun = time.monotonic()
                try:
                    connectors.update(ctx, target, interval_minutes=minutes)
                except OperationalError as exc:
                    locked.append(str(exc))
                waits.append(time.monotonic() - begun)
                finished.append(time.monotonic())
                started.set()
                time.sleep(0.02)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    started.wait(timeout=30)
    began = time.monotonic()
    item = connectors.ingest_file(ctx, Path(args.file))  # check, hash, copy, record
    stored = time.monotonic()
    judged = monitoring.ingest(ctx, Path(args.file))  # `annexa ingest`: held already, judged
    stop.set()
    writer.join(timeout=60)
    print(
        json.dumps(
            {
                "records": item.records,
                "judged": judged.run.status,
                "writes": len(waits),
                "during_store": sum(began < t < stored for t in finished),
                "max_wait": max(waits),
                "locked": locked,
            }
        )
    )


if __name__ == "__main__":
    main()
