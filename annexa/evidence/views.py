"""Evidence pages: list, upload (drag and drop), detail with versions, downloads, links, and
the evidence of one Annex A control. Thin: parse, call ``services``, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from annexa.catalog.models import Control
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.evidence import services
from annexa.evidence.downloads import attachment_response
from annexa.evidence.errors import EvidenceError
from annexa.evidence.filters import filter_evidence, issued_versions
from annexa.evidence.forms import LinkForm, NewVersionForm, UploadForm
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.uploads import LimitedUploadHandler, content_of, limit_uploads

PERMISSION = services.PERMISSION


def _with_versions(queryset):
    return queryset.select_related("current_version").prefetch_related("controls")


class EvidenceListView(OrgViewMixin, ListView):
    """All evidence of the organization, filtered by control, source, freshness and text."""

    model = Evidence
    template_name = "evidence/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset, self.filter_form = filter_evidence(
            _with_versions(super().get_queryset()), self.request.GET, hide_issued=True
        )
        return queryset

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["evidence/_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["query"] = self._query_without_page()
        context["can_add"] = self.ctx.can(PERMISSION)
        context["issued_hidden"] = self._issued_hidden()
        return context

    def _issued_hidden(self) -> int:
        """How many issued reports the list leaves out (0 when they are shown)."""
        form = self.filter_form
        if not form.is_valid() or form.cleaned_data["issued"]:
            return 0
        if form.cleaned_data["source"]:
            return 0
        return Evidence.objects.filter(
            organization=self.ctx.org, current_version__in=issued_versions()
        ).count()

    def _query_without_page(self) -> str:
        params = self.request.GET.copy()
        params.pop("page", None)
        return params.urlencode()


@method_decorator(csrf_exempt, name="dispatch")
class _StreamingUploadMixin:
    """Installs the size-limited upload handler before anything reads the body.

    CSRF is then checked here (``csrf_protect``) instead of by the middleware, because the
    middleware reads the body first, before our handler could be installed.
    """

    def dispatch(self, request, *args, **kwargs):
        self.upload_handler: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def upload_error(self, form) -> bool:
        """Put the reason on the form when the file was refused while streaming."""
        if self.upload_handler.too_large is not None:
            form.add_error("file", str(self.upload_handler.too_large))
            return True
        return False


@body_limit("UPLOAD_MAX_BYTES")
class EvidenceUploadView(_StreamingUploadMixin, OrgViewMixin, FormView):
    """Upload a new piece of evidence (drag and drop over a plain file input)."""

    form_class = UploadForm
    template_name = "evidence/upload.html"
    permission_required = PERMISSION

    def get_initial(self) -> dict:
        return {"controls": self.request.GET.get("control", "")}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if self.upload_error(form) or not form.is_valid():
            return self.form_invalid(form)
        data = form.cleaned_data
        upload = data["file"]
        try:
            version = services.store(
                self.ctx,
                **content_of(upload),
                filename=upload.name,
                title=data["title"],
                description=data["description"],
                controls=data["controls"],
                requirements=data["requirements"],
                effective_date=data["effective_date"],
                valid_days=data["valid_days"],
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(request, f"Stored {version.filename} ({version.sha256[:12]}…).")
        return redirect("evidence:detail", org=self.ctx.org.slug, pk=version.evidence_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.ctx.can(PERMISSION)
        context["max_bytes"] = self.upload_handler.limit
        return context


class EvidenceDetailView(OrgViewMixin, DetailView):
    """One evidence item: its versions (newest first), links, and forms to change it."""

    model = Evidence
    template_name = "evidence/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evidence = self.object
        context["versions"] = evidence.versions.select_related("created_by")
        context["controls"] = evidence.controls.all()
        context["requirements"] = evidence.requirements.all()
        context["can_add"] = self.ctx.can(PERMISSION)
        context.setdefault("version_form", NewVersionForm())
        context.setdefault("link_form", LinkForm())
        return context


@body_limit("UPLOAD_MAX_BYTES")
class NewVersionView(_StreamingUploadMixin, OrgViewMixin, DetailView):
    """Add a version to an evidence item (POST); GET shows the item with the form."""

    model = Evidence
    template_name = "evidence/detail.html"
    permission_required = PERMISSION

    def get(self, request, *args, **kwargs):
        evidence = self.get_object()
        return redirect("evidence:detail", org=self.ctx.org.slug, pk=evidence.pk)

    def post(self, request, *args, **kwargs):
        self.object = evidence = self.get_object()
        form = NewVersionForm(request.POST, request.FILES)
        if self.upload_error(form) or not form.is_valid():
            return self._invalid(form)
        data = form.cleaned_data
        try:
            version = services.new_version(
                self.ctx,
                evidence,
                **content_of(data["file"]),
                filename=data["file"].name,
                effective_date=data["effective_date"],
                valid_days=data["valid_days"],
                note=data["note"],
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
            return self._invalid(form)
        messages.success(request, f"Added version {version.number}.")
        return redirect("evidence:detail", org=self.ctx.org.slug, pk=evidence.pk)

    def _invalid(self, form) -> HttpResponse:
        """The detail page again, with the form and its errors (400)."""
        detail = EvidenceDetailView()
        detail.setup(self.request, **self.kwargs)
        detail.ctx, detail.object = self.ctx, self.object
        return detail.render_to_response(detail.get_context_data(version_form=form), status=400)


class LinkView(OrgViewMixin, View):
    """Link or unlink controls and requirements (POST from the detail page)."""

    model = Evidence
    permission_required = PERMISSION
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        evidence = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = LinkForm(request.POST)
        if form.is_valid():
            change = services.link if form.cleaned_data["action"] == "link" else services.unlink
            try:
                change(
                    self.ctx,
                    evidence,
                    controls=form.cleaned_data["controls"],
                    requirements=form.cleaned_data["requirements"],
                )
            except EvidenceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Links updated.")
        else:
            messages.error(request, " ".join(form.errors.get("__all__", ["Invalid input."])))
        return redirect("evidence:detail", org=self.ctx.org.slug, pk=evidence.pk)


class DownloadView(OrgViewMixin, View):
    """The bytes of one version, as an attachment."""

    model = EvidenceVersion
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        version = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return attachment_response(version)


class ControlEvidenceView(OrgViewMixin, TemplateView):
    """The evidence linked to one Annex A control, with how fresh each piece is."""

    template_name = "evidence/control.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        control = Control.objects.filter(pk=kwargs["control_id"]).first()
        if control is None:
            raise Http404("no such Annex A control")
        items = list(
            _with_versions(Evidence.objects.for_org(self.ctx.org).filter(controls=control))
        )
        context.update(control=control, items=items, can_add=self.ctx.can(PERMISSION))
        context["stale_count"] = sum(1 for e in items if e.current_version.is_stale)
        return context
