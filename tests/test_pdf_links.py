"""Every link to a PDF made on request shows progress while the server renders it.

PDFs (checklist, report draft, SoA document, review minutes) can take seconds; a plain link
gives no sign of life meanwhile. Each such link carries ``data-download-progress`` and its
template loads ``annexa/download-progress.js`` (tested in the browser by
``tests/browser/test_download_progress.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "annexa"
# An anchor whose href names a URL pattern ending in "pdf", or the report draft's (rendered on
# request in the format asked for; an issued report's files are stored, served at once).
PDF_ANCHOR = re.compile(r"<a\b[^>]*?\{% url '(?:[\w:-]*pdf|reports:draft)'[^>]*>", re.I)
SCRIPT = "annexa/download-progress.js"


def pdf_links() -> list[tuple[Path, str]]:
    found = []
    for template in sorted(ROOT.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        found += [(template, match.group(0)) for match in PDF_ANCHOR.finditer(text)]
    return found


def test_every_pdf_link_shows_progress():
    links = pdf_links()
    assert len(links) >= 4, links  # checklist, report draft, SoA document, review minutes
    missing = [f"{t.relative_to(ROOT)}: {a}" for t, a in links if "data-download-progress" not in a]
    assert missing == []
    templates = {t for t, _ in links}
    unloaded = [str(t.relative_to(ROOT)) for t in templates if SCRIPT not in t.read_text("utf-8")]
    assert unloaded == []
