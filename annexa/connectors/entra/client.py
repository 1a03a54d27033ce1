"""A small Microsoft Graph client: client-credentials token, ``@odata.nextLink`` paging, throttling.

``TokenSession`` is what the identity-provider clients share (the Google Workspace client
builds on it too): every request goes through ``netguard.guarded_client()``, a bearer token is
kept until shortly before it expires, throttled answers are asked again after ``Retry-After``
(or a pause that doubles each time) while the total pause stays within ``max_wait``, and
answers are classified: 401 is a ``CollectError`` (wrong credentials), 403 and 404 are
raised as ``Unreadable`` for the reader to decide whether the resource is optional.

The app's client secret is sent only to the token endpoint (``{authority}/{tenant}/oauth2/
v2.0/token``) and the access token only to the Graph base URL; a next-page link on another
server is refused. Messages carry methods, paths and the vendor's own error codes and texts,
never a secret.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx

from annexa.connectors.base import CollectError
from annexa.connectors.http import Unreadable, VendorSession, json_object

__all__ = ["PAGE_SIZE", "GraphClient", "TokenSession", "Unreadable", "json_object"]

PAGE_SIZE = 999
MAX_PAGES = 2000
THROTTLED = (429, 503, 504)


@dataclass(kw_only=True)
class TokenSession(VendorSession):
    """A guarded HTTP session with a bearer token and bounded waits for throttled answers.

    Subclasses set ``service`` (how messages name the vendor) and implement ``_new_token``
    (returning the token endpoint's JSON answer), ``_retry_reason``, ``_explain`` and
    ``_bad_token``.
    """

    service: ClassVar[str] = "the service"
    max_attempts: ClassVar[int] = 6

    timeout: float = 30.0
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._token: str | None = None
        self._expires = 0.0
        self.open_session({"User-Agent": "Annexa-connector"})

    # --- for subclasses ---------------------------------------------------------------------

    @abc.abstractmethod
    def _new_token(self) -> dict[str, Any]:
        """The vendor's token answer (``access_token``, ``expires_in``)."""

    @abc.abstractmethod
    def _retry_reason(self, response: httpx.Response) -> str | None:
        """Why ``response`` should be asked again ("HTTP 429"); None when it should not."""

    @abc.abstractmethod
    def _explain(self, response: httpx.Response) -> str:
        """The vendor's explanation of an error answer, shortened."""

    @abc.abstractmethod
    def _bad_token(self, explained: str) -> str:
        """The message for a 401 answer to an API request."""

    def _refusal(self, shown: str, status: int, explained: str) -> str:
        return f"GET {shown} answered HTTP {status} {explained}"  # "<code>: <message>"

    def _pause(
        self, response: httpx.Response, method: str, shown: str, attempt: int
    ) -> float | None:
        """After a throttled answer, ``Retry-After`` seconds, or a pause that doubles with
        each attempt; a ``CollectError`` when it would pass ``max_wait`` in all."""
        why = self._retry_reason(response)
        if why is None:
            return None
        after = (response.headers.get("retry-after") or "").strip()
        pause = float(after) if after.isdigit() else float(2**attempt)
        if self.waited + pause > self.max_wait:
            raise CollectError(
                f"{method} {shown}: {self.service} is throttling this connector ({why}, "
                f"retry after {pause:g} s) and the pause would pass the {self.max_wait:g} s "
                f"it may wait in all ({self.waited:g} s waited); run it again later or "
                "raise its throttling wait"
            )
        return pause

    # --- requests ---------------------------------------------------------------------------

    def access_token(self) -> str:
        now = self.clock()
        if self._token is not None and now < self._expires:
            return self._token
        body = self._new_token()
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise CollectError("the token endpoint answered without an access token")
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        self._token, self._expires = token, now + max(seconds - 120.0, 60.0)
        return token

    def get_object(self, url: str, shown: str, params: dict[str, Any] | None) -> dict[str, Any]:
        """The JSON object of ``GET url`` with the token; ``Unreadable`` on 403/404."""
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        response = self.send("GET", url, shown, params=params, headers=headers)
        body = self.answer(response, shown)
        if not isinstance(body, dict):
            raise CollectError(f"GET {shown} did not answer a JSON object")
        return body


@dataclass(kw_only=True)
class GraphClient(TokenSession):
    """Talks to one Microsoft Graph base URL as one app registration of one tenant."""

    service: ClassVar[str] = "Microsoft Graph"

    graph_url: str
    authority_url: str
    tenant: str
    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.graph_url = self.graph_url.rstrip("/")
        self.authority_url = self.authority_url.rstrip("/")
        parts = urlsplit(self.graph_url)
        self._origin = (parts.scheme, parts.netloc.lower())
        # The token is asked for the Graph resource itself (graph.microsoft.com, or a national
        # cloud's Graph host), whatever version path the base URL carries.
        self.scope = f"{parts.scheme}://{parts.netloc}/.default"

    def _new_token(self) -> dict[str, Any]:
        url = f"{self.authority_url}/{quote(self.tenant, safe='')}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": self.scope,
        }
        response = self.send("POST", url, "the token endpoint", data=form)
        body = json_object(response) or {}
        if response.status_code != 200:
            code = str(body.get("error") or f"HTTP {response.status_code}")
            text = _first_line(body.get("error_description")) or response.reason_phrase
            raise CollectError(
                f"Microsoft Entra refused the app's credentials ({code}: {text}); check the "
                "tenant, the application (client) id and that the client secret is the "
                "secret's value, not its id, and has not expired"
            )
        return body

    def _retry_reason(self, response: httpx.Response) -> str | None:
        status = response.status_code
        return f"HTTP {status}" if status in THROTTLED else None

    def _explain(self, response: httpx.Response) -> str:
        """Graph's ``{"error": {"code", "message"}}``, shortened."""
        error = (json_object(response) or {}).get("error")
        if not isinstance(error, dict):
            return response.reason_phrase or "no explanation"
        text = str(error.get("message") or response.reason_phrase or "no explanation")[:300]
        return f"{error.get('code') or ''}: {text}".lstrip(": ")

    def _bad_token(self, explained: str) -> str:
        return (
            f"Microsoft Graph refused the access token (HTTP 401 {explained}); the app's "
            "credentials are wrong or not valid for this tenant"
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object of ``GET path``; ``Unreadable`` on 403/404."""
        return self.get_object(f"{self.graph_url}{path}", path, params)

    def items(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` (which carries the
        whole query, ``$skiptoken`` included)."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.graph_url}{path}"
        query = params
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            body = self.get_object(url, path, query)
            value = body.get("value")
            if not isinstance(value, list):
                raise CollectError(f"GET {path} did not answer a collection")
            found.extend(item for item in value if isinstance(item, dict))
            url, query = body.get("@odata.nextLink"), None
            if url is not None:
                self.same_origin(str(url), path)
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")


def _first_line(text: object) -> str:
    """The first line of an AADSTS description (the rest is trace and correlation ids)."""
    lines = str(text or "").strip().splitlines()
    return lines[0][:300] if lines else ""
