"""``kill -9`` of the web server in the middle of an upload: its temporary file is collected.

A real instance (``annexa init`` in a temporary ANNEXA_HOME) is served by ``annexa serve``
(gunicorn) in its own process group. The test sends the headers and the first megabytes of a
large multipart upload to the evidence API, waits until the server is streaming the file to
disk, and kills every server process with SIGKILL: no code of the server runs after that, so
the half-received body stays where it was written. It must be under ANNEXA_HOME/tmp/uploads
(not in the system's /tmp), kept by ``annexa evidence gc`` while it is younger than the grace
period, and removed by ``annexa evidence gc --grace-minutes 0``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from annexa.core.testing.passes import sqlite_pass_only
from annexa.evidence.tests.subprocesses import ROOT, instance_env, python

# The instance is a home of its own on the embedded defaults, whatever this pass's database.
pytestmark = sqlite_pass_only

TOTAL = 32 * 1024 * 1024  # what the client announces
SENT = 6 * 1024 * 1024  # what it sends before the server is killed
CHUNK = 256 * 1024
BOUNDARY = "annexa-kill-test-boundary"

SEED = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annexa.settings")
django.setup()
from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.choices import Role
org = services.create_organization("Acme Ltd", "acme")
ctx = OrgContext.system(org)
user, _ = services.create_user("isla@example.com", "Isla", password="a long test password 1")
services.add_member(ctx, user, Role.ISMS_MANAGER)
_, plaintext = services.issue_api_key(ctx, user=user, name="upload test")
print(plaintext)
"""


def annexa(*args: str) -> list[str]:
    return python(f"from annexa.cli.main import app\napp({list(args)!r})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str):
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up after {seconds} s waiting for {what}")


def answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


@pytest.fixture
def instance(tmp_path):
    """The environment of a fresh instance (organization acme) and an API key of Isla's."""
    home = tmp_path / "home"
    env = instance_env(home)
    init = subprocess.run(
        annexa("init"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert init.returncode == 0, init.stderr
    seed = subprocess.run(
        python(SEED), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert seed.returncode == 0, seed.stderr
    return {"env": env, "home": home, "key": seed.stdout.strip().splitlines()[-1]}


@pytest.fixture
def server(instance):
    """``annexa serve`` in its own process group; yields (port, process group id)."""
    port = free_port()
    process = subprocess.Popen(
        annexa("serve", "--port", str(port), "--workers", "1"),
        cwd=ROOT, env=instance["env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: answers(port) or process.poll() is not None, 30, "annexa serve")
        if process.poll() is not None:
            pytest.fail(f"annexa serve stopped: {process.stderr.read().decode()}")
        yield port, process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()


def start_upload(port: int, key: str) -> socket.socket:
    """Send the request head and the first ``SENT`` bytes of a ``TOTAL``-byte multipart body."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="audit.log"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    request = (
        "POST /api/v1/orgs/acme/evidence/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {TOTAL}\r\n\r\n"
    ).encode()
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(request + head)
    line = b"a line of an audit log that is being uploaded\n" * (CHUNK // 46)
    sent = len(head)
    while sent < SENT:
        client.sendall(line)
        sent += len(line)
    return client


def receiving(uploads: Path) -> list[Path]:
    """The upload files the server has written at least a megabyte to."""
    if not uploads.is_dir():
        return []
    return [path for path in uploads.iterdir() if path.stat().st_size >= 1024 * 1024]


def gc(instance, *args: str) -> dict:
    result = subprocess.run(
        annexa("evidence", "gc", *args),
        cwd=ROOT, env=instance["env"], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.faults
def test_a_server_killed_mid_upload_leaves_a_temporary_file_that_gc_collects(instance, server):
    port, group = server
    uploads = instance["home"] / "tmp" / "uploads"
    client = start_upload(port, instance["key"])
    try:
        (partial,) = wait_for(lambda: receiving(uploads), 20, "the server to stream the upload")
        os.killpg(group, signal.SIGKILL)
    finally:
        client.close()
    wait_for(lambda: not answers(port), 10, "the server to be gone")
    assert partial.exists(), "the killed server left its half-received upload"
    assert 1024 * 1024 <= partial.stat().st_size < TOTAL
    young = gc(instance)  # default grace period: an upload this young may still be in flight
    assert young["temporary_deleted"] == 0 and partial.exists()
    collected = gc(instance, "--grace-minutes", "0")
    assert collected["temporary_deleted"] == 1
    assert list(uploads.iterdir()) == []
