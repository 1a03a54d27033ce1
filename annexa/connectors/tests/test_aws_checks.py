"""The aws_* control tests on the edges of their rules (the PASS/FAIL/empty cases are in
``monitoring/tests/cases_aws.py``)."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.monitoring import loader
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.tests.cases_aws import (
    BLOCK,
    account,
    bucket,
    buckets,
    group,
    groups,
    key,
    rule,
    user,
    users,
)

AS_OF = dt.date(2025, 6, 30)
AWS_TESTS = sorted(test_id for test_id in loader.all_tests() if test_id.startswith("aws_"))
DENIED = {"readable": False, "error": "AccessDenied: User: auditor is not authorized"}


def run(test_id: str, records, as_of: dt.date = AS_OF):
    return loader.all_tests()[test_id].evaluate(records, as_of=as_of)


def test_there_are_fifteen_aws_tests_on_catalog_controls(catalog):
    from annexa.catalog.models import Control

    assert len(AWS_TESTS) == 15
    known = set(Control.objects.values_list("id", flat=True))
    for test_id in AWS_TESTS:
        cls = loader.all_tests()[test_id]
        assert cls.connectors == ("aws",) and set(cls.control_ids) <= known, test_id


@pytest.mark.parametrize(
    ("test_id", "path"),
    [
        ("aws_password_policy", "iam.password_policy"),
        ("aws_root_mfa", "iam.account_summary"),
        ("aws_user_mfa", "iam.users"),
        ("aws_cloudtrail_enabled", "cloudtrail"),
        ("aws_s3_encryption", "s3.buckets"),
        ("aws_ebs_encryption", "ec2.eu-central-1.volumes"),
        ("aws_rds_encryption", "rds.eu-central-1"),
        ("aws_kms_rotation", "kms.eu-central-1"),
        ("aws_open_security_groups", "ec2.eu-central-1.security_groups"),
    ],
)
def test_a_section_aws_refused_is_an_error_with_the_reason(test_id, path):
    outcome = run(test_id, account(**{path: DENIED}))
    assert outcome.status == ResultStatus.ERROR
    assert "AccessDenied" in outcome.reason and "123456789012" in outcome.reason


def test_keys_are_old_after_ninety_days_of_the_day_the_evidence_speaks_for():
    records = account(**{"iam.users": users(user("ci", access_keys=[key(rotated="2025-04-01")]))})
    assert run("aws_access_key_age", records).status == ResultStatus.PASS  # 90 days
    later = run("aws_access_key_age", records, as_of=dt.date(2025, 7, 1))
    assert later.status == ResultStatus.FAIL and later.resources == ("ci key 1 (2025-04-01)",)
    inactive = account(**{"iam.users": users(user("ci", access_keys=[{**key(), "active": False}]))})
    assert run("aws_access_key_age", inactive).status == ResultStatus.NOT_APPLICABLE


def test_a_never_used_credential_counts_from_its_creation():
    fresh = user("new", password_last_used=None, created="2025-06-01")
    assert run("aws_unused_credentials", account(**{"iam.users": users(fresh)})).status == "pass"
    old = user("old", password_enabled=False, access_keys=[key(rotated="2025-01-01", used=None)])
    outcome = run("aws_unused_credentials", account(**{"iam.users": users(old)}))
    assert outcome.resources == ("old key 1 (unused since 2025-01-01)",)


def test_the_account_level_block_covers_buckets_without_their_own():
    open_bucket = bucket("site", public_access_block={"readable": True, "configured": False})
    covered = account(**{"s3.buckets": buckets(open_bucket)})
    assert run("aws_s3_public_access", covered).status == ResultStatus.PASS
    partial = {**BLOCK, "restrict_public_buckets": False}
    unknown = account(
        **{"s3.account_public_access_block": DENIED, "s3.buckets": buckets(open_bucket)}
    )
    assert run("aws_s3_public_access", unknown).status == ResultStatus.ERROR
    weak = account(
        **{"s3.account_public_access_block": partial, "s3.buckets": buckets(open_bucket)}
    )
    assert run("aws_s3_public_access", weak).resources == ("site",)
    none = account(**{"s3.account_public_access_block": DENIED, "s3.buckets": buckets()})
    assert run("aws_s3_public_access", none).status == ResultStatus.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("ingress", "status"),
    [
        (rule("tcp", 22, 22, "10.0.0.0/8"), "pass"),
        (rule("tcp", 443, 443, "0.0.0.0/0"), "pass"),
        (rule("icmp", -1, -1, "0.0.0.0/0"), "pass"),
        (rule("tcp", 20, 25, "0.0.0.0/0"), "fail"),
        (rule("udp", 3389, 3389, "::/0"), "fail"),
        (rule("tcp", 0, 65535, "0.0.0.0/0"), "fail"),
        (rule("-1", None, None, "::/0"), "fail"),
    ],
)
def test_it_flags_ssh_rdp_and_all_ports_open_to_the_world(ingress, status):
    records = account(**{"ec2.eu-central-1.security_groups": groups(group("sg-1", ingress))})
    assert run("aws_open_security_groups", records).status == status


def test_a_trail_whose_status_is_unknown_is_not_taken_as_logging():
    trail = {"readable": True, "trails": [{"name": "t", "multi_region": True, "logging": None}]}
    assert run("aws_cloudtrail_enabled", account(cloudtrail=trail)).status == ResultStatus.ERROR
    single = {"readable": True, "trails": [{"name": "t", "multi_region": False, "logging": True}]}
    outcome = run("aws_cloudtrail_enabled", account(cloudtrail=single))
    assert outcome.status == ResultStatus.FAIL and "covering all regions" in outcome.reason


def test_an_administrator_whose_policies_are_unknown_is_an_error():
    records = account(**{"iam.users": users(user("x", privileged=None))})
    assert run("aws_admin_users", records).status == ResultStatus.ERROR
    records = account(**{"iam.users": users(user("dev"))})
    assert run("aws_admin_users", records).status == ResultStatus.NOT_APPLICABLE


def test_a_key_aws_does_not_rotate_is_not_judged_and_an_unreadable_one_is_an_error():
    imported = {"readable": True, "keys": [{"id": "k", "state": "Enabled", "origin": "EXTERNAL"}]}
    assert run("aws_kms_rotation", account(**{"kms.eu-central-1": imported})).status == (
        ResultStatus.NOT_APPLICABLE
    )
    hidden = {"readable": True, "keys": [{"id": "k", **DENIED}]}
    assert run("aws_kms_rotation", account(**{"kms.eu-central-1": hidden})).status == "error"


@pytest.mark.parametrize("test_id", AWS_TESTS)
def test_every_aws_test_errors_on_a_snapshot_without_facts(test_id):
    from annexa.connectors.formats.snapshot import Snapshot

    outcome = run(test_id, [Snapshot("aws", "123456789012", {})])
    assert outcome.status == ResultStatus.ERROR and "123456789012" in outcome.reason
