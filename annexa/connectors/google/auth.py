"""A Google service account's key and the signed JWT it exchanges for an access token.

The key is the JSON file Google Cloud gives for a service account ("Keys" → "Add key" →
JSON). With domain-wide delegation granted to the service account's client id in the Admin
console, the service account may act as an administrator (``sub``) for the scopes listed
there. The assertion is a JWT signed with RS256 (RSA PKCS#1 v1.5 with SHA-256, RFC 7518
§3.3) by the key's private key, exchanged at the token endpoint with the JWT bearer grant
(RFC 7523). Nothing here puts the key, or any part of it, into a message.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LIFETIME = 3600  # the longest Google accepts


class KeyProblem(ValueError):
    """The text is not a usable service account key; the message says why, not what it holds."""


@dataclass(frozen=True)
class ServiceAccountKey:
    """The parts of a service account key that sign an assertion."""

    client_email: str
    client_id: str
    key_id: str = field(repr=False)
    private_key: rsa.RSAPrivateKey = field(repr=False)

    def assertion(self, *, subject: str, scopes: tuple[str, ...], audience: str, now: int) -> str:
        """A signed JWT asking ``audience`` for a token acting as ``subject``."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key_id}
        claims = {
            "iss": self.client_email,
            "sub": subject,
            "scope": " ".join(scopes),
            "aud": audience,
            "iat": now,
            "exp": now + LIFETIME,
        }
        signing_input = f"{_segment(header)}.{_segment(claims)}".encode("ascii")
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode('ascii')}.{_b64url(signature)}"


def parse_key(text: str) -> ServiceAccountKey:
    """The key in ``text`` (the JSON key file's content); ``KeyProblem`` otherwise."""
    try:
        body = json.loads(text)
    except ValueError:
        raise KeyProblem(
            "not JSON: paste the whole content of the service account's JSON key file"
        ) from None
    if not isinstance(body, dict):
        raise KeyProblem("not a JSON key file: it must be a JSON object")
    if body.get("type") != "service_account":
        raise KeyProblem('not a service account key: its "type" is not "service_account"')
    missing = [
        name
        for name in ("client_email", "client_id", "private_key_id", "private_key")
        if not isinstance(body.get(name), str) or not body[name].strip()
    ]
    if missing:
        raise KeyProblem(f"the key file lacks {', '.join(missing)}")
    try:
        private = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise KeyProblem("its private_key is not a readable PEM private key") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise KeyProblem("its private_key is not an RSA key")
    if "@" not in body["client_email"]:
        raise KeyProblem("its client_email is not a service account address")
    return ServiceAccountKey(
        client_email=body["client_email"].strip(),
        client_id=body["client_id"].strip(),
        key_id=body["private_key_id"].strip(),
        private_key=private,
    )


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(obj: dict[str, Any]) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode())
