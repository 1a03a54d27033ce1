"""Streaming JSON values out of a JSON array or a JSON Lines file, in constant memory.

``iter_values`` reads text in chunks and decodes one top-level value at a time with
``json.JSONDecoder.raw_decode``; only the current value and one chunk are ever held. It accepts
a top-level array ``[{…}, {…}]`` (read element by element, never as a whole), and a sequence
of values separated by whitespace (JSON Lines, or concatenated JSON). Every value must be an
object; a value larger than ``max_value_bytes`` is refused rather than buffered without end.

The input is read to its end: an array that is never closed or a value cut off by the end of
the file is a ``FormatError`` saying the file is incomplete, and a value nested too deeply for
the decoder is refused with a ``FormatError`` rather than a ``RecursionError``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from annexa.connectors.formats import FormatError, too_deep

CHUNK_CHARS = 256 * 1024
MAX_VALUE_CHARS = 16 * 1024 * 1024
# A decoding error this far before the end of the buffered text is a real syntax error, not a
# value cut off by the chunk boundary (those fail at the very end of the buffer).
SYNTAX_SLACK = 64 * 1024
_WHITESPACE = " \t\n\r"


class _Reader:
    """A sliding window over decoded text: ``buf[pos:]`` is what has not been consumed yet."""

    def __init__(self, stream: BinaryIO, chunk_chars: int) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.base_chunk = chunk_chars
        self.chunk_bytes = chunk_chars
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped from the front, for error offsets

    def more(self) -> bool:
        """Append one more chunk; False at end of input."""
        if self.eof:
            return False
        data = self.stream.read(self.chunk_bytes)
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise FormatError(f"not UTF-8 near character {self.offset}: {exc}") from None
        if not data:
            self.eof = True
        if self.pos:
            self.consumed += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += text
        return bool(data) or bool(text)

    @property
    def offset(self) -> int:
        return self.consumed + self.pos

    def skip_space(self) -> str:
        """The next non-whitespace character (not consumed), '' at end of input."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""


def iter_values(
    stream: BinaryIO,
    *,
    chunk_chars: int = CHUNK_CHARS,
    max_value_chars: int = MAX_VALUE_CHARS,
) -> Iterator[dict[str, Any]]:
    """Each top-level object of a JSON array or JSON Lines stream, in order."""
    reader = _Reader(stream, chunk_chars)
    first = reader.skip_space()
    if first == "":
        return
    if first == "[":
        reader.pos += 1
        yield from _array(reader, max_value_chars)
    else:
        yield from _sequence(reader, max_value_chars)


def _array(reader: _Reader, limit: int) -> Iterator[dict[str, Any]]:
    expect_value = True
    first = True
    while True:
        char = reader.skip_space()
        if char == "":
            raise FormatError(
                "the JSON array is not closed: the file ends early, so it is incomplete"
            )
        if char == "]" and (first or not expect_value):
            reader.pos += 1
            break
        if char == "," and not expect_value:
            reader.pos += 1
            expect_value = True
            continue
        if not expect_value:
            raise FormatError(f"expected ',' or ']' at character {reader.offset}")
        yield _value(reader, limit)
        expect_value = first = False
    if reader.skip_space() != "":
        raise FormatError(f"unexpected content after the JSON array at character {reader.offset}")


def _sequence(reader: _Reader, limit: int) -> Iterator[dict[str, Any]]:
    while reader.skip_space() != "":
        yield _value(reader, limit)


_decoder = json.JSONDecoder()


def _value(reader: _Reader, limit: int) -> dict[str, Any]:
    """Decode the value at the reader's position, reading more text until it is complete."""
    while True:
        try:
            value, end = _decoder.raw_decode(reader.buf, reader.pos)
        except RecursionError:
            raise too_deep(f"the value at character {reader.offset}") from None
        except json.JSONDecodeError as exc:
            # An object cut off by the chunk boundary fails to decode: read more and retry.
            # Growing the chunk keeps one huge value from being re-scanned many times.
            if len(reader.buf) - reader.pos > limit:
                raise FormatError(
                    f"a value at character {reader.offset} is larger than {limit} characters"
                ) from None
            unterminated = exc.msg.startswith("Unterminated string")
            where = reader.consumed + exc.pos
            # At the end of the input, a value cut off by it fails where the text stops (or in
            # a string that never closes); an error earlier in the text is a syntax error.
            at_end = unterminated or not reader.buf[exc.pos :].strip()
            cut_off = unterminated or len(reader.buf) - exc.pos <= SYNTAX_SLACK
            if cut_off and reader.more():
                reader.chunk_bytes = min(reader.chunk_bytes * 2, 16 * 1024 * 1024)
                continue
            if at_end:
                raise FormatError(
                    f"the JSON ends early, inside the value that starts at character "
                    f"{reader.offset}: the file is incomplete"
                ) from None
            raise FormatError(f"invalid JSON at character {where}: {exc.msg}") from None
        break
    if not isinstance(value, dict):
        raise FormatError(
            f"expected a JSON object at character {reader.offset}, found {type(value).__name__}"
        )
    reader.pos = end
    reader.chunk_bytes = reader.base_chunk
    return value


def kind_of_stream(stream: BinaryIO) -> str:
    """``"array"``, ``"lines"`` or ``"empty"``, from the first non-whitespace character."""
    head = stream.read(4096).decode("utf-8-sig", "replace").lstrip(_WHITESPACE)
    if not head:
        return "empty"
    return "array" if head.startswith("[") else "lines"
