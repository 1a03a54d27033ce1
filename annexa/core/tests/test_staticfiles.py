"""Static files are compressed once per version of a file, not on every `annexa serve`."""

import gzip
import os

import pytest

from annexa.core.staticfiles import IncrementalCompressor, StaticFilesStorage


@pytest.fixture
def compressor(monkeypatch):
    calls: list[int] = []
    compressor = IncrementalCompressor(extensions=None, quiet=True)
    real = compressor.compress_gzip
    monkeypatch.setattr(compressor, "compress_gzip", lambda data: calls.append(1) or real(data))
    compressor.calls = calls
    return compressor


def test_it_compresses_a_file_once_until_it_changes(tmp_path, compressor):
    source = tmp_path / "app.css"
    source.write_text("body { color: black; }\n" * 200, encoding="utf-8")
    first = compressor.compress(str(source))
    assert str(source) + ".gz" in first and len(compressor.calls) == 1
    assert compressor.compress(str(source)) == first
    assert len(compressor.calls) == 1  # the current variants were kept
    source.write_text("body { color: navy; }\n" * 200, encoding="utf-8")
    os.utime(source, (source.stat().st_atime, source.stat().st_mtime + 5))
    compressor.compress(str(source))
    assert len(compressor.calls) == 2
    assert b"navy" in gzip.decompress((tmp_path / "app.css.gz").read_bytes())


def test_it_leaves_source_maps_uncompressed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    storage = StaticFilesStorage(location=str(tmp_path))
    (tmp_path / "bundle.js.map").write_text("{}" * 1000, encoding="utf-8")
    (tmp_path / "bundle.js").write_text("var a = 1;\n" * 1000, encoding="utf-8")
    processed = list(storage.post_process({"bundle.js.map": None, "bundle.js": None}))
    assert {original for original, _name, _done in processed} == {"bundle.js"}
    assert not (tmp_path / "bundle.js.map.gz").exists()
