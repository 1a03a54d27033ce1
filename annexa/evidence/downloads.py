"""Serving a version's bytes: always as a streamed attachment the browser will not interpret."""

from __future__ import annotations

import base64
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404

from annexa.evidence.models import EvidenceVersion
from annexa.evidence.services import open_version
from annexa.evidence.storage import BlobMissing


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact UTF-8 name (RFC 6266, RFC 8187)."""
    fallback = ascii_fallback(filename)
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def ascii_fallback(filename: str) -> str:
    """The name for clients without RFC 8187: accents dropped, anything else unsafe as ``_``."""
    decomposed = unicodedata.normalize("NFKD", filename)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    safe = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in stripped)
    return safe.strip() or "evidence"


def attachment_response(version: EvidenceVersion) -> FileResponse:
    """A streamed download of ``version`` (404 if its blob is gone from the store)."""
    try:
        reader = open_version(version)
    except BlobMissing:
        raise Http404("the content of this version is missing from the store") from None
    response = FileResponse(reader, content_type=version.media_type)
    response["Content-Length"] = str(version.size)
    response["Content-Disposition"] = content_disposition(version.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-transform"
    response["ETag"] = f'"{version.sha256}"'
    # RFC 9530: lets a client check what it received against the hash it was promised.
    digest = base64.b64encode(bytes.fromhex(version.sha256)).decode("ascii")
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response
