"""A canary secret never shows up in clear: not in the database, the API, the web pages, the
logs or an export bundle. And a sealed secret copied to another connector does not open."""

from __future__ import annotations

import http.server
import io
import logging
import threading
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from annexa.connectors import netguard, services
from annexa.connectors.choices import RunStatus
from annexa.connectors.models import Connector
from annexa.connectors.secrets import SecretError
from annexa.connectors.tests.samples import PROWLER, sample
from annexa.core.tenancy import OrgContext

CANARY = "CANARY-5f0c2e91-do-not-leak"


class _Findings(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        if self.headers.get("Authorization") != f"Bearer {CANARY}":
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server_url(settings):
    _Findings.body = sample(PROWLER[0]).read_bytes()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Findings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")
    yield f"http://127.0.0.1:{server.server_port}/findings.ocsf.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(isla, client_for, server_url, caplog):
    """The connector configured through the API, and every API response about it."""
    caplog.set_level(logging.DEBUG)
    client = client_for(isla)
    base = "/api/v1/orgs/acme/connectors/"
    created = client.post(
        base,
        {
            "name": "Prowler",
            "kind": "ocsf",
            "config": {"url": server_url},
            "secrets": {"token": CANARY},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    responses = [
        created,
        client.get(base),
        client.get(f"{base}{pk}/"),
        client.patch(
            f"{base}{pk}/",
            {"secrets": {"token": ""}, "interval_minutes": 30},
            content_type="application/json",
        ),
        client.get("/o/acme/connectors/"),
        client.get(f"/o/acme/connectors/{pk}/"),
    ]
    return Connector.objects.get(pk=pk), responses


def _all_rows_as_text() -> str:
    """Every row of every table, read with raw SQL."""
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_it_never_returns_the_secret(configured):
    _connector, responses = configured
    for response in responses:
        assert response.status_code == 200 or response.status_code == 201
        assert CANARY not in response.content.decode()
    assert responses[2].json()["secrets_set"] == ["token"]


def test_it_never_stores_the_secret_in_clear(configured):
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert "token" in dump.getvalue()  # the sealed token is there …
    assert CANARY not in dump.getvalue()  # … never the secret
    assert CANARY not in _all_rows_as_text()


def test_it_never_logs_the_secret(configured, caplog):
    connector, _ = configured
    run = services.request_run(OrgContext.system(connector.organization), connector)
    services.execute(OrgContext.system(connector.organization), run)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.message  # the token was used …
    logging.getLogger("annexa").debug(
        "config %r %s", services.load_config(connector), services.load_config(connector)
    )
    assert caplog.records  # … and the run logged (httpx requests, our messages)
    assert CANARY not in caplog.text


def test_it_keeps_the_secret_out_of_an_export_bundle(configured, tmp_path, settings):
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.bundle_export import export_bundle
    from annexa.ledger.keys import ensure_signing_key

    connector, _ = configured
    settings.SIGNING_KEY_PATH = str(tmp_path / "ledger.pem")
    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    bundle = tmp_path / "acme.zip"
    export_bundle(OrgContext.system(connector.organization), bundle, default_opener())
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert any("connectors.connector" in name for name in names)
        for name in names:
            assert CANARY.encode() not in archive.read(name), name


def test_it_does_not_open_a_token_copied_to_another_connector(configured, isla):
    connector, _ = configured
    other = services.create(
        isla.ctx, name="Other", kind="ocsf", values={"url": "https://x.example/a.json"}
    )
    Connector.objects.filter(pk=other.pk).update(sealed=connector.sealed)
    other.refresh_from_db()
    with pytest.raises(SecretError, match="another connector or field"):
        services.open_secrets(other)
    run = services.request_run(isla.ctx, other)
    assert services.execute(OrgContext.system(other.organization), run) == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "does not open" in run.message
