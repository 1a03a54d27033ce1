"""`annexa serve` under paced traffic: no request may be closed without a response.

Clients keep connections open between requests (browsers, HTTP client pools). With gunicorn's
default 2 s keep-alive, a client that reused its connection after an idle gap of about 2 s
raced the server closing it and got a reset or an empty reply. The test serves a fresh
installation and sends ~300 requests in ~15 s: most over reused connections with random idle
gaps of 0–3 s, some over fresh connections. Every one must get a complete response.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from annexa.cli.setup import KEEPALIVE_SECONDS, server_options
from annexa.core.testing.passes import sqlite_pass_only
from tests.test_run import ANNEXA, _free_port, _fresh_env, _wait_for

pytestmark = sqlite_pass_only  # its own instances on the embedded defaults

REUSING_CLIENTS = 24  # each one connection, reused with idle gaps
REQUESTS_PER_CLIENT = 10
FRESH_REQUESTS = 60  # one connection each
MAX_IDLE_SECONDS = 3.0
PATHS = ("/healthz", "/accounts/login/", "/static/annexa/annexa.css")


def test_it_runs_gthread_workers_with_a_keepalive_longer_than_client_idle_times():
    options = server_options("127.0.0.1", 8000, 2)
    assert options["worker_class"] == "gthread" and options["threads"] > 1
    assert options["keepalive"] == KEEPALIVE_SECONDS > 60  # browsers and pools idle ~60 s
    assert options["graceful_timeout"] > 0
    assert "max_requests" not in options  # no worker recycling that could cut a connection
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    if os.path.isdir("/dev/shm"):
        assert options["worker_tmp_dir"] == "/dev/shm"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered = 0
        self.dropped: list[str] = []  # closed or reset without a response

    def add(self, outcome: str | None) -> None:
        with self.lock:
            if outcome is None:
                self.answered += 1
            else:
                self.dropped.append(outcome)


def request(conn: http.client.HTTPConnection, path: str) -> str | None:
    """``None`` for a complete 200 response, otherwise what went wrong."""
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
    except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine) as exc:
        return f"{path}: {type(exc).__name__}: {exc}"
    if response.status != 200:
        return f"{path}: HTTP {response.status}"
    return None


def reusing_client(port: int, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        for _ in range(REQUESTS_PER_CLIENT):
            time.sleep(rng.uniform(0, MAX_IDLE_SECONDS))
            outcome = request(conn, rng.choice(PATHS))
            tally.add(outcome)
            if outcome is not None:  # start over on a new connection, as a client would
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    finally:
        conn.close()


def fresh_client(port: int, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    for _ in range(FRESH_REQUESTS):
        time.sleep(rng.uniform(0, 0.4))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            tally.add(request(conn, rng.choice(PATHS)))
        finally:
            conn.close()


@pytest.mark.faults
def test_paced_keep_alive_traffic_gets_every_response(tmp_path):
    home = tmp_path / "home"
    env = _fresh_env(home)
    subprocess.run([ANNEXA, "init"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [ANNEXA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        tally = Tally()
        seed = random.randrange(1_000_000)
        threads = [
            threading.Thread(target=reusing_client, args=(port, seed + i, tally))
            for i in range(REUSING_CLIENTS)
        ]
        threads.append(threading.Thread(target=fresh_client, args=(port, seed - 1, tally)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        assert not any(thread.is_alive() for thread in threads), "a client did not finish"
        assert server.poll() is None, "the server exited under traffic"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=45)
        log.close()
    total = REUSING_CLIENTS * REQUESTS_PER_CLIENT + FRESH_REQUESTS
    assert tally.dropped == [], f"seed {seed}: {len(tally.dropped)} of {total}: {tally.dropped}"
    assert tally.answered == total
    output = (tmp_path / "serve.log").read_text()
    assert "WORKER TIMEOUT" not in output and "Traceback" not in output, output[-3000:]
