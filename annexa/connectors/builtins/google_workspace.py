"""Google Workspace: users, 2-Step Verification, last login, admin roles, groups."""

from __future__ import annotations

import re

from annexa.connectors import netguard
from annexa.connectors.base import BaseConnector, Environment, EvidenceSink, put_snapshot
from annexa.connectors.builtins.entra import DOMAIN
from annexa.connectors.google.auth import KeyProblem, parse_key
from annexa.connectors.google.client import SCOPES, DirectoryClient
from annexa.connectors.google.reader import read_account
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{4,253}$")


@connector_config
class GoogleWorkspaceConfig(ConnectorConfig):
    domain: str = setting("the account's primary domain, e.g. kestrel.example")
    admin_email: str = setting(
        "address of an administrator the service account acts as (domain-wide delegation "
        "reads the directory with that administrator's rights; a super admin, or a custom "
        "role with read rights on users, groups and admin roles)"
    )
    service_account_key: Secret = secret(
        "the JSON key file of a Google Cloud service account (its whole content). In the "
        "Admin console, Security → Access and data control → API controls → Domain-wide "
        "delegation, give the service account's client id only these read-only scopes: "
        + ", ".join(SCOPES),
        multiline=True,
    )
    directory_url: str = setting(
        "Admin SDK address (the Directory API lies under /admin/directory/v1)",
        default="https://admin.googleapis.com",
    )
    token_uri: str = setting(
        "Google's OAuth 2.0 token endpoint, which exchanges the signed assertion for a token",
        default="https://oauth2.googleapis.com/token",
    )
    timeout_seconds: int = setting(
        "give up on one request after this many seconds", default=30, minimum=1, maximum=300
    )
    throttle_wait_seconds: int = setting(
        "when Google rate-limits the connector (HTTP 429, or 403 rateLimitExceeded), back off "
        "for at most this long in all before giving up",
        default=120,
        minimum=0,
        maximum=3600,
    )
    feed_people: bool = setting(
        "after each collection, add the directory's own (not guest or external) users to "
        "the people register and update those it already holds from Google Workspace "
        "(name, department, title, manager); what HR entered is never overwritten",
        default=False,
    )

    def check(self) -> dict[str, str]:
        problems = {}
        if not DOMAIN.match(self.domain.lower()):
            problems["domain"] = "not a domain name"
        if not ADDRESS.match(self.admin_email):
            problems["admin_email"] = "not an e-mail address"
        try:
            parse_key(self.service_account_key.reveal())
        except KeyProblem as exc:
            problems["service_account_key"] = str(exc)
        for name in ("directory_url", "token_uri"):
            if problem := netguard.literal_problem(getattr(self, name)):
                problems[name] = problem
        return problems


@register
class GoogleWorkspaceConnector(BaseConnector):
    name = "google_workspace"
    label = "Google Workspace"
    description = (
        "Reads a Google Workspace account through the Admin SDK Directory API with a "
        "service account's read-only domain-wide delegation: users with their state, last "
        "login and 2-Step Verification enrolment and enforcement, administrator role "
        "holders, groups and their members, managers."
    )
    config_class = GoogleWorkspaceConfig
    produces = ("identity",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, GoogleWorkspaceConfig)
        domain = config.domain.lower()
        client = DirectoryClient(
            directory_url=config.directory_url,
            token_uri=config.token_uri,
            key=parse_key(config.service_account_key.reveal()),
            subject=config.admin_email,
            timeout=config.timeout_seconds,
            max_wait=config.throttle_wait_seconds,
        )
        with client:
            data = read_account(client, domain, progress=sink.progress)
        put_snapshot(env, sink, "identity", f"google:{domain}", data)
