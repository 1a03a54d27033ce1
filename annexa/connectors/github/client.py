"""A small GitHub REST client: bearer token, ``Link`` pagination and rate-limit waits.

Every request goes through ``netguard.guarded_client()`` (redirects re-checked). Answers are
classified, never raised blindly: 401 is a ``CollectError`` (the token is wrong), rate limits
are waited out when the reset is near enough, and 403/404 are returned to the caller, which
records the fact as unreadable. No message built here contains the token: only methods, paths
and GitHub's own ``message`` field.
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

__all__ = ["GithubClient", "Page", "Unreadable"]

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 1000


@dataclass
class Page:
    """One answer of a list endpoint: its items and the URL of the next page, if any."""

    items: list[Any]
    next_url: str | None


@dataclass
class GithubClient(VendorSession):
    """Talks to one GitHub API base URL (github.com or an Enterprise Server ``/api/v3``)."""

    service: ClassVar[str] = "GitHub"
    max_attempts: ClassVar[int] = 4
    address_hint: ClassVar[str] = "the API URL"

    api_url: str
    token: str = field(repr=False)
    timeout: float = 30.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "Annexa-connector",
            "Authorization": f"Bearer {self.token}",
        }
        self.open_session(headers, self.api_url)

    # --- requests ---------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path``; ``Unreadable`` on 403/404."""
        return self.answer(self.send("GET", self._url(path), path, params=params), path)

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a list endpoint, following ``Link: <…>; rel="next"``."""
        url: str | None = self._url(path)
        query: dict[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self.send("GET", url, path, params=query)
            body = self.answer(response, path)
            if not isinstance(body, list):
                raise CollectError(f"GET {path} did not answer a list")
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None:
                self.same_origin(next_url, path)
            yield Page(body, next_url)
            url, query = next_url, None  # the next link carries the whole query
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")

    def items(
        self, path: str, params: dict[str, Any] | None = None, limit: int | None = None
    ) -> tuple[list[Any], bool]:
        """All items of a list endpoint (at most ``limit``) and whether more were left out."""
        found: list[Any] = []
        for page in self.pages(path, params):
            found.extend(page.items)
            if limit is not None and len(found) >= limit:
                return found[:limit], len(found) > limit or page.next_url is not None
        return found, False

    # --- internals --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    def _pause(
        self, response: httpx.Response, method: str, shown: str, attempt: int
    ) -> float | None:
        """Seconds to wait before retrying a rate-limited answer; None if it is not one."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            wait = float(retry_after)
            if wait > self.max_wait:
                raise CollectError(
                    f"{method} {shown}: GitHub asks to retry after {int(wait)} s (secondary rate "
                    f"limit), longer than the {self.max_wait:g} s this connector may wait; "
                    "run it again later"
                )
            return wait
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                reset = int(headers["x-ratelimit-reset"])
            except ValueError:
                return None
            wait = max(reset - self.clock(), 0.0) + 0.5
            if wait > self.max_wait:
                when = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                resource = headers.get("x-ratelimit-resource", "core")
                raise CollectError(
                    f"GitHub's {resource} rate limit is used up until {when} UTC, more than "
                    f"the {self.max_wait:g} s this connector may wait; run it again after that "
                    "time or raise its rate limit wait"
                )
            return wait
        if response.status_code == 429:
            raise CollectError(f"{method} {shown}: GitHub answered 429 Too Many Requests")
        return None

    def _explain(self, response: httpx.Response) -> str:
        return _message(response)

    def _bad_token(self, explained: str) -> str:
        return (
            f"GitHub refused the token (HTTP 401: {explained}); check that it is valid, "
            "not expired, and authorized for the organization (SSO)"
        )


def _message(response: httpx.Response) -> str:
    """GitHub's explanation from an error body (``{"message": …}``), shortened."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no explanation"
    text = body.get("message") if isinstance(body, dict) else None
    return str(text or response.reason_phrase or "no explanation")[:300]
