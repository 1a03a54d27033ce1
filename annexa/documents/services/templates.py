"""The starter policies written by the Annexa authors (``data/templates/``): each a Markdown
text and, in ``index.json``, the clauses and Annex A controls it addresses. An organization
copies one into its register as a draft to adapt; nothing here is approved on anyone's
behalf."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError

from annexa.core.tenancy import OrgContext
from annexa.documents.models import Document
from annexa.documents.services import register

FOLDER = Path(__file__).resolve().parent.parent / "data" / "templates"


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    kind: str
    file: str
    review_months: int
    clauses: tuple[str, ...]
    controls: tuple[str, ...]

    @property
    def text(self) -> str:
        return (FOLDER / self.file).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    index = json.loads((FOLDER / "index.json").read_text(encoding="utf-8"))
    return tuple(
        Template(
            key=item["key"],
            title=item["title"],
            kind=item["kind"],
            file=item["file"],
            review_months=item["review_months"],
            clauses=tuple(item["clauses"]),
            controls=tuple(item["controls"]),
        )
        for item in index["templates"]
    )


def get(key: str) -> Template:
    for template in templates():
        if template.key == key:
            return template
    keys = ", ".join(t.key for t in templates())
    raise ValidationError({"template": f"No starter template {key!r}; choose one of {keys}."})


def copied(org) -> dict[str, Document]:
    """The organization's documents copied from each template, by key."""
    found = Document.objects.for_org(org).exclude(template="").order_by("number")
    return {d.template: d for d in found}


def copy(ctx: OrgContext, key: str, *, title: str = "") -> Document:
    """A new draft document (1.0) from the template ``key``, owned by the caller, to adapt
    before it is submitted for review."""
    template = get(key)
    return register.create_document(
        ctx,
        {
            "title": title or template.title,
            "kind": template.kind,
            "clauses": list(template.clauses),
            "controls": list(template.controls),
            "review_months": template.review_months,
        },
        # The organization's name is known; the roles in brackets are left for it to fill in.
        markdown=template.text.replace("[Organization]", ctx.org.name),
        change_summary=f"Copied from the Annexa starter template {template.title!r}.",
        template=template.key,
    )
