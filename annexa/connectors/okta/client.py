"""A small Okta management API client: SSWS token, ``Link`` pagination, rate-limit waits.

Every request goes through ``netguard.guarded_client()`` (redirects re-checked). Answers are
classified: 401 is a ``CollectError`` (the token is wrong or expired), a 429 is waited out
until ``X-Rate-Limit-Reset`` while the run's waits stay within the connector's maximum (else the run
fails saying when to try again), and 403/404 are returned to the caller as ``Unreadable``,
which records the fact. No message built here contains the token: only paths and Okta's own
``errorSummary``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from annexa.connectors import netguard
from annexa.connectors.base import CollectError
from annexa.connectors.github.client import Unreadable  # the same fact: 403/404, and why

__all__ = ["OktaClient", "Unreadable"]

PAGE_LIMIT = 200
MAX_ATTEMPTS = 5
MAX_PAGES = 5000


@dataclass
class OktaClient:
    """Talks to one Okta org (``https://<org>.okta.com``)."""

    org_url: str
    token: str = field(repr=False)
    timeout: float = 30.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.org_url = self.org_url.rstrip("/")
        parts = urlsplit(self.org_url)
        self._origin = (parts.scheme, parts.netloc.lower())
        self._client = netguard.guarded_client(
            timeout=self.timeout,
            headers={
                "Accept": "application/json",
                "User-Agent": "Annexa-connector",
                "Authorization": f"SSWS {self.token}",
            },
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OktaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path``; ``Unreadable`` on 403/404."""
        return self._json(self._request(f"{self.org_url}{path}", params), path)

    def items(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, following ``Link: <…>; rel="next"`` (``limit`` as
        large as Okta allows) or, for the IAM endpoints, ``_links.next.href`` of the body."""
        found: list[Any] = []
        for page in self._pages(path, {"limit": PAGE_LIMIT, **(params or {})}):
            found.extend(page)
        return found

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        url: str | None = f"{self.org_url}{path}"
        query: dict[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._request(url, query)
            body = self._json(response, path)
            next_url = response.links.get("next", {}).get("url")
            if isinstance(body, dict) and isinstance(body.get("value"), list):
                next_url = next_url or ((body.get("_links") or {}).get("next") or {}).get("href")
                body = body["value"]
            if not isinstance(body, list):
                raise CollectError(f"GET {path} did not answer a list")
            if next_url is not None:
                self._same_origin(next_url, path)
            yield body
            url, query = next_url, None  # the next link carries the whole query (its cursor)
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")

    def _same_origin(self, url: str, path: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            # Following it would send the token to another server.
            raise CollectError(f"GET {path}: the next page lies on another server ({parts.netloc})")

    def _request(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        shown = urlsplit(url).path
        for _attempt in range(MAX_ATTEMPTS):
            try:
                response = self._client.get(url, params=params)
            except netguard.OutboundRefused as exc:
                raise CollectError(f"GET {shown} was refused: {exc}") from None
            except httpx.HTTPError as exc:
                raise CollectError(
                    f"GET {shown} failed: {type(exc).__name__}: {exc}; check the Okta org URL "
                    "and that this server can reach it"
                ) from None
            self.requests += 1
            if response.status_code != 429:
                return response
            wait = self._rate_limit_wait(response, shown)
            self.waited += wait
            self.sleep(wait)
        raise CollectError(
            f"GET {shown} was still rate limited by Okta after {MAX_ATTEMPTS} attempts; run the "
            "connector again later"
        )

    def _rate_limit_wait(self, response: httpx.Response, shown: str) -> float:
        """Seconds until Okta's rate limit window resets (``X-Rate-Limit-Reset``, UTC epoch
        seconds); ``CollectError`` when that is longer than this connector may wait."""
        reset_header = response.headers.get("x-rate-limit-reset", "")
        try:
            reset = int(reset_header)
        except ValueError:
            raise CollectError(
                f"GET {shown}: Okta answered 429 Too Many Requests without saying when its rate "
                "limit resets; run the connector again later"
            ) from None
        wait = max(reset - self.clock(), 0.0) + 0.5
        if self.waited + wait > self.max_wait:
            when = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            raise CollectError(
                f"Okta's rate limit for GET {shown} is used up until {when} UTC, beyond the "
                f"{self.max_wait:g} s this connector may wait in all; run it again after that "
                "time or raise its rate limit wait"
            )
        return wait

    def _json(self, response: httpx.Response, path: str) -> Any:
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise CollectError(f"GET {path} did not answer JSON") from None
        summary = _summary(response)
        if status == 401:
            raise CollectError(
                f"Okta refused the API token (HTTP 401: {summary}): the API token is wrong or "
                "expired; create a new one as a read-only administrator and save it in the "
                "connector"
            )
        if status in (403, 404):
            raise Unreadable(status, f"GET {path} answered HTTP {status}: {summary}")
        raise CollectError(f"GET {path} answered HTTP {status}: {summary}")


def _summary(response: httpx.Response) -> str:
    """Okta's explanation from an error body (``errorCode`` and ``errorSummary``), shortened."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no explanation"
    if not isinstance(body, dict):
        return response.reason_phrase or "no explanation"
    text = str(body.get("errorSummary") or response.reason_phrase or "no explanation")
    code = body.get("errorCode")
    return (f"{code} {text}" if code else text)[:300]
