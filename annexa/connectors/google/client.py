"""A small client of the Admin SDK Directory API: a delegated service account's token,
``pageToken`` paging and exponential backoff (on ``entra.client.TokenSession``).

The signed assertion goes only to the configured token endpoint and the access token only to
the configured Directory API address. Google's rate limits (429, or 403 with the reason
``rateLimitExceeded``, ``userRateLimitExceeded`` or ``quotaExceeded``) and passing server
errors (500, 502, 503, 504) are asked again after a pause that doubles each time (or
``Retry-After``) while the total pause stays within ``max_wait``. 401 and a refused assertion
are ``CollectError``s saying what to check; other 403s and 404s are ``Unreadable``. Messages
carry paths and Google's own error texts, never the key or a token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from annexa.connectors.base import CollectError
from annexa.connectors.entra.client import TokenSession, Unreadable, json_object
from annexa.connectors.google.auth import GRANT_TYPE, ServiceAccountKey

__all__ = ["SCOPES", "DirectoryClient", "Unreadable"]

SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
)
MAX_PAGES = 5000
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
PASSING = (429, 500, 502, 503, 504)


@dataclass(kw_only=True)
class DirectoryClient(TokenSession):
    """Talks to the Directory API as ``subject``, an administrator the key may act for."""

    service: ClassVar[str] = "Google"

    directory_url: str
    token_uri: str
    key: ServiceAccountKey = field(repr=False)
    subject: str
    # The assertion's iat and exp are wall-clock times.
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        super().__post_init__()
        self.directory_url = self.directory_url.rstrip("/")

    def _new_token(self) -> dict[str, Any]:
        assertion = self.key.assertion(
            subject=self.subject, scopes=SCOPES, audience=self.token_uri, now=int(self.clock())
        )
        form = {"grant_type": GRANT_TYPE, "assertion": assertion}
        response = self.send("POST", self.token_uri, "the token endpoint", data=form)
        body = json_object(response) or {}
        if response.status_code != 200:
            error = str(body.get("error") or f"HTTP {response.status_code}")
            text = str(body.get("error_description") or response.reason_phrase)[:300]
            raise CollectError(
                f"Google refused the service account's token request ({error}: {text}); "
                f"check that the key is current, that domain-wide delegation grants its "
                f"client id {self.key.client_id} the scopes {', '.join(SCOPES)}, and that "
                f"{self.subject} is an administrator of the domain"
            )
        return body

    def _retry_reason(self, response: httpx.Response) -> str | None:
        status = response.status_code
        if status in PASSING:
            return f"HTTP {status}"
        if status == 403:
            limited = sorted(_reasons(response) & RATE_REASONS)
            if limited:
                return f"HTTP 403 {', '.join(limited)}"
        return None

    def _explain(self, response: httpx.Response) -> str:
        """Google's ``{"error": {"message": …}}``, with the reasons it lists, shortened."""
        error = (json_object(response) or {}).get("error")
        if not isinstance(error, dict):
            return response.reason_phrase or "no explanation"
        reasons = sorted(_reasons(response))
        text = str(error.get("message") or response.reason_phrase or "no explanation")[:300]
        return f"{text} ({', '.join(reasons)})" if reasons else text

    def _bad_token(self, explained: str) -> str:
        return (
            f"Google refused the access token (HTTP 401: {explained}); the service account's "
            "credentials or delegation are wrong"
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object of ``GET path``; ``Unreadable`` on 403/404."""
        return self.get_object(f"{self.directory_url}{path}", path, params)

    def items(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item under ``key`` of every page, following ``nextPageToken``."""
        found: list[Any] = []
        query = dict(params or {})
        for _ in range(MAX_PAGES):
            body = self.get(path, query)
            page = body.get(key, [])  # Google leaves the list out when it is empty
            if not isinstance(page, list):
                raise CollectError(f"GET {path} answered {key!r} that is not a list")
            found.extend(page)
            following = body.get("nextPageToken")
            if not following:
                return found
            query["pageToken"] = following
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")


def _reasons(response: httpx.Response) -> set[str]:
    error = (json_object(response) or {}).get("error")
    if not isinstance(error, dict):
        return set()
    return {str(e.get("reason")) for e in error.get("errors") or () if isinstance(e, dict)}
