"""The checklist out (XLSX, CSV, JSON, PDF) and back in (``checklist_import``).

The XLSX sheet is for offline fieldwork: one row per item on the checklist, the columns the
auditor fills, and each item's ``version``. Exporting and importing an unchanged sheet is a
no-op. The PDF is for printing; it is rendered without any network or file access.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from django.utils import timezone

from annexa.audits.choices import AuditMethod
from annexa.audits.models import Audit, ChecklistItem
from annexa.audits.services import checklist_rows, fieldwork
from annexa.core import spreadsheets
from annexa.core.tenancy import OrgContext

COLUMNS = (
    "item_id",
    "ref",
    "title",
    "question",
    "expected_documents",
    "evidence_on_file",
    "automated_results",
    "result",
    "methods",
    "examined",
    "analysis",
    "verification",
    "auditees",
    "notes",
    "version",
)
WIDTHS = (38, 10, 36, 60, 50, 40, 40, 16, 24, 40, 40, 40, 30, 40, 8)
LIST_SEPARATOR = "; "
PDF_MEDIA_TYPE = "application/pdf"
JSON_MEDIA_TYPE = "application/json"


# --- export ----------------------------------------------------------------------------------


def export_rows(audit: Audit) -> list[list[str]]:
    """The items on the checklist (not removed) as rows of text in ``COLUMNS`` order."""
    items = list(checklist_rows.items_of(audit).filter(removed=False).prefetch_related("auditees"))
    return [_sheet_row(row) for row in checklist_rows.rows(audit, items)]


def _sheet_row(row: checklist_rows.Row) -> list[str]:
    item = row.item
    methods = [AuditMethod(m).label for m in item.methods if m in AuditMethod.values]
    return [
        str(item.uid),
        item.subject_id,
        subject_title(item),
        "\n".join(item.questions),
        "\n".join(item.expected_documents),
        "\n".join(_on_file_text(f) for f in row.on_file),
        "\n".join(_automated_text(a) for a in row.automated),
        item.result,
        LIST_SEPARATOR.join(methods),
        item.examined,
        item.analysis,
        item.verification,
        auditees_text(item),
        item.notes,
        str(item.version),
    ]


def subject_title(item: ChecklistItem) -> str:
    subject = item.control or item.requirement
    return subject.title if subject else ""


def _on_file_text(entry: checklist_rows.OnFile) -> str:
    version = f"v{entry.version_number}" if entry.version_number else "no version"
    return f"{entry.title} ({version}, {entry.freshness.replace('_', ' ')})"


def _automated_text(result: dict) -> str:
    when = result["observed_at"][:16].replace("T", " ")
    return f"{result['test_id']} on {result['system']}: {result['status']} ({when})"


def auditees_text(item: ChecklistItem) -> str:
    """Members by e-mail address, then the other people interviewed, one list."""
    people = sorted(u.email for u in item.auditees.all())
    people += [line.strip() for line in item.auditees_other.splitlines() if line.strip()]
    return LIST_SEPARATOR.join(people)


def export_xlsx(audit: Audit) -> bytes:
    return spreadsheets.write_xlsx(
        COLUMNS, export_rows(audit), title=f"Checklist {audit.reference}", widths=WIDTHS
    )


def export_csv(audit: Audit) -> bytes:
    return spreadsheets.write_csv(COLUMNS, export_rows(audit))


def export_json(audit: Audit) -> bytes:
    """Every item, removed ones included, with everything recorded about it."""
    items = list(checklist_rows.items_of(audit).prefetch_related("auditees"))
    document = {
        "audit": {"uid": str(audit.uid), "reference": audit.reference, "title": audit.title},
        "exported_at": timezone.now().isoformat(),
        "items": [item_data(row) for row in checklist_rows.rows(audit, items, with_linked=True)],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def item_data(row: checklist_rows.Row) -> dict[str, Any]:
    """One item as JSON-safe data."""
    item = row.item
    return {
        "uid": str(item.uid),
        "order": item.order,
        "subject": item.subject_id,
        "title": subject_title(item),
        "adhoc": item.adhoc,
        "removed": item.removed,
        "removal_reason": item.removal_reason,
        "in_scope": row.in_scope,
        "questions": list(item.questions),
        "expected_documents": list(item.expected_documents),
        "evidence_on_file": [
            {
                "title": f.title,
                "version": f.version_number,
                "filename": f.filename,
                "valid_until": f.valid_until.isoformat() if f.valid_until else None,
                "freshness": f.freshness,
            }
            for f in row.on_file
        ],
        "linked_evidence": [
            {
                "uid": str(v.uid),
                "title": v.evidence.title,
                "version": v.number,
                "filename": v.filename,
                "sha256": v.sha256,
            }
            for v in row.linked
        ],
        "automated_results": row.automated,
        **fieldwork.snapshot(item),
        "version": item.version,
        "updated_by": item.updated_by.email if item.updated_by else None,
        "updated_at": item.updated_at.isoformat(),
    }


def export_pdf(audit: Audit) -> bytes:
    """The checklist for printing (``checklist_print``), rendered by the PDF worker process
    (``annexa.core.pdf``): stopped after ANNEXA_REPORT_PDF_SECONDS (``PDFError``), no network
    or file access."""
    from annexa.audits.services import checklist_print
    from annexa.core.pdf import render_isolated

    return render_isolated(
        checklist_print.html(audit),
        what=f"the checklist PDF of {audit.reference}",
        alternatives="another format (XLSX, CSV, JSON)",
    )


def import_checklist(ctx: OrgContext, audit: Audit, file: bytes | BinaryIO):
    """Apply a filled XLSX sheet, all or nothing (see ``checklist_import``)."""
    from annexa.audits.services import checklist_import

    return checklist_import.import_checklist(ctx, audit, file)
