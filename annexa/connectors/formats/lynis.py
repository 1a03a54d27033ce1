"""The Lynis report (``lynis-report.dat``): ``key=value`` lines, ``key[]=value`` for lists.

Warnings and suggestions are ``TEST-ID|text|details|solution|`` records; the installed
packages are one ``installed_packages_array=|name,version|…`` line.

Lynis writes the report as it goes and ends it, once every test has run, with
``report_datetime_end``, ``tests_executed``, ``tests_skipped`` and last ``finish=true``. A file
without that last line is a report cut short (a copy interrupted, a run killed, a disk full):
judging it would count the tests it happens to hold, so it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from annexa.connectors.formats import FormatError

MAX_LINE = 4 * 1024 * 1024
# The line Lynis writes last, after the closing keys (lynis, "Show test results overview").
END_KEY, END_VALUE = "finish", "true"
TEST_ID = re.compile(r"^[A-Z]{2,6}-\d{4}$")


@dataclass(frozen=True, slots=True)
class Notice:
    """One warning or suggestion: the Lynis test that raised it, its text, details, solution."""

    test_id: str
    text: str
    details: str
    solution: str


@dataclass
class LynisReport:
    """A parsed report: single values, list values, and helpers the control tests use."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def number(self, key: str) -> int | None:
        """An integer value, or None when absent or not a number."""
        raw = self.values.get(key, "").strip()
        if raw.lstrip("-").isdigit():
            return int(raw)
        return None

    def flag(self, key: str) -> bool | None:
        """``1``/``0`` values as booleans; None when the report does not have the key."""
        number = self.number(key)
        return None if number is None else number == 1

    def items(self, key: str) -> list[str]:
        return self.lists.get(key, [])

    @property
    def warnings(self) -> list[Notice]:
        return _notices(self.items("warning"))

    @property
    def suggestions(self) -> list[Notice]:
        return _notices(self.items("suggestion"))

    def notices(self, *test_ids: str) -> list[Notice]:
        """Warnings and suggestions raised by the given tests (prefixes like ``SSH-`` work)."""
        return [n for n in [*self.warnings, *self.suggestions] if n.test_id.startswith(test_ids)]

    @property
    def tests_executed(self) -> set[str]:
        return _pipe_set(self.values.get("tests_executed", ""))

    @property
    def tests_skipped(self) -> set[str]:
        return _pipe_set(self.values.get("tests_skipped", ""))

    def ran(self, test_id: str) -> bool:
        return test_id in self.tests_executed

    @property
    def installed_packages(self) -> list[tuple[str, str]]:
        """(name, version) of every installed package the report lists."""
        packages = []
        for entry in self.values.get("installed_packages_array", "").split("|"):
            name, _, version = entry.partition(",")
            if name.strip():
                packages.append((name.strip(), version.strip()))
        return packages

    @property
    def hostname(self) -> str:
        return self.values.get("hostname", "") or self.values.get("hostid", "")

    @property
    def is_empty(self) -> bool:
        return not self.values and not self.lists


def _pipe_set(text: str) -> set[str]:
    return {part for part in text.split("|") if part}


def _notices(entries: Iterable[str]) -> list[Notice]:
    found = []
    for entry in entries:
        parts = [*entry.split("|"), "", "", ""]
        found.append(Notice(parts[0], parts[1], parts[2], parts[3]))
    return found


def parse_lines(lines: Iterable[str]) -> LynisReport:
    """A report from its lines; ``FormatError`` for a line that is not ``key=value``."""
    report = LynisReport()
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key or " " in key:
            raise FormatError(
                f"not a Lynis report: line {number} is not a key=value line: {line[:80]!r}"
            )
        if key.endswith("[]"):
            report.lists.setdefault(key[:-2], []).append(value)
        elif key in report.values and key == "uncommon_network_protocol_enabled":
            # Lynis writes this key once per protocol without the [] marker.
            report.lists.setdefault(key, [report.values[key]]).append(value)
        else:
            report.values[key] = value
    return report


class _Lines:
    """The decoded lines of a report file; remembers whether the last one read was cut off
    (a file that ends without a newline ends in the middle of a line Lynis wrote)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.cut_off = False

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.stream, start=1):
            if len(raw) > MAX_LINE:
                raise FormatError(f"line {number} is longer than {MAX_LINE} bytes")
            self.cut_off = not raw.endswith(b"\n")
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("latin-1")  # Lynis copies bytes from config files verbatim


def _incomplete(reason: str) -> FormatError:
    return FormatError(
        f"the Lynis report is incomplete: {reason}, so the file was cut short or the audit did "
        "not finish; give the whole lynis-report.dat of a finished `lynis audit system`"
    )


def parse(stream: BinaryIO) -> LynisReport:
    """Parse a complete report file; ``FormatError`` when it is not a Lynis report or when it
    is cut short (it does not end with ``finish=true``)."""
    lines = _Lines(stream)
    try:
        report = parse_lines(lines)
    except FormatError:
        if lines.cut_off:
            raise _incomplete("its last line stops in the middle") from None
        raise
    if report.is_empty:
        raise FormatError("the Lynis report is empty")
    if "lynis_version" not in report.values and "report_version_major" not in report.values:
        raise FormatError("not a Lynis report: it has no lynis_version or report_version line")
    if report.values.get(END_KEY) != END_VALUE:
        raise _incomplete(f"it does not end with the line {END_KEY}={END_VALUE} Lynis writes last")
    return report


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore")
    return text.lstrip().startswith("# Lynis Report") or (
        "report_version_major=" in text and "lynis_version=" in text
    )
