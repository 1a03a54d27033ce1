"""Read access to the loaded catalog, shared by the web pages, the API, the CLI and other apps.

The catalog is small (about 100 controls and 160 requirements), so filters that the database
cannot express portably (membership in a JSON list on SQLite) run in Python.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from annexa.catalog import ids
from annexa.catalog.choices import ATTRIBUTES, Theme
from annexa.catalog.models import Control, LegacyControl, Requirement


class UnknownIdError(LookupError):
    """One or more ids are not in the catalog; the message lists them."""

    def __init__(self, what: str, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(f"unknown {what} id(s): {', '.join(unknown)}")


def controls(
    *,
    theme: str | None = None,
    new_in_2022: bool | None = None,
    attribute: tuple[str, str] | None = None,
    text: str | None = None,
) -> list[Control]:
    """Annex A controls in id order, narrowed by theme, novelty, one attribute value and text.

    ``attribute`` is ``(attribute_set, value)``, e.g. ``("control_type", "Detective")``; text
    matches the id or the title, case-insensitively.
    """
    queryset = Control.objects.prefetch_related("legacy_controls")
    if theme is not None:
        if theme not in Theme.values:
            raise ValueError(f"unknown theme {theme!r} (choose from {', '.join(Theme.values)})")
        queryset = queryset.filter(theme=theme)
    if new_in_2022 is not None:
        queryset = queryset.filter(new_in_2022=new_in_2022)
    result = list(queryset)
    if attribute is not None:
        name, value = _checked_attribute(attribute)
        result = [control for control in result if value in getattr(control, name)]
    if text:
        needle = text.strip().casefold()
        result = [c for c in result if needle in c.id.casefold() or needle in c.title.casefold()]
    return result


def _checked_attribute(attribute: tuple[str, str]) -> tuple[str, str]:
    name, value = attribute
    if name not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {name!r} (choose from {', '.join(ATTRIBUTES)})")
    if value not in ATTRIBUTES[name]:
        raise ValueError(f"unknown {name} value {value!r}")
    return name, value


def control(control_id: str) -> Control:
    """One Annex A control with its 2013 sources prefetched."""
    found = Control.objects.prefetch_related("legacy_controls").filter(id=control_id).first()
    if found is None:
        raise UnknownIdError("Annex A control", [control_id])
    return found


def attributes_of(item: Control) -> dict[str, list[str]]:
    """A control's ISO/IEC 27002 attributes, keyed by attribute set, in the standard's order."""
    return {name: list(getattr(item, name)) for name in ATTRIBUTES}


def requirements(auditable_only: bool = False) -> QuerySet[Requirement]:
    """Clause requirements 4 … 10.2 in the order of the standard."""
    queryset = Requirement.objects.all()
    if auditable_only:
        queryset = queryset.filter(auditable=True)
    return queryset


def requirement(requirement_id: str) -> Requirement:
    found = Requirement.objects.select_related("parent").filter(id=requirement_id).first()
    if found is None:
        raise UnknownIdError("requirement", [requirement_id])
    return found


def requirement_depth(item: Requirement) -> int:
    """Nesting level for display: 0 for a clause, 1 for 6.1, 2 for 6.1.2, 3 for 6.1.2.c …"""
    return item.id.count(".")


def ancestors(item: Requirement) -> list[Requirement]:
    """The chain of parents from the clause down to (not including) ``item``."""
    chain_ids = []
    current = ids.parent_of(item.id)
    while current is not None:
        chain_ids.append(current)
        current = ids.parent_of(current)
    found = Requirement.objects.in_bulk(chain_ids)
    return [found[rid] for rid in reversed(chain_ids) if rid in found]


def mandatory_documents() -> QuerySet[Requirement]:
    """Requirements that call for documented information, with our short name of it."""
    return Requirement.objects.exclude(mandatory_document="")


def legacy_controls() -> QuerySet[LegacyControl]:
    """ISO/IEC 27001:2013 Annex A controls with their 2022 counterparts prefetched."""
    return LegacyControl.objects.prefetch_related("controls")


def map_2013(legacy_ids: Iterable[str]) -> dict[str, list[str]]:
    """The 2022 controls each given 2013 control corresponds to, in the order asked.

    Raises ``UnknownIdError`` naming every id that is not a 2013 Annex A control.
    """
    wanted = list(dict.fromkeys(legacy_ids))
    found = {item.id: item for item in legacy_controls().filter(id__in=wanted)}
    unknown = [legacy_id for legacy_id in wanted if legacy_id not in found]
    if unknown:
        raise UnknownIdError("ISO/IEC 27001:2013 control", unknown)
    return {legacy_id: _targets(found[legacy_id]) for legacy_id in wanted}


def _targets(item: LegacyControl) -> list[str]:
    return sorted((target.id for target in item.controls.all()), key=ids.sort_key)
