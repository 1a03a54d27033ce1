"""A real database outage: Annexa connected to a private PostgreSQL cluster, which the test
then stops (immediate shutdown) while Annexa's connection is open. Pages, the API and the
health check must answer 503 with Retry-After and say what happened, logging one line each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from annexa.connectors.tests import postgres_support

pytestmark = pytest.mark.faults

# Runs in its own process: Django set up against the private cluster (the test's own database
# connection must stay untouched). It waits on stdin until the cluster has been stopped.
CHILD = textwrap.dedent(
    """
    import json, sys
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cursor:  # the connection is open and the server answers
        cursor.execute("SELECT 1")
    print("connected", flush=True)
    sys.stdin.readline()  # the cluster is stopped now
    web = Client()
    web.cookies["sessionid"] = "a" * 32  # a signed-in browser: its session is in the database
    api = Client(HTTP_AUTHORIZATION="Bearer anx_0123456789ab_" + "b" * 43)
    answers = {}
    for name, client, path in (
        ("page", web, "/o/acme/soa/"),
        ("htmx", web, "/o/acme/soa/A.5.15/edit/"),
        ("api", api, "/api/v1/orgs/acme/soa/"),
        ("healthz", Client(), "/healthz"),
    ):
        headers = {"HTTP_HX_REQUEST": "true"} if name == "htmx" else {}
        response = client.get(path, **headers)
        answers[name] = {
            "status": response.status_code,
            "retry_after": response.get("Retry-After"),
            "content_type": response.get("Content-Type"),
            "body": response.content.decode(),
        }
    print(json.dumps(answers), flush=True)
    """
)


@pytest.fixture
def cluster():
    if postgres_support.why_not_available():
        pytest.skip(postgres_support.why_not_available())
    started = postgres_support.start_cluster(tls=False)
    yield started
    started.stop()


def test_a_stopped_database_answers_503_pages_and_json(cluster, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    env.update(
        DJANGO_SETTINGS_MODULE="annexa.settings",
        ANNEXA_HOME=str(tmp_path),
        ANNEXA_SECRET_KEY="outage-test-0123456789abcdefghijklmnopqrstuvwxyz",
        ANNEXA_DATABASE_URL=(
            f"postgres://postgres:{cluster.password}@127.0.0.1:{cluster.port}/postgres"
        ),
        ANNEXA_ALLOWED_HOSTS="testserver",
        ANNEXA_LOG_LEVEL="WARNING",
    )
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "connected", child.stderr.read()
        cluster._run("pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop")
        cluster.running = False
        out, err = child.communicate("stopped\n", timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    answers = json.loads(out)
    for name in ("page", "htmx", "api", "healthz"):
        assert answers[name]["status"] == 503, (name, answers[name])
        assert answers[name]["retry_after"] == "30", name
    assert "<html" in answers["page"]["body"]
    assert "The database is not answering" in answers["page"]["body"]
    assert answers["htmx"]["body"].startswith('<p class="errors" role="alert">')
    for name in ("api", "healthz"):
        assert answers[name]["content_type"] == "application/json"
        detail = json.loads(answers[name]["body"])["detail"]
        assert detail.startswith("The database is not answering.")
    # One line per request with the cause, and no traceback.
    logged = [line for line in err.splitlines() if line.startswith("503 GET ")]
    assert len(logged) == 4, err
    assert all("OperationalError" in line for line in logged), logged
    assert "Traceback" not in err, err
