"""A small client of the Admin SDK Directory API: a delegated service account's token,
``pageToken`` paging and exponential backoff.

Every request goes through ``netguard.guarded_client()``. The signed assertion goes only to
the configured token endpoint and the access token only to the configured Directory API
address. Google's rate limits (429, or 403 with the reason ``rateLimitExceeded``,
``userRateLimitExceeded`` or ``quotaExceeded``) and passing server errors (500, 503) are
retried after a pause that doubles each time (or ``Retry-After``), as long as the total pause
stays within ``max_wait``. 401 and a refused token are ``CollectError``s saying what to
check; other 403s and 404s are raised as ``Unreadable`` for the reader to record. Messages
carry paths and Google's own error texts, never the key or a token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from annexa.connectors import netguard
from annexa.connectors.base import CollectError
from annexa.connectors.google.auth import GRANT_TYPE, ServiceAccountKey

SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
)
MAX_ATTEMPTS = 6
MAX_PAGES = 5000
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
PASSING = (500, 502, 503, 504)


class Unreadable(Exception):
    """Google refused (403) or does not have (404) this resource; ``reason`` says which."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class DirectoryClient:
    """Talks to the Directory API as ``subject``, an administrator the key may act for."""

    directory_url: str
    token_uri: str
    key: ServiceAccountKey = field(repr=False)
    subject: str
    timeout: float = 30.0
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.directory_url = self.directory_url.rstrip("/")
        self._token: str | None = None
        self._expires = 0.0
        self._client = netguard.guarded_client(
            timeout=self.timeout, headers={"User-Agent": "Annexa-connector"}
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DirectoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the token --------------------------------------------------------------------------

    def _access_token(self) -> str:
        now = self.clock()
        if self._token is not None and now < self._expires:
            return self._token
        assertion = self.key.assertion(
            subject=self.subject, scopes=SCOPES, audience=self.token_uri, now=int(now)
        )
        response = self._send(
            "POST",
            self.token_uri,
            "the token endpoint",
            data={"grant_type": GRANT_TYPE, "assertion": assertion},
        )
        body = _object(response)
        if response.status_code != 200:
            error = str(body.get("error") or f"HTTP {response.status_code}")
            text = str(body.get("error_description") or response.reason_phrase)[:300]
            raise CollectError(
                f"Google refused the service account's token request ({error}: {text}); "
                f"check that the key is current, that domain-wide delegation grants its "
                f"client id {self.key.client_id} the scopes {', '.join(SCOPES)}, and that "
                f"{self.subject} is an administrator of the domain"
            )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise CollectError("the token endpoint answered without an access token")
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        self._token, self._expires = token, now + max(seconds - 120.0, 60.0)
        return token

    # --- Directory API requests -------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object of ``GET path``; ``Unreadable`` on 403/404."""
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        response = self._send(
            "GET", f"{self.directory_url}{path}", path, params=params, headers=headers
        )
        return self._json(response, path)

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

    # --- sending, with backoff --------------------------------------------------------------

    def _send(self, method: str, url: str, shown: str, **options: Any) -> httpx.Response:
        for attempt in range(MAX_ATTEMPTS):
            try:
                response = self._client.request(method, url, **options)
            except netguard.OutboundRefused as exc:
                raise CollectError(f"{method} {shown} was refused: {exc}") from None
            except httpx.HTTPError as exc:
                raise CollectError(
                    f"{method} {shown} failed: {type(exc).__name__}; check the address and "
                    "that this server can reach it"
                ) from None
            self.requests += 1
            why = _retry_reason(response)
            if why is None:
                return response
            after = (response.headers.get("retry-after") or "").strip()
            pause = float(after) if after.isdigit() else float(2**attempt)
            if self.waited + pause > self.max_wait:
                raise CollectError(
                    f"{method} {shown}: Google answered {why} and a further pause of "
                    f"{pause:g} s would pass the {self.max_wait:g} s this connector may wait in "
                    f"all ({self.waited:g} s waited); run it again later or raise its wait"
                )
            self.waited += pause
            self.sleep(pause)
        raise CollectError(f"{method} {shown} was still rate limited after {MAX_ATTEMPTS} attempts")

    def _json(self, response: httpx.Response, path: str) -> dict[str, Any]:
        status = response.status_code
        if status == 200:
            try:
                body = response.json()
            except ValueError:
                raise CollectError(f"GET {path} did not answer JSON") from None
            if not isinstance(body, dict):
                raise CollectError(f"GET {path} did not answer a JSON object")
            return body
        message = _message(response)
        if status == 401:
            raise CollectError(
                f"Google refused the access token (HTTP 401: {message}); the service "
                "account's credentials or delegation are wrong"
            )
        if status in (403, 404):
            raise Unreadable(status, f"GET {path} answered HTTP {status}: {message}")
        raise CollectError(f"GET {path} answered HTTP {status}: {message}")


def _object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reasons(response: httpx.Response) -> set[str]:
    error = _object(response).get("error")
    if not isinstance(error, dict):
        return set()
    return {str(e.get("reason")) for e in error.get("errors") or () if isinstance(e, dict)}


def _retry_reason(response: httpx.Response) -> str | None:
    """Why ``response`` should be asked again ("HTTP 429 …"); None when it should not."""
    status = response.status_code
    if status == 429 or status in PASSING:
        return f"HTTP {status}"
    if status == 403:
        limited = sorted(_reasons(response) & RATE_REASONS)
        if limited:
            return f"HTTP 403 {', '.join(limited)}"
    return None


def _message(response: httpx.Response) -> str:
    """Google's ``{"error": {"message": …}}``, with the reasons it lists, shortened."""
    error = _object(response).get("error")
    if not isinstance(error, dict):
        return response.reason_phrase or "no explanation"
    reasons = sorted(_reasons(response))
    text = str(error.get("message") or response.reason_phrase or "no explanation")[:300]
    return f"{text} ({', '.join(reasons)})" if reasons else text
