"""A small Microsoft Graph client: client-credentials token, ``@odata.nextLink`` paging, throttling.

Every request goes through ``netguard.guarded_client()``. The app's client secret is sent only
to the token endpoint (``{authority}/{tenant}/oauth2/v2.0/token``) and the access token only
to the Graph base URL; a next-page link on another server is refused. Throttled answers (429,
503, 504) are retried after ``Retry-After`` (or a doubling pause when Graph gives none) while
the total pause stays within ``max_wait``. 401 is a ``CollectError`` (wrong credentials); 403
and 404 are raised as ``Unreadable`` for the reader to decide whether the resource is optional.
Messages carry methods, paths and Microsoft's own error codes and texts, never a secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from annexa.connectors import netguard
from annexa.connectors.base import CollectError

PAGE_SIZE = 999
MAX_ATTEMPTS = 6
MAX_PAGES = 2000
THROTTLED = (429, 503, 504)


class Unreadable(Exception):
    """Graph refused (403) or does not have (404) this resource; ``reason`` says which."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


@dataclass
class GraphClient:
    """Talks to one Microsoft Graph base URL as one app registration of one tenant."""

    graph_url: str
    authority_url: str
    tenant: str
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float = 30.0
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.graph_url = self.graph_url.rstrip("/")
        self.authority_url = self.authority_url.rstrip("/")
        parts = urlsplit(self.graph_url)
        self._origin = (parts.scheme, parts.netloc.lower())
        # The token is asked for the Graph resource itself (graph.microsoft.com, or a national
        # cloud's Graph host), whatever version path the base URL carries.
        self.scope = f"{parts.scheme}://{parts.netloc}/.default"
        self._token: str | None = None
        self._expires = 0.0
        self._client = netguard.guarded_client(
            timeout=self.timeout, headers={"User-Agent": "Annexa-connector"}
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the token --------------------------------------------------------------------------

    def _access_token(self) -> str:
        if self._token is not None and self.clock() < self._expires:
            return self._token
        url = f"{self.authority_url}/{quote(self.tenant, safe='')}/oauth2/v2.0/token"
        response = self._send(
            "POST",
            url,
            "the token endpoint",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": self.scope,
            },
        )
        body = _body(response)
        if response.status_code != 200:
            code = str(body.get("error") or f"HTTP {response.status_code}")
            text = _first_line(body.get("error_description")) or response.reason_phrase
            raise CollectError(
                f"Microsoft Entra refused the app's credentials ({code}: {text}); check the "
                "tenant, the application (client) id and that the client secret is the "
                "secret's value, not its id, and has not expired"
            )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise CollectError("the token endpoint answered without an access token")
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if str(lifetime).isdigit() else 3600.0
        self._token, self._expires = token, self.clock() + max(seconds - 120.0, 60.0)
        return token

    # --- Graph requests ---------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object of ``GET path``; ``Unreadable`` on 403/404."""
        return self._json(self._graph(f"{self.graph_url}{path}", params, path), path)

    def items(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` (which carries the
        whole query, ``$skiptoken`` included)."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.graph_url}{path}"
        query = params
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            body = self._json(self._graph(url, query, path), path)
            value = body.get("value")
            if not isinstance(value, list):
                raise CollectError(f"GET {path} did not answer a collection")
            found.extend(item for item in value if isinstance(item, dict))
            url, query = body.get("@odata.nextLink"), None
            if url is not None:
                self._same_origin(str(url), path)
        raise CollectError(f"GET {path} has more than {MAX_PAGES} pages")

    def _graph(self, url: str, params: dict[str, Any] | None, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        return self._send("GET", url, path, params=params, headers=headers)

    def _same_origin(self, url: str, path: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise CollectError(f"GET {path}: the next page lies on another server ({parts.netloc})")

    # --- sending, with throttling -----------------------------------------------------------

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
            if response.status_code not in THROTTLED:
                return response
            pause = _retry_after(response, default=float(2**attempt))
            if self.waited + pause > self.max_wait:
                raise CollectError(
                    f"{method} {shown}: Microsoft Graph is throttling this app (HTTP "
                    f"{response.status_code}, retry after {pause:g} s) and the "
                    f"{self.max_wait:g} s this connector may wait in all would be exceeded "
                    f"({self.waited:g} s waited); run it again later or raise its throttling wait"
                )
            self.waited += pause
            self.sleep(pause)
        raise CollectError(f"{method} {shown} was still throttled after {MAX_ATTEMPTS} attempts")

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
        code, message = _graph_error(response)
        if status == 401:
            raise CollectError(
                f"Microsoft Graph refused the access token (HTTP 401 {code}: {message}); the "
                "app's credentials are wrong or not valid for this tenant"
            )
        if status in (403, 404):
            raise Unreadable(status, code, f"GET {path} answered HTTP {status} {code}: {message}")
        raise CollectError(f"GET {path} answered HTTP {status} {code}: {message}")


def _retry_after(response: httpx.Response, *, default: float) -> float:
    value = (response.headers.get("retry-after") or "").strip()
    return float(value) if value.isdigit() else default


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _first_line(text: object) -> str:
    """The first line of an AADSTS description (the rest is trace and correlation ids)."""
    return str(text or "").strip().splitlines()[0][:300] if str(text or "").strip() else ""


def _graph_error(response: httpx.Response) -> tuple[str, str]:
    """Graph's ``{"error": {"code", "message"}}``, shortened."""
    error = _body(response).get("error")
    if not isinstance(error, dict):
        return "", response.reason_phrase or "no explanation"
    code = str(error.get("code") or "")
    return code, str(error.get("message") or response.reason_phrase or "no explanation")[:300]
