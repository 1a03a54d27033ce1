"""AWS account: IAM, CloudTrail, S3, EC2, RDS and KMS security settings, read with boto3."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from annexa.connectors import netguard
from annexa.connectors.aws.reader import AccountReader
from annexa.connectors.aws.session import (
    CREDENTIAL_ERRORS,
    AwsClients,
    describe,
    error_code,
    reaching_aws,
)
from annexa.connectors.base import (
    BaseConnector,
    CollectError,
    Environment,
    EvidenceSink,
    put_snapshot,
)
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")
MAX_REGIONS = 40


@connector_config
class AwsConfig(ConnectorConfig):
    access_key_id: str = setting("access key id of a read-only IAM user or role (AKIA…, ASIA…)")
    secret_access_key: Secret = secret("the secret access key that belongs to the key id")
    session_token: Secret | None = secret(
        "session token, only for temporary credentials", required=False
    )
    regions: list[str] = setting(
        "regions whose EC2, RDS and KMS settings are read (the first is the home region)",
        default=["us-east-1"],
    )
    role_arn: str = setting(
        "optional: a role to assume for reading (arn:aws:iam::123456789012:role/name)",
        default="",
    )
    external_id: str = setting(
        "optional: the external id the role's trust policy asks for", default=""
    )
    endpoint_url: str = setting(
        "optional: an S3-compatible or test endpoint instead of AWS (checked like every "
        "outbound URL)",
        default="",
    )

    def check(self) -> dict[str, str]:
        problems = {}
        if not ACCESS_KEY_ID.match(self.access_key_id):
            problems["access_key_id"] = "must be 16 or more capital letters and digits"
        if not self.regions:
            problems["regions"] = "give at least one region, e.g. eu-central-1"
        elif bad := [r for r in self.regions if not REGION.match(r)]:
            problems["regions"] = f"not AWS region names: {', '.join(bad)}"
        elif len(self.regions) > MAX_REGIONS or len(set(self.regions)) != len(self.regions):
            problems["regions"] = f"give each region once, at most {MAX_REGIONS}"
        if self.role_arn and not ROLE_ARN.match(self.role_arn):
            problems["role_arn"] = "must be an IAM role ARN like arn:aws:iam::123456789012:role/x"
        if self.external_id and not self.role_arn:
            problems["external_id"] = "an external id is only used with a role to assume"
        if self.endpoint_url and (problem := netguard.literal_problem(self.endpoint_url)):
            problems["endpoint_url"] = problem
        return problems


@register
class AwsConnector(BaseConnector):
    name = "aws"
    label = "AWS account"
    description = (
        "IAM password policy, root and user MFA, access keys, CloudTrail, S3 public access "
        "and encryption, EBS/RDS encryption, KMS rotation and open security groups."
    )
    config_class = AwsConfig
    produces = ("aws",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, AwsConfig)
        if config.endpoint_url:
            # Resolved here as well: the form could only check a literal address.
            netguard.check_url(config.endpoint_url)
        with reaching_aws():
            clients = AwsClients(
                access_key_id=config.access_key_id,
                secret_access_key=config.secret_access_key.reveal(),
                session_token=config.session_token.reveal() if config.session_token else None,
                region=config.regions[0],
                endpoint_url=config.endpoint_url or None,
            )
            if config.role_arn:
                sink.progress(f"assuming {config.role_arn}")
                clients = clients.assume(config.role_arn, config.external_id)
            reader = AccountReader(clients, config.regions, sink.progress)
            try:
                identity = reader.identity()
            except ClientError as exc:
                if error_code(exc) in CREDENTIAL_ERRORS:
                    raise CollectError(
                        f"AWS refused the credentials ({describe(exc)}); check the access key "
                        "id, the secret access key and the session token"
                    ) from None
                raise CollectError(f"AWS STS did not answer as expected: {describe(exc)}") from None
            data = reader.read(identity)
        put_snapshot(env, sink, "aws", identity["account_id"], data)
