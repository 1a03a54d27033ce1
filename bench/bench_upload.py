"""Evidence upload throughput: 1,000 files of 100 KB through ``evidence.services.store``.

``run()`` starts a worker process with a fresh temporary ANNEXA_HOME (its own SQLite database
and file store), so the figure covers the whole path of an upload (staging, content checks,
hashing, crash-safe blob write with fsync, rows and ledger entry) and nothing else running in
the caller's process. Only the upload loop is timed.

Two ways in, each with its own 1,000 distinct files: one ``store`` call per file (a commit, a
ledger append and four fsyncs each), and ``store_many`` in batches (``BATCHES``: each blob
still written crash-safely, the fsyncs of a batch issued together, one commit and one
``append_many`` per batch). Wall time and the worker's CPU time are both printed; the gap is
mostly waiting for the disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = 1000
FILE_SIZE = 100 * 1024
BATCHES = (1000, 100)  # files per store_many call
ROOT = Path(__file__).resolve().parents[1]


def run() -> dict:
    """Upload FILES files of FILE_SIZE bytes; returns files/s and MB/s."""
    with tempfile.TemporaryDirectory(prefix="annexa-bench-upload-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        env.update(
            ANNEXA_HOME=home,
            ANNEXA_SECRET_KEY="bench-only-secret-key-0123456789abcdef",
            ANNEXA_STORAGE_URL=f"file://{Path(home) / 'blobs'}",
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="annexa.settings",
        )
        result = subprocess.run(
            [sys.executable, __file__, "--worker"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the upload benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout)


def _contents(count: int, size: int) -> list[bytes]:
    """Distinct text files (a log of hex lines), so nothing is deduplicated."""
    line_bytes = 65  # 64 hex digits and a newline
    lines = size // line_bytes
    return [
        b"".join(os.urandom(32).hex().encode() + b"\n" for _ in range(lines))
        + b"x" * (size - lines * line_bytes - 1)
        + b"\n"
        for _ in range(count)
    ]


def _worker() -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from annexa.core.tenancy import OrgContext
    from annexa.evidence import services
    from annexa.orgs.models import Organization

    call_command("migrate", interactive=False, verbosity=0)
    ctx = OrgContext.system(Organization.objects.create(name="Bench Ltd", slug="bench"))
    figures = {"files": FILES, "file_bytes": FILE_SIZE, "load_average": os.getloadavg()}

    def one_by_one(contents: list[bytes]) -> None:
        for number, data in enumerate(contents):
            services.store(ctx, chunks=[data], filename=f"export-{number:04}.log")

    figures["store, one call per file"] = _timed(one_by_one)
    for size in BATCHES:

        def batched(contents: list[bytes], size: int = size) -> None:
            files = [
                services.NewFile(filename=f"batch-{number:04}.log", chunks=[data])
                for number, data in enumerate(contents)
            ]
            for start in range(0, len(files), size):
                services.store_many(ctx, files[start : start + size])

        figures[f"store_many, batches of {size}"] = _timed(batched)
    return figures


def _timed(upload) -> dict:
    contents = _contents(FILES, FILE_SIZE)
    started, cpu = time.perf_counter(), time.process_time()
    upload(contents)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "files_per_s": round(FILES / seconds, 1),
        "mb_per_s": round(FILES * FILE_SIZE / seconds / 1_000_000, 2),
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        print(json.dumps(_worker()))
    else:
        print(json.dumps(run(), indent=2))
