"""Run now with the job queue down: a clear "job queue unavailable", and no run left queued.

The collect job goes to a real Redis queue: one at a closed port, and a redis-server this test
starts and stops. These tests are transactional, so the job is queued when the request's
transaction commits, as in production (a refused job must reach the face as a 503).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from huey import RedisHuey
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import services
from annexa.connectors.choices import RunStatus
from annexa.connectors.models import CollectionRun
from annexa.monitoring import tasks

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
DEADLINE = 15  # seconds for redis-server to answer or stop; a guard, not a requirement

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def use_queue(monkeypatch, url: str) -> RedisHuey:
    """Send the collect jobs (the registered dispatcher is ``tasks.collect``) to ``url``."""
    queue = RedisHuey(f"annexa-test-{uuid.uuid4().hex[:12]}", url=url)
    queue._registry.register(tasks.collect.task_class)
    monkeypatch.setattr(tasks.collect, "huey", queue)
    return queue


def connector(ctx, name="web1"):
    values = {"mode": "import", "report_path": "report.dat"}
    return services.create(ctx, name=name, kind="lynis", values=values, enabled=False)


def test_the_api_answers_503_and_queues_nothing(isla, client_for, monkeypatch):
    use_queue(monkeypatch, CLOSED_PORT_URL)
    target = connector(isla.ctx)
    response = client_for(isla).post(f"/api/v1/orgs/acme/connectors/{target.pk}/run/")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("job queue unavailable")
    assert not CollectionRun.objects.exists()


def test_the_page_shows_the_message_with_503(isla, client_for, monkeypatch):
    use_queue(monkeypatch, CLOSED_PORT_URL)
    target = connector(isla.ctx)
    response = client_for(isla).post(f"/o/acme/connectors/{target.pk}/run/")
    assert response.status_code == 503
    assert b"job queue unavailable" in response.content and b"Try again" in response.content
    assert not CollectionRun.objects.exists()


def test_the_command_line_exits_1_with_the_message(isla, monkeypatch, catalog):
    use_queue(monkeypatch, CLOSED_PORT_URL)
    connector(isla.ctx)
    result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "web1", "--queue"])
    assert result.exit_code == 1 and "job queue unavailable" in result.stderr
    assert not CollectionRun.objects.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server on a free port, in memory only."""

    def __init__(self, tmp_path) -> None:
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=DEADLINE)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_run_now_follows_redis_going_away_and_coming_back(
    isla, client_for, monkeypatch, redis_server
):
    queue = use_queue(monkeypatch, redis_server.url)
    client = client_for(isla)
    first, second = connector(isla.ctx, "web1"), connector(isla.ctx, "web2")

    queued = client.post(f"/api/v1/orgs/acme/connectors/{first.pk}/run/")
    assert queued.status_code == 202 and queue.pending_count() == 1
    run = CollectionRun.objects.get(pk=queued.json()["id"])
    assert run.status == RunStatus.QUEUED and run.dispatched_at is not None

    redis_server.stop()
    refused = client.post(f"/api/v1/orgs/acme/connectors/{second.pk}/run/")
    assert refused.status_code == 503 and "job queue unavailable" in refused.json()["detail"]
    assert not second.runs.exists()  # the connector is not blocked by a run without a job

    redis_server.start()  # an empty Redis: the first run's job is gone with the old one
    again = client.post(f"/api/v1/orgs/acme/connectors/{second.pk}/run/")
    assert again.status_code == 202 and queue.pending_count() == 1
    # The first run's lost job is put on the queue again by the sweeper once it is overdue.
    later = run.dispatched_at + services.runs.REDISPATCH_LEASES * (
        services.runs.datetime.timedelta(seconds=services.runs.lease_seconds() + 1)
    )
    services.sweep(later)
    assert run.pk in {task.args[0] for task in queue.pending()}
