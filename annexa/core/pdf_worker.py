"""Renders one PDF in a process of its own: HTML on stdin, the PDF on stdout.

Run as ``python -m annexa.core.pdf_worker`` by ``annexa.core.pdf.render_isolated``, which
kills it when it exceeds the time limit. The URLs the document asked for but was refused are
written to stderr as one JSON line, so the caller can report them.
"""

from __future__ import annotations

import json
import sys

from annexa.core.pdf_fetcher import AssetFetcher


def write_pdf(html: str, fetcher: AssetFetcher) -> bytes:
    """The PDF of ``html``; every resource goes through ``fetcher``."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url="annexa-report:", url_fetcher=fetcher)
    return document.write_pdf()


def main() -> int:
    html = sys.stdin.buffer.read().decode("utf-8")
    fetcher = AssetFetcher()
    pdf = write_pdf(html, fetcher)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    sys.stderr.write(json.dumps({"refused": fetcher.refused}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
