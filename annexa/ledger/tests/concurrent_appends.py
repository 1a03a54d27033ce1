"""Helper process for the concurrency tests: many threads append to one org's ledger at once.

Run as ``python -m annexa.ledger.tests.concurrent_appends --org SLUG --threads N --appends M``
with the database in ANNEXA_DATABASE_URL. Prints ``ready``, waits for a line on stdin (so the
test can release every process together), then each thread (its own DB connection) appends M
entries. Exits 1, with the errors on stderr, if any append failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import traceback


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--org", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--appends", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
    import django

    django.setup()
    from django.db import connection, connections

    from annexa.core.tenancy import OrgContext
    from annexa.ledger.services import append
    from annexa.orgs.models import Organization

    ctx = OrgContext.system(Organization.objects.get(slug=args.org))
    connections.close_all()
    barrier = threading.Barrier(args.threads)
    errors: list[str] = []

    def work(thread: int) -> None:
        try:
            barrier.wait()
            for k in range(args.appends):
                append(
                    ctx,
                    object_type="concurrency",
                    object_id=f"{os.getpid()}-{thread}-{k}",
                    action="append",
                    data={"pid": os.getpid(), "thread": thread, "k": k},
                )
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    print("ready", flush=True)
    sys.stdin.readline()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
