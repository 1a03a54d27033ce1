"""A local replay of Google's OAuth 2.0 token endpoint and the Admin SDK Directory API.

``GoogleReplay`` (on ``entra_support.ReplayServer``: 127.0.0.1 port 0, a thread, every
request recorded) checks the JWT bearer assertion as Google does — the RS256 signature
against the test service account's public key, the issuer, audience, scopes, lifetime and
the impersonated administrator — and serves ``/admin/directory/v1`` with bodies built from
the fixture files in ``data/google/`` (shaped like the Directory API's documented resources:
users, groups, members, roles, roleAssignments, and Google's error bodies), paged with
``nextPageToken``/``pageToken``, rate limited on demand (429, 403 userRateLimitExceeded,
503 backendError) and refusing what a scenario forbids.

The service account's RSA key is made once per test session; none is committed.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from annexa.connectors.google.client import SCOPES
from annexa.connectors.tests.entra_support import ReplayServer

DATA = Path(__file__).parent / "data" / "google"
DOMAIN = "kestrel.example"
ADMIN = "ada@kestrel.example"
CLIENT_EMAIL = "annexa-directory@kestrel-audit.iam.gserviceaccount.com"
CLIENT_ID = "113450982273645120987"
KEY_ID = "CANARY-google-key-id-0c5e1d-do-not-leak"
ACCESS_TOKEN = "ya29.CANARY-google-access-token-a0Ar3x"
DIRECTORY = "/admin/directory/v1"
TOKEN_PATH = "/token"
USERS = f"{DIRECTORY}/users"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@functools.cache
def private_key(seed: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def key_file(key: rsa.RSAPrivateKey | None = None, **changes: Any) -> str:
    """The JSON key file of the test service account, as Google Cloud gives it."""
    body = {
        "type": "service_account",
        "project_id": "kestrel-audit",
        "private_key_id": KEY_ID,
        "private_key": pem(key or private_key()),
        "client_email": CLIENT_EMAIL,
        "client_id": CLIENT_ID,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        "annexa-directory%40kestrel-audit.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    body.update(changes)
    return json.dumps(body, indent=2)


def key_secrets() -> list[str]:
    """Pieces of the key that must never be seen anywhere: its id and its PEM body lines."""
    lines = [line for line in pem(private_key()).splitlines() if "-----" not in line]
    return [KEY_ID, *lines[1:4]]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class RateLimit:
    """Answer the first ``times`` requests to ``path`` with ``kind``: ``"429"``,
    ``"403"`` (userRateLimitExceeded) or ``"503"`` (backendError)."""

    path: str
    kind: str = "429"
    times: int = 1
    retry_after: str | None = None


@dataclass
class Scenario:
    """What the replayed account looks like; tests change it between collections."""

    users: list[dict[str, Any]] = field(default_factory=lambda: load("users.json"))
    groups: list[dict[str, Any]] = field(default_factory=lambda: load("groups.json"))
    roles: list[dict[str, Any]] = field(default_factory=lambda: load("roles.json"))
    assignments: list[dict[str, Any]] = field(default_factory=lambda: load("role-assignments.json"))
    admins: set[str] = field(default_factory=lambda: {ADMIN})
    page_size: int = 3
    forbidden: set[str] = field(default_factory=set)
    limits: list[RateLimit] = field(default_factory=list)

    def user(self, login: str) -> dict[str, Any]:
        return next(u for u in self.users if u["primaryEmail"] == f"{login}@{DOMAIN}")


class GoogleReplay(ReplayServer):
    def __init__(self, scenario: Scenario | None = None) -> None:
        super().__init__()
        self.scenario = scenario or Scenario()
        self.errors = load("errors.json")
        self.claims: list[dict[str, Any]] = []

    @property
    def token_uri(self) -> str:
        return self.base + TOKEN_PATH

    def answer(self, method, path, query, form, headers):
        for limit in self.scenario.limits:
            if limit.times and path == limit.path:
                limit.times -= 1
                name = {"429": "rate_limited", "403": "user_rate_limited"}.get(
                    limit.kind, "backend_error"
                )
                after = {"Retry-After": limit.retry_after} if limit.retry_after else {}
                return int(limit.kind), self.errors[name], after
        if method == "POST" and path == TOKEN_PATH:
            return self._token(form)
        if method != "GET" or not path.startswith(DIRECTORY + "/"):
            return 404, self.errors["not_found"], {}
        if headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, self.errors["unauthenticated"], {}
        if path in self.scenario.forbidden:
            return 403, self.errors["forbidden"], {}
        return self._directory(path[len(DIRECTORY) :], query)

    def _token(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return (
                400,
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"},
                {},
            )
        try:
            head, body, signature = form.get("assertion", "").split(".")
            header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
            private_key().public_key().verify(
                _unb64(signature),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, InvalidSignature):
            return 400, self.errors["invalid_grant"], {}
        self.claims.append({"header": header, **claims})
        if header.get("alg") != "RS256" or claims.get("iss") != CLIENT_EMAIL:
            return 400, self.errors["invalid_grant"], {}
        if claims.get("aud") != self.token_uri or claims["exp"] - claims["iat"] > 3600:
            return 400, self.errors["invalid_grant"], {}
        if claims.get("scope") != " ".join(SCOPES):
            return 400, self.errors["invalid_scope"], {}
        if claims.get("sub") not in self.scenario.admins:
            return 401, self.errors["unauthorized_client"], {}
        return 200, {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}, {}

    def _directory(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        s = self.scenario
        if path == "/users":
            if query.get("customer") != "my_customer":
                return 400, self.errors["not_found"], {}
            return self._page(query, "admin#directory#users", "users", s.users)
        if path == "/groups":
            rows = [{k: v for k, v in g.items() if k != "members"} for g in s.groups]
            return self._page(query, "admin#directory#groups", "groups", rows)
        for group in s.groups:
            if path == f"/groups/{group['id']}/members":
                return self._page(query, "admin#directory#members", "members", group["members"])
        if path == "/customer/my_customer/roles":
            return self._page(query, "admin#directory#roles", "items", s.roles)
        if path == "/customer/my_customer/roleassignments":
            return self._page(query, "admin#directory#roleAssignments", "items", s.assignments)
        return 404, self.errors["not_found"], {}

    def _page(self, query: dict[str, str], kind: str, key: str, rows: list[Any]):
        size = min(int(query.get("maxResults") or 100), self.scenario.page_size)
        token = query.get("pageToken")
        start = int(_unb64(token).decode().removeprefix("offset:")) if token else 0
        body: dict[str, Any] = {"kind": kind, "etag": '"replay"'}
        if rows[start : start + size]:  # Google leaves an empty list out
            body[key] = rows[start : start + size]
        if start + size < len(rows):
            following = f"offset:{start + size}".encode()
            body["nextPageToken"] = base64.urlsafe_b64encode(following).decode().rstrip("=")
        return 200, body, {}
