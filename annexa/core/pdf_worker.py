"""Renders one PDF in a process of its own: HTML on stdin, the PDF on stdout.

Run as ``python -m annexa.core.pdf_worker`` by ``annexa.core.pdf.render_isolated``, which
kills it when it exceeds the time limit (and starts the next one ahead of need). Empty input
ends it without output. The URLs the document asked for but was refused are
written to stderr as one JSON line, so the caller can report them.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from annexa.core.pdf_fetcher import AssetFetcher

# zlib level for the PDF's content streams. pydyf (WeasyPrint's PDF writer) asks for level 9,
# which on the long runs of glyph codes of a large document costs about ten times level 6 for
# a file about 4 % smaller: 1.1 s against 0.13 s of CPU for the 200-finding report.
STREAM_LEVEL = 6


@contextmanager
def stream_level(level: int) -> Iterator[None]:
    """pydyf compresses its streams at ``level`` while this lasts (it calls
    ``zlib.compressobj(level=9)`` through its module's ``zlib``); a pydyf that no longer writes
    through a ``zlib`` global is left as it is."""
    import pydyf

    if getattr(pydyf, "zlib", None) is not zlib:
        yield
        return

    def compressobj(*_args, **_kwargs):
        return zlib.compressobj(level)

    pydyf.zlib = SimpleNamespace(compress=zlib.compress, compressobj=compressobj)
    try:
        yield
    finally:
        pydyf.zlib = zlib


def write_pdf(html: str, fetcher: AssetFetcher) -> bytes:
    """The PDF of ``html``; every resource goes through ``fetcher``."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url="annexa-report:", url_fetcher=fetcher)
    with stream_level(STREAM_LEVEL):
        return document.write_pdf()


def main() -> int:
    # WeasyPrint first (about half a second of CPU), then wait for the document: a worker
    # started ahead of need (``pdf.render_isolated`` keeps one spare) is ready when it comes.
    import weasyprint  # noqa: F401

    html = sys.stdin.buffer.read().decode("utf-8")
    if not html:
        return 0  # a spare that was never used: its parent closed the pipe
    fetcher = AssetFetcher()
    pdf = write_pdf(html, fetcher)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    sys.stderr.write(json.dumps({"refused": fetcher.refused}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
