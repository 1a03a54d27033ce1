"""``kill -9`` in the middle of an upload never leaves a row naming a missing or partial blob.

A real Annexa instance is set up by ``annexa init`` in a temporary ANNEXA_HOME (its own
SQLite file database and file store). A child process starts storing evidence and reports
when it is at the chosen point, where it blocks; the test then kills it with SIGKILL and
checks the instance from a fresh process: every version's blob exists with the right hash,
no blob path holds a partial file, the orphan collector cleans up, and the ledger verifier that
``annexa verify`` runs finds nothing wrong.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest

from annexa.core.testing.passes import sqlite_pass_only
from annexa.evidence.tests.subprocesses import ROOT, instance_env, python

# The instance is a home of its own on the embedded defaults, whatever this pass's database.
pytestmark = sqlite_pass_only

DJANGO = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
django.setup()
from annexa.core.tenancy import OrgContext
from annexa.evidence import services
from annexa.orgs.models import Organization
"""

CONTEXT = """
ctx = OrgContext.system(Organization.objects.get(slug="acme"))
"""

SEED = """
Organization.objects.create(slug="acme", name="Acme Ltd")
ctx = OrgContext.system(Organization.objects.get(slug="acme"))
services.store(ctx, chunks=[b"seed one\\n"], filename="one.txt", controls=["A.5.15"])
services.store(ctx, chunks=[b"seed two\\n"], filename="two.txt")
"""

# The child blocks on stdin (the test never writes to it) once it has said "ready".
BLOCK = """
def ready_then_block():
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    sys.stdin.read()
"""

STREAMING = """
def stream():
    for number in range(64):
        if number == 16:
            ready_then_block()
        yield b"log line of a very long audit log\\n" * 30_000
services.store(ctx, chunks=stream(), filename="huge.log")
"""

# The staged file is complete and fsynced; killed before it is renamed into place.
PLACING_BLOB = """
from annexa.evidence.storage import FileBlobStore
original = FileBlobStore._move_into_place
def block_then_move(*args, **kwargs):
    ready_then_block()
    return original(*args, **kwargs)
FileBlobStore._move_into_place = block_then_move
services.store(ctx, chunks=[b"x" * (1024 * 1024)] * 8, filename="big.log")
"""

BLOCK_IN_APPEND = """
from annexa.ledger import services as ledger
def append_then_block(*args, **kwargs):
    entry = original_append(*args, **kwargs)
    ready_then_block()
    return entry
original_append = ledger.append_many
ledger.append_many = append_then_block
"""

BEFORE_COMMIT = (
    BLOCK_IN_APPEND
    + """
services.store(ctx, chunks=[b"committed? no\\n" * 1000], filename="never.txt")
"""
)

BATCH = """
files = [
    services.NewFile(filename=f"batch-{n}.log", chunks=[f"batch file {n}\\n".encode() * 1000])
    for n in range(3)
]
"""

BATCH_BEFORE_COMMIT = BLOCK_IN_APPEND + BATCH + "services.store_many(ctx, files)\n"

# Killed while the second file of a batch is staged (its blob's temporary file, not yet
# fsynced or renamed), or once the first is renamed into place, before the directories are
# fsynced and any row exists.
BATCH_AT_STEP = """
from annexa.evidence.storage import FileBlobStore
calls = []
def block_on_second(original):
    def step(*args, **kwargs):
        calls.append(original)
        if calls.count(original) == 2:
            ready_then_block()
        return original(*args, **kwargs)
    return step
"""

BATCH_WRITING = (
    BATCH_AT_STEP
    + BATCH
    + """
from annexa.evidence import staging
staging._write_limited = block_on_second(staging._write_limited)
services.store_many(ctx, files)
"""
)

BATCH_RENAMING = (
    BATCH_AT_STEP
    + BATCH
    + """
FileBlobStore._move_into_place = block_on_second(FileBlobStore._move_into_place)
services.store_many(ctx, files)
"""
)

CHECK = """
import datetime, hashlib, importlib.util, json, pathlib
from django.conf import settings
from annexa.evidence.models import EvidenceVersion
from annexa.evidence.storage import get_store
store = get_store()
staging = pathlib.Path(settings.HOME, "tmp", "evidence")

def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()

def temporary():
    folders = [store.temp_dir, staging]
    return sum(len(list(f.iterdir())) for f in folders if f.exists())

def verify():
    # The ledger's own verifier, as `annexa verify` runs it; None when it does not exist yet.
    if importlib.util.find_spec("annexa.ledger.verify") is None:
        return None
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.verify import verify_org
    report = verify_org(ctx.org, default_opener())
    return {"ok": report.ok, "problems": [str(p) for p in report.problems]}

bad_rows = []
for version in EvidenceVersion.objects.all():
    path = store.path_for(version.sha256)
    if not path.is_file() or digest(path) != version.sha256:
        bad_rows.append(version.sha256)
shards = [p for p in store.root.glob("??/??/*") if p.is_file()]
found = {
    "versions": EvidenceVersion.objects.count(),
    "bad_rows": bad_rows,
    "partial": [p.name for p in shards if digest(p) != p.name],
    "temporary": temporary(),
}
collected = services.collect_orphans(grace=datetime.timedelta(0))
found.update(
    gc=collected.__dict__,
    temporary_after_gc=temporary(),
    blobs_after_gc=len(list(store.iter_hashes())),
    verify=verify(),
)
print(json.dumps(found))
"""


SEEDED = 2


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> dict[str, str]:
    """The environment of a fresh instance with organization ``acme`` and two evidence items."""
    env = instance_env(tmp_path_factory.mktemp("crash-home"))
    # `annexa init` (keys, migrations, catalog) and the seed data, in one process.
    init = subprocess.run(
        python("from annexa.cli.setup import init\ninit()\n" + DJANGO + SEED),
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    return env


def kill_when_ready(env: dict[str, str], scenario: str) -> None:
    child = subprocess.Popen(
        python(DJANGO + CONTEXT + BLOCK + scenario),
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline()
        if line != "ready\n":
            child.wait()
            pytest.fail(f"the child did not get ready: {child.stderr.read()}")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()


def check(env: dict[str, str]) -> dict:
    result = subprocess.run(
        python(DJANGO + CONTEXT + CHECK),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("scenario", "orphans", "staged"),
    [
        pytest.param(STREAMING, 0, True, id="while-streaming-the-upload"),
        pytest.param(PLACING_BLOB, 0, True, id="before-the-blob-is-renamed"),
        pytest.param(BEFORE_COMMIT, 1, False, id="after-the-blob-before-the-commit"),
        pytest.param(BATCH_WRITING, 0, True, id="batch-while-writing-its-blobs"),
        pytest.param(BATCH_RENAMING, 1, True, id="batch-between-its-renames"),
        pytest.param(BATCH_BEFORE_COMMIT, 3, False, id="batch-after-its-blobs-before-the-commit"),
    ],
)
def test_it_survives_kill_9_mid_upload(instance, scenario, orphans, staged):
    kill_when_ready(instance, scenario)
    found = check(instance)
    assert found["versions"] == SEEDED, "the killed upload left no row"
    assert found["bad_rows"] == [], "every row's blob exists with the right hash"
    assert found["partial"] == [], "no blob path holds a partial file"
    # A staged file not yet renamed into place is left behind; once every blob is in place
    # (its staged file moved there), nothing temporary is.
    assert (found["temporary"] >= 1) == staged
    assert found["gc"]["temporary_deleted"] == found["temporary"]
    assert found["temporary_after_gc"] == 0
    assert found["gc"]["blobs_deleted"] == orphans
    assert found["blobs_after_gc"] == SEEDED
    if found["verify"] is None:
        pytest.skip("annexa.ledger.verify does not exist yet: `annexa verify` cannot run")
    assert found["verify"] == {"ok": True, "problems": []}
