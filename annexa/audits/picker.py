"""The audit form's scope pickers: requirements grouped by clause, controls by Annex A theme.

The server renders every option as a checkbox inside the ``<fieldset>`` of its group, each
control with what the SoA says of it, and a "whole group" checkbox per group (posted as
``<field>_groups``: the form adds the group's members, so it works without a script).
``static/audits/picker.js`` adds a search box and makes the group box tick its members on the
page. A control the SoA excludes is shown, labelled, but never added by a whole group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from annexa.catalog.choices import RequirementKind, Theme

# Annex A numbers its themes 5 to 8 (A.5 organizational … A.8 technological).
THEME_NUMBERS = {
    Theme.ORGANIZATIONAL: 5,
    Theme.PEOPLE: 6,
    Theme.PHYSICAL: 7,
    Theme.TECHNOLOGICAL: 8,
}

APPLICABLE, EXCLUDED, UNDECIDED = "applicable", "excluded", "undecided"


@dataclass
class Option:
    value: str
    label: str
    checked: bool = False
    soa: str = ""  # APPLICABLE, EXCLUDED, UNDECIDED; empty for a clause requirement
    soa_label: str = ""
    soa_note: str = ""  # the SoA's justification, shown on hover

    @property
    def in_group_selection(self) -> bool:
        """Whether "whole group" adds this option (never a control the SoA excludes)."""
        return self.soa != EXCLUDED

    @property
    def badge(self) -> str:
        return {
            APPLICABLE: "soa-applicable",
            UNDECIDED: "soa-undecided",
            EXCLUDED: "soa-excluded",
        }.get(self.soa, "")


@dataclass
class Group:
    key: str
    title: str
    options: list[Option] = field(default_factory=list)
    whole: bool = False  # the "whole group" box was ticked (a re-shown bound form)

    @property
    def selected(self) -> int:
        return sum(o.checked for o in self.options)

    @property
    def members(self) -> list[str]:
        """What "whole group" adds."""
        return [o.value for o in self.options if o.in_group_selection]


@dataclass
class Picker:
    name: str  # the form field: requirements or controls
    legend: str
    help_text: str
    groups: list[Group]
    errors: list[str] = field(default_factory=list)

    @property
    def groups_name(self) -> str:
        return f"{self.name}_groups"

    @property
    def selected(self) -> int:
        return sum(g.selected for g in self.groups)

    @property
    def total(self) -> int:
        return sum(len(g.options) for g in self.groups)

    def check(self, values: Iterable[str], wholes: Iterable[str] = ()) -> Picker:
        whole = {str(k) for k in wholes}
        # A ticked "whole group" box stands for its members: show them ticked too.
        chosen = {str(v) for v in values} | set(self.members(whole))
        for group in self.groups:
            group.whole = group.key in whole
            for option in group.options:
                option.checked = option.value in chosen
        return self

    def members(self, keys: Iterable[str]) -> list[str]:
        wanted = set(keys)
        return [v for g in self.groups if g.key in wanted for v in g.members]


def requirement_groups() -> list[Group]:
    """The auditable requirements of clauses 4 to 10, one group a clause."""
    from annexa.catalog.models import Requirement

    titles = dict(
        Requirement.objects.filter(kind=RequirementKind.CLAUSE).values_list("clause", "title")
    )
    groups: dict[int, Group] = {}
    for r in Requirement.objects.filter(auditable=True).order_by("sort_key"):
        title = f"Clause {r.clause} {titles.get(r.clause, '')}".strip()
        group = groups.setdefault(r.clause, Group(key=str(r.clause), title=title))
        group.options.append(Option(value=r.id, label=f"{r.id} {r.title}"))
    return [groups[k] for k in sorted(groups)]


def control_groups(org) -> list[Group]:
    """The Annex A controls, one group a theme, each with what the organization's SoA says."""
    from annexa.catalog.models import Control
    from annexa.isms.models import SoAEntry

    entries = {e.control_id: e for e in SoAEntry.objects.for_org(org)}
    groups = {
        theme: Group(key=theme.value, title=f"A.{THEME_NUMBERS[theme]} {theme.label} controls")
        for theme in Theme
    }
    for control in Control.objects.order_by("sort_key"):
        option = Option(value=control.id, label=f"{control.id} {control.title}")
        _describe_soa(option, entries.get(control.id))
        groups[Theme(control.theme)].options.append(option)
    return [g for g in groups.values() if g.options]


def _describe_soa(option: Option, entry) -> None:
    if entry is not None and entry.applicable:
        option.soa, option.soa_label = APPLICABLE, f"Applicable · {entry.get_status_display()}"
    elif entry is not None and entry.is_decided:
        option.soa, option.soa_label = EXCLUDED, "Not applicable"
    else:
        option.soa, option.soa_label = UNDECIDED, "SoA not decided"
    option.soa_note = entry.justification.strip() if entry is not None else ""
