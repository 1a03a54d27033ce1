"""Identifier rules of the catalog: formats, parents, kinds and a sort key.

Requirement ids are clause numbers with lettered items appended (``6.1.2.c``) and their
numbered sub-items after that (``6.1.2.c.1``); amendments add named items (``4.1.climate``).
Annex A ids are ``A.<theme>.<n>``; ISO/IEC 27001:2013 ids are ``A.<section>.<n>.<n>``.
"""

from __future__ import annotations

import re

from annexa.catalog.choices import RequirementKind

REQUIREMENT_ID = re.compile(
    r"^(?:[4-9]|10)(?:\.[1-9][0-9]?){0,2}(?:\.(?:[a-z]|[a-z]{3,20})(?:\.[1-9])?)?$"
)
CONTROL_ID = re.compile(r"^A\.[5-8]\.[1-9][0-9]?$")
LEGACY_ID = re.compile(r"^A\.(?:[5-9]|1[0-8])\.[1-9]\.[1-9][0-9]?$")


def sort_key(identifier: str) -> str:
    """A string that sorts ids naturally: ``A.5.9`` < ``A.5.10`` and ``9.3`` < ``10.1``.

    Numeric segments are zero-padded to three digits so plain string order (in Python and in
    the database) matches the numbering of the standard.
    """
    return ".".join(part.zfill(3) if part.isdigit() else part for part in identifier.split("."))


def parent_of(requirement_id: str) -> str | None:
    """The id a requirement hangs under: ``6.1.2`` for ``6.1.2.c``; None for a clause."""
    if "." not in requirement_id:
        return None
    return requirement_id.rsplit(".", 1)[0]


def kind_of(requirement_id: str) -> str:
    """Clause (``6``), sub-clause (``6.1.2``) or item (anything with a lettered or named part)."""
    parts = requirement_id.split(".")
    if len(parts) == 1:
        return RequirementKind.CLAUSE
    if all(part.isdigit() for part in parts):
        return RequirementKind.SUBCLAUSE
    return RequirementKind.ITEM


def is_named(requirement_id: str) -> bool:
    """True for items an amendment added by name (``4.1.climate``) rather than by letter."""
    last = requirement_id.rsplit(".", 1)[-1]
    return last.isalpha() and len(last) > 1


def clause_of(requirement_id: str) -> int:
    return int(requirement_id.split(".", 1)[0])
