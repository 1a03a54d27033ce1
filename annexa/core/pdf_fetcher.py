"""The only way a PDF (report, checklist, minutes) may load anything: its own assets, by name.

WeasyPrint asks its URL fetcher for every image, stylesheet and font a document refers to. The
documents' HTML is self-contained, but text users typed could still smuggle in a reference if
escaping ever failed; this fetcher refuses ``file://``, ``http(s)://``, ``data:`` and every
other scheme, and serves only ``annexa-report:<name>`` from the assets it was given. It imports
nothing of Django: the PDF worker process uses it alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "annexa-report:"


class RefusedURL(ValueError):
    """A document asked for something that is not one of the report's assets."""


class AssetFetcher(URLFetcher):
    """Serves ``annexa-report:<name>`` from ``assets`` (name → (bytes, media type)).

    ``requested`` lists every URL asked for and ``refused`` the ones turned away, so a caller
    (and a test) can see exactly what a document tried to load.
    """

    def __init__(self, assets: Mapping[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.assets = dict(assets or {})
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        self.requested.append(url)
        name = url[len(SCHEME) :] if url.startswith(SCHEME) else None
        if name is None or name not in self.assets:
            self.refused.append(url)
            raise RefusedURL(f"the document may only load its own assets, not {url[:200]!r}")
        body, media_type = self.assets[name]
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})
