"""A small iCalendar (RFC 5545) writer: escaping, CRLF line ends and folding at 75 octets.

Hand-written rather than a dependency: Annexa only writes all-day events, and the rules that
matter (section 3.1 folding, section 3.3.11 text escaping) fit on one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MEDIA_TYPE = "text/calendar; charset=utf-8"
LINE_OCTETS = 75
PRODUCT_ID = "-//Annexa//Audit programme//EN"


@dataclass(frozen=True)
class Event:
    """One all-day event; ``end`` is the last day (inclusive), written as the next day."""

    uid: str
    start: dt.date
    end: dt.date
    summary: str
    description: str = ""
    stamp: dt.datetime | None = None
    categories: Sequence[str] = ()
    status: str = "CONFIRMED"  # TENTATIVE, CONFIRMED or CANCELLED


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(char, escaped)
    return value


def fold(line: str) -> str:
    """Split a content line into CRLF-joined pieces of at most 75 octets (UTF-8).

    Continuation lines start with one space, which counts towards their 75 octets; a
    multi-octet character is never split.
    """
    pieces: list[str] = []
    current, size, limit = [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [" "], 1, LINE_OCTETS
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event, fallback_stamp: dt.datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_utc(event.stamp or fallback_stamp)}",
        f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.end + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{event.status}",
        "TRANSP:TRANSPARENT",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines.append("END:VEVENT")
    return lines


def calendar(name: str, events: Iterable[Event], *, stamp: dt.datetime) -> bytes:
    """A VCALENDAR with ``events``; ``stamp`` is the DTSTAMP of events that carry none."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")
