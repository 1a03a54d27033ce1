"""What the vendor API clients share (GitHub, Okta, Microsoft Graph, Google's directory).

``VendorSession`` is a guarded HTTP session (``netguard.guarded_client()``: redirects
re-checked, private addresses refused) with:

* ``send``: a request asked again while the vendor says to wait — how long is each vendor's
  rule, its ``_pause`` hook — with the pauses counted in ``waited``;
* ``answer``: the JSON body of a 200, else the answer classified: 401 is a ``CollectError``
  (the credentials; each vendor's ``_bad_token`` says what to check), 403 and 404 are raised
  as ``Unreadable`` for the reader to decide whether the resource was optional, anything else
  is a ``CollectError`` with the vendor's own explanation (``_explain``);
* ``same_origin``: a next-page link on another server is refused, since following it would
  send the credentials there.

Messages carry methods, paths and the vendor's error codes and texts, never a secret.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from annexa.connectors import netguard
from annexa.connectors.base import CollectError


class Unreadable(Exception):
    """The service refused (403) or does not have (404) this resource; ``reason`` says which."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class VendorSession(abc.ABC):
    """Subclasses are dataclasses with ``timeout``, ``max_wait``, ``sleep`` and ``clock``
    fields; they call ``open_session`` from ``__post_init__`` and implement the hooks."""

    service: ClassVar[str] = "the service"
    max_attempts: ClassVar[int] = 5
    # What a failed connection asks the person to check, after "check ".
    address_hint: ClassVar[str] = "the address"

    timeout: float
    sleep: Callable[[float], None]
    requests: int
    waited: float

    def open_session(self, headers: dict[str, str], base_url: str | None = None) -> None:
        self._client = netguard.guarded_client(timeout=self.timeout, headers=headers)
        if base_url is not None:
            parts = urlsplit(base_url)
            self._origin = (parts.scheme, parts.netloc.lower())

    def close(self) -> None:
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- for subclasses ---------------------------------------------------------------------

    @abc.abstractmethod
    def _pause(
        self, response: httpx.Response, method: str, shown: str, attempt: int
    ) -> float | None:
        """Seconds to wait before asking again; None when ``response`` is the answer. Raise a
        ``CollectError`` when the vendor asks for a longer wait than the connector may take."""

    def _explain(self, response: httpx.Response) -> str:
        """The vendor's explanation of an error answer, shortened."""
        return response.reason_phrase or "no explanation"

    def _bad_token(self, explained: str) -> str:
        """The message for a 401 answer."""
        return f"{self.service} refused the credentials (HTTP 401: {explained})"

    def _refusal(self, shown: str, status: int, explained: str) -> str:
        """How a refused ``GET shown`` is recorded (snapshots keep it: keep it stable)."""
        return f"GET {shown} answered HTTP {status}: {explained}"

    # --- requests ---------------------------------------------------------------------------

    def send(self, method: str, url: str, shown: str, **options: Any) -> httpx.Response:
        """``method url``, asked again while the answer says to wait and the wait allows."""
        for attempt in range(self.max_attempts):
            try:
                response = self._client.request(method, url, **options)
            except netguard.OutboundRefused as exc:
                raise CollectError(f"{method} {shown} was refused: {exc}") from None
            except httpx.HTTPError as exc:
                raise CollectError(
                    f"{method} {shown} failed: {type(exc).__name__}; check {self.address_hint} "
                    "and that this server can reach it"
                ) from None
            self.requests += 1
            pause = self._pause(response, method, shown, attempt)
            if pause is None:
                return response
            self.waited += pause
            self.sleep(pause)
        raise CollectError(
            f"{method} {shown} was still throttled after {self.max_attempts} attempts by "
            f"{self.service}; run the connector again later"
        )

    def answer(self, response: httpx.Response, shown: str) -> Any:
        """The JSON body of a 200 answer to ``GET shown``; see the module docstring."""
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise CollectError(f"GET {shown} did not answer JSON") from None
        explained = self._explain(response)
        if status == 401:
            raise CollectError(self._bad_token(explained))
        if status in (403, 404):
            raise Unreadable(status, self._refusal(shown, status, explained))
        raise CollectError(self._refusal(shown, status, explained))

    def same_origin(self, url: str, path: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise CollectError(f"GET {path}: the next page lies on another server ({parts.netloc})")


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body of ``response`` when it is a JSON object; None otherwise."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
