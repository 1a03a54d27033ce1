"""What a file is: accepted kinds are recognised, hostile or mislabelled files are refused."""

from __future__ import annotations

import pytest

from annexa.evidence import archives, content
from annexa.evidence.errors import Rejected
from annexa.evidence.tests import samples


def identify(tmp_path, data: bytes, filename: str) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return content.identify(path, filename)


@pytest.mark.parametrize(
    ("data", "filename", "media_type"),
    [
        (samples.pdf(), "policy.pdf", "application/pdf"),
        (samples.png(), "diagram.PNG", "image/png"),
        (samples.jpeg(), "badge.jpg", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 32, "scan.gif", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "photo.webp", "image/webp"),
        (samples.docx(), "minutes.docx", content.DOCX),
        (samples.xlsx(), "register.xlsx", content.XLSX),
        (samples.odt(), "policy.odt", content.ODT),
        (samples.zip_of({"a.txt": b"a", "dir/b.csv": b"b"}), "export.zip", content.ZIP),
        (b"plain words\n", "notes.txt", "text/plain"),
        (b"2025-03-01 login ok\n\x1b[32mgreen\x1b[0m\n", "auth.log", "text/plain"),
        ("# Überblick\n".encode(), "readme.md", "text/markdown"),
        (b"user,role\nalice,owner\n", "users.csv", "text/csv"),
        (b'{"users": [1, 2]}', "users.json", "application/json"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><r/>", "report.xml", "application/xml"),
        (b"key: value\n", "config.yaml", "application/yaml"),
        (samples.eml(), "approval.eml", "message/rfc822"),
    ],
)
def test_it_recognises_accepted_kinds(tmp_path, data, filename, media_type):
    assert identify(tmp_path, data, filename) == media_type


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (samples.png(), "report.pdf", r"content is a \.png file \(image/png\), but .* \.pdf"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "logo.png", "HTML document"),
        (b"<html><body>hi</body></html>", "page.txt", "HTML documents are not accepted"),
        (samples.pdf(), "notes.txt", r"content is a \.pdf file"),
        (b"plain text", "scan.jpg", "not a recognised file format"),
        (samples.docx(), "archive.zip", r"content is a \.docx file"),
        (samples.zip_of({"a.txt": b"a"}), "minutes.docx", r"content is a \.zip file"),
        (b"MZ\x90\x00" + b"\x00" * 60, "tool.exe", r"\.exe are not accepted"),
        (b"#!/bin/sh\nrm -rf /\n", "script.sh", r"\.sh are not accepted"),
        (b"no extension", "README", "no file extension"),
        (b"", "empty.txt", "empty"),
        (b"caf\xe9\n", "latin1.csv", "must be UTF-8"),
        (b"text\x00with nul", "x.txt", "binary, not text"),
        (b"{broken", "data.json", "not valid JSON"),
        (b"not xml", "data.xml", "not XML"),
        (b"hello there", "mail.eml", "not an e-mail message"),
    ],
)
def test_it_refuses_mislabelled_content(tmp_path, data, filename, reason):
    with pytest.raises(Rejected, match=reason):
        identify(tmp_path, data, filename)


def test_it_tells_binary_control_bytes_from_text_ones_anywhere_in_the_file(tmp_path):
    """Each of the 27 control bytes that text never holds is refused, even past the first
    megabyte; tab, line breaks, vertical tab, form feed and ESC are text."""
    padding = b"a line of text\n" * 80_000
    for byte in range(0x80):
        data = padding + bytes([byte]) + b"\n"
        if byte in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B) or 0x20 <= byte < 0x7F:
            assert identify(tmp_path, data, "a.log") == "text/plain"
        else:
            with pytest.raises(Rejected, match="binary, not text"):
                identify(tmp_path, data, "a.log")


def test_a_text_check_done_by_the_reader_is_not_repeated_but_the_head_still_is(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"plain words\n" + b"\x00" * 8)
    assert content.identify(path, "a.txt", text_checked=True) == "text/plain"
    path.write_bytes(b"<html><body>hi</body></html>")
    with pytest.raises(Rejected, match="HTML documents are not accepted"):
        content.identify(path, "page.txt", text_checked=True)
    path.write_bytes(samples.pdf())
    with pytest.raises(Rejected, match=r"content is a \.pdf file"):
        content.identify(path, "notes.txt", text_checked=True)


def test_it_refuses_json_nested_too_deeply_without_a_recursion_error(tmp_path):
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(Rejected, match="nested too deeply"):
        identify(tmp_path, deep, "data.json")


def test_it_refuses_a_zip_bomb(tmp_path):
    with pytest.raises(Rejected, match="expands more than 100:1"):
        identify(tmp_path, samples.zip_bomb(), "logs.zip")


def test_it_refuses_an_archive_that_unpacks_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 150_000)
    data = samples.zip_of({"a.bin": bytes(range(256)) * 400, "b.bin": bytes(range(256)) * 400})
    with pytest.raises(Rejected, match="unpacks to more than 150,000 bytes"):
        identify(tmp_path, data, "big.zip")


def test_it_refuses_too_many_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_ENTRIES", 5)
    data = samples.zip_of({f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(Rejected, match="more than 5 entries"):
        identify(tmp_path, data, "many.zip")


def test_it_refuses_headers_that_lie_about_sizes(tmp_path):
    with pytest.raises(Rejected, match="damaged or unreadable"):
        identify(tmp_path, samples.zip_lying_about_size(), "liar.zip")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/cron.d/evil", "climbs out"),
        ("docs/../../evil", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/evil.dll", "absolute path"),
        ("dir\\..\\evil", "backslash"),
    ],
)
def test_it_refuses_dangerous_entry_names(tmp_path, name, reason):
    with pytest.raises(Rejected, match=reason):
        identify(tmp_path, samples.zip_of({name: b"x"}), "paths.zip")


def test_it_refuses_a_nul_in_an_entry_name(tmp_path):
    with pytest.raises(Rejected, match="NUL"):
        identify(tmp_path, samples.zip_with_nul_in_name(), "nul.zip")


def test_it_refuses_symlink_entries(tmp_path):
    with pytest.raises(Rejected, match="symbolic link"):
        identify(tmp_path, samples.zip_with_symlink(), "links.zip")


def test_it_accepts_one_level_of_nesting_and_checks_inside_it(tmp_path):
    inner = samples.zip_of({"inner.txt": b"inside"})
    assert identify(tmp_path, samples.zip_of({"inner.zip": inner}), "outer.zip") == content.ZIP
    hostile_inner = samples.zip_of({"../escape.txt": b"x"})
    with pytest.raises(Rejected, match="climbs out"):
        identify(tmp_path, samples.zip_of({"inner.zip": hostile_inner}), "outer.zip")


def test_it_refuses_archives_nested_deeper(tmp_path):
    deepest = samples.zip_of({"deep.txt": b"deep"})
    middle = samples.zip_of({"deepest.zip": deepest})
    with pytest.raises(Rejected, match="archive inside an archive inside an archive"):
        identify(tmp_path, samples.zip_of({"middle.zip": middle}), "outer.zip")


def test_it_refuses_a_bomb_hidden_in_a_nested_archive(tmp_path):
    nested = samples.zip_of({"inner.zip": samples.zip_bomb()}, compression=0)
    with pytest.raises(Rejected, match="expands more than"):
        identify(tmp_path, nested, "outer.zip")


def test_it_refuses_encrypted_entries(tmp_path):
    data = bytearray(samples.zip_of({"secret.txt": b"x"}))
    data[6] |= 0x1  # the encryption flag, in the local header ...
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1  # ... and in the central directory
    with pytest.raises(Rejected, match="encrypted"):
        identify(tmp_path, bytes(data), "secret.zip")


def test_it_refuses_a_truncated_archive(tmp_path):
    data = samples.zip_of({"a.txt": b"a" * 1000})
    with pytest.raises(Rejected, match="not a readable zip archive"):
        identify(tmp_path, data[: len(data) // 2], "cut.zip")
