"""The report page of an audit: preview, draft downloads, issue, issued versions, settings.
Thin: parse, call ``services``, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from annexa.audits.models import Audit
from annexa.core import pdf
from annexa.core.views import OrgViewMixin
from annexa.reports import services
from annexa.reports.choices import ReportFormat
from annexa.reports.downloads import file_response, preview_response
from annexa.reports.forms import ReportSettingsForm
from annexa.reports.models import IssuedReport, ReportSettings


class AuditReportMixin(OrgViewMixin):
    model = Audit
    permission_required = "audit.conduct"  # services narrow this to the lead and managers

    def get_queryset(self):
        return super().get_queryset().select_related("programme")


class ReportListView(AuditReportMixin, ListView):
    """Every audit with its report: the latest issued version, or none yet."""

    template_name = "reports/list.html"
    context_object_name = "audits"
    paginate_by = 50

    def get_queryset(self):
        issued = IssuedReport.objects.order_by("-number")
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("reports", queryset=issued))
            .order_by("-planned_start", "-reference")
        )


class ReportView(AuditReportMixin, DetailView):
    """The report page of one audit."""

    template_name = "reports/report_page.html"
    context_object_name = "audit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit = self.object
        issued = (
            IssuedReport.objects.for_org(self.ctx.org)
            .filter(audit=audit)
            .select_related("issued_by", "review__reviewed_by", "review__approved_by")
            .prefetch_related("files__version")
        )
        # OSCAL needs a checklist (its reviewed controls): not offered for an audit without one.
        has_checklist = audit.checklist_items.filter(removed=False).exists()
        formats = [
            (value, label)
            for value, label in ReportFormat.choices
            if value != ReportFormat.OSCAL or has_checklist
        ]
        context.update(
            formats=formats,
            issued=issued,
            can_issue=services.can_issue(self.ctx, audit),
            review=services.open_review(audit),
            approver=services.approver_label(audit),
            settings_form=kwargs.get("settings_form")
            or ReportSettingsForm(instance=ReportSettings.for_audit(audit)),
        )
        return context


class PreviewView(AuditReportMixin, DetailView):
    """The draft as HTML, for the report page's frame."""

    def get(self, request, *args, **kwargs):
        body, _name = _draft(self.ctx, self.get_object(), ReportFormat.HTML)
        return preview_response(body)


class DraftView(AuditReportMixin, DetailView):
    """A draft download in one format, generated now."""

    def get(self, request, *args, **kwargs):
        report_format = kwargs["report_format"]
        try:
            body, name = _draft(self.ctx, self.get_object(), report_format)
        except services.ReportUnavailable as exc:
            return pdf.failure_response(request, exc)
        return file_response(body, name, report_format)


def _draft(ctx, audit, report_format) -> tuple[bytes, str]:
    if report_format not in ReportFormat.values:
        raise Http404("no such report format")
    try:
        return services.draft(ctx, audit, report_format)
    except services.ReportUnavailable:
        raise
    except services.ReportError as exc:
        raise Http404(str(exc)) from None


class IssuedFileView(AuditReportMixin, DetailView):
    """The stored bytes of one format of an issued version, exactly as issued."""

    def get(self, request, *args, **kwargs):
        audit = self.get_object()
        issued = get_object_or_404(
            IssuedReport.objects.for_org(self.ctx.org), audit=audit, number=kwargs["number"]
        )
        try:
            body, file = services.issued_bytes(issued, kwargs["report_format"])
        except services.ReportError as exc:
            raise Http404(str(exc)) from None
        return file_response(body, file.version.filename, file.format)


class IssueView(AuditReportMixin, DetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        audit = self.get_object()
        try:
            issued = services.issue(self.ctx, audit)
        except services.ReportError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{audit.reference}: report version {issued.number} issued.")
        return redirect("reports:audit", org=self.ctx.org.slug, pk=audit.pk)


REVIEW_STEPS = {
    "submit": (services.submit_for_review, "report submitted for review"),
    "review": (services.mark_reviewed, "report marked reviewed"),
    "approve": (services.approve, "report approved; it may now be issued"),
}


class ReviewStepView(AuditReportMixin, DetailView):
    """One step of the review before issue: submit, review (lead auditor), approve."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if kwargs["step"] not in REVIEW_STEPS:
            raise Http404("no such review step")
        audit = self.get_object()
        step, done = REVIEW_STEPS[kwargs["step"]]
        try:
            step(self.ctx, audit)
        except (services.ReportError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{audit.reference}: {done}.")
        return redirect("reports:audit", org=self.ctx.org.slug, pk=audit.pk)


class SettingsView(ReportView):
    """Save the report guidance; the page is shown again with the errors of a bad form."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = audit = self.get_object()
        form = ReportSettingsForm(request.POST, instance=ReportSettings.for_audit(audit))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(settings_form=form), status=400)
        changes = {name: request.POST.get(name, "") for name in form.fields}
        try:
            services.update_settings(self.ctx, audit, changes)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Report settings saved.")
        return redirect("reports:audit", org=self.ctx.org.slug, pk=audit.pk)
