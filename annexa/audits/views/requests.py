"""Evidence request pages: ask from an item, the audit's list, "my requests", answer, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from annexa.audits.choices import RequestStatus
from annexa.audits.fieldwork_forms import CancelForm, FulfilForm, RequestForm
from annexa.audits.models import Audit, ChecklistItem, EvidenceRequest
from annexa.audits.services import fieldwork, requests
from annexa.audits.services.common import CONDUCT
from annexa.audits.views.checklist_item import attach, item_url
from annexa.audits.views.common import ObjectMixin, error_text
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.evidence.uploads import LimitedUploadHandler, content_of, limit_uploads


def request_url(request: EvidenceRequest) -> str:
    return reverse(
        "audits:evidence-request", kwargs={"org": request.organization.slug, "pk": request.pk}
    )


def listed(queryset) -> list[dict]:
    """Requests with their overdue flag, open ones first, then by due date."""
    today = timezone.localdate()
    found = sorted(
        queryset,
        key=lambda r: (r.status != RequestStatus.OPEN, r.due_date or today, r.pk),
    )
    return [{"r": r, "overdue": requests.is_overdue(r, today)} for r in found]


class RequestCreateView(OrgViewMixin, ObjectMixin, View):
    """Ask a member for evidence about an item (from the item's page)."""

    model = ChecklistItem
    permission_required = CONDUCT
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().select_related("audit")

    def post(self, request, **kwargs):
        item = self.get_object()
        form = RequestForm(request.POST, org=self.ctx.org)
        if not form.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            messages.error(request, f"The request was not sent: {problems}")
            return redirect(item_url(item))
        data = form.cleaned_data
        try:
            sent = requests.create_request(
                self.ctx,
                item,
                assignee=data["assignee"],
                description=data["description"],
                due_date=data["due_date"],
            )
        except ValidationError as exc:
            messages.error(request, f"The request was not sent: {error_text(exc)}")
            return redirect(item_url(item))
        who = sent.assignee.full_name or sent.assignee.email
        messages.success(request, f"Evidence requested from {who}, due {sent.due_date:%Y-%m-%d}.")
        return redirect(item_url(item))


class AuditRequestsView(OrgViewMixin, ObjectMixin, TemplateView):
    """Every evidence request of one audit, overdue ones marked."""

    model = Audit
    template_name = "audits/requests/audit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit = self.get_object()
        found = requests.requests_of(self.ctx.org).filter(item__audit=audit)
        context.update(audit=audit, entries=listed(found), counts=requests.counts(audit))
        return context


class MyRequestsView(OrgViewMixin, TemplateView):
    """The requests assigned to me, across audits, open and overdue first."""

    template_name = "audits/requests/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        found = requests.requests_of(self.ctx.org).filter(assignee=self.ctx.user)
        entries = listed(found)
        context.update(
            entries=entries,
            open_count=sum(1 for e in entries if e["r"].status == RequestStatus.OPEN),
            overdue_count=sum(1 for e in entries if e["overdue"]),
        )
        return context


class RequestView(OrgViewMixin, ObjectMixin, TemplateView):
    """One request: what is asked, by when, and the upload form for the assignee."""

    model = EvidenceRequest
    template_name = "audits/requests/detail.html"

    def get_queryset(self):
        return requests.requests_of(self.ctx.org).prefetch_related("fulfilled_evidence__evidence")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.get_object()
        is_open = entry.status == RequestStatus.OPEN
        context.update(
            r=entry,
            item=entry.item,
            overdue=requests.is_overdue(entry),
            can_answer=is_open and requests.may_answer(self.ctx, entry),
            can_cancel=is_open
            and self.ctx.can(CONDUCT)
            and fieldwork.on_team(self.ctx, entry.item.audit),
            form=kwargs.get("form") or FulfilForm(),
            cancel_form=CancelForm(),
        )
        return context


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class FulfilView(RequestView):
    """Upload the evidence asked for (size-limited, streamed to disk; CSRF checked here)."""

    permission_required = "evidence.add"
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def post(self, request, **kwargs):
        entry = self.get_object()
        form = FulfilForm(request.POST, request.FILES)
        if self.uploads.too_large is not None:
            form.add_error("file", str(self.uploads.too_large))
        if form.is_valid():
            data = form.cleaned_data
            upload = fieldwork.NewEvidence(
                filename=data["file"].name,
                valid_days=data["valid_days"],
                **content_of(data["file"]),
            )
            try:
                version = requests.fulfil(
                    self.ctx, entry, upload, note=data["note"], complete=data["complete"]
                )
            except ValidationError as exc:
                attach(form, exc)
            else:
                messages.success(request, f"Uploaded {version.filename}; thank you.")
                return redirect(request_url(entry))
        return self.render_to_response(self.get_context_data(form=form), status=422)


class CancelView(OrgViewMixin, ObjectMixin, View):
    """Withdraw an open request, with the reason."""

    model = EvidenceRequest
    permission_required = CONDUCT
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        entry = self.get_object()
        form = CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give the reason for cancelling the request.")
            return redirect(request_url(entry))
        try:
            requests.cancel(self.ctx, entry, form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Request cancelled.")
        return redirect(request_url(entry))
