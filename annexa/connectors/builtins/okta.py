"""Okta: users with their status, MFA factors, last sign-in, administrator roles, groups and
the MFA enrolment policies, stored as an "identity" snapshot."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from annexa.connectors import netguard
from annexa.connectors.base import (
    BaseConnector,
    CollectError,
    Environment,
    EvidenceSink,
    put_snapshot,
)
from annexa.connectors.identity import schema
from annexa.connectors.okta.client import OktaClient
from annexa.connectors.okta.reader import read_org
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")
LOOPBACK = ("127.0.0.1", "::1", "[::1]")


@connector_config
class OktaConfig(ConnectorConfig):
    org_url: str = setting(
        "the Okta org's address, https://YOUR-ORG.okta.com (or .oktapreview.com, "
        ".okta-emea.com, or the org's own custom domain), without a path"
    )
    token: Secret = secret(
        "an API token created (Security → API → Tokens) while signed in as an administrator "
        "who holds only the Read-only Administrator role: the token acts with that "
        "administrator's rights, so it can read users, factors, roles, groups and policies "
        "but change nothing"
    )
    timeout_seconds: int = setting(
        "give up on one request after this many seconds", default=30, minimum=1, maximum=300
    )
    rate_limit_wait_seconds: int = setting(
        "when Okta answers 429 (rate limit reached), wait for its reset time, at most this "
        "long in all during one run, before giving up",
        default=120,
        minimum=0,
        maximum=3600,
    )
    external_user_types: str = setting(
        "Okta user types (the profile's userType) that mean a guest or external identity, "
        "separated by commas; such users are never added to the people register",
        default="guest, external, partner",
    )
    feed_people: bool = setting(
        "after each collection, add the org's own (not external) users to the people register "
        "and update those it already holds from Okta (name, department, title, manager)",
        default=False,
    )

    def check(self) -> dict[str, str]:
        problems = {}
        if (problem := org_url_problem(self.org_url)) or (
            problem := netguard.literal_problem(self.org_url)
        ):
            problems["org_url"] = problem
        return problems

    @property
    def tenant(self) -> str:
        """The org's host name (with a port only for a local relay)."""
        return urlsplit(self.org_url).netloc.lower()

    @property
    def external_types(self) -> list[str]:
        return [part.strip() for part in self.external_user_types.split(",") if part.strip()]


def org_url_problem(url: str) -> str | None:
    """Why ``url`` is not an Okta org address, or None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        return "must not hold a user name or password"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "give the org's address only, like https://kestrel.okta.com (no path)"
    if parts.scheme == "http" and host in LOOPBACK:
        return None  # a local relay the administrator allowed (the outbound guard decides)
    if parts.scheme != "https":
        return "must start with https://, like https://kestrel.okta.com"
    if not HOST.match(host):
        return "not a host name, like kestrel.okta.com"
    if host in OKTA_DOMAINS:
        return "name the org, like https://kestrel.okta.com, not Okta's own domain"
    if host.startswith("www.") or host.endswith(("-admin.okta.com", "-admin.oktapreview.com")):
        return "use the org's address, not its admin console (drop -admin)"
    return None


@register
class OktaConnector(BaseConnector):
    name = "okta"
    label = "Okta"
    description = (
        "Reads an Okta org through its management API with a read-only administrator's API "
        "token: users with their status, last sign-in and enrolled MFA factors (deprovisioned "
        "and suspended users included), administrator roles, groups and the MFA enrolment "
        "policies. Supplies accounts to access reviews and, if chosen, people to the register."
    )
    config_class = OktaConfig
    produces = ("identity",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, OktaConfig)
        client = OktaClient(
            org_url=config.org_url,
            token=config.token.reveal(),
            timeout=config.timeout_seconds,
            max_wait=config.rate_limit_wait_seconds,
        )
        with client:
            data = read_org(
                client,
                config.tenant,
                external_types=config.external_types,
                progress=sink.progress,
            )
        if problems := schema.check_identity_data(data):
            raise CollectError(
                "what was read from Okta does not make a valid identity snapshot: "
                + "; ".join(problems[:5])
            )
        put_snapshot(env, sink, "identity", schema.target_of("okta", config.tenant), data)
