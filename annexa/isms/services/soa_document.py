"""The Statement of Applicability as a controlled document: approved versions and their files.

An owner or ISMS manager approves the SoA as it stands ("Approve SoA"): a numbered
``SoAApproval`` with the approver, the time, a note and the SHA-256 of every entry's decision.
The document (PDF or DOCX) has a front page (organization, title, version, date, approver), the
table of controls and the change history: the SoA's ledger entries since the previous approved
version. While the SoA reads as its latest approval, the document is that version; once an
entry changed, it is a draft whose change history runs since the last approved version.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from annexa.core.pdf import PDFError, render_isolated
from annexa.core.tenancy import OrgContext
from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import SoAApproval, SoAEntry
from annexa.isms.services import soa_links
from annexa.isms.services.common import PERMISSION, clean_text
from annexa.isms.services.soa import OBJECT_TYPE, ensure_soa, snapshot
from annexa.ledger import services as ledger
from annexa.ledger.models import LedgerEntry

FORMATS = ("pdf", "docx")
TITLE = "Statement of Applicability"
CONTROL_HEADER = ("Control", "Applicable", "Justification", "Status", "Owner")
# Column widths (mm) of the DOCX controls table, without and with the risks cited per control.
CONTROL_WIDTHS = (40, 18, 64, 24, 28)
CITED_WIDTHS = (36, 16, 56, 22, 26, 18)
CHANGE_HEADER = ("When (UTC)", "Who", "Control", "Change")
NOTE_LIMIT = 2_000
SHOWN_LIMIT = 300  # characters of a changed text shown in the history


class SoADocumentError(Exception):
    """The document cannot be produced; the message says what to fix."""


@dataclass(frozen=True)
class Change:
    time: str
    actor: str
    control: str
    summary: str


@dataclass(frozen=True)
class SoADocument:
    organization: str
    title: str
    version: str
    date: str
    approver: str
    note: str
    rows: list[tuple[str, ...]]
    changes: list[Change]
    history_since: str
    # The heading of the last column, the records citing each control (the risks whose
    # treatment chose it, ``soa_links``); blank when nothing cites the SoA.
    cited_heading: str = ""

    @property
    def header(self) -> tuple[str, ...]:
        return (*CONTROL_HEADER, self.cited_heading) if self.cited_heading else CONTROL_HEADER

    @property
    def front(self) -> list[tuple[str, str]]:
        return [
            ("Organization", self.organization),
            ("Document", self.title),
            ("Version", self.version),
            ("Date", self.date),
            ("Approved by", self.approver),
        ]


def _entries(org):
    ensure_soa(org)
    return list(SoAEntry.objects.for_org(org).select_related("control", "control_owner"))


def snapshot_hash(entries) -> str:
    """The SHA-256 of every entry's decision, in control order (canonical JSON)."""
    data = {e.control_id: snapshot(e) for e in entries}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def latest_approval(org) -> SoAApproval | None:
    return (
        SoAApproval.objects.for_org(org).select_related("approved_by").order_by("-number").first()
    )


def approve_soa(ctx: OrgContext, note: str = "") -> SoAApproval:
    """Approve the SoA as it stands now as its next version (owner or ISMS manager)."""
    ctx.require(PERMISSION)
    if ctx.user is None:
        raise ValidationError({"approved_by": "Approval needs a person: act as a member."})
    note = clean_text(note)
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": f"Keep the note under {NOTE_LIMIT:,} characters."})
    with transaction.atomic():
        # The SoA's rows locked, so no change slips in between the hash and the approval.
        entries = list(
            SoAEntry.objects.for_org(ctx.org)
            .select_for_update(of=("self",))
            .select_related("control", "control_owner")
        ) or _entries(ctx.org)
        digest = snapshot_hash(entries)
        previous = latest_approval(ctx.org)
        if previous is not None and previous.snapshot_sha256 == digest:
            raise ValidationError(
                {"version": f"Nothing changed since version {previous.number}: it stays approved."}
            )
        number = (SoAApproval.objects.for_org(ctx.org).aggregate(n=Max("number"))["n"] or 0) + 1
        approved_at = timezone.now().replace(microsecond=0)
        entry = ledger.append(
            ctx,
            object_type="soa",
            object_id=str(ctx.org.uid),
            action="approve",
            data={
                "number": number,
                "approved_by": ctx.user.email,
                "approved_at": approved_at.isoformat(),
                "note": note,
                "snapshot_sha256": digest,
            },
        )
        return SoAApproval.objects.create(
            organization=ctx.org,
            number=number,
            approved_by=ctx.user,
            approved_at=approved_at,
            note=note,
            snapshot_sha256=digest,
            ledger_seq=entry.seq,
        )


def _shown(value) -> str:
    text = "—" if value in (None, "") else str(value)
    text = {"True": "yes", "False": "no"}.get(text, text)
    return text if len(text) <= SHOWN_LIMIT else text[: SHOWN_LIMIT - 1] + "…"


def _changes(org, after_seq: int, up_to_seq: int | None) -> list[Change]:
    entries = LedgerEntry.objects.filter(
        organization=org, object_type=OBJECT_TYPE, seq__gt=after_seq
    )
    if up_to_seq is not None:
        entries = entries.filter(seq__lt=up_to_seq)
    found = []
    for entry in entries.order_by("seq"):
        data = json.loads(entry.data)
        before, after = data.get("before") or {}, data.get("after") or {}
        parts = [f"{name}: {_shown(before.get(name))} → {_shown(after[name])}" for name in after]
        found.append(
            Change(
                entry.time[:16].replace("T", " "), entry.actor, entry.object_id, "; ".join(parts)
            )
        )
    return found


def build(org) -> SoADocument:
    """The SoA document as the SoA stands: an approved version, or a draft after one."""
    entries = _entries(org)
    latest = latest_approval(org)
    current = latest is not None and latest.snapshot_sha256 == snapshot_hash(entries)
    if current:
        before = SoAApproval.objects.for_org(org).filter(number=latest.number - 1).first()
        version = f"Version {latest.number}"
        date, approver = f"{latest.approved_at:%Y-%m-%d}", _person(latest.approved_by)
        changes = _changes(org, before.ledger_seq if before else 0, latest.ledger_seq)
        since = f"since version {before.number}" if before else "since the SoA was created"
        note = latest.note
    else:
        base = f"changes since version {latest.number}" if latest else "never approved"
        version = f"Draft ({base})"
        date, approver, note = f"{timezone.now():%Y-%m-%d}", "Not approved", ""
        changes = _changes(org, latest.ledger_seq if latest else 0, None)
        since = f"since version {latest.number}" if latest else "since the SoA was created"
    status = dict(ImplementationStatus.choices)
    heading = soa_links.heading()
    cited = soa_links.links(org) if heading else {}
    rows = [
        (
            f"{e.control_id} {e.control.title}",
            "Yes" if e.applicable else "No",
            e.justification or "—",
            status.get(e.status, e.status),
            _person(e.control_owner) if e.control_owner else "—",
            *((_cited(cited.get(e.control_id)),) if heading else ()),
        )
        for e in entries
    ]
    return SoADocument(
        organization=org.name,
        title=TITLE,
        version=version,
        date=date,
        approver=approver,
        note=note,
        rows=rows,
        changes=changes,
        history_since=since,
        cited_heading=heading,
    )


def _cited(links: soa_links.ControlLinks | None) -> str:
    """The references citing a control, with a conflict or proposal said."""
    if links is None:
        return "—"
    if links.conflict:
        return f"{links.references} (conflict: excluded)"
    if links.is_proposal:
        return f"{links.references} (proposed)"
    return links.references


def _person(user) -> str:
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


def render(org, fmt: str) -> tuple[bytes, str]:
    """The SoA document of ``org`` in ``fmt`` (``pdf`` or ``docx``): (bytes, filename)."""
    if fmt not in FORMATS:
        raise SoADocumentError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    document = build(org)
    label = document.version.split(" (")[0].lower().replace(" ", "-")
    name = f"{org.slug}-soa-{label}.{fmt}"
    if fmt == "docx":
        return _docx(document), name
    html = render_to_string("isms/soa/document.html", {"document": document})
    try:
        return render_isolated(html, what=f"the SoA of {org.slug}", alternatives="DOCX"), name
    except PDFError as exc:
        raise SoADocumentError(str(exc)) from None


def _docx(document: SoADocument) -> bytes:
    from docx import Document

    from annexa.reports.render.docx import _table as table

    doc = Document()
    doc.core_properties.title = f"{document.title}, {document.version}"
    doc.add_heading(document.title, level=0)
    table(doc, ("", ""), document.front, (45, 129))
    if document.note:
        doc.add_paragraph(document.note)
    doc.add_page_break()
    doc.add_heading("Controls", level=1)
    widths = CITED_WIDTHS if document.cited_heading else CONTROL_WIDTHS
    table(doc, document.header, document.rows, widths)
    doc.add_heading(f"Change history {document.history_since}", level=1)
    if document.changes:
        body = [(c.time, c.actor, c.control, c.summary) for c in document.changes]
        table(doc, CHANGE_HEADER, body, (28, 36, 18, 92))
    else:
        doc.add_paragraph("No change.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


__all__ = ["FORMATS", "SoADocumentError", "approve_soa", "build", "latest_approval", "render"]
