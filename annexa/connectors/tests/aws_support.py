"""A moto server in server mode holding a realistic AWS account, for the ``aws`` connector.

The server is moto's ``ThreadedMotoServer`` on 127.0.0.1 and a free port, in this process:
the tests reach it over HTTP exactly as the connector reaches AWS. ``build_account`` creates
the account through the AWS API (boto3), with two exceptions moto's API cannot express and
which are set on moto's own models: an access key and a user created 200 days ago.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import httpx
from botocore.config import Config

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SETUP_KEY = ("AKIASETUPSETUP000001", "setup-secret-not-checked-without-auth")
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
OLD = dt.timedelta(days=200)
STRONG_POLICY = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "PasswordReusePrevention": 24,
}
FULL_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# Environment moto reads while it serves: AWS managed policies (AdministratorAccess) exist.
MOTO_ENV = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1; its base URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        set_auth(f"http://{host}:{port}", enforce=False)
        server.stop()


def reset(url: str) -> None:
    """Forget every resource (a fresh account), with authentication off."""
    set_auth(url, enforce=False)
    httpx.post(f"{url}/moto-api/reset", timeout=30, trust_env=False).raise_for_status()


def set_auth(url: str, *, enforce: bool) -> None:
    """Make moto check signatures and IAM policies from the next request on (or stop)."""
    count = "0" if enforce else "inf"
    httpx.post(
        f"{url}/moto-api/reset-auth", content=count, timeout=30, trust_env=False
    ).raise_for_status()


def client(url: str, service: str, key: tuple[str, str] = SETUP_KEY, region: str = REGION):
    """A boto3 client of the moto server with explicit credentials (never the machine's)."""
    session = boto3.session.Session(
        aws_access_key_id=key[0], aws_secret_access_key=key[1], region_name=region
    )
    config = Config(
        s3={"addressing_style": "path"}, inject_host_prefix=False, retries={"max_attempts": 1}
    )
    return session.client(service, endpoint_url=url, config=config)


@dataclass(frozen=True)
class Account:
    url: str
    reader_key: tuple[str, str]  # the read-only "auditor" user's access key


def _backdate(user: str, *, key: bool) -> None:
    """Make ``user`` (and its first access key) 200 days old, in moto's model."""
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT_ID]["aws"]
    then = backend.users[user].create_date - OLD
    backend.users[user].create_date = then
    if key:
        backend.users[user].access_keys[0].create_date = then


def build_account(url: str) -> Account:
    """The account the tests judge: what passes and what fails is listed in ``EXPECTED``."""
    iam = client(url, "iam")
    # Users: an administrator with MFA, a developer in the admins group without MFA and with
    # an old, never used access key, a CI user with a fresh key, and the connector's reader.
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_ARN)
    iam.create_user(UserName="alice-admin")
    iam.create_login_profile(UserName="alice-admin", Password="Correct-Horse-Battery-1")
    iam.attach_user_policy(UserName="alice-admin", PolicyArn=ADMIN_ARN)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-admin")
    iam.enable_mfa_device(
        UserName="alice-admin",
        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_user(UserName="bob-dev")
    iam.create_login_profile(UserName="bob-dev", Password="Correct-Horse-Battery-2")
    iam.add_user_to_group(GroupName="admins", UserName="bob-dev")
    iam.create_access_key(UserName="bob-dev")
    _backdate("bob-dev", key=True)
    iam.create_user(UserName="ci-deploy")
    iam.create_access_key(UserName="ci-deploy")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="annexa-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    reader = iam.create_access_key(UserName="auditor")["AccessKey"]

    s3 = client(url, "s3")
    s3.create_bucket(Bucket="acme-logs")
    s3.put_public_access_block(Bucket="acme-logs", PublicAccessBlockConfiguration=FULL_BLOCK)
    s3.put_bucket_encryption(
        Bucket="acme-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket="acme-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="acme-public-site")

    cloudtrail = client(url, "cloudtrail")
    cloudtrail.create_trail(Name="org-trail", S3BucketName="acme-logs", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="org-trail")

    ec2 = client(url, "ec2")
    ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=True)
    ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=False)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    for name, port in (("bastion", 22), ("web", 443)):  # SSH open to the world; HTTPS is fine
        created = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)
        ec2.authorize_security_group_ingress(
            GroupId=created["GroupId"],
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )

    rds = client(url, "rds")
    for name, encrypted in (("orders-db", True), ("legacy-db", False)):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="app",
            MasterUserPassword="not-a-real-password-1",
            StorageEncrypted=encrypted,
        )

    kms = client(url, "kms")
    rotated = kms.create_key(Description="orders data")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    kms.create_key(Description="legacy data")
    return Account(url=url, reader_key=(reader["AccessKeyId"], reader["SecretAccessKey"]))


# How the account above is judged, test by test.
EXPECTED = {
    "aws_password_policy": "fail",
    "aws_root_mfa": "fail",
    "aws_root_access_keys": "pass",
    "aws_user_mfa": "fail",
    "aws_access_key_age": "fail",
    "aws_unused_credentials": "fail",
    "aws_cloudtrail_enabled": "pass",
    "aws_cloudtrail_validation": "fail",
    "aws_s3_public_access": "fail",
    "aws_s3_encryption": "fail",
    "aws_ebs_encryption": "fail",
    "aws_rds_encryption": "fail",
    "aws_kms_rotation": "fail",
    "aws_open_security_groups": "fail",
    "aws_admin_users": "fail",
}


def deny(url: str, user: str, actions: list[str]) -> None:
    """Add an explicit deny of ``actions`` to ``user`` (moto enforces it with auth on)."""
    client(url, "iam").put_user_policy(
        UserName=user,
        PolicyName="deny-some",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": actions, "Resource": "*"}],
            }
        ),
    )
