"""The job queue is chosen and configured from the environment, strictly."""

from __future__ import annotations

import pytest
from huey import RedisHuey

from annexa import config
from annexa.core import jobs


def test_it_uses_sqlite_in_the_home_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("ANNEXA_REDIS_URL", raising=False)
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "false")
    home = tmp_path / "home"
    huey = jobs.build_huey(home)
    assert isinstance(huey, jobs.AnnexaSqliteHuey)
    assert not home.exists(), "reading settings must not create files"
    huey.storage.enqueue(b"task", 0)
    assert (home / "jobs.sqlite3").is_file()
    assert huey.storage.queue_size() == 1


def test_it_uses_redis_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNEXA_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "false")
    huey = jobs.build_huey(tmp_path)
    assert isinstance(huey, RedisHuey)
    assert huey.storage.pool.connection_kwargs["db"] == 3
    # An unreachable server fails an enqueue after a few seconds, not the OS's TCP timeout.
    assert huey.storage.pool.connection_kwargs["socket_connect_timeout"] == 5


def test_it_runs_tasks_inline_when_immediate(monkeypatch, tmp_path):
    monkeypatch.delenv("ANNEXA_REDIS_URL", raising=False)
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "true")
    huey = jobs.build_huey(tmp_path)

    @huey.task()
    def double(x: int) -> int:
        return 2 * x

    assert double(21)() == 42


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379", "must start with redis://"),
        ("redis://", "names no host"),
        ("redis://localhost:6379/zero", "must be a number"),
        ("redis://localhost:99999/0", "not a URL"),
        ("unix://", "names no socket path"),
    ],
)
def test_it_refuses_a_bad_redis_url(monkeypatch, tmp_path, url, message):
    monkeypatch.setenv("ANNEXA_REDIS_URL", url)
    with pytest.raises(config.ConfigError, match=message):
        jobs.build_huey(tmp_path)


def test_it_refuses_an_ambiguous_immediate_flag(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "yes")
    with pytest.raises(config.ConfigError, match="ANNEXA_JOBS_IMMEDIATE"):
        jobs.build_huey(tmp_path)


def _redis_reachable() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_it_queues_through_a_real_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNEXA_REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "false")
    huey = jobs.build_huey(tmp_path)
    huey.storage.name = f"annexa-test-{tmp_path.name}"  # a queue of our own on the server
    huey.storage.queue_key = f"huey.redis.{huey.storage.name}"
    try:
        huey.storage.enqueue(b"payload", 0)
        assert huey.storage.dequeue() == b"payload"
    finally:
        huey.storage.flush_queue()


def test_it_names_the_queue_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNEXA_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ANNEXA_JOBS_IMMEDIATE", "false")
    monkeypatch.setenv("ANNEXA_JOBS_QUEUE", "annexa-site-2")
    assert jobs.build_huey(tmp_path).name == "annexa-site-2"
    monkeypatch.delenv("ANNEXA_JOBS_QUEUE")
    assert jobs.build_huey(tmp_path).name == jobs.QUEUE_NAME
    monkeypatch.setenv("ANNEXA_JOBS_QUEUE", "two words")
    with pytest.raises(config.ConfigError, match="ANNEXA_JOBS_QUEUE"):
        jobs.build_huey(tmp_path)
