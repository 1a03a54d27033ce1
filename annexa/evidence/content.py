"""What a file really is: media type from its bytes, and whether its name may say so.

Binary formats are recognised by magic bytes (``filetype``), zip containers by their parts
(``[Content_Types].xml`` for Office Open XML, the ``mimetype`` entry for OpenDocument), text
formats by our own checks. A file is accepted only when its extension is on the allow-list and
the content agrees with it: a PNG named ``.pdf`` or an HTML page named ``.png`` is refused.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from pathlib import Path

import filetype

from annexa.evidence import archives
from annexa.evidence.errors import Rejected

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ZIP = "application/zip"
JSON = "application/json"
TEXT = "text/plain"
HTML = "text/html"

BINARY_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "png": frozenset({"image/png", "image/apng"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "webp": frozenset({"image/webp"}),
    "docx": frozenset({DOCX}),
    "xlsx": frozenset({XLSX}),
    "pptx": frozenset({PPTX}),
    "odt": frozenset({ODT}),
    "ods": frozenset({ODS}),
    "zip": frozenset({ZIP}),
}
# Text formats: the media type we record for each extension.
TEXT_TYPES: dict[str, str] = {
    "txt": TEXT,
    "log": TEXT,
    "md": "text/markdown",
    "csv": "text/csv",
    "json": JSON,
    "xml": "application/xml",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "eml": "message/rfc822",
}
ALLOWED_EXTENSIONS = tuple(sorted({*BINARY_TYPES, *TEXT_TYPES}))
# Formats Annexa itself produces (an issued report's HTML) and stores with ``generated=True``;
# never accepted from an upload, where an HTML page is refused.
GENERATED_TEXT_TYPES: dict[str, str] = {"html": HTML}

HEAD_SIZE = 8192
JSON_PARSE_LIMIT = 8 * 1024 * 1024
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF_TYPES = {ODT, ODS}
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_HEADER_LINE = re.compile(r"^[!-9;-~]+:[ \t]")
# Control bytes that do not occur in text (tab, line breaks, form feed and ESC of coloured logs
# do). Looked for by deleting them (``bytes.translate``), several times faster than a regex.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def extension_of(filename: str, *, generated: bool = False) -> str:
    """The lower-case extension, or a ``Rejected`` naming the allowed ones."""
    stem, dot, ext = filename.rpartition(".")
    allowed = ", ".join(f".{e}" for e in ALLOWED_EXTENSIONS)
    if not dot or not stem:
        raise Rejected(f"{filename!r} has no file extension; accepted types are {allowed}")
    ext = ext.lower()
    if generated and ext in GENERATED_TEXT_TYPES:
        return ext
    if ext not in BINARY_TYPES and ext not in TEXT_TYPES:
        raise Rejected(f"files ending in .{ext} are not accepted; accepted types are {allowed}")
    return ext


def identify(
    path: Path, filename: str, *, generated: bool = False, text_checked: bool = False
) -> str:
    """The media type of the file at ``path``, or ``Rejected`` saying why it is refused.

    Zip containers pass the archive checks first; text must be UTF-8. ``generated`` content
    (made by Annexa, see ``GENERATED_TEXT_TYPES``) may also be HTML. ``text_checked`` is for
    content Annexa has itself just read whole as UTF-8 without control bytes (``staging.
    Prepared``): the scan of every byte for that is skipped, every other check still runs.
    """
    ext = extension_of(filename, generated=generated)
    with open(path, "rb") as handle:
        head = handle.read(HEAD_SIZE)
    if not head:
        raise Rejected("the file is empty")
    if ext in GENERATED_TEXT_TYPES:
        _check_utf8_text(path)
        if not _HTML_START.match(head.removeprefix(codecs.BOM_UTF8)):
            raise Rejected(f"the content is not an HTML document, but the name ends in .{ext}")
        return GENERATED_TEXT_TYPES[ext]
    detected = _binary_type(path, head)
    if ext in BINARY_TYPES:
        return _expect_binary(ext, detected, head)
    if detected is not None:
        raise Rejected(f"the content is {_describe(detected)}, but the name ends in .{ext} (text)")
    _check_text(path, head, scan=not text_checked)
    return _expect_text(ext, path, head)


def _binary_type(path: Path, head: bytes) -> str | None:
    if head.startswith((archives.ZIP_MAGIC, b"PK\x05\x06")):
        archives.check_zip(path)
        return _zip_type(path)
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def _zip_type(path: Path) -> str:
    """Office Open XML, OpenDocument or plain zip, judged by the parts the archive holds."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" in names:
            for part, media_type in _OOXML_PARTS.items():
                if part in names:
                    return media_type
        if "mimetype" in names:
            declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            if declared in _ODF_TYPES:
                return declared
    return ZIP


def _expect_binary(ext: str, detected: str | None, head: bytes) -> str:
    allowed = BINARY_TYPES[ext]
    if detected in allowed:
        return detected
    if detected is None:
        what = "an HTML document" if _HTML_START.match(head) else "not a recognised file format"
        raise Rejected(f"the content is {what}, but the name ends in .{ext}")
    raise Rejected(f"the content is {_describe(detected)}, but the name ends in .{ext}")


def _describe(media_type: str) -> str:
    for ext, types in BINARY_TYPES.items():
        if media_type in types:
            return f"a .{ext} file ({media_type})"
    return f"of type {media_type}"


def _check_text(path: Path, head: bytes, *, scan: bool = True) -> None:
    """UTF-8 throughout, no NUL or other binary control bytes (unless ``scan`` is false: the
    caller knows), not an HTML page."""
    if scan:
        _check_utf8_text(path)
    if _HTML_START.match(head.removeprefix(codecs.BOM_UTF8)):
        raise Rejected("HTML documents are not accepted as evidence; save the page as PDF")


def _check_utf8_text(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            if len(chunk.translate(None, _CONTROL_BYTES)) != len(chunk):
                raise Rejected("the content is binary, not text")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise Rejected("text files must be UTF-8 encoded; save it as UTF-8") from None
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise Rejected("text files must be UTF-8 encoded; save it as UTF-8") from None


def _expect_text(ext: str, path: Path, head: bytes) -> str:
    text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", "ignore").lstrip()
    if ext == "json":
        _check_json(path, text)
    elif ext == "xml" and not text.startswith("<"):
        raise Rejected("the content is not XML, but the name ends in .xml")
    elif ext == "eml" and not _HEADER_LINE.match(text):
        raise Rejected("the content is not an e-mail message, but the name ends in .eml")
    return TEXT_TYPES[ext]


def _check_json(path: Path, text: str) -> None:
    # Parsing builds the whole document in memory, so only files up to JSON_PARSE_LIMIT are
    # parsed; larger ones must at least open like a JSON object or array.
    if path.stat().st_size <= JSON_PARSE_LIMIT:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                json.load(handle)
        except ValueError as exc:
            raise Rejected(f"the content is not valid JSON ({exc})") from None
        except RecursionError:
            # Python's decoder stops near a thousand levels; real documents have a few dozen.
            raise Rejected(
                "the JSON is nested too deeply to check (hundreds of levels of arrays or "
                "objects); no program writes that, so the file is damaged or hostile"
            ) from None
    elif not text.startswith(("{", "[")):
        raise Rejected("the content is not JSON, but the name ends in .json")
