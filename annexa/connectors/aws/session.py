"""boto3 clients that use the connector's configuration and nothing of this server's own.

A server running Annexa may itself run on AWS, with ``AWS_*`` variables, ``~/.aws`` files, a
proxy or an instance role. None of that may leak into a connector run: it would read the wrong
account, or reach the instance metadata service. So the botocore session here reads no
environment variable and no configuration file, the credentials are always the connector's,
the clients use no proxy, and a configured endpoint URL is the only endpoint override.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.session
from botocore import configprovider
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from annexa.connectors.base import CollectError

CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
MAX_ATTEMPTS = 3
SESSION_NAME = "annexa-collector"
# Answers of STS that mean the credentials themselves are wrong, expired or not allowed.
CREDENTIAL_ERRORS = frozenset(
    {
        "AccessDenied",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)


def _no_debug(record: logging.LogRecord) -> bool:
    return record.levelno > logging.DEBUG


# At DEBUG, botocore logs each signed request (session token included) and each response body
# (an AssumeRole answer holds credentials). Those records never leave these loggers.
for _name in ("botocore.auth", "botocore.endpoint", "botocore.parsers"):
    logging.getLogger(_name).addFilter(_no_debug)


def _isolated_botocore_session() -> botocore.session.Session:
    """A botocore session whose settings come only from what we set on it."""
    session = botocore.session.Session()
    chain = configprovider.ConfigChainFactory(session=session, environ={})

    def mapping(variables: dict) -> dict[str, Any]:
        return {
            name: chain.create_config_chain(
                instance_name=name,
                env_var_names=env_var,
                config_property_names=config_name,
                default=default,
                conversion_func=convert,
            )
            for name, (config_name, env_var, default, convert) in variables.items()
        }

    store = mapping(configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES)
    store["s3"] = configprovider.SectionConfigProvider(
        "s3", session, mapping(configprovider.DEFAULT_S3_CONFIG_VARS)
    )
    store["proxies_config"] = configprovider.SectionConfigProvider(
        "proxies_config", session, mapping(configprovider.DEFAULT_PROXIES_CONFIG_VARS)
    )
    session.register_component("config_store", configprovider.ConfigValueStore(mapping=store))
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    return session


def _client_config(custom_endpoint: bool) -> Config:
    options: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
        "retries": {"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        "proxies": {},  # never a proxy from the environment: it would bypass the address check
        "ignore_configured_endpoint_urls": True,
    }
    if custom_endpoint:
        # S3-compatible servers answer on one host: no bucket or account id in the host name.
        options["s3"] = {"addressing_style": "path"}
        options["inject_host_prefix"] = False
    return Config(**options)


def _without_account_label(request, **kwargs) -> None:
    """S3 Control puts the account id in front of the host; a custom endpoint has no such
    host, so the label is removed before the request is signed."""
    parts = urlsplit(request.url)
    label, _, rest = parts.netloc.partition(".")
    if label.isdigit() and len(label) == 12 and rest:
        request.url = urlunsplit(parts._replace(netloc=rest))


class AwsClients:
    """Clients of one account, by service and region, with the connector's credentials."""

    def __init__(
        self,
        *,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None,
        region: str,
        endpoint_url: str | None,
    ) -> None:
        self.endpoint_url = endpoint_url or None
        self.region = region
        self._session = boto3.session.Session(
            botocore_session=_isolated_botocore_session(),
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token or None,
            region_name=region,
        )
        self._config = _client_config(self.endpoint_url is not None)
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None):
        key = (service, region or self.region)
        if key not in self._clients:
            client = self._session.client(
                service, region_name=key[1], endpoint_url=self.endpoint_url, config=self._config
            )
            if service == "s3control" and self.endpoint_url:
                client.meta.events.register("before-sign.s3-control", _without_account_label)
            self._clients[key] = client
        return self._clients[key]

    def assume(self, role_arn: str, external_id: str = "") -> AwsClients:
        """Clients of the role ``role_arn`` (temporary credentials from STS)."""
        options = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
        if external_id:
            options["ExternalId"] = external_id
        try:
            answer = self.client("sts").assume_role(**options)
        except ClientError as exc:
            raise CollectError(
                f"AWS refused to let these credentials assume {role_arn} ({describe(exc)}); "
                "check the role's trust policy and the external id"
            ) from None
        credentials = answer["Credentials"]
        return AwsClients(
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
            region=self.region,
            endpoint_url=self.endpoint_url,
        )


def describe(exc: ClientError) -> str:
    """``Code: message`` of an AWS error answer, without the parts that change per request
    (EC2's encoded authorization message), so an unchanged account reads the same."""
    error = exc.response.get("Error", {})
    code = error.get("Code") or "Error"
    message = str(error.get("Message") or "")
    message = message.split("Encoded authorization failure message")[0].strip().rstrip(".")
    return (f"{code}: {message}" if message else code)[:300]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "")


@contextlib.contextmanager
def reaching_aws() -> Iterator[None]:
    """Turn a network or client-side failure into a ``CollectError``.

    ``ClientError`` (an answer from AWS) passes through: the caller decides whether it means
    "not readable" or "not configured". botocore's messages name the endpoint, never a key.
    """
    try:
        yield
    except ClientError:
        raise
    except BotoCoreError as exc:
        raise CollectError(
            f"cannot read the AWS account: {exc}; check the endpoint URL, the regions and "
            "that this server can reach AWS"
        ) from None
