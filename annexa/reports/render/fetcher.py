"""The report PDF's asset fetcher: ``annexa.core.pdf_fetcher``, shared with the other PDFs."""

from annexa.core.pdf_fetcher import SCHEME, AssetFetcher, RefusedURL

__all__ = ["SCHEME", "AssetFetcher", "RefusedURL"]
