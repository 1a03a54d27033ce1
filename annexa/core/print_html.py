"""HTML written for WeasyPrint: the rules that keep a long printed document fast.

Shared by the internal audit report (``annexa.reports.render``) and the audit checklist
(``annexa.audits.services.checklist_print``). WeasyPrint spends its time measuring boxes, so a
document of thousands of entries stays fast only when

* every table has ``table-layout: fixed`` and column widths, and long tables are split in
  tables of ``CHUNK_ROWS`` rows (``chunks``);
* labelled values and lists of evidence are paragraphs, not table rows (``paragraphs``,
  ``manifest``): the same 1,000 manifest entries cost about three times as long as a table;
  the cost grows with lines and text boxes (each bold label is one), not with characters, so
  a short list reads better and prints faster as one paragraph ("a; b; c") than a line each;
* evidence is cited by its manifest entry and a short SHA-256 (``citation``), or where an
  item cites many by entry number only (``entries``: ``E12–E36``); only the manifest gives
  the title, version and full hash, which wraps anywhere (``.hash``);
* the stylesheet (``core/print.css``) uses class selectors and one installed font family.

The long parts are written here in Python, not by template loops, which take seconds for
thousands of rows. Every text goes through ``text``: nothing typed by a user becomes markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

SHORT_HASH = 12  # hexadecimal characters of the SHA-256 a citation gives (48 bits)
CHUNK_ROWS = 500  # long tables are split in tables of this many rows: faster PDF layout


def text(value: object) -> str:
    """``value`` escaped for HTML, its line breaks kept as ``<br>``."""
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br>")


def assembled(parts: Iterable[str]) -> SafeString:
    """Parts of a document joined into one ``SafeString``: each must already be markup built
    from ``text()``, these helpers, constants or a renderer that escapes (``notes_markdown``)."""
    return _safe("".join(parts))


def _safe(html: str) -> SafeString:
    # nosemgrep: mark-safe-non-literal - callers build ``html`` from text() and constants only
    return mark_safe(html)  # noqa: S308 - every interpolated text goes through text()  # nosec B308


def table_rows(cells: Sequence[Sequence[str]]) -> SafeString:
    """Body rows of a table, every cell escaped."""
    return _safe(
        "".join(
            "<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>\n" for row in cells
        )
    )


def field_rows(fields: Sequence[tuple[str, str]]) -> SafeString:
    """A two-column table's rows of labelled values (the label as a row header)."""
    return _safe(
        "".join(
            f'<tr><th class="field" scope="row">{text(label)}</th><td>{text(value)}</td></tr>\n'
            for label, value in fields
        )
    )


def paragraphs(
    fields: Sequence[tuple[str, str]], css_class: str = "", *, bold: bool = True
) -> SafeString:
    """Labelled values as paragraphs (``Label: value``): lighter for the PDF than a table.

    ``bold=False`` leaves the label in the value's own text box: half the boxes to lay out
    and draw, for documents with thousands of fields."""
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    if bold:
        return _safe(
            "".join(
                f"<p{attribute}><strong>{text(label)}:</strong> {text(value)}</p>\n"
                for label, value in fields
            )
        )
    return _safe(
        "".join(f"<p{attribute}>{text(f'{label}: {value}')}</p>\n" for label, value in fields)
    )


def chunks(rows: list, size: int = CHUNK_ROWS) -> list[list]:
    """``rows`` in consecutive slices of at most ``size`` (one empty slice for no rows)."""
    return [rows[start : start + size] for start in range(0, len(rows), size)] or [[]]


def entry(number: int) -> str:
    """The label of manifest entry ``number`` (1-based): ``E12``."""
    return f"E{number}"


def entries(numbers: Iterable[int]) -> str:
    """Manifest entries cited by number only, in order, three or more consecutive ones as a
    range: ``E3, E4, E12–E36, E40`` (one short line where 25 titled citations took eight)."""
    ordered = sorted(set(numbers))
    runs: list[list[int]] = []
    for number in ordered:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    cited = []
    for run in runs:
        if len(run) >= 3:
            cited.append(f"{entry(run[0])}–{entry(run[-1])}")
        else:
            cited += [entry(n) for n in run]
    return ", ".join(cited)


def citation(number: int, title: str, version: int, sha256: str, note: str = "") -> str:
    """``E12 Access review v2 (3f5a0c9e1b27)``, ``note`` after the hash when given (plain
    text, escaped by whoever writes it)."""
    extra = f", {note}" if note else ""
    return f"{entry(number)} {title} v{version} ({sha256[:SHORT_HASH]}{extra})"


@dataclass(frozen=True)
class ManifestLine:
    """One manifest entry: what the evidence is (``description``) and its full SHA-256."""

    description: str
    sha256: str


def manifest(
    lines: Sequence[ManifestLine],
    empty: str = "No evidence was cited.",
    *,
    hash_font: bool = True,
) -> SafeString:
    """One paragraph per entry, numbered from E1, the SHA-256 wrapping to its second line.

    ``hash_font=False`` writes the SHA-256 in the entry's own font, one text box per entry
    (on a landscape page it fits the entry's line): for manifests of thousands of entries."""
    if not lines:
        return _safe(f"<p>{text(empty)}</p>")
    if not hash_font:
        return _safe(
            "".join(
                f"<p>{entry(n)}&emsp;{text(line.description)} · {text(line.sha256)}</p>\n"
                for n, line in enumerate(lines, start=1)
            )
        )
    return _safe(
        "".join(
            f"<p>{entry(n)}&emsp;{text(line.description)} "
            f'<span class="hash">{text(line.sha256)}</span></p>\n'
            for n, line in enumerate(lines, start=1)
        )
    )
