"""What the layers above say about the SoA's controls: which of their records chose a control
(the risks whose treatment plan chose it, 6.1.3 b–d), the entries they propose as applicable
while the SoA is still undecided, and the exclusions that contradict them.

isms sits below the risk register and does not import it: the register registers a provider
here when Django starts (``annexa.risks.services.integration``). With no provider registered
(an installation without the risks app, or a test that builds isms alone) the SoA pages, the
export and the document simply have nothing to cite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.core.exceptions import ValidationError

from annexa.core.tenancy import OrgContext


@dataclass(frozen=True)
class Citation:
    """One record that chose a control: ``R-0004`` with its title, and its page when it has
    one (``url`` is blank otherwise)."""

    reference: str
    title: str
    url: str = ""

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


@dataclass
class ControlLinks:
    """What the providers say about one control.

    ``proposed`` is the justification a provider proposes while the entry is undecided (the
    SoA has not said whether the control applies); ``conflict`` says the SoA excludes a
    control that a provider's records chose.
    """

    control_id: str
    citations: list[Citation] = field(default_factory=list)
    proposed: str = ""
    conflict: bool = False

    @property
    def references(self) -> str:
        return ", ".join(c.reference for c in self.citations)

    @property
    def is_proposal(self) -> bool:
        return bool(self.proposed) and not self.conflict


class Provider(Protocol):
    """A source of citations (registered once, from an ``AppConfig.ready``)."""

    #: The column heading of the citations in the export and the document ("Risks treated").
    heading: str

    def links(self, org) -> dict[str, ControlLinks]: ...

    def accept(self, ctx: OrgContext, control_id: str): ...


_PROVIDERS: list[Provider] = []


def register_provider(provider: Provider) -> None:
    """Add a provider (idempotent: the same provider registered twice is kept once)."""
    if all(p is not provider for p in _PROVIDERS):
        _PROVIDERS.append(provider)


def providers() -> list[Provider]:
    return list(_PROVIDERS)


def heading() -> str:
    """The heading of the citations column, ``""`` when nothing is registered."""
    return " / ".join(p.heading for p in _PROVIDERS)


def links(org) -> dict[str, ControlLinks]:
    """By control id, what every provider says (controls nobody cites are absent)."""
    merged: dict[str, ControlLinks] = {}
    for provider in _PROVIDERS:
        for control_id, found in provider.links(org).items():
            entry = merged.setdefault(control_id, ControlLinks(control_id))
            entry.citations.extend(found.citations)
            entry.proposed = " ".join(t for t in (entry.proposed, found.proposed) if t)
            entry.conflict = entry.conflict or found.conflict
    return merged


def accept_proposal(ctx: OrgContext, control_id: str):
    """Make the proposed entry applicable, justified as its provider proposes; refused with a
    message when no provider proposes ``control_id`` (any more)."""
    for provider in _PROVIDERS:
        found = provider.links(ctx.org).get(control_id)
        if found is not None and found.is_proposal:
            return provider.accept(ctx, control_id)
    raise ValidationError(
        {"control": f"Nothing proposes {control_id} any more: the SoA may have decided it."}
    )


def counts(found: dict[str, ControlLinks]) -> tuple[int, int]:
    """(proposals, conflicts) among ``found``."""
    proposals = sum(1 for f in found.values() if f.is_proposal)
    return proposals, sum(1 for f in found.values() if f.conflict)
