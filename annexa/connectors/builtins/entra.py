"""Microsoft Entra ID: users, MFA registration, last sign-in, directory roles, groups, policies."""

from __future__ import annotations

import re

from annexa.connectors import netguard
from annexa.connectors.base import BaseConnector, Environment, EvidenceSink, put_snapshot
from annexa.connectors.entra.client import GraphClient
from annexa.connectors.entra.reader import read_tenant
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@connector_config
class EntraConfig(ConnectorConfig):
    tenant: str = setting(
        "the tenant: its primary domain (kestrel.onmicrosoft.com or a verified custom domain) "
        "or its tenant id (a GUID, from the Entra admin center's overview page)"
    )
    client_id: str = setting(
        "application (client) id of an app registration in that tenant holding these "
        "application permissions, admin consent granted, all read-only: User.Read.All, "
        "Group.Read.All, RoleManagement.Read.Directory, AuditLog.Read.All (last sign-in "
        "times and MFA registration details; both need an Entra ID P1 or P2 licence) and, "
        "optionally, Policy.Read.All (security defaults and conditional access)"
    )
    client_secret: Secret = secret(
        "a client secret of that app registration: the secret's value (shown once when it "
        "is created), not its id"
    )
    graph_url: str = setting(
        "Microsoft Graph address with its version (a national cloud has its own)",
        default="https://graph.microsoft.com/v1.0",
    )
    authority_url: str = setting(
        "Microsoft Entra sign-in address that issues the app's tokens",
        default="https://login.microsoftonline.com",
    )
    timeout_seconds: int = setting(
        "give up on one request after this many seconds", default=30, minimum=1, maximum=300
    )
    throttle_wait_seconds: int = setting(
        "when Microsoft Graph throttles the app (HTTP 429 or 503 with Retry-After), wait at "
        "most this long in all before giving up",
        default=120,
        minimum=0,
        maximum=3600,
    )
    feed_people: bool = setting(
        "after each collection, add the directory's own (not guest or external) users to "
        "the people register and update those it already holds from Entra ID "
        "(name, department, title, manager); what HR entered is never overwritten",
        default=False,
    )

    def check(self) -> dict[str, str]:
        problems = {}
        if not (GUID.match(self.tenant) or DOMAIN.match(self.tenant.lower())):
            problems["tenant"] = "not a tenant id (GUID) or domain name"
        if not GUID.match(self.client_id):
            problems["client_id"] = "not an application (client) id: a GUID"
        for name in ("graph_url", "authority_url"):
            if problem := netguard.literal_problem(getattr(self, name)):
                problems[name] = problem
        return problems


@register
class EntraConnector(BaseConnector):
    name = "entra"
    label = "Microsoft Entra ID"
    description = (
        "Reads a Microsoft Entra ID tenant through Microsoft Graph with an app registration's "
        "read-only permissions: users with their state, last sign-in and MFA registration, "
        "directory role holders, groups, managers, security defaults and the conditional "
        "access policies requiring MFA."
    )
    config_class = EntraConfig
    produces = ("identity",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, EntraConfig)
        tenant = config.tenant.lower()
        client = GraphClient(
            graph_url=config.graph_url,
            authority_url=config.authority_url,
            tenant=tenant,
            client_id=config.client_id,
            client_secret=config.client_secret.reveal(),
            timeout=config.timeout_seconds,
            max_wait=config.throttle_wait_seconds,
        )
        with client:
            data = read_tenant(client, tenant, progress=sink.progress)
        put_snapshot(env, sink, "identity", f"entra:{tenant}", data)
