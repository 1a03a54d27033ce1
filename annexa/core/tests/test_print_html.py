"""The printed documents' helpers: citations by manifest entry number, and the PDF worker's
stream compression."""

from __future__ import annotations

import zlib

import pydyf

from annexa.core.pdf_fetcher import AssetFetcher
from annexa.core.pdf_worker import STREAM_LEVEL, stream_level, write_pdf
from annexa.core.print_html import entries


def test_entries_are_sorted_numbers_with_three_or_more_consecutive_as_a_range():
    assert entries([36, *range(12, 36), 40, 3, 4, 12]) == "E3, E4, E12–E36, E40"
    assert entries([5]) == "E5"
    assert entries([7, 8]) == "E7, E8"
    assert entries([1, 2, 3]) == "E1–E3"
    assert entries([]) == ""


def test_every_cited_number_is_in_the_entries_it_is_printed_as():
    cited = {1, 2, 3, 5, 8, 9, 10, 11, 20, 22, 23}
    printed: set[int] = set()
    for part in entries(cited).split(", "):
        first, _, last = part.partition("–")
        printed.update(range(int(first[1:]), int((last or first)[1:]) + 1))
    assert printed == cited


def test_the_worker_compresses_streams_at_its_level_and_restores_pydyf():
    levels = []
    original = zlib.compressobj

    def spy(level=-1, *args):
        levels.append(level)
        return original(level, *args)

    with stream_level(3):
        assert pydyf.zlib is not zlib
        pydyf.zlib.compressobj(level=9)
    assert pydyf.zlib is zlib
    zlib.compressobj = spy
    try:
        pdf = write_pdf("<p>Hello</p>", AssetFetcher())
    finally:
        zlib.compressobj = original
    assert pdf.startswith(b"%PDF") and pydyf.zlib is zlib
    assert levels and set(levels) == {STREAM_LEVEL}
