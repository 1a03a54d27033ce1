"""Read an AWS account's security settings into the ``aws`` snapshot's ``data``.

Facts only, in a stable shape: every list is sorted, every date is a day (``YYYY-MM-DD``: the
connector's own use of its access key changes the time of day on every run, the day at most
once a day), and nothing that changes while the account does not (request ids, collection
time) is kept. Each section is ``{"readable": true, ...}``, or ``{"readable": false, "error":
"Code: message"}`` when AWS refused to answer, so a test of that section reports an error
instead of passing on missing facts.

Shape (``r`` a region, ``…`` the section's facts)::

    account_id, caller_arn, regions
    iam.password_policy     {set, minimum_length, require_*, max_age_days, reuse_prevention, …}
    iam.account_summary     {mfa_enabled, root_access_keys_present, users}
    iam.users               {source, items: [{name, arn, created, privileged, admin_policies,
                             password_enabled, password_last_used, mfa_active,
                             access_keys: [{slot, active, last_rotated, last_used}]}]}
    cloudtrail              {trails: [{name, arn, home_region, multi_region, logging,
                             log_file_validation, kms_key_id, s3_bucket}]}
    s3.account_public_access_block  {configured, block_public_acls, ignore_public_acls, …}
    s3.buckets              {items: [{name, region, public_access_block, encryption,
                             versioning}]} (each of the three a section of its own)
    ec2.<r>                 {ebs_encryption_by_default, volumes, security_groups} (sections)
    rds.<r>                 {instances: [{id, engine, storage_encrypted, publicly_accessible}]}
    kms.<r>                 {keys: [{id, arn, state, spec, origin, rotation_enabled}]}
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from annexa.connectors.aws.session import AwsClients, describe, error_code

ADMIN_POLICY = "AdministratorAccess"
REPORT_ATTEMPTS = 10
REPORT_WAIT = 0.5  # seconds, doubled per attempt up to REPORT_WAIT_MAX
REPORT_WAIT_MAX = 5.0
# A credential report value that means "no such date".
_NO_DATE = {"", "N/A", "no_information", "not_supported"}


def section(read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``{"readable": True, **read()}``, or why AWS refused to answer."""
    try:
        return {"readable": True, **read()}
    except ClientError as exc:
        return {"readable": False, "error": describe(exc)}


def pages(client, operation: str, key: str, **params) -> list[Any]:
    """Every item under ``key`` of every page of ``operation``."""
    items: list[Any] = []
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**params):
            items.extend(page.get(key) or [])
    else:
        items.extend(getattr(client, operation)(**params).get(key) or [])
    return items


def day(value: Any) -> str | None:
    """A date, datetime or ISO text as ``YYYY-MM-DD`` (None when there is no date)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text in _NO_DATE:
        return None
    return (
        dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).date().isoformat()
    )


class AccountReader:
    """Reads one account with ``clients`` in ``regions`` (the first is the home region)."""

    def __init__(self, clients: AwsClients, regions: list[str], progress: Callable[[str], None]):
        self.clients = clients
        self.regions = regions
        self.progress = progress

    def identity(self) -> dict[str, str]:
        """Who the credentials are (raises ``ClientError`` when AWS refuses them)."""
        answer = self.clients.client("sts").get_caller_identity()
        return {"account_id": answer["Account"], "caller_arn": answer["Arn"]}

    def read(self, identity: dict[str, str]) -> dict[str, Any]:
        account_id = identity["account_id"]
        self.progress("reading IAM")
        iam = self.clients.client("iam")
        data: dict[str, Any] = {
            **identity,
            "regions": sorted(self.regions),
            "iam": {
                "password_policy": section(lambda: self._password_policy(iam)),
                "account_summary": section(lambda: self._account_summary(iam)),
                "users": section(lambda: self._users(iam)),
            },
        }
        self.progress("reading CloudTrail")
        data["cloudtrail"] = section(self._trails)
        self.progress("reading S3")
        data["s3"] = {
            "account_public_access_block": section(lambda: self._account_block(account_id)),
            "buckets": section(self._buckets),
        }
        data["ec2"], data["rds"], data["kms"] = {}, {}, {}
        for region in self.regions:
            self.progress(f"reading EC2, RDS and KMS in {region}")
            ec2 = self.clients.client("ec2", region)
            data["ec2"][region] = {
                "ebs_encryption_by_default": section(
                    lambda ec2=ec2: {
                        "enabled": bool(
                            ec2.get_ebs_encryption_by_default().get("EbsEncryptionByDefault")
                        )
                    }
                ),
                "volumes": section(lambda ec2=ec2: {"items": self._volumes(ec2)}),
                "security_groups": section(lambda ec2=ec2: {"items": self._groups(ec2)}),
            }
            data["rds"][region] = section(lambda region=region: self._rds(region))
            data["kms"][region] = section(lambda region=region: self._kms(region))
        return data

    # --- IAM ----------------------------------------------------------------------------------

    @staticmethod
    def _password_policy(iam) -> dict[str, Any]:
        try:
            policy = iam.get_account_password_policy()["PasswordPolicy"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return {"set": False}
            raise
        return {
            "set": True,
            "minimum_length": policy.get("MinimumPasswordLength"),
            "require_symbols": bool(policy.get("RequireSymbols")),
            "require_numbers": bool(policy.get("RequireNumbers")),
            "require_uppercase": bool(policy.get("RequireUppercaseCharacters")),
            "require_lowercase": bool(policy.get("RequireLowercaseCharacters")),
            "allow_users_to_change": bool(policy.get("AllowUsersToChangePassword")),
            "max_age_days": policy.get("MaxPasswordAge") if policy.get("ExpirePasswords") else None,
            "reuse_prevention": policy.get("PasswordReusePrevention"),
            "hard_expiry": bool(policy.get("HardExpiry")),
        }

    @staticmethod
    def _account_summary(iam) -> dict[str, Any]:
        summary = iam.get_account_summary()["SummaryMap"]
        return {
            "mfa_enabled": bool(summary.get("AccountMFAEnabled")),
            "root_access_keys_present": bool(summary.get("AccountAccessKeysPresent")),
            "users": summary.get("Users"),
        }

    def _users(self, iam) -> dict[str, Any]:
        try:
            rows = self._credential_report(iam)
            users, source, note = [_user_from_report(row) for row in rows], "credential_report", ""
        except ClientError as exc:
            # No report (denied, or the endpoint lacks it): read the same facts user by user.
            users, source = self._users_from_api(iam), "api"
            note = describe(exc)
        for user in users:
            user.update(self._privileges(iam, user["name"]))
        result: dict[str, Any] = {"source": source, "items": sorted(users, key=_by_name)}
        if note:
            result["credential_report_error"] = note
        return result

    @staticmethod
    def _credential_report(iam) -> list[dict[str, str]]:
        for attempt in range(REPORT_ATTEMPTS):
            if iam.generate_credential_report().get("State") == "COMPLETE":
                break
            time.sleep(min(REPORT_WAIT * 2**attempt, REPORT_WAIT_MAX))
        content = iam.get_credential_report()["Content"]
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        return [row for row in csv.DictReader(io.StringIO(text)) if row.get("user")]

    @staticmethod
    def _users_from_api(iam) -> list[dict[str, Any]]:
        users = []
        for user in pages(iam, "list_users", "Users"):
            name = user["UserName"]
            try:
                iam.get_login_profile(UserName=name)
                password = True
            except ClientError as exc:
                if error_code(exc) != "NoSuchEntity":
                    raise
                password = False
            keys = []
            metadata = sorted(
                pages(iam, "list_access_keys", "AccessKeyMetadata", UserName=name),
                key=lambda k: (k.get("CreateDate") or dt.datetime.min, k["AccessKeyId"]),
            )
            for slot, key in enumerate(metadata, start=1):
                used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
                keys.append(
                    {
                        "slot": slot,
                        "active": key.get("Status") == "Active",
                        "last_rotated": day(key.get("CreateDate")),
                        "last_used": day(used.get("AccessKeyLastUsed", {}).get("LastUsedDate")),
                    }
                )
            users.append(
                {
                    "name": name,
                    "arn": user.get("Arn"),
                    "created": day(user.get("CreateDate")),
                    "password_enabled": password,
                    "password_last_used": day(user.get("PasswordLastUsed")) if password else None,
                    "mfa_active": bool(pages(iam, "list_mfa_devices", "MFADevices", UserName=name)),
                    "access_keys": keys,
                }
            )
        return users

    @staticmethod
    def _privileges(iam, name: str) -> dict[str, Any]:
        """Which administrator policies reach the user, directly or through a group."""
        try:
            found = [
                policy["PolicyName"]
                for policy in pages(
                    iam, "list_attached_user_policies", "AttachedPolicies", UserName=name
                )
                if policy["PolicyName"] == ADMIN_POLICY
            ]
            for group in pages(iam, "list_groups_for_user", "Groups", UserName=name):
                attached = pages(
                    iam,
                    "list_attached_group_policies",
                    "AttachedPolicies",
                    GroupName=group["GroupName"],
                )
                found += [
                    f"{policy['PolicyName']} (group {group['GroupName']})"
                    for policy in attached
                    if policy["PolicyName"] == ADMIN_POLICY
                ]
        except ClientError as exc:
            return {"privileged": None, "privileges_error": describe(exc)}
        return {"privileged": bool(found), "admin_policies": sorted(found)}

    # --- CloudTrail ---------------------------------------------------------------------------

    def _trails(self) -> dict[str, Any]:
        trails: dict[str, dict[str, Any]] = {}
        for region in self.regions:
            client = self.clients.client("cloudtrail", region)
            for trail in client.describe_trails(includeShadowTrails=True).get("trailList", []):
                arn = trail.get("TrailARN") or trail["Name"]
                if arn not in trails:
                    trails[arn] = self._trail(trail)
        return {"trails": sorted(trails.values(), key=lambda t: t["arn"])}

    def _trail(self, trail: dict[str, Any]) -> dict[str, Any]:
        home = trail.get("HomeRegion") or self.clients.region
        facts: dict[str, Any] = {
            "name": trail["Name"],
            "arn": trail.get("TrailARN") or trail["Name"],
            "home_region": home,
            "multi_region": bool(trail.get("IsMultiRegionTrail")),
            "organization_trail": bool(trail.get("IsOrganizationTrail")),
            "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
            "kms_key_id": trail.get("KmsKeyId"),
            "s3_bucket": trail.get("S3BucketName"),
        }
        try:
            status = self.clients.client("cloudtrail", home).get_trail_status(Name=facts["arn"])
            facts["logging"] = bool(status.get("IsLogging"))
        except ClientError as exc:
            facts["logging"] = None
            facts["status_error"] = describe(exc)
        return facts

    # --- S3 -----------------------------------------------------------------------------------

    def _account_block(self, account_id: str) -> dict[str, Any]:
        return _public_access_block(self.clients.client("s3control"), AccountId=account_id)

    def _buckets(self) -> dict[str, Any]:
        s3 = self.clients.client("s3")
        items = []
        for bucket in sorted(pages(s3, "list_buckets", "Buckets"), key=lambda b: b["Name"]):
            name = bucket["Name"]
            region = _bucket_region(s3.get_bucket_location(Bucket=name))
            client = self.clients.client("s3", region)
            items.append(
                {
                    "name": name,
                    "region": region,
                    "public_access_block": section(
                        lambda c=client, n=name: _public_access_block(c, Bucket=n)
                    ),
                    "encryption": section(lambda c=client, n=name: _encryption(c, n)),
                    "versioning": section(lambda c=client, n=name: _versioning(c, n)),
                }
            )
        return {"items": items}

    # --- EC2, RDS, KMS ------------------------------------------------------------------------

    @staticmethod
    def _volumes(ec2) -> list[dict[str, Any]]:
        volumes = [
            {
                "id": volume["VolumeId"],
                "encrypted": bool(volume.get("Encrypted")),
                "state": volume.get("State"),
                "kms_key_id": volume.get("KmsKeyId"),
            }
            for volume in pages(ec2, "describe_volumes", "Volumes")
        ]
        return sorted(volumes, key=lambda v: v["id"])

    @staticmethod
    def _groups(ec2) -> list[dict[str, Any]]:
        groups = []
        for group in pages(ec2, "describe_security_groups", "SecurityGroups"):
            rules = [_rule(rule) for rule in group.get("IpPermissions") or []]
            groups.append(
                {
                    "id": group["GroupId"],
                    "name": group.get("GroupName"),
                    "vpc_id": group.get("VpcId"),
                    "ingress": sorted(rules, key=_rule_order),
                }
            )
        return sorted(groups, key=lambda g: g["id"])

    def _rds(self, region: str) -> dict[str, Any]:
        rds = self.clients.client("rds", region)
        instances = [
            {
                "id": db["DBInstanceIdentifier"],
                "engine": db.get("Engine"),
                "storage_encrypted": bool(db.get("StorageEncrypted")),
                "publicly_accessible": bool(db.get("PubliclyAccessible")),
            }
            for db in pages(rds, "describe_db_instances", "DBInstances")
        ]
        return {"instances": sorted(instances, key=lambda i: i["id"])}

    def _kms(self, region: str) -> dict[str, Any]:
        kms = self.clients.client("kms", region)
        keys = []
        for listed in pages(kms, "list_keys", "Keys"):
            try:
                meta = kms.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
            except ClientError as exc:
                keys.append({"id": listed["KeyId"], "readable": False, "error": describe(exc)})
                continue
            if meta.get("KeyManager") != "CUSTOMER":
                continue
            keys.append(_key(kms, meta))
        return {"keys": sorted(keys, key=lambda k: k["id"])}


# --- shaping answers ------------------------------------------------------------------------


def _by_name(item: dict[str, Any]) -> str:
    return item["name"]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _user_from_report(row: dict[str, str]) -> dict[str, Any]:
    keys = []
    for slot in (1, 2):
        rotated = day(row.get(f"access_key_{slot}_last_rotated"))
        if rotated is None:
            continue  # no key in this slot
        keys.append(
            {
                "slot": slot,
                "active": _flag(row.get(f"access_key_{slot}_active")),
                "last_rotated": rotated,
                "last_used": day(row.get(f"access_key_{slot}_last_used_date")),
            }
        )
    password = _flag(row.get("password_enabled"))
    return {
        "name": row["user"],
        "arn": row.get("arn"),
        "created": day(row.get("user_creation_time")),
        "password_enabled": password,
        "password_last_used": day(row.get("password_last_used")) if password else None,
        "mfa_active": _flag(row.get("mfa_active")),
        "access_keys": keys,
    }


def _public_access_block(client, **target: str) -> dict[str, Any]:
    """The Block Public Access settings of an account (s3control) or a bucket (s3)."""
    try:
        config = client.get_public_access_block(**target)["PublicAccessBlockConfiguration"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
            return {"configured": False}
        raise
    return {
        "configured": True,
        "block_public_acls": bool(config.get("BlockPublicAcls")),
        "ignore_public_acls": bool(config.get("IgnorePublicAcls")),
        "block_public_policy": bool(config.get("BlockPublicPolicy")),
        "restrict_public_buckets": bool(config.get("RestrictPublicBuckets")),
    }


def _bucket_region(location: dict[str, Any]) -> str:
    constraint = location.get("LocationConstraint")
    # us-east-1 answers with no constraint; "EU" is the old name of eu-west-1.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def _encryption(s3, name: str) -> dict[str, Any]:
    try:
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return {"enabled": False}
        raise
    defaults = [
        rule.get("ApplyServerSideEncryptionByDefault") or {} for rule in rules.get("Rules", [])
    ]
    algorithms = sorted({d["SSEAlgorithm"] for d in defaults if d.get("SSEAlgorithm")})
    keys = sorted({d["KMSMasterKeyID"] for d in defaults if d.get("KMSMasterKeyID")})
    return {"enabled": bool(algorithms), "algorithms": algorithms, "kms_key_ids": keys}


def _versioning(s3, name: str) -> dict[str, Any]:
    answer = s3.get_bucket_versioning(Bucket=name)
    return {
        "status": answer.get("Status") or "Disabled",
        "mfa_delete": answer.get("MFADelete") == "Enabled",
    }


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    protocol = str(rule.get("IpProtocol", "-1"))
    return {
        "protocol": protocol,
        "from_port": rule.get("FromPort"),
        "to_port": rule.get("ToPort"),
        "cidrs": sorted(
            [r["CidrIp"] for r in rule.get("IpRanges") or [] if r.get("CidrIp")]
            + [r["CidrIpv6"] for r in rule.get("Ipv6Ranges") or [] if r.get("CidrIpv6")]
        ),
        "groups": sorted(
            p["GroupId"] for p in rule.get("UserIdGroupPairs") or [] if "GroupId" in p
        ),
        "prefix_lists": sorted(
            p["PrefixListId"] for p in rule.get("PrefixListIds") or [] if "PrefixListId" in p
        ),
    }


def _rule_order(rule: dict[str, Any]) -> tuple:
    return (rule["protocol"], rule["from_port"] or -1, rule["to_port"] or -1, rule["cidrs"])


def _key(kms, meta: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "id": meta["KeyId"],
        "arn": meta.get("Arn"),
        "state": meta.get("KeyState"),
        "spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        "origin": meta.get("Origin"),
    }
    rotatable = (
        facts["state"] == "Enabled"
        and facts["spec"] == "SYMMETRIC_DEFAULT"
        and facts["origin"] == "AWS_KMS"
    )
    if not rotatable:
        facts["rotation_enabled"] = None  # AWS rotates only enabled symmetric keys it made
        return facts
    try:
        status = kms.get_key_rotation_status(KeyId=meta["KeyId"])
        facts["rotation_enabled"] = bool(status.get("KeyRotationEnabled"))
    except ClientError as exc:
        facts["rotation_enabled"] = None
        facts["rotation_error"] = describe(exc)
    return facts
