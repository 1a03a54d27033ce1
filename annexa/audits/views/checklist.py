"""Checklist pages: the list with inline saves, generation, export/import, closing fieldwork.

The one-item pages (detail, save, move, remove) are in ``views.checklist_item``.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import TemplateView

from annexa.audits.choices import AuditMethod, AuditStatus, ChecklistResult
from annexa.audits.fieldwork_forms import INLINE_FIELDS, AddItemForm, ImportForm
from annexa.audits.models import Audit
from annexa.audits.services import (
    checklist,
    checklist_import,
    checklist_io,
    checklist_rows,
    fieldwork,
)
from annexa.audits.services.common import CONDUCT
from annexa.audits.views.common import ObjectMixin, error_text, is_htmx
from annexa.catalog.choices import Theme
from annexa.core import pdf, security_log, spreadsheets
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin

CLAUSES = [(c, f"Clause {c}") for c in checklist_rows.ALL_CLAUSES] + [("A", "Annex A")]
# Results a finding is raised for (conformities are recorded on the checklist only). The
# findings app sits above audits: the row links to it by URL name and reads ``item.findings``
# (the reverse of Finding.checklist_item), so nothing here imports it.
FINDING_RESULTS = frozenset(
    {
        ChecklistResult.MAJOR_NC,
        ChecklistResult.MINOR_NC,
        ChecklistResult.OBSERVATION,
        ChecklistResult.OFI,
    }
)
RAISE_FINDINGS = "findings.raise"
EXPORTS = {
    "xlsx": spreadsheets.XLSX_MEDIA_TYPE,
    "csv": spreadsheets.CSV_MEDIA_TYPE,
    "json": checklist_io.JSON_MEDIA_TYPE,
    "pdf": checklist_io.PDF_MEDIA_TYPE,
}


def checklist_url(audit: Audit) -> str:
    return reverse("audits:checklist", kwargs={"org": audit.organization.slug, "pk": audit.pk})


def can_record(ctx, audit: Audit, *, team: bool | None = None) -> bool:
    """Whether the page should offer the fieldwork forms to this member (``team``: whether
    they are on the audit's team, when the caller already knows)."""
    return (
        ctx.can(CONDUCT)
        and audit.status == AuditStatus.FIELDWORK
        and (fieldwork.on_team(ctx, audit) if team is None else team)
    )


def can_shape(ctx, audit: Audit, *, team: bool | None = None) -> bool:
    return (
        ctx.can(CONDUCT)
        and audit.status in checklist.PREPARE_STATUSES
        and (fieldwork.on_team(ctx, audit) if team is None else team)
    )


def row_context(
    ctx, row: checklist_rows.Row, *, form=None, stale: str = "", flags: dict | None = None, **extra
) -> dict:
    """What ``audits/checklist/_item.html`` needs (as ``r``) to show one item.

    The compact form is written out by the template from ``values`` and ``errors`` rather
    than rendered widget by widget: a page holds hundreds of them. ``form`` is the bound form
    of a refused save, whose input is shown again. ``flags`` (``can_record``, ``can_shape``)
    are computed once per page when many items are shown.
    """
    item = row.item
    if flags is None:
        flags = page_flags(ctx, item.audit)
    values, errors = inline_values(item, form)
    return {
        "row": row,
        "item": item,
        "pk": str(item.pk),
        "urls": item_urls(ctx.org.slug, item.pk),
        "values": values,
        "result_options": result_options(values["result"]),
        "method_boxes": method_boxes(tuple(values["methods"])),
        "errors": errors,
        "stale": stale,
        "org": ctx.org,
        "finding_result": item.result in FINDING_RESULTS and not item.removed,
        **flags,
        **extra,
    }


# A checklist page shows hundreds of items: the parts that are the same for many of them are
# built once per process (choices) or once per URL name (links), not in template loops.
ITEM_URL_NAMES = ("item", "item-save", "item-row", "item-move", "item-restore")
_MARKER = 987654321


@lru_cache(maxsize=64)
def _item_url_pattern(name: str, org_slug: str) -> str:
    return reverse(f"audits:checklist-{name}", kwargs={"org": org_slug, "pk": _MARKER})


def item_urls(org_slug: str, pk: int) -> dict[str, str]:
    """The links of one item, by name without the ``checklist-`` prefix."""
    return {
        name.replace("-", "_"): _item_url_pattern(name, org_slug).replace(str(_MARKER), str(pk))
        for name in ITEM_URL_NAMES
    }


@lru_cache(maxsize=16)
def result_options(selected: str) -> SafeString:
    """The ``<option>`` elements of the result select, ``selected`` marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, SELECTED if v == selected else "", label) for v, label in ChecklistResult.choices),
    )


@lru_cache(maxsize=64)
def method_boxes(selected: tuple[str, ...]) -> SafeString:
    """One labelled checkbox per audit method, the ``selected`` ones checked."""
    return format_html_join(
        "",
        '<label style="font-weight:normal"><input type="checkbox" name="methods" value="{}"{}>'
        " {}</label>",
        ((v, CHECKED if v in selected else "", label) for v, label in AuditMethod.choices),
    )


SELECTED = mark_safe(" selected")  # nosec B308 # a constant attribute
CHECKED = mark_safe(" checked")  # nosec B308 # a constant attribute


def inline_values(item, form) -> tuple[dict, dict]:
    """The compact form's values (the item's, or what a refused save posted) and errors."""
    if form is None or not form.is_bound:
        return {**initial_values(item), "version": item.version}, {}
    data = form.data
    values = {name: data.get(name, "") for name in ("version", *INLINE_FIELDS)}
    values["methods"] = data.getlist("methods")
    # Errors that name no field of the compact form are shown above it ("form").
    errors: dict[str, list[str]] = {}
    for name, problems in form.errors.items():
        errors.setdefault(name if name in INLINE_FIELDS else "form", []).extend(problems)
    return values, errors


def page_flags(ctx, audit: Audit) -> dict[str, bool]:
    team = ctx.can(CONDUCT) and fieldwork.on_team(ctx, audit)  # one query for both flags
    return {
        "can_record": can_record(ctx, audit, team=team),
        "can_shape": can_shape(ctx, audit, team=team),
        "can_raise": ctx.can(RAISE_FINDINGS),
    }


def initial_values(item) -> dict:
    return {
        "version": item.version,
        "result": item.result,
        "methods": item.methods,
        "examined": item.examined,
        "analysis": item.analysis,
        "verification": item.verification,
        "notes": item.notes,
        "auditees_other": item.auditees_other,
    }


class ChecklistView(OrgViewMixin, ObjectMixin, TemplateView):
    """The audit's checklist: filters, progress, one compact form per item (htmx saves)."""

    model = Audit
    template_name = "audits/checklist/list.html"

    def get_template_names(self) -> list[str]:
        return ["audits/checklist/_items.html"] if is_htmx(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit = self.get_object()
        params = {k: self.request.GET.get(k, "") for k in ("result", "clause", "theme", "removed")}
        items = checklist_rows.filter_items(checklist_rows.items_of(audit), params)
        items = list(items)
        # One query for the findings of every item that may have one (none when none may).
        prefetch_related_objects([i for i in items if i.result in FINDING_RESULTS], "findings")
        rows = checklist_rows.rows(audit, items, on_file_counts=True)
        flags = page_flags(self.ctx, audit)
        context.update(
            audit=audit,
            rows=[row_context(self.ctx, row, flags=flags) for row in rows],
            params=params,
            progress=checklist_rows.progress(audit),
            results=[(v, label) for v, label in ChecklistResult.choices if v]
            + [("none", "Not yet assessed")],
            clauses=CLAUSES,
            themes=Theme.choices,
            can_generate=audit.status in checklist.PREPARE_STATUSES
            and (self.ctx.can("audit.manage") or flags["can_shape"]),
            **flags,
            blockers=fieldwork.fieldwork_blockers(audit)
            if audit.status == AuditStatus.FIELDWORK
            else [],
        )
        return context


class AuditActionMixin(OrgViewMixin, ObjectMixin):
    """A POST about one audit that ends on the checklist page."""

    model = Audit
    permission_required = CONDUCT
    http_method_names = ["post"]

    def finish(self, audit: Audit, message: str, *, error: bool = False) -> HttpResponse:
        (messages.error if error else messages.success)(self.request, message)
        return redirect(checklist_url(audit))


class GenerateView(AuditActionMixin, View):
    """Generate the checklist, or add the items new scope calls for."""

    def post(self, request, **kwargs):
        audit = self.get_object()
        try:
            added = checklist.generate(self.ctx, audit)
        except ValidationError as exc:
            return self.finish(audit, error_text(exc), error=True)
        if not added:
            return self.finish(audit, "The checklist already covers the whole scope.")
        return self.finish(audit, f"{len(added)} item(s) added to the checklist.")


class CloseFieldworkView(AuditActionMixin, View):
    """Move the audit to reporting once every item is assessed."""

    def post(self, request, **kwargs):
        audit = self.get_object()
        try:
            fieldwork.close_fieldwork(self.ctx, audit)
        except ValidationError as exc:
            return self.finish(audit, error_text(exc), error=True)
        messages.success(request, f"Fieldwork closed: {audit.reference} is now in reporting.")
        return redirect("audits:audit", org=self.ctx.org.slug, pk=audit.pk)


class AddItemView(OrgViewMixin, ObjectMixin, TemplateView):
    """Add an ad-hoc question about a requirement or control."""

    model = Audit
    permission_required = CONDUCT
    template_name = "audits/checklist/add.html"

    def get(self, request, *args, **kwargs):
        audit = self.get_object()
        if not can_shape(self.ctx, audit):
            raise PermissionDenied("only the audit team adds questions, before reporting")
        return self.render_to_response(self.get_context_data(audit=audit))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("audit", self.get_object())
        context.setdefault("form", AddItemForm())
        return context

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = AddItemForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                checklist.add_item(
                    self.ctx, audit, data["subject"], data["question"], data["expected"]
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, "Question added at the end of the checklist.")
                return redirect(checklist_url(audit))
        context = self.get_context_data(audit=audit, form=form)
        return self.render_to_response(context, status=422)


def _attach(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ExportView(OrgViewMixin, ObjectMixin, View):
    """The checklist as XLSX, CSV, JSON or PDF (``fmt``)."""

    model = Audit
    fmt = "xlsx"
    http_method_names = ["get", "head"]

    def get(self, request, **kwargs):
        audit = self.get_object()
        export = getattr(checklist_io, f"export_{self.fmt}")
        name = f"checklist-{audit.reference}-{timezone.localdate():%Y-%m-%d}.{self.fmt}"
        try:
            body = export(audit)
        except pdf.PDFError as exc:
            return pdf.failure_response(request, exc)
        security_log.export_by(self.ctx, f"the checklist of {audit.reference}", format=self.fmt)
        response = HttpResponse(body, content_type=EXPORTS[self.fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@body_limit(checklist_import.MAX_IMPORT_BYTES)
class ImportView(OrgViewMixin, ObjectMixin, TemplateView):
    """Upload the filled XLSX sheet: all rows valid or nothing changes (problems listed)."""

    model = Audit
    permission_required = CONDUCT
    template_name = "audits/checklist/import.html"

    def get(self, request, *args, **kwargs):
        audit = self.get_object()
        if not can_record(self.ctx, audit):
            raise PermissionDenied("only the audit team imports results, during fieldwork")
        return self.render_to_response(self.get_context_data(audit=audit))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("audit", self.get_object())
        context.setdefault("form", ImportForm())
        return context

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            report = checklist_io.import_checklist(self.ctx, audit, form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
            return self.render_to_response(self.get_context_data(form=form), status=422)
        if not report.ok:
            context = self.get_context_data(form=ImportForm(), report=report)
            return self.render_to_response(context, status=422)
        messages.success(request, f"Import done: {report.summary()}")
        return redirect(checklist_url(audit))


def render_item(request, ctx, row, *, status: int = 200, **kwargs) -> HttpResponse:
    """One item's block of the checklist page (for htmx swaps); after a save, the progress
    bar is updated too (out of band)."""
    if kwargs.get("saved"):
        kwargs["progress"] = checklist_rows.progress(row.item.audit)
    context = {"r": row_context(ctx, row, **kwargs)}
    return render(request, "audits/checklist/_item.html", context, status=status)
