"""HTTP responses for report files, shared by the web views and the API."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse

from annexa.evidence.downloads import content_disposition
from annexa.reports.render import MEDIA_TYPES


def file_response(body: bytes, filename: str, report_format: str) -> HttpResponse:
    """``body`` as a download the browser does not interpret, with its SHA-256 in an ETag."""
    response = HttpResponse(body, content_type=MEDIA_TYPES[report_format])
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()}"'
    return response


def preview_response(html: bytes) -> HttpResponse:
    """The draft HTML shown in the report page's frame: it may load nothing at all."""
    response = HttpResponse(html, content_type=MEDIA_TYPES["html"])
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
