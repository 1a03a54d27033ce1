"""The PostgreSQL connector against real servers: the machine's own (read only) and private
clusters the tests start, change and stop (``postgres_support``)."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import socket
from pathlib import Path

import psycopg
import pytest
from django.core import mail
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import netguard, services
from annexa.connectors.base import CollectError, Environment
from annexa.connectors.builtins.postgres import PostgresConfig, PostgresConnector
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests import postgres_support
from annexa.connectors.tests.test_canary import _all_rows_as_text
from annexa.evidence.services import open_version
from annexa.ledger.models import LedgerEntry
from annexa.monitoring.choices import Channel, ControlStatus, DeliveryStatus, NotificationEvent
from annexa.monitoring.models import ControlState, ControlStatusChange, Notification, TestResult
from annexa.monitoring.services import orchestration

SHARED = ("127.0.0.1", 5432)
CANARY = "CANARY-pg-3c9d41-do-not-leak"
HASHES = re.compile(rb"SCRAM-SHA-256\$|md5[0-9a-f]{32}")
LOOPBACK = "127.0.0.0/8"
FLIP_ATTEMPTS = 200

needs_cluster = pytest.mark.skipif(
    bool(postgres_support.why_not_available()),
    reason=postgres_support.why_not_available() or "a private cluster can be started",
)


class Sink:
    """An ``EvidenceSink`` that keeps what the connector stored (for tests without a run)."""

    def __init__(self) -> None:
        self.files: list[tuple[str, str, bytes]] = []
        self.messages: list[str] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        self.files.append((kind, filename or path.name, path.read_bytes()))

    def progress(self, message: str) -> None:
        self.messages.append(message)


def collect(imports: Path, **values) -> tuple[bytes, snapshot.Snapshot]:
    """Run the connector directly (``imports`` is its import directory); the bytes it stored
    and the snapshot they hold."""
    secrets = {"password": values.pop("password")} if "password" in values else {}
    config = build(PostgresConfig, values, secrets)
    scratch = imports.parent / f"scratch-{imports.name}"
    scratch.mkdir(exist_ok=True)
    sink = Sink()
    PostgresConnector(config).collect(Environment(imports, scratch), sink)
    ((kind, _name, raw),) = sink.files
    assert kind == "postgres"
    return raw, snapshot.load(io.BytesIO(raw), "postgres")


def shared_server_answers() -> bool:
    try:
        with socket.create_connection(SHARED, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def loopback_allowed(settings):
    """Let connectors reach loopback addresses, as an administrator would allow a range."""
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list(LOOPBACK)


@pytest.fixture(scope="module")
def cluster():
    """A private cluster with TLS, shared by this module's read-only tests: a role with an MD5
    password, one with a SCRAM password, and a non-superuser ``auditor``."""
    if postgres_support.why_not_available():
        pytest.skip(postgres_support.why_not_available())
    started = postgres_support.start_cluster(tls=True)
    try:
        started.execute(
            "SET password_encryption = 'md5'",
            f"CREATE ROLE legacy LOGIN PASSWORD '{CANARY}-md5'",
            "RESET password_encryption",
            f"CREATE ROLE auditor LOGIN PASSWORD '{CANARY}'",
            "CREATE ROLE app LOGIN PASSWORD 'app-password' VALID UNTIL '2001-01-01'",
        )
        yield started
    finally:
        started.stop()


@pytest.fixture
def private(loopback_allowed, import_dir, cluster):
    """Connector settings for the module's cluster, verifying its certificate."""
    shutil.copy(cluster.ca_cert, import_dir / "pg-ca.crt")
    return {
        "host": "127.0.0.1",
        "port": cluster.port,
        "user": "postgres",
        "password": cluster.password,
        "sslmode": "verify-full",
        "ca_cert_path": "pg-ca.crt",
    }


def results_of(collected: orchestration.Collected) -> dict[str, str]:
    (judged,) = collected.judged
    return {t["id"]: t["status"] for t in judged.as_dict()["tests"]}


# --- the machine's PostgreSQL, read only -----------------------------------------------------


@pytest.mark.skipif(not shared_server_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432")
def test_it_judges_the_machines_postgresql(isla, catalog, loopback_allowed):
    with psycopg.connect(host=SHARED[0], port=SHARED[1], user="postgres", dbname="postgres") as c:
        truth = dict(
            c.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('log_connections', 'ssl', 'password_encryption', 'server_version_num')"
            ).fetchall()
        )
    connector = services.create(
        isla.ctx,
        name="This machine's PostgreSQL",
        kind="postgres",
        values={"host": "127.0.0.1", "port": 5432, "user": "postgres", "sslmode": "prefer"},
    )
    collected = orchestration.collect_now(isla.ctx, connector)
    assert collected.run.status == RunStatus.SUCCEEDED, collected.run.message
    (judged,) = collected.judged
    assert judged.item.kind == "postgres" and judged.item.stream == "postgres:127.0.0.1:5432"
    with open_version(judged.item.version) as stream:
        read = snapshot.load(stream, "postgres")
    assert read.get("server.version_num") == int(truth["server_version_num"])
    assert read.get("settings.log_connections") == truth["log_connections"]
    results = results_of(collected)
    assert len(results) == 12
    assert results["postgres_log_connections"] == (
        "pass" if truth["log_connections"] == "on" else "fail"
    )
    assert results["postgres_password_encryption"] == (
        "pass" if truth["password_encryption"] == "scram-sha-256" else "fail"
    )
    if truth["ssl"] == "off":
        assert results["postgres_tls_required"] == "fail"
    assert TestResult.objects.filter(test_id="postgres_version_supported").exists()


# --- a private cluster: facts, idempotency, no hashes, partial permission ---------------------


@needs_cluster
def test_it_records_the_facts_of_a_server_over_verified_tls(import_dir, private, cluster):
    _raw, read = collect(import_dir, **private)
    assert read.target == f"127.0.0.1:{cluster.port}"
    assert read.get("connection.tls.ssl") is True and read.get("connection.superuser") is True
    assert read.get("settings.ssl") == "on" and read.get("settings.log_connections") == "on"
    assert read.get("settings_unreadable") == []
    rules = read.get("hba.rules")
    assert {"type": "host", "address": "127.0.0.1/32", "auth_method": "scram-sha-256"}.items() <= (
        next(r for r in rules if r["address"] == "127.0.0.1/32").items()
    )
    accounts = {a["name"]: a for a in read.get("roles.accounts")}
    assert accounts["postgres"]["password"] == "scram-sha-256"
    assert accounts["postgres"]["privileged"] is True
    assert accounts["legacy"]["password"] == "md5" and not accounts["legacy"]["privileged"]
    assert accounts["app"]["valid_until"] == "2001-01-01T00:00:00Z"
    assert {d["name"] for d in read.get("databases")} >= {"postgres", "template0", "template1"}
    assert read.get("server.major") == int(cluster.setting("server_version_num")) // 10000


@needs_cluster
def test_it_never_stores_a_password_hash(import_dir, private, cluster):
    raw, read = collect(import_dir, **private)
    with cluster.connect() as conn:
        stored = [h for (h,) in conn.execute("SELECT rolpassword FROM pg_authid") if h]
    assert any(h.startswith("md5") for h in stored) and any(h.startswith("SCRAM") for h in stored)
    assert HASHES.search(raw) is None
    assert not any(h.encode() in raw for h in stored)
    assert CANARY.encode() not in raw and cluster.password.encode() not in raw
    assert {a["password"] for a in read.get("roles.accounts")} >= {"md5", "scram-sha-256"}


@needs_cluster
def test_it_adds_no_evidence_when_nothing_changed(isla, catalog, private, cluster):
    connector = services.create(
        isla.ctx,
        name="db1",
        kind="postgres",
        values={k: v for k, v in private.items() if k != "password"},
        secrets={"password": private["password"]},
    )
    first = orchestration.collect_now(isla.ctx, connector)
    second = orchestration.collect_now(isla.ctx, connector)
    assert second.run.status == RunStatus.SUCCEEDED, second.run.message
    (one,), (two,) = first.judged, second.judged
    assert one.item.created is True and two.item.created is False
    assert two.item.version == one.item.version and two.new_run is False
    results = results_of(first)
    assert results["postgres_md5_passwords"] == "fail"  # the legacy role
    assert results["postgres_role_expiry"] == "fail"  # app, valid until 2001
    assert results["postgres_tls_required"] == "pass", first.judged[0].as_dict()["tests"]
    assert results["postgres_log_connections"] == "pass"


@needs_cluster
def test_it_records_what_a_role_without_privileges_cannot_read(import_dir, private, cluster):
    values = private | {"user": "auditor", "password": CANARY}
    _raw, read = collect(import_dir, **values)
    assert read.get("connection.superuser") is False
    assert read.get("hba.readable") is False and "permission denied" in read.get("hba.error")
    assert read.get("roles.passwords_readable") is False
    assert {a["password"] for a in read.get("roles.accounts")} == {"unknown"}
    from annexa.monitoring import loader

    outcomes = {
        test_id: loader.all_tests()[test_id].evaluate([read]).status
        for test_id in ("postgres_tls_required", "postgres_hba_trust", "postgres_md5_passwords")
    }
    assert set(outcomes.values()) == {"error"}, outcomes


# --- failures: bad password, nothing listening, refused address --------------------------------


@needs_cluster
def test_it_explains_a_wrong_password_without_repeating_it(
    isla, catalog, private, cluster, import_dir, caplog
):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CollectError) as raised:
        collect(
            import_dir,
            **(private | {"password": CANARY + "-wrong"}),
        )
    assert "check the user 'postgres' and its password" in str(raised.value)
    assert CANARY not in str(raised.value)
    connector = services.create(
        isla.ctx,
        name="wrong password",
        kind="postgres",
        values={k: v for k, v in private.items() if k != "password"},
        secrets={"password": CANARY},
    )
    collected = orchestration.collect_now(isla.ctx, connector)
    run = collected.run
    assert run.status == RunStatus.FAILED and "password" in run.message
    assert CANARY not in run.message and CANARY not in caplog.text
    assert CANARY not in _all_rows_as_text()


def test_it_explains_that_nothing_listens(tmp_path, loopback_allowed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(CollectError, match="check that the server runs") as raised:
            collect(
                tmp_path,
                host="127.0.0.1",
                port=port,
                user="postgres",
                password=CANARY,
                sslmode="disable",
                connect_timeout=3,
            )
    assert CANARY not in str(raised.value)


def test_it_refuses_loopback_and_private_addresses_unless_allowed(tmp_path, settings):
    settings.OUTBOUND_ALLOW = ()
    with pytest.raises(ConfigInvalid) as invalid:
        build(PostgresConfig, {"host": "127.0.0.1", "user": "postgres"})
    assert "ANNEXA_OUTBOUND_ALLOW" in invalid.value.errors["host"]
    with pytest.raises(ConfigInvalid):
        build(PostgresConfig, {"host": "10.1.2.3", "user": "postgres"})
    with pytest.raises(ConfigInvalid, match="Unix sockets"):
        build(PostgresConfig, {"host": "/var/run/postgresql", "user": "postgres"})
    # A name is checked when the connector runs, after resolving it.
    with pytest.raises(CollectError, match="loopback address") as raised:
        collect(tmp_path, host="localhost", user="postgres", password=CANARY, sslmode="disable")
    assert "ANNEXA_OUTBOUND_ALLOW" in str(raised.value) and CANARY not in str(raised.value)


# --- acceptance: flipping a real setting ----------------------------------------------------


@pytest.fixture
def flippable():
    """A cluster of its own for each test that changes settings or privileges."""
    if postgres_support.why_not_available():
        pytest.skip(postgres_support.why_not_available())
    started = postgres_support.start_cluster(tls=False)
    yield started
    started.stop()


@needs_cluster
def test_it_turns_log_connections_failing_when_switched_off(
    isla, catalog, loopback_allowed, flippable, django_capture_on_commit_callbacks
):
    connector = services.create(
        isla.ctx,
        name="db flip",
        kind="postgres",
        values={
            "host": "127.0.0.1",
            "port": flippable.port,
            "user": "postgres",
            "sslmode": "disable",
        },
        secrets={"password": flippable.password},
    )
    before = orchestration.collect_now(isla.ctx, connector)
    assert results_of(before)["postgres_log_connections"] == "pass"
    assert ControlState.objects.get(control_id="A.8.15").status == ControlStatus.PASSING

    flippable.execute("ALTER SYSTEM SET log_connections = off", "SELECT pg_reload_conf()")
    # The reload is a signal; wait (bounded) until new sessions see the new value.
    for _attempt in range(FLIP_ATTEMPTS):
        if flippable.setting("log_connections") == "off":
            break
    assert flippable.setting("log_connections") == "off"

    with django_capture_on_commit_callbacks(execute=True):  # deliver the notifications
        after = orchestration.collect_now(isla.ctx, connector)
    (judged,) = after.judged
    assert judged.item.created is True  # the changed server is a new evidence version
    assert judged.item.version.evidence == before.judged[0].item.version.evidence
    assert results_of(after)["postgres_log_connections"] == "fail"
    state = ControlState.objects.get(control_id="A.8.15")
    assert state.status == ControlStatus.FAILING and state.no_longer_functioning
    change = ControlStatusChange.objects.filter(control_id="A.8.15").order_by("at").last()
    assert (change.previous, change.status) == (ControlStatus.PASSING, ControlStatus.FAILING)
    assert change.no_longer_functioning and change.run == judged.run
    entry = LedgerEntry.objects.filter(object_type="control_status", object_id="A.8.15").last()
    assert '"no_longer_functioning":true' in entry.data
    # The ISMS manager is told, through the outbox, by e-mail.
    sent = Notification.objects.filter(change=change, channel=Channel.EMAIL)
    assert isla.user.email in {n.recipient for n in sent}
    assert {(n.event, n.status) for n in sent} == {
        (NotificationEvent.NO_LONGER_FUNCTIONING, DeliveryStatus.SENT)
    }
    (message,) = [m for m in mail.outbox if isla.user.email in m.to]
    assert "A.8.15" in message.subject and "no longer functioning" in message.subject
    assert "postgres_log_connections" in message.body


# --- the command line -----------------------------------------------------------------------


@needs_cluster
def test_it_collects_from_the_command_line(isla, catalog, private):
    services.create(
        isla.ctx,
        name="db-cli",
        kind="postgres",
        values={k: v for k, v in private.items() if k != "password"},
        secrets={"password": private["password"]},
    )
    result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "db-cli"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["connector"] == "db-cli" and line["status"] == "succeeded"
    assert line["files"][0]["kind"] == "postgres"
    assert private["password"] not in result.output


@needs_cluster
def test_it_never_uses_a_password_from_the_annexa_servers_environment(
    import_dir, private, cluster, monkeypatch
):
    monkeypatch.setenv("PGPASSWORD", cluster.password)
    (import_dir.parent / ".pgpass").write_text(f"*:*:*:*:{cluster.password}\n")
    monkeypatch.setenv("PGPASSFILE", str(import_dir.parent / ".pgpass"))
    without = {k: v for k, v in private.items() if k != "password"}
    with pytest.raises(CollectError, match="check the user 'postgres' and its password"):
        collect(import_dir, **without)


@needs_cluster
def test_it_explains_what_the_role_is_not_allowed_to_do(tmp_path, loopback_allowed, flippable):
    flippable.execute(
        f"CREATE ROLE outsider LOGIN PASSWORD '{CANARY}'",
        "REVOKE CONNECT ON DATABASE postgres FROM PUBLIC",
        "GRANT CONNECT ON DATABASE template1 TO outsider",
    )
    with flippable.connect("template1") as conn:  # catalog privileges are per database
        conn.execute("REVOKE SELECT ON pg_catalog.pg_database FROM PUBLIC")
    values = {
        "host": "127.0.0.1",
        "port": flippable.port,
        "user": "outsider",
        "password": CANARY,
        "sslmode": "disable",
    }
    with pytest.raises(CollectError, match="grant the role 'outsider' CONNECT") as refused:
        collect(tmp_path, **values)
    with pytest.raises(CollectError, match="permission denied for table pg_database") as denied:
        collect(tmp_path, **(values | {"dbname": "template1"}))
    assert CANARY not in str(refused.value) + str(denied.value)
