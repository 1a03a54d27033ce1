"""The scale-out topology on one machine: N gunicorn web processes and M huey workers sharing
one PostgreSQL database, one Redis and one S3 bucket (a moto server), with one configuration.

Used by ``tests/integration/test_topology.py`` and by the load test ``bench/bench_load.py``.
Every process is started in a session of its own and stopped by process group, so nothing
outlives ``Topology.stop()``; the throw-away database, the Redis keys of the run's queue and the
home directory are removed too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.test_run import _free_port, _wait_for

ANNEXA = str(Path(sys.executable).with_name("annexa"))
MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))


def _postgres_admin_url() -> str:
    """A PostgreSQL URL that may create databases: the PostgreSQL pass's own server
    (ANNEXA_DATABASE_URL), else the local one."""
    configured = os.environ.get("ANNEXA_DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        return configured
    return "postgres://postgres@127.0.0.1:5432/test"


POSTGRES_ADMIN_URL = _postgres_admin_url()
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of its own, away from the default 0 that other users of the server take.
REDIS_DB = 14
BUCKET = "annexa-topology"
ORG = "topo"


class Unavailable(Exception):
    """A service the topology needs (PostgreSQL, Redis) does not answer."""


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def check_services() -> None:
    """``Unavailable`` naming the service when PostgreSQL or Redis does not answer."""
    import psycopg
    import redis

    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        raise Unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} does not answer: {exc}") from None
    try:
        redis.Redis(REDIS_HOST, REDIS_PORT, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise Unavailable(f"Redis at {REDIS_HOST}:{REDIS_PORT} does not answer: {exc}") from None


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _database_url(name: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@dataclass
class Member:
    email: str
    role: str
    key: str


@dataclass
class Topology:
    """Handles of a running topology; ``start_topology`` builds it."""

    home: Path
    env: dict[str, str]
    web_urls: list[str]
    database: str
    queue: str
    s3_endpoint: str
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)

    def annexa(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run an ``annexa`` command with the topology's configuration; its stdout."""
        result = subprocess.run(
            [ANNEXA, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"annexa {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}"
            )
        return result.stdout

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                args,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        self.processes[name] = proc
        return proc

    def wait_healthy(self, url: str, proc: subprocess.Popen, name: str, timeout: float) -> None:
        try:
            _wait_for(url, proc, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}\n{self.log(name)[-4000:]}") from None

    def stop(self) -> None:
        """Stop every process (its whole group; SIGKILL after 15 s), then drop the database,
        the run's Redis keys and the home directory."""
        for name, proc in self.processes.items():
            if proc.poll() is None:
                # A worker on SIGTERM waits for its threads' next poll of the queue (up to
                # huey's 10 s back-off); SIGINT stops it at once, handing back any run.
                stop = signal.SIGINT if name.startswith("worker") else signal.SIGTERM
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, stop)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        with contextlib.suppress(Exception):
            _drop_redis_keys(self.queue)
        with contextlib.suppress(Exception):
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.home, ignore_errors=True)


def _drop_redis_keys(queue: str) -> None:
    """Delete the keys of this run's queue and cache (both named after ``queue``) only."""
    import redis

    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB)
    for key in client.scan_iter(match=f"*{queue}*", count=500):
        client.delete(key)


def _environment(home: Path, database_url: str, queue: str, s3_endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNEXA_", "AWS_"))}
    env.update(
        {
            "ANNEXA_HOME": str(home),
            "ANNEXA_SECRET_KEY": secrets.token_urlsafe(48),
            "ANNEXA_DATABASE_URL": database_url,
            "ANNEXA_REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "ANNEXA_JOBS_QUEUE": queue,
            "ANNEXA_STORAGE_URL": f"s3://{BUCKET}/evidence",
            "ANNEXA_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "topology-test",
            "AWS_SECRET_ACCESS_KEY": "topology-test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "ANNEXA_LOG_LEVEL": "WARNING",
            # The API keys of the simulated users are not throttled by failure counts.
            "ANNEXA_MFA_REQUIRED_ROLES": "none",
        }
    )
    return env


def _make_bucket(endpoint: str) -> None:
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="topology-test",
        aws_secret_access_key="topology-test-secret",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)


def start_topology(
    *, web: int = 2, workers: int = 2, web_workers: int = 1, roles: dict[str, str] | None = None
) -> Topology:
    """Start ``web`` gunicorn processes (``annexa serve``, ``web_workers`` workers each) and
    ``workers`` huey consumers (``annexa worker``) on a fresh database, Redis queue and bucket.
    With ``roles``, the organization and its members are created (``provision``) while the
    servers boot; ``Topology.members`` holds them.

    Raises ``Unavailable`` when PostgreSQL or Redis does not answer. The caller must call
    ``stop()`` (``running_topology`` does)."""
    check_services()
    tag = secrets.token_hex(4)
    home = Path(tempfile.mkdtemp(prefix="annexa-topology-"))
    logs = home / "log"
    logs.mkdir()
    database = f"annexa_topology_{tag}"
    # Letters and digits only: huey drops other characters from its Redis key names.
    queue = f"annexatopology{tag}"
    s3_port = _free_port()
    s3_endpoint = f"http://127.0.0.1:{s3_port}"
    topology = Topology(
        home=home,
        env=_environment(home, _database_url(database), queue, s3_endpoint),
        web_urls=[],
        database=database,
        queue=queue,
        s3_endpoint=s3_endpoint,
        logs=logs,
    )
    try:
        _admin(f'CREATE DATABASE "{database}"')
        moto = topology.start("s3", [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(s3_port)])
        topology.wait_healthy(f"{s3_endpoint}/moto-api/", moto, "s3", 30)
        _make_bucket(s3_endpoint)
        topology.annexa("init")
        for number in range(web):
            port = _free_port()
            name = f"web{number + 1}"
            topology.start(
                name,
                [ANNEXA, "serve", "--port", str(port), "--workers", str(web_workers)],
            )
            topology.web_urls.append(f"http://127.0.0.1:{port}")
        for number in range(workers):
            topology.start(f"worker{number + 1}", [ANNEXA, "worker", "--workers", "2"])
        if roles:
            topology.members = provision(topology, roles)
        for number, url in enumerate(topology.web_urls):
            name = f"web{number + 1}"
            topology.wait_healthy(f"{url}/healthz", topology.processes[name], name, 90)
        for number in range(workers):
            name = f"worker{number + 1}"
            if topology.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited:\n{topology.log(name)}")
    except BaseException:
        topology.stop()
        raise
    return topology


@contextlib.contextmanager
def running_topology(**kwargs) -> Iterator[Topology]:
    topology = start_topology(**kwargs)
    try:
        yield topology
    finally:
        topology.stop()


def provision(topology: Topology, roles: dict[str, str]) -> dict[str, Member]:
    """Create the organization ``ORG`` and one member per ``{email: role}`` with an API key,
    through the command line."""
    topology.annexa("org", "create", "--name", "Topology Test Ltd", "--slug", ORG)
    members = {}
    for email, role in roles.items():
        topology.annexa("user", "create", "--email", email, "--org", ORG, "--role", role)
        key = topology.annexa("apikey", "create", "--email", email, "--org", ORG).strip()
        members[email] = Member(email, role, key)
    return members


def expect(response, status: int = 200) -> dict:
    """The JSON body of ``response`` (an httpx response), which must have ``status``."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text[:2000]}"
    )
    return response.json()


def audit_in_fieldwork(client, controls: list[str], team: list[tuple[str, str]]) -> dict:
    """Through the API as an owner or ISMS manager (``client``: httpx-like, authenticated):
    ``controls`` made applicable in the SoA, a programme, an audit of them with ``team``
    (``[(email, "lead" | "member")]``), moved to fieldwork. Returns the audit."""
    api = f"/api/v1/orgs/{ORG}"
    for control in controls:
        etag = client.get(f"{api}/soa/{control}/").headers["ETag"]
        change = {"applicable": True, "justification": "In the scope of the ISMS."}
        expect(client.patch(f"{api}/soa/{control}/", json=change, headers={"If-Match": etag}))
    programme = expect(
        client.post(f"{api}/audits/programmes/", json={"start_date": "2026-01-05"}), 201
    )
    audit = expect(
        client.post(
            f"{api}/audits/",
            json={
                "programme": programme["uid"],
                "title": "Access and technological controls",
                "kind": "internal_partial",
                "planned_start": "2026-06-01",
                "planned_end": "2026-06-05",
                "controls": controls,
            },
        ),
        201,
    )
    for email, role in team:
        expect(client.post(f"{api}/audits/{audit['id']}/team/", json={"user": email, "role": role}))
    for status in ("preparing", "fieldwork"):
        moved = expect(client.post(f"{api}/audits/{audit['id']}/transition/", json={"to": status}))
        assert moved["status"] == status
    return moved
