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
from typing import Any, ClassVar

import httpx

from annexa.connectors.base import CollectError
from annexa.connectors.http import Unreadable, VendorSession

__all__ = ["OktaClient", "Unreadable"]

PAGE_LIMIT = 200
MAX_PAGES = 5000


@dataclass
class OktaClient(VendorSession):
    """Talks to one Okta org (``https://<org>.okta.com``)."""

    service: ClassVar[str] = "Okta"
    address_hint: ClassVar[str] = "the Okta org URL"

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
        headers = {
            "Accept": "application/json",
            "User-Agent": "Annexa-connector",
            "Authorization": f"SSWS {self.token}",
        }
        self.open_session(headers, self.org_url)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path``; ``Unreadable`` on 403/404."""
        return self.answer(self.send("GET", f"{self.org_url}{path}", path, params=params), path)

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
            response = self.send("GET", url, path, params=query)
            body = self.answer(response, path)
            next_url = response.links.get("next", {}).get("url")
            if isinstance(body, dict) and isinstance(body.get("value"), list):
                next_url = next_url or ((body.get("_links") or {}).get("next") or {}).get("href")
                body = body["value"]
            if not isinstance(body, list):
                raise CollectError(f"GET {path} did not answer a list")
            if next_url is not None:
                self.same_origin(next_url, path)
            yield body
            url, query = next_url, None  # the next link carries the whole query (its cursor)
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")

    def _pause(
        self, response: httpx.Response, method: str, shown: str, attempt: int
    ) -> float | None:
        """Seconds until Okta's rate limit window resets (``X-Rate-Limit-Reset``, UTC epoch
        seconds) after a 429; ``CollectError`` when that is longer than this connector may
        wait in all."""
        if response.status_code != 429:
            return None
        reset_header = response.headers.get("x-rate-limit-reset", "")
        try:
            reset = int(reset_header)
        except ValueError:
            raise CollectError(
                f"{method} {shown}: Okta answered 429 Too Many Requests without saying when its "
                "rate limit resets; run the connector again later"
            ) from None
        wait = max(reset - self.clock(), 0.0) + 0.5
        if self.waited + wait > self.max_wait:
            when = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            raise CollectError(
                f"Okta's rate limit for {method} {shown} is used up until {when} UTC, beyond the "
                f"{self.max_wait:g} s this connector may wait in all; run it again after that "
                "time or raise its rate limit wait"
            )
        return wait

    def _explain(self, response: httpx.Response) -> str:
        return _summary(response)

    def _bad_token(self, explained: str) -> str:
        return (
            f"Okta refused the API token (HTTP 401: {explained}): the API token is wrong or "
            "expired; create a new one as a read-only administrator and save it in the "
            "connector"
        )


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
