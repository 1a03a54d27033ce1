"""The AWS connector against moto in server mode: collect, store, judge, fix, collect again.

One moto server and one account per module (building it costs seconds: moto loads the AWS
managed policies); a test that changes the account restores it before the next test.
"""

from __future__ import annotations

import json
import logging
import socket

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import netguard, services
from annexa.connectors.builtins.aws import AwsConfig
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.models import CollectedItem
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests import aws_support as support
from annexa.evidence import services as evidence
from annexa.evidence.models import EvidenceVersion
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState

pytestmark = pytest.mark.django_db

CANARY_SECRET = "CANARY-aws-secret-0b7e4c2a"
CANARY_TOKEN = "CANARY-aws-token-91d3f6e8"


@pytest.fixture(scope="module")
def moto_account():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in support.MOTO_ENV.items():
            patch.setenv(name, value)
        with support.moto_server() as url:
            support.reset(url)
            yield support.build_account(url)


@pytest.fixture
def account(moto_account, settings, monkeypatch):
    """The module's account, reachable through the outbound guard; authentication is
    switched off again after the test."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")
    yield moto_account
    support.set_auth(moto_account.url, enforce=False)


def make_connector(ctx, account, name="aws-prod", key=None, secrets=None, **values):
    key_id, secret_key = key or account.reader_key
    return services.create(
        ctx,
        name=name,
        kind="aws",
        values={"access_key_id": key_id, "endpoint_url": account.url, **values},
        secrets=secrets or {"secret_access_key": secret_key},
    )


def collect(ctx, connector):
    from annexa.monitoring.services import orchestration

    report = orchestration.collect_now(ctx, connector)
    report.run.refresh_from_db()
    return report


def results(report) -> dict[str, str]:
    return {r.test_id: r.status for judged in report.judged for r in judged.run.results.all()}


def reasons(report) -> dict[str, str]:
    return {r.test_id: r.reason for judged in report.judged for r in judged.run.results.all()}


def stored(report) -> snapshot.Snapshot:
    with evidence.open_version(report.judged[0].item.version) as stream:
        return snapshot.load(stream, "aws")


# --- end to end ------------------------------------------------------------------------------


def test_it_collects_stores_and_judges_the_account(isla, catalog, account):
    report = collect(isla.ctx, make_connector(isla.ctx, account))
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    item = report.judged[0].item
    assert item.kind == "aws" and item.stream == f"aws:{support.ACCOUNT_ID}" and item.created
    assert results(report) == support.EXPECTED
    data = stored(report).data
    assert data["account_id"] == support.ACCOUNT_ID and data["regions"] == [support.REGION]
    users = {u["name"]: u for u in data["iam"]["users"]["items"]}
    assert data["iam"]["users"]["source"] == "credential_report"
    assert users["alice-admin"]["mfa_active"] and users["alice-admin"]["privileged"]
    assert users["bob-dev"]["admin_policies"] == ["AdministratorAccess (group admins)"]
    assert not users["ci-deploy"]["privileged"] and not users["ci-deploy"]["password_enabled"]
    assert data["iam"]["password_policy"] == {"readable": True, "set": False}
    buckets = {b["name"]: b for b in data["s3"]["buckets"]["items"]}
    assert buckets["acme-public-site"]["public_access_block"] == {
        "readable": True,
        "configured": False,
    }
    assert buckets["acme-logs"]["encryption"]["algorithms"] == ["AES256"]
    assert data["s3"]["account_public_access_block"] == {"readable": True, "configured": False}
    (trail,) = data["cloudtrail"]["trails"]
    assert trail["multi_region"] and trail["logging"] and not trail["log_file_validation"]
    found = reasons(report)
    assert "bob-dev key 1" in found["aws_access_key_age"]
    assert (
        "bastion" in found["aws_open_security_groups"]
        and "SSH" in found["aws_open_security_groups"]
    )
    assert "web" not in found["aws_open_security_groups"].split("fail:")[1]
    assert "legacy-db" in found["aws_rds_encryption"]
    assert "bob-dev (no MFA, active access key)" in found["aws_admin_users"]
    for control in ("A.8.24", "A.8.15"):  # A.8.15: one trail logs, none validates
        state = ControlState.objects.get(organization=isla.ctx.org, control_id=control)
        assert state.status == ControlStatus.FAILING


def test_a_fixed_setting_passes_on_the_next_collection(isla, catalog, account):
    connector = make_connector(isla.ctx, account)
    first = results(collect(isla.ctx, connector))
    assert first["aws_password_policy"] == first["aws_s3_public_access"] == "fail"
    iam, s3 = support.client(account.url, "iam"), support.client(account.url, "s3")
    iam.update_account_password_policy(**support.STRONG_POLICY)
    s3.put_public_access_block(
        Bucket="acme-public-site", PublicAccessBlockConfiguration=support.FULL_BLOCK
    )
    try:
        report = collect(isla.ctx, connector)
    finally:
        iam.delete_account_password_policy()
        s3.delete_public_access_block(Bucket="acme-public-site")
    second = results(report)
    assert second["aws_password_policy"] == second["aws_s3_public_access"] == "pass"
    assert {k: v for k, v in second.items() if k not in first or first[k] != v} == {
        "aws_password_policy": "pass",
        "aws_s3_public_access": "pass",
    }
    assert report.judged[0].item.created  # a new version of the same evidence item
    versions = EvidenceVersion.objects.filter(evidence=report.judged[0].item.version.evidence)
    assert versions.count() == 2
    assert stored(report).data["iam"]["password_policy"]["minimum_length"] == 14


def test_an_unchanged_account_gives_the_same_evidence_version(isla, catalog, account):
    connector = make_connector(isla.ctx, account)
    first = collect(isla.ctx, connector)
    second = collect(isla.ctx, connector)
    assert second.run.status == RunStatus.SUCCEEDED
    one, two = first.judged[0].item, second.judged[0].item
    assert one.created and not two.created
    assert one.version_id == two.version_id
    assert "1 unchanged" in second.run.message
    assert CollectedItem.objects.filter(version=one.version).count() == 2


# --- partial permission, credentials, reachability ------------------------------------------


def test_a_denied_section_is_an_error_not_a_pass(isla, catalog, account):
    denied = [
        "iam:GetAccountPasswordPolicy",
        "iam:GenerateCredentialReport",
        "ec2:DescribeVolumes",
        "kms:GetKeyRotationStatus",
    ]
    support.deny(account.url, "auditor", denied)
    support.set_auth(account.url, enforce=True)  # moto checks signatures and policies now
    try:
        report = collect(isla.ctx, make_connector(isla.ctx, account))
    finally:
        support.set_auth(account.url, enforce=False)
        support.client(account.url, "iam").delete_user_policy(
            UserName="auditor", PolicyName="deny-some"
        )
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    data = stored(report).data
    policy = data["iam"]["password_policy"]
    assert policy["readable"] is False and policy["error"].startswith("AccessDenied")
    # Without the credential report the users are read one by one: the same facts.
    assert data["iam"]["users"]["source"] == "api"
    assert "AccessDenied" in data["iam"]["users"]["credential_report_error"]
    found = results(report)
    volumes = data["ec2"][support.REGION]["volumes"]
    assert volumes["readable"] is False and "ec2:DescribeVolumes" in volumes["error"]
    assert "AccessDenied" in reasons(report)["aws_password_policy"]
    keys = data["kms"][support.REGION]["keys"]
    assert all("AccessDenied" in k["rotation_error"] for k in keys)
    assert {k for k, v in found.items() if v == "error"} == {
        "aws_password_policy",
        "aws_ebs_encryption",
        "aws_kms_rotation",
    }
    assert found["aws_user_mfa"] == found["aws_access_key_age"] == "fail"  # as before
    assert found["aws_admin_users"] == "fail"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (("AKIANOTAREALKEY00001", CANARY_SECRET), "InvalidClientTokenId"),
        (None, "SignatureDoesNotMatch"),  # the reader's key id with a wrong secret
    ],
)
def test_it_refuses_bad_credentials_without_showing_the_secret(isla, catalog, account, key, code):
    key = key or (account.reader_key[0], CANARY_SECRET)
    support.set_auth(account.url, enforce=True)
    report = collect(isla.ctx, make_connector(isla.ctx, account, key=key))
    assert report.run.status == RunStatus.FAILED and report.judged == []
    assert "AWS refused the credentials" in report.run.message and code in report.run.message
    assert "check the access key id" in report.run.message
    assert CANARY_SECRET not in report.run.message


def test_it_explains_an_unreachable_endpoint(isla, catalog, settings, account):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connector = make_connector(isla.ctx, account, endpoint_url=f"http://127.0.0.1:{port}")
    report = collect(isla.ctx, connector)
    assert report.run.status == RunStatus.FAILED
    assert "cannot read the AWS account" in report.run.message
    assert "check the endpoint URL" in report.run.message
    assert account.reader_key[1] not in report.run.message


def test_it_refuses_an_endpoint_on_a_private_address_unless_allowed(isla, settings, account):
    settings.OUTBOUND_ALLOW = ()
    with pytest.raises(ConfigInvalid, match="loopback"):
        make_connector(isla.ctx, account)
    # A name is only resolved at collection time: refused there.
    connector = make_connector(
        isla.ctx, account, endpoint_url=account.url.replace("127.0.0.1", "localhost")
    )
    report = collect(isla.ctx, connector)
    assert report.run.status == RunStatus.FAILED and "ANNEXA_OUTBOUND_ALLOW" in report.run.message


def test_it_uses_nothing_of_the_servers_own_aws_configuration(
    isla, catalog, account, monkeypatch, tmp_path
):
    # moto runs in this process and builds botocore sessions of its own when it answers with
    # an error; a first collection before the environment is spoiled lets it cache them, so
    # only the connector meets the wrong settings below.
    connector = make_connector(isla.ctx, account)
    assert collect(isla.ctx, connector).run.status == RunStatus.SUCCEEDED
    (tmp_path / "config").write_text("[default]\nregion = ap-south-1\n")
    (tmp_path / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAWRONGWRONG000001\naws_secret_access_key = x\n"
    )
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAWRONGWRONG000002",
        "AWS_SECRET_ACCESS_KEY": "wrong",
        "AWS_SESSION_TOKEN": "wrong",
        "AWS_PROFILE": "missing-profile",
        "AWS_DEFAULT_REGION": "ap-south-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ENDPOINT_URL": "http://169.254.169.254",
        "AWS_MAX_ATTEMPTS": "0",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    support.set_auth(account.url, enforce=True)  # only the connector's key is accepted
    report = collect(isla.ctx, connector)
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    assert stored(report).data["caller_arn"].endswith(":user/auditor")


def test_it_reads_through_an_assumed_role(isla, catalog, account):
    iam = support.client(account.url, "iam")
    role = iam.create_role(
        RoleName="annexa-audit",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{support.ACCOUNT_ID}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    try:
        connector = make_connector(isla.ctx, account, role_arn=role["Arn"], external_id="acme-1")
        report = collect(isla.ctx, connector)
    finally:
        iam.delete_role(RoleName="annexa-audit")
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    assert ":assumed-role/annexa-audit/annexa-collector" in stored(report).data["caller_arn"]


def test_it_keeps_the_secrets_out_of_the_database_logs_and_evidence(
    isla, catalog, account, caplog, client_for
):
    caplog.set_level(logging.DEBUG)
    connector = make_connector(
        isla.ctx,
        account,
        secrets={"secret_access_key": account.reader_key[1], "session_token": CANARY_TOKEN},
    )
    report = collect(isla.ctx, connector)  # moto ignores the token while auth is off
    assert report.run.status == RunStatus.SUCCEEDED, report.run.message
    assert sorted(connector.sealed) == ["secret_access_key", "session_token"]
    with evidence.open_version(report.judged[0].item.version) as stream:
        body = stream.read().decode()
    page = client_for(isla).get(f"/api/v1/orgs/acme/connectors/{connector.pk}/").content.decode()
    rows = json.dumps(list(connector.__class__.objects.values()), default=str)
    for secret in (account.reader_key[1], CANARY_TOKEN):
        assert secret not in body and secret not in caplog.text
        assert secret not in page and secret not in rows and secret not in repr(connector)


def test_annexa_collect_runs_it_from_the_command_line(isla, catalog, account):
    make_connector(isla.ctx, account, name="aws-prod")
    result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "aws-prod"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["connector"] == "aws-prod" and line["status"] == "succeeded"
    assert line["files"][0]["kind"] == "aws"


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"access_key_id": "not a key"}, "access_key_id", "capital letters"),
        ({"regions": "eu-central-1, mars-1"}, "regions", "not AWS region names: mars-1"),
        ({"regions": "eu-west-1,eu-west-1"}, "regions", "each region once"),
        ({"role_arn": "arn:aws:iam::1:user/x"}, "role_arn", "IAM role ARN"),
        ({"external_id": "x"}, "external_id", "only used with a role"),
        ({"endpoint_url": "http://169.254.169.254/"}, "endpoint_url", "metadata"),
        ({"endpoint_url": "file:///etc/passwd"}, "endpoint_url", "only http and https"),
    ],
)
def test_it_explains_a_bad_configuration(settings, values, field, message):
    settings.OUTBOUND_ALLOW = ()
    base = {"access_key_id": "AKIAIOSFODNN7EXAMPLE"}
    with pytest.raises(ConfigInvalid) as caught:
        build(AwsConfig, base | values, {"secret_access_key": "s"})
    assert message in caught.value.errors[field]


def test_it_defaults_to_one_region_and_needs_the_secret():
    config = build(AwsConfig, {"access_key_id": "AKIAIOSFODNN7EXAMPLE"}, {"secret_access_key": "s"})
    assert config.regions == ["us-east-1"] and config.session_token is None
    with pytest.raises(ConfigInvalid, match="secret_access_key: this field is required"):
        build(AwsConfig, {"access_key_id": "AKIAIOSFODNN7EXAMPLE"}, {})
