"""``annexa ingest``, ``annexa collect`` and ``annexa rotate-keys``."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import secrets, services
from annexa.connectors.tests.samples import (
    LYNIS,
    OPENSCAP,
    OPENSCAP_NOTHING_APPLIES,
    PROWLER,
    sample,
    unpacked,
)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def loaded(acme, catalog):
    return acme


def test_it_ingests_a_file_and_prints_the_summary_as_json(loaded):
    result = invoke("ingest", str(sample(OPENSCAP)), "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["kind"] == "openscap" and summary["evidence"]["new"] is True
    assert summary["controls"]["A.8.15"]["not_applicable"] >= 1
    tests = {t["id"]: t["status"] for t in summary["tests"]}
    assert tests["openscap_file_permissions"] == "fail"
    unmapped = {u["rule"]: u["reason"] for u in summary["unmapped"]}
    # Counted only where the reviewed rule table says a rule tests a control.
    assert "tests no Annex A control on its own" in unmapped["partition_for_home"]
    assert summary["related"]["A.6.1"] >= 1 and "A.6.1" not in summary["controls"]


def test_it_prints_tables_by_default(loaded):
    result = invoke("ingest", str(sample(LYNIS)), "--org", "acme", "--kind", "lynis")
    assert result.exit_code == 0, result.output
    assert "Scanner results per Annex A control" in result.stdout
    assert "lynis_firewall_active" in result.stdout and "Unmapped" in result.stdout


def test_it_adds_nothing_when_the_same_file_comes_again(loaded):
    invoke("ingest", str(sample(PROWLER[0])), "--org", "acme")
    again = invoke("ingest", str(sample(PROWLER[0])), "--org", "acme", "--format", "json")
    summary = json.loads(again.stdout)
    assert summary["evidence"]["new"] is False and summary["test_run"]["new"] is False


def test_it_exits_2_for_a_refused_file(loaded, tmp_path):
    broken = tmp_path / "x.xml"
    broken.write_text("<html></html>")
    result = invoke("ingest", str(broken), "--org", "acme", "--kind", "openscap")
    assert result.exit_code == 2 and "refused" in result.output


def test_it_exits_2_for_a_scan_that_evaluated_no_rule(loaded, tmp_path):
    path = unpacked(OPENSCAP_NOTHING_APPLIES, tmp_path)
    result = invoke("ingest", str(path), "--org", "acme")
    assert result.exit_code == 2
    assert "evaluated no rule" in result.output and "does not apply to this OS" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--org", "nope"), "no organization"),
        (("--org", "acme", "--kind", "nessus"), "--kind must be one of"),
    ],
)
def test_it_explains_bad_arguments(loaded, args, message):
    result = invoke("ingest", str(sample(LYNIS)), *args)
    assert result.exit_code == 1 and message in result.output


def test_it_collects_in_the_foreground(loaded, isla, home):
    folder = home / "imports" / "acme"
    folder.mkdir(parents=True)
    shutil.copy(sample(LYNIS), folder / "report.dat")
    services.create(
        isla.ctx, name="web1", kind="lynis", values={"mode": "import", "report_path": "report.dat"}
    )
    result = invoke("collect", "--org", "acme")
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["connector"] == "web1" and line["status"] == "succeeded"
    assert line["files"][0]["kind"] == "lynis"


def test_it_fails_collect_when_a_run_fails(loaded, isla):
    services.create(
        isla.ctx, name="web1", kind="lynis", values={"mode": "import", "report_path": "missing.dat"}
    )
    result = invoke("collect", "--org", "acme", "--connector", "web1")
    assert result.exit_code == 1 and "failed" in result.output
    assert invoke("collect", "--org", "acme", "--connector", "nope").exit_code == 1


def test_it_rotates_keys_from_the_command_line(loaded, isla):
    connector = services.create(
        isla.ctx,
        name="p",
        kind="ocsf",
        values={"url": "https://a.example/f.json"},
        secrets={"token": "canary"},
    )
    result = invoke("rotate-keys", "--prune")
    assert result.exit_code == 0, result.output
    key_id = result.stdout.strip()
    connector.refresh_from_db()
    assert secrets.split_token(connector.sealed["token"])[0] == key_id
    assert list(secrets.load_keyring().keys) == [key_id]
    assert services.open_secrets(connector) == {"token": "canary"}


def test_it_creates_the_keyring_on_init(tmp_path, monkeypatch, settings):
    from annexa.cli import setup as setup_cli

    home = tmp_path / "fresh"
    settings.HOME = home
    monkeypatch.setattr("annexa.config.annexa_home", lambda: home)
    monkeypatch.setattr(setup_cli, "setup", lambda: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    monkeypatch.setattr("annexa.catalog.loader.load_catalog", lambda: "catalog stub")
    settings.SIGNING_KEY_PATH = str(home / "keys" / "ledger.pem")
    setup_cli.init()
    assert (home / "keys" / "secrets.key").is_file()


def test_it_adds_a_connector_with_typed_settings_and_secrets_from_a_file(loaded, tmp_path):
    from annexa.connectors.models import Connector

    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-never-on-the-command-line\n")
    result = invoke(
        "connectors", "add", "--org", "acme", "--name", "cloud", "--kind", "aws",
        "--set", "access_key_id=AKIAIOSFODNN7EXAMPLE", "--set", 'regions=["eu-west-1","us-east-1"]',
        "--secret-file", f"secret_access_key={secret}", "--interval", "30", "--disabled",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "saved for acme" in result.output and "s3cr3t" not in result.output
    connector = Connector.objects.get(organization=loaded, name="cloud")
    assert connector.enabled is False and connector.interval_minutes == 30
    assert connector.config["regions"] == ["eu-west-1", "us-east-1"]
    assert "s3cr3t" not in json.dumps(connector.config) + json.dumps(connector.sealed)
    assert services.open_secrets(connector)["secret_access_key"] == (
        "s3cr3t-never-on-the-command-line"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "postgres", "--set", "port=abc"], "port: must be a whole number"),
        (["--kind", "postgres", "--set", "noequals"], "--set takes KEY=VALUE"),
        (["--kind", "aws", "--secret-env", "secret_access_key=ANNEXA_TEST_UNSET"], "is not set"),
        (["--kind", "nosuchplugin"], "nosuchplugin"),
    ],
)
def test_it_refuses_a_bad_connector_with_exit_2_and_saves_nothing(loaded, args, message):
    from annexa.connectors.models import Connector

    result = invoke("connectors", "add", "--org", "acme", "--name", "bad", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not Connector.objects.filter(organization=loaded).exists()
