"""PASS, FAIL and empty-input cases of the aws snapshot tests (see ``cases``).

Each record list holds one ``Snapshot``; the empty case is a snapshot with no data, which
every aws test answers with an error.
``account(**changes)`` is a well-configured account (every test passes on it) with the
sections at the dotted paths given replaced, e.g. ``account(**{"iam.account_summary": …})``.
"""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.tests.snapshots import changed

ACCOUNT = "123456789012"
BLOCK = {
    "readable": True,
    "configured": True,
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}


def user(name: str, **facts: Any) -> dict[str, Any]:
    """An IAM user in the snapshot's shape: a console user with MFA, used recently."""
    return {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "created": "2024-01-10",
        "password_enabled": True,
        "password_last_used": "2025-06-20",
        "mfa_active": True,
        "access_keys": [],
        "privileged": False,
        "admin_policies": [],
        **facts,
    }


def key(slot: int = 1, *, rotated: str = "2025-05-01", used: str | None = "2025-06-29") -> dict:
    return {"slot": slot, "active": True, "last_rotated": rotated, "last_used": used}


def bucket(name: str, **facts: Any) -> dict[str, Any]:
    return {
        "name": name,
        "region": "eu-central-1",
        "public_access_block": dict(BLOCK),
        "encryption": {"readable": True, "enabled": True, "algorithms": ["aws:kms"]},
        "versioning": {"readable": True, "status": "Enabled", "mfa_delete": False},
        **facts,
    }


def group(gid: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"id": gid, "name": gid, "vpc_id": "vpc-1", "ingress": list(rules)}


def rule(protocol: str, low: int | None, high: int | None, *cidrs: str) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "from_port": low,
        "to_port": high,
        "cidrs": list(cidrs),
        "groups": [],
        "prefix_lists": [],
    }


def kms_key(kid: str, **facts: Any) -> dict[str, Any]:
    return {
        "id": kid,
        "arn": f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{kid}",
        "state": "Enabled",
        "spec": "SYMMETRIC_DEFAULT",
        "origin": "AWS_KMS",
        "rotation_enabled": True,
        **facts,
    }


GOOD: dict[str, Any] = {
    "account_id": ACCOUNT,
    "caller_arn": f"arn:aws:iam::{ACCOUNT}:user/auditor",
    "regions": ["eu-central-1"],
    "iam": {
        "password_policy": {
            "readable": True,
            "set": True,
            "minimum_length": 16,
            "reuse_prevention": 24,
            "require_symbols": True,
        },
        "account_summary": {
            "readable": True,
            "mfa_enabled": True,
            "root_access_keys_present": False,
            "users": 2,
        },
        "users": {
            "readable": True,
            "source": "credential_report",
            "items": [
                user("ann", privileged=True, admin_policies=["AdministratorAccess"]),
                user("ci", password_enabled=False, mfa_active=False, access_keys=[key()]),
            ],
        },
    },
    "cloudtrail": {
        "readable": True,
        "trails": [
            {
                "name": "main",
                "arn": f"arn:aws:cloudtrail:eu-central-1:{ACCOUNT}:trail/main",
                "home_region": "eu-central-1",
                "multi_region": True,
                "logging": True,
                "log_file_validation": True,
                "kms_key_id": None,
                "s3_bucket": "logs",
            }
        ],
    },
    "s3": {
        "account_public_access_block": dict(BLOCK),
        "buckets": {"readable": True, "items": [bucket("logs"), bucket("web")]},
    },
    "ec2": {
        "eu-central-1": {
            "ebs_encryption_by_default": {"readable": True, "enabled": True},
            "volumes": {
                "readable": True,
                "items": [{"id": "vol-1", "encrypted": True, "state": "in-use"}],
            },
            "security_groups": {
                "readable": True,
                "items": [
                    group("sg-web", rule("tcp", 443, 443, "0.0.0.0/0", "::/0")),
                    group("sg-admin", rule("tcp", 22, 22, "10.0.0.0/8")),
                ],
            },
        }
    },
    "rds": {
        "eu-central-1": {
            "readable": True,
            "instances": [
                {
                    "id": "orders",
                    "engine": "postgres",
                    "storage_encrypted": True,
                    "publicly_accessible": False,
                }
            ],
        }
    },
    "kms": {
        "eu-central-1": {
            "readable": True,
            "keys": [kms_key("k-1"), kms_key("k-2", spec="RSA_2048", rotation_enabled=None)],
        }
    },
}


def account(**changes: Any) -> list[Snapshot]:
    """The good account with the sections at the dotted paths replaced."""
    return changed("aws", ACCOUNT, GOOD, changes, ".")


def users(*items: dict[str, Any]) -> dict[str, Any]:
    return {"readable": True, "source": "credential_report", "items": list(items)}


def summary(**facts: Any) -> dict[str, Any]:
    return {**GOOD["iam"]["account_summary"], **facts}


def trail(**facts: Any) -> dict[str, Any]:
    return {"readable": True, "trails": [{**GOOD["cloudtrail"]["trails"][0], **facts}]}


def buckets(*items: dict[str, Any]) -> dict[str, Any]:
    return {"readable": True, "items": list(items)}


def groups(*items: dict[str, Any]) -> dict[str, Any]:
    return {"readable": True, "items": list(items)}


EMPTY = "error"  # a snapshot with no data: no test can judge what it does not say

CASES: list[tuple] = [
    (
        "aws_password_policy",
        account(),
        account(**{"iam.password_policy": {"readable": True, "set": False}}),
        EMPTY,
    ),
    (
        "aws_root_mfa",
        account(),
        account(**{"iam.account_summary": summary(mfa_enabled=False)}),
        EMPTY,
    ),
    (
        "aws_root_access_keys",
        account(),
        account(**{"iam.account_summary": summary(root_access_keys_present=True)}),
        EMPTY,
    ),
    (
        "aws_user_mfa",
        account(),
        account(**{"iam.users": users(user("ann"), user("bob", mfa_active=False))}),
        EMPTY,
    ),
    (
        "aws_access_key_age",
        account(),
        account(**{"iam.users": users(user("ci", access_keys=[key(rotated="2025-03-01")]))}),
        EMPTY,
    ),
    (
        "aws_unused_credentials",
        account(),
        account(
            **{
                "iam.users": users(
                    user("ann"),
                    user("old", password_last_used=None, created="2025-01-05"),
                    user("ci", password_enabled=False, access_keys=[key(used="2025-02-01")]),
                )
            }
        ),
        EMPTY,
    ),
    (
        "aws_cloudtrail_enabled",
        account(),
        account(**{"cloudtrail": trail(logging=False)}),
        EMPTY,
    ),
    (
        "aws_cloudtrail_validation",
        account(),
        account(**{"cloudtrail": trail(log_file_validation=False)}),
        EMPTY,
    ),
    (
        "aws_s3_public_access",
        account(
            **{
                "s3.account_public_access_block": {"readable": True, "configured": False},
                "s3.buckets": buckets(bucket("logs")),
            }
        ),
        account(
            **{
                "s3.account_public_access_block": {"readable": True, "configured": False},
                "s3.buckets": buckets(
                    bucket("logs"),
                    bucket("site", public_access_block={"readable": True, "configured": False}),
                ),
            }
        ),
        EMPTY,
    ),
    (
        "aws_s3_encryption",
        account(),
        account(
            **{
                "s3.buckets": buckets(
                    bucket("logs"), bucket("site", encryption={"readable": True, "enabled": False})
                )
            }
        ),
        EMPTY,
    ),
    (
        "aws_ebs_encryption",
        account(),
        account(
            **{
                "ec2.eu-central-1.volumes": {
                    "readable": True,
                    "items": [{"id": "vol-2", "encrypted": False, "state": "in-use"}],
                }
            }
        ),
        EMPTY,
    ),
    (
        "aws_rds_encryption",
        account(),
        account(
            **{
                "rds.eu-central-1": {
                    "readable": True,
                    "instances": [
                        {"id": "legacy", "storage_encrypted": False, "publicly_accessible": True}
                    ],
                }
            }
        ),
        EMPTY,
    ),
    (
        "aws_kms_rotation",
        account(),
        account(
            **{
                "kms.eu-central-1": {
                    "readable": True,
                    "keys": [kms_key("k-3", rotation_enabled=False)],
                }
            }
        ),
        EMPTY,
    ),
    (
        "aws_open_security_groups",
        account(),
        account(
            **{
                "ec2.eu-central-1.security_groups": groups(
                    group("sg-rdp", rule("tcp", 3389, 3389, "::/0")),
                    group("sg-any", rule("-1", None, None, "0.0.0.0/0")),
                )
            }
        ),
        EMPTY,
    ),
    (
        "aws_admin_users",
        account(),
        account(
            **{
                "iam.users": users(
                    user("root-like", privileged=True, mfa_active=False, access_keys=[key()])
                )
            }
        ),
        EMPTY,
    ),
]
