"""The Statement of Applicability: filterable list, inline editing, history, export, import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from annexa.core import security_log, spreadsheets
from annexa.core.forms import attach_errors
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.isms import services
from annexa.isms.choices import ImplementationStatus
from annexa.isms.filters import SoAFilter
from annexa.isms.forms import SoAEntryForm, SoAImportForm, members_of
from annexa.isms.models import SoAEntry
from annexa.isms.services import soa_io, soa_links
from annexa.isms.views.common import display, is_htmx, require_change
from annexa.ledger.readable import actors
from annexa.ledger.services import history

FIELD_LABELS = {
    "applicable": "Applicable",
    "justification": "Justification",
    "status": "Implementation status",
    "control_owner": "Control owner",
    "notes": "Notes",
}


def shown(name: str, value) -> str:
    """A recorded value for people: statuses by their label, the rest as ``display`` does."""
    if name == "status" and value in ImplementationStatus.values:
        return str(ImplementationStatus(value).label)
    return display(value)


def soa_url(org, control_id: str | None = None) -> str:
    url = reverse("isms:soa", kwargs={"org": org.slug})
    return f"{url}#soa-{control_id}" if control_id else url


class SoAListView(OrgViewMixin, TemplateView):
    """All entries with filters; with htmx (the filter form) only the table is returned."""

    template_name = "isms/soa/list.html"
    model = SoAEntry

    def get_template_names(self) -> list[str]:
        return ["isms/soa/_table.html"] if is_htmx(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services.ensure_soa(self.ctx.org)
        filters = SoAFilter(self.request.GET or None, org=self.ctx.org)
        queryset = self.get_queryset().select_related("control", "control_owner")
        entries = list(filters.apply(queryset))
        found = soa_links.links(self.ctx.org)
        for entry in entries:
            entry.links = found.get(entry.control_id)
        context.update(
            filters=filters,
            entries=entries,
            members=members_of(self.ctx.org),
            can_edit=self.ctx.can("isms.change"),
            **links_context(found),
        )
        return context


def links_context(found: dict[str, soa_links.ControlLinks]) -> dict:
    """What the SoA pages show of the registered providers (the risk register): the column
    heading, and the controls proposed by or conflicting with a risk treatment."""
    return {
        "links_heading": soa_links.heading(),
        "columns": 8 if soa_links.heading() else 7,
        "proposals": [f for f in found.values() if f.is_proposal],
        "conflicts": [f for f in found.values() if f.conflict],
    }


class SoAEntryMixin(OrgViewMixin):
    model = SoAEntry
    permission_required = "isms.change"  # for the editing views; GET stays open to members

    def get_entry(self) -> SoAEntry:
        services.ensure_soa(self.ctx.org)
        try:
            return services.get_entry(self.ctx.org, self.kwargs["control_id"])
        except SoAEntry.DoesNotExist:
            raise Http404("no such control in this organization's SoA") from None

    def with_links(self, entry: SoAEntry) -> SoAEntry:
        entry.links = soa_links.links(self.ctx.org).get(entry.control_id)
        return entry

    def render_row(self, entry: SoAEntry, status: int = 200) -> HttpResponse:
        context = {
            "e": self.with_links(entry),
            "org": self.ctx.org,
            "can_edit": self.ctx.can("isms.change"),
            "links_heading": soa_links.heading(),
        }
        return render(self.request, "isms/soa/_row.html", context, status=status)


class SoARowView(SoAEntryMixin, View):
    """One row, read-only (what "Cancel" swaps back in)."""

    def get(self, request, **kwargs):
        entry = self.get_entry()
        if not is_htmx(request):
            return redirect(soa_url(self.ctx.org, entry.control_id))
        return self.render_row(entry)


class SoAEditView(SoAEntryMixin, View):
    """The edit form of one row (a table row with htmx, a page without), and its save."""

    def get(self, request, **kwargs):
        require_change(self)
        entry = self.get_entry()
        return self.render_form(SoAEntryForm(instance=entry, org=self.ctx.org), entry)

    def post(self, request, **kwargs):
        entry = self.get_entry()
        # The form writes the posted values into its instance; keep ``entry`` as stored.
        form = SoAEntryForm(request.POST, instance=self.get_entry(), org=self.ctx.org)
        if not form.is_valid():
            return self.render_form(form, entry, status=422)
        try:
            saved = services.update_soa_entry(
                self.ctx,
                entry.control_id,
                form.changes(),
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleVersionError as exc:
            return self.render_form(form, entry, status=409, stale=str(exc))
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, entry, status=422)
        if is_htmx(request):
            return self.render_row(saved)
        messages.success(request, f"{saved.control_id} saved.")
        return redirect(soa_url(self.ctx.org, saved.control_id))

    def render_form(self, form, entry, *, status: int = 200, stale: str = "") -> HttpResponse:
        context = {
            "form": form,
            "e": self.with_links(entry),
            "org": self.ctx.org,
            "stale": stale,
            "columns": 8 if soa_links.heading() else 7,
        }
        if is_htmx(self.request):
            return render(self.request, "isms/soa/_row_form.html", context, status=status)
        context["ctx"] = self.ctx
        return render(self.request, "isms/soa/edit.html", context, status=status)


class SoAAcceptProposalView(SoAEntryMixin, View):
    """Accept what a risk treatment proposes: the undecided control becomes applicable,
    justified by the risks that chose it (owner or ISMS manager)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        entry = self.get_entry()
        try:
            saved = soa_links.accept_proposal(self.ctx, entry.control_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{saved.control_id} is applicable now, justified by the risk treatment."
            )
        return redirect(soa_url(self.ctx.org, entry.control_id))


class SoAHistoryView(SoAEntryMixin, TemplateView):
    """Who changed the entry, when, and from what to what (read from the ledger)."""

    template_name = "isms/soa/history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.get_entry()
        changes = []
        records = list(history(self.ctx.org, services.soa.OBJECT_TYPE, entry.control_id))
        named = actors(self.ctx.org, (record.actor for record in records))
        for record in records:
            data = record.data_value
            before, after = data.get("before") or {}, data.get("after") or {}
            fields = [
                (FIELD_LABELS.get(name, name), shown(name, before.get(name)), shown(name, value))
                for name, value in after.items()
            ]
            changes.append(
                {
                    "entry": record,
                    "actor": named[record.actor],
                    "when": record.time[:19].replace("T", " "),
                    "version": data.get("version"),
                    "fields": fields,
                }
            )
        context.update(e=entry, changes=list(reversed(changes)))
        return context


class SoAExportView(OrgViewMixin, View):
    """The whole SoA as a download (``fmt`` is ``xlsx`` or ``csv``)."""

    fmt = "xlsx"

    def get(self, request, **kwargs):
        org = self.ctx.org
        if self.fmt == "csv":
            content, media_type = services.export_csv(org), spreadsheets.CSV_MEDIA_TYPE
        else:
            content, media_type = services.export_xlsx(org), spreadsheets.XLSX_MEDIA_TYPE
        name = f"soa-{org.slug}-{timezone.now():%Y-%m-%d}.{self.fmt}"
        security_log.export_by(self.ctx, "the Statement of Applicability", format=self.fmt)
        response = HttpResponse(content, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class SoADocumentView(OrgViewMixin, View):
    """The SoA as a controlled document (``fmt`` is ``pdf`` or ``docx``)."""

    fmt = "pdf"

    def get(self, request, **kwargs):
        from annexa.core.pdf import failure_response
        from annexa.isms.services import soa_document
        from annexa.reports.downloads import file_response

        try:
            content, name = soa_document.render(self.ctx.org, self.fmt)
        except soa_document.SoADocumentError as exc:
            return failure_response(request, exc)
        security_log.export_by(self.ctx, "the Statement of Applicability", format=self.fmt)
        return file_response(content, name, self.fmt)


class SoAApproveView(OrgViewMixin, View):
    """Approve the SoA as it stands as its next version (owner or ISMS manager)."""

    permission_required = "isms.change"
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        from annexa.isms.services import soa_document

        try:
            approval = soa_document.approve_soa(self.ctx, request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"SoA version {approval.number} approved.")
        return redirect("isms:soa", org=self.ctx.org.slug)


@body_limit(soa_io.MAX_IMPORT_BYTES)
class SoAImportView(OrgViewMixin, TemplateView):
    """Upload an XLSX sheet; every row valid or nothing changes (errors listed by row)."""

    template_name = "isms/soa/import.html"
    permission_required = "isms.change"

    def get(self, request, *args, **kwargs):
        require_change(self)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SoAImportForm())
        return context

    def post(self, request, **kwargs):
        form = SoAImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        report = services.import_soa(self.ctx, form.cleaned_data["file"])
        if not report.ok:
            context = self.get_context_data(form=SoAImportForm(), report=report)
            return self.render_to_response(context, status=422)
        messages.success(request, f"Import done: {report.summary()}")
        return redirect(soa_url(self.ctx.org))
