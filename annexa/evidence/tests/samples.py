"""Small, real files of every accepted kind, and hostile ones, built in memory for tests."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG image (black pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(text: str = "Access review") -> bytes:
    """A minimal PDF document."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"% {text}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def xlsx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "xl/workbook.xml": b"<workbook/>",
        }
    )


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def zip_bomb(unpacked: int = 4 * 1024 * 1024) -> bytes:
    """Zeros compress about 1000:1."""
    return zip_of({"zeros.bin": b"\x00" * unpacked})


def zip_with_symlink() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def zip_lying_about_size() -> bytes:
    """Headers claim the entry is 10 bytes; it unpacks to 100,000."""
    data = bytearray(zip_of({"a.txt": b"A" * 100_000}))
    real = struct.pack("<I", 100_000)
    fake = struct.pack("<I", 10)
    # The uncompressed size sits in the local header (offset 22) and central directory.
    assert data[22:26] == real
    data[22:26] = fake
    central = data.rindex(b"PK\x01\x02")
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = fake
    return bytes(data)


def zip_with_nul_in_name() -> bytes:
    """An entry named ``evil\\x00.txt`` (zipfile itself truncates such names when writing)."""
    data = zip_of({"evil_.txt": b"x"})
    return data.replace(b"evil_.txt", b"evil\x00.txt")


def eml() -> bytes:
    return (
        b"From: it@acme.test\r\nTo: isla@acme.test\r\nSubject: Quarterly access review\r\n"
        b"Date: Mon, 3 Mar 2025 09:00:00 +0000\r\n\r\nAll accounts were reviewed.\r\n"
    )
