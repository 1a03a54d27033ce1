"""The Linux host connector against this machine and against a real sshd started here."""

from __future__ import annotations

import json
import logging
import pwd

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import netguard, services
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.models import CollectedItem
from annexa.connectors.schema import ConfigInvalid
from annexa.connectors.tests.linux_support import TestSshd, can_run_sshd, new_key
from annexa.core.tenancy import OrgContext
from annexa.evidence.storage import get_store
from annexa.monitoring import services as monitoring
from annexa.monitoring.choices import ControlStatus, ResultStatus
from annexa.monitoring.models import ControlState, ControlStatusChange
from annexa.monitoring.services import status as status_service

LINUX_TESTS = {
    "linux_accounts_without_password",
    "linux_audit_logging",
    "linux_auto_updates",
    "linux_firewall_active",
    "linux_login_lockout",
    "linux_password_aging",
    "linux_password_quality",
    "linux_ssh_auth_limits",
    "linux_ssh_crypto",
    "linux_ssh_empty_passwords",
    "linux_ssh_password_auth",
    "linux_ssh_root_login",
    "linux_sudo_nopasswd",
    "linux_time_sync",
    "linux_uid0_accounts",
}
CANARY = "CANARY-3b7d1e40-do-not-leak"
needs_sshd = pytest.mark.skipif(bool(can_run_sshd()), reason=can_run_sshd() or "sshd is here")


@pytest.fixture
def loopback(settings):
    """Allow the loopback address, as an administrator would for a host on it."""
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


@pytest.fixture
def sshd(tmp_path_factory, loopback):
    server = TestSshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()


def collect(isla, connector) -> monitoring.Collected:
    return monitoring.collect_now(isla.ctx, connector)


def stored(item: CollectedItem) -> snapshot.Snapshot:
    with get_store().open(item.version.sha256) as stream:
        return snapshot.load(stream, "linux")


def results(report: monitoring.Collected) -> dict[str, str]:
    (judged,) = report.judged
    return {r.test_id: r.status for r in judged.run.results.all()}


def ssh_connector(isla, server: TestSshd, name="web1", secrets=None, **values):
    """A linux connector for ``server``, logging in with its client key unless told."""
    return services.create(
        isla.ctx,
        name=name,
        kind="linux",
        values=server.connector_values(**values),
        secrets=secrets or {"private_key": server.client_key},
    )


# --- this machine ----------------------------------------------------------------------------


def test_it_reads_this_server_locally(isla, catalog, loopback):
    connector = services.create(
        isla.ctx, name="This server", kind="linux", values={"mode": "local"}
    )
    report = collect(isla, connector)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    (judged,) = report.judged
    document = stored(judged.item)
    data = document.data
    assert data["system"]["mode"] == "local"
    assert set(data["sections"]) <= set(data)
    for section in ("login", "sshd", "firewall", "time", "updates", "audit", "accounts"):
        assert isinstance(data[section], dict), section
    # The accounts are this machine's (read independently here through pwd).
    assert [u["name"] for u in data["accounts"]["users"]] == [
        p.pw_name for p in sorted(pwd.getpwall(), key=lambda p: (p.pw_uid, p.pw_name))
    ]
    assert data["accounts"]["uid0"] == sorted(p.pw_name for p in pwd.getpwall() if p.pw_uid == 0)
    outcome = results(report)
    assert set(outcome) == LINUX_TESTS
    assert set(outcome.values()) <= {"pass", "fail", "error", "not_applicable"}
    # The results follow from the facts recorded.
    others = [n for n in data["accounts"]["uid0"] if n != "root"]
    assert outcome["linux_uid0_accounts"] == ("fail" if others else "pass")
    empty = [u for u in data["accounts"]["users"] if u.get("password") == "empty"]
    if data["accounts"]["shadow"]["readable"]:
        assert outcome["linux_accounts_without_password"] == ("fail" if empty else "pass")
    else:
        assert outcome["linux_accounts_without_password"] == "error"
    sshd = data["sshd"]
    if "settings" in sshd:
        root_login = sshd["settings"]["permitrootlogin"]
        expected = "pass" if root_login != "yes" else "fail"
        assert outcome["linux_ssh_root_login"] == expected
    firewall = data["firewall"]
    if not any(tool.get("installed", True) for tool in firewall.values()):
        assert outcome["linux_firewall_active"] == "fail"
    sudo = data["accounts"]["sudoers"]
    if sudo.get("present") is False and not sudo["installed"]:
        assert outcome["linux_sudo_nopasswd"] == "not_applicable"
    # No password hash of this machine's shadow file is in the snapshot.
    body = json.dumps(data)
    assert "$6$" not in body and "$y$" not in body


def test_it_refuses_to_read_this_server_unless_allowed(isla, settings):
    settings.OUTBOUND_ALLOW = ()
    connector = services.create(isla.ctx, name="Local", kind="linux", values={"mode": "local"})
    run = services.request_run(isla.ctx, connector)
    assert services.execute(OrgContext.system(isla.ctx.org), run) == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "ANNEXA_OUTBOUND_ALLOW" in run.message and "127.0.0.1/32" in run.message


# --- over SSH, against a real sshd -----------------------------------------------------------


@needs_sshd
def test_it_reads_a_host_over_ssh(isla, catalog, sshd):
    connector = ssh_connector(isla, sshd)
    report = collect(isla, connector)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    (judged,) = report.judged
    document = stored(judged.item)
    assert document.target == f"127.0.0.1:{sshd.port}"
    data = document.data
    assert data["system"]["mode"] == "ssh" and data["system"]["read_as"] == sshd.username
    settings = data["sshd"]["settings"]
    # The test server's own configuration, as sshd itself evaluates it.
    assert data["sshd"]["config_path"] == str(sshd.config_path)
    assert data["sshd"]["source"] == (
        "sshd -T" if data["system"]["read_as_root"] else "sshd_config"
    )
    assert settings["passwordauthentication"] == "no"
    assert settings["permitrootlogin"] == "prohibit-password"
    assert settings["maxauthtries"] == 4 and settings["logingracetime"] == 30
    assert [u["name"] for u in data["accounts"]["users"]] == [
        p.pw_name for p in sorted(pwd.getpwall(), key=lambda p: (p.pw_uid, p.pw_name))
    ]
    outcome = results(report)
    assert set(outcome) == LINUX_TESTS
    assert outcome["linux_ssh_password_auth"] == "pass"
    assert outcome["linux_ssh_root_login"] == "pass"
    assert outcome["linux_ssh_empty_passwords"] == "pass"
    assert outcome["linux_ssh_auth_limits"] == "pass"


@needs_sshd
def test_flipping_password_authentication_turns_the_control_failing(
    isla, catalog, sshd, monkeypatch
):
    transitions = []
    original = status_service.on_transition

    def spy(ctx, change, state):
        transitions.append((change.control_id, change.previous, change.status))
        return original(ctx, change, state)

    monkeypatch.setattr(status_service, "on_transition", spy)
    # Only the sshd section: the other A.8.5 tests judge this machine's PAM, not the server.
    connector = ssh_connector(isla, sshd, sections=["sshd"])

    first = collect(isla, connector)
    assert first.run.status == RunStatus.SUCCEEDED, first.run.message
    assert results(first)["linux_ssh_password_auth"] == ResultStatus.PASS
    state = ControlState.objects.get(organization=isla.ctx.org, control_id="A.8.5")
    assert state.status == ControlStatus.PASSING

    sshd.restart(PasswordAuthentication="yes")
    second = collect(isla, connector)
    assert second.run.status == RunStatus.SUCCEEDED, second.run.message
    outcome = results(second)
    assert outcome["linux_ssh_password_auth"] == ResultStatus.FAIL
    assert outcome["linux_login_lockout"] == ResultStatus.NOT_APPLICABLE
    assert second.judged[0].item.created  # a new evidence version: the host changed

    state.refresh_from_db()
    assert state.status == ControlStatus.FAILING and state.no_longer_functioning
    change = ControlStatusChange.objects.filter(
        organization=isla.ctx.org, control_id="A.8.5"
    ).latest("at")
    assert (change.previous, change.status) == (ControlStatus.PASSING, ControlStatus.FAILING)
    assert change.no_longer_functioning and change.run == second.judged[0].run
    assert ("A.8.5", ControlStatus.PASSING, ControlStatus.FAILING) in transitions
    # The transition is announced: an e-mail to the ISMS manager waits in the outbox.
    outbox = change.notifications.all()
    assert isla.user.email in {n.recipient for n in outbox if n.channel == "email"}


@needs_sshd
def test_it_adds_no_version_when_the_host_did_not_change(isla, catalog, sshd):
    connector = ssh_connector(isla, sshd)
    first = collect(isla, connector)
    second = collect(isla, connector)
    assert second.run.status == RunStatus.SUCCEEDED, second.run.message
    (one,), (two,) = first.judged, second.judged
    assert one.item.created and not two.item.created
    assert one.item.version == two.item.version
    assert one.item.version.evidence.versions.count() == 1
    assert not two.new_run


@needs_sshd
def test_it_logs_in_with_a_passphrase_protected_key(isla, catalog, sshd):
    private, public = new_key(passphrase=CANARY)
    sshd.authorize(public)
    secrets = {"private_key": private, "passphrase": CANARY}
    connector = ssh_connector(isla, sshd, secrets=secrets, sections=["sshd"])
    report = collect(isla, connector)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message


def failed_run(isla, connector) -> str:
    run = services.request_run(isla.ctx, connector)
    assert services.execute(OrgContext.system(isla.ctx.org), run) == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    return run.message


@needs_sshd
def test_it_refuses_a_key_the_server_does_not_accept(isla, sshd):
    stranger, _public = new_key()
    connector = ssh_connector(isla, sshd, secrets={"private_key": stranger})
    message = failed_run(isla, connector)
    assert "was refused" in message and "authorized_keys" in message


@needs_sshd
def test_it_refuses_a_host_key_that_is_not_the_pinned_one(isla, sshd):
    _private, other_host_key = new_key()
    connector = ssh_connector(isla, sshd, host_key=other_host_key)
    message = failed_run(isla, connector)
    assert "not the pinned one" in message and "intercepting" in message


@needs_sshd
def test_it_refuses_an_unknown_host_key_and_shows_its_fingerprint(isla, sshd):
    import asyncssh

    fingerprint = asyncssh.import_public_key(sshd.host_key).get_fingerprint("sha256")
    connector = ssh_connector(isla, sshd, host_key="")
    message = failed_run(isla, connector)
    assert "no host_key is pinned" in message and fingerprint in message
    # Pinning that fingerprint is enough to log in.
    services.update(isla.ctx, connector, values=sshd.connector_values(host_key=fingerprint))
    connector.refresh_from_db()
    run = services.request_run(isla.ctx, connector)
    assert services.execute(OrgContext.system(isla.ctx.org), run)


@needs_sshd
def test_it_refuses_the_loopback_address_unless_allowed(isla, sshd, settings):
    literal = ssh_connector(isla, sshd)
    by_name = ssh_connector(isla, sshd, name="by name", host="localhost")
    settings.OUTBOUND_ALLOW = ()
    assert "127.0.0.1 is a loopback address" in failed_run(isla, literal)
    message = failed_run(isla, by_name)
    assert "refused to connect to localhost (127.0.0.1)" in message
    assert "ANNEXA_OUTBOUND_ALLOW" in message


@needs_sshd
def test_it_explains_a_port_where_nothing_listens(isla, sshd):
    connector = ssh_connector(isla, sshd)
    sshd.stop()
    message = failed_run(isla, connector)
    assert f"cannot connect to 127.0.0.1:{sshd.port}" in message


@needs_sshd
def test_it_never_leaks_the_password_or_the_key(isla, catalog, sshd, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = ssh_connector(isla, sshd, "with password", {"password": CANARY})
    message = failed_run(isla, wrong)
    assert "was refused" in message and CANARY not in message
    secrets = {"private_key": sshd.client_key, "password": CANARY}
    keyed = ssh_connector(isla, sshd, "with key", secrets, sections=["sshd", "accounts"])
    report = collect(isla, keyed)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    key_body = "".join(sshd.client_key.strip().splitlines()[1:-1])
    with get_store().open(report.judged[0].item.version.sha256) as stream:
        blob = stream.read().decode()
    for secret in (CANARY, key_body):
        assert secret not in blob and secret not in caplog.text
        assert secret not in json.dumps(keyed.config) and secret not in json.dumps(keyed.sealed)
    assert "Secret('********')" in repr(services.load_config(keyed))


@pytest.mark.parametrize(
    ("values", "secrets", "field"),
    [
        ({"mode": "ssh", "host": "db1.example", "username": "audit"}, {}, "password"),
        ({"mode": "ssh", "username": "audit"}, {"password": "x"}, "host"),
        ({"mode": "ssh", "host": "127.0.0.1", "username": "a"}, {"password": "x"}, "host"),
        (
            {"mode": "ssh", "host": "db1.example", "username": "a"},
            {"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n"},
            "private_key",
        ),
        ({"mode": "local", "sshd_config_path": "/etc/ssh/$(reboot)"}, {}, "sshd_config_path"),
        ({"mode": "local", "sections": ["kernel"]}, {}, "sections"),
        (
            {"mode": "ssh", "host": "db1.example", "username": "a", "host_key": "ssh-rsa bogus"},
            {"password": "x"},
            "host_key",
        ),
    ],
)
def test_it_explains_a_bad_configuration(isla, settings, values, secrets, field):
    settings.OUTBOUND_ALLOW = ()
    with pytest.raises(ConfigInvalid) as caught:
        services.create(isla.ctx, name="bad", kind="linux", values=values, secrets=secrets)
    assert field in caught.value.errors, caught.value.errors


@needs_sshd
def test_annexa_collect_reads_the_host(isla, catalog, sshd):
    ssh_connector(isla, sshd, name="web1", sections=["sshd", "login"])
    result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "web1"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["connector"] == "web1" and line["status"] == "succeeded"
    assert line["files"][0]["kind"] == "linux"


@needs_sshd
def test_it_parses_sshd_config_when_sshd_cannot_evaluate_it(isla, catalog, sshd, tmp_path):
    # An option this sshd does not know makes `sshd -T` fail, as it does for a non-root
    # account: the connector then reads the files with sshd's own precedence rules.
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "10-first.conf").write_text("PasswordAuthentication no\nLoginGraceTime 2m\n")
    (conf_d / "20-later.conf").write_text("PasswordAuthentication yes\n")
    (conf_d / "ignored.txt").write_text("PermitRootLogin yes\n")
    config = tmp_path / "evaluated_config"
    config.write_text(
        f"Include {conf_d}/*.conf\n"
        "FutureOptionNotKnownToSshd yes\n"
        "MaxAuthTries=3\n"
        "AllowUsers alice bob\nAllowUsers carol\n"
        "Match User backup\n  PermitRootLogin yes\n"
    )
    connector = ssh_connector(isla, sshd, sections=["sshd"], sshd_config_path=str(config))
    report = collect(isla, connector)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    facts = stored(report.judged[0].item).data["sshd"]
    assert facts["source"] == "sshd_config" and "FutureOption" in facts["sshd_t_error"]
    assert facts["files"] == [
        str(config),
        str(conf_d / "10-first.conf"),
        str(conf_d / "20-later.conf"),
    ]
    assert facts["match_blocks"] == 1
    settings = facts["settings"]
    assert settings["passwordauthentication"] == "no"  # the first value wins
    assert settings["logingracetime"] == 120 and settings["maxauthtries"] == 3
    assert settings["permitrootlogin"] == "prohibit-password"  # OpenSSH's default
    assert settings["allowusers"] == ["alice", "bob", "carol"]
    outcome = results(report)
    assert outcome["linux_ssh_password_auth"] == ResultStatus.PASS
    assert outcome["linux_ssh_crypto"] == ResultStatus.ERROR  # not set, so not known


def test_a_snapshot_without_data_is_an_error_for_every_linux_test():
    from annexa.monitoring import loader

    empty = [snapshot.Snapshot("linux", "web1", {})]
    for test_id in LINUX_TESTS:
        assert loader.all_tests()[test_id].evaluate(empty).status == ResultStatus.ERROR
