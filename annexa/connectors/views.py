"""Connector pages: list, configure (secrets write-only), run now, run history, file import.

Thin: parse the form, call ``connectors.services`` (or ``monitoring.services`` for running
and importing, which also judge what was collected), render.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, ListView, View

from annexa.connectors import registry, services
from annexa.connectors.forms import ConnectorForm, ImportForm, initial_for
from annexa.connectors.models import CollectionRun, Connector
from annexa.connectors.schema import ConfigInvalid
from annexa.connectors.uploads import uploaded_path
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.evidence.uploads import LimitedUploadHandler, limit_uploads
from annexa.monitoring import services as monitoring


class ConnectorListView(OrgViewMixin, ListView):
    """Configured connectors, the plugins that can be added, and recent runs."""

    model = Connector
    template_name = "connectors/list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plugins"] = registry.plugins().values()
        context["runs"] = CollectionRun.objects.for_org(self.ctx.org).select_related("connector")[
            :20
        ]
        context["can_manage"] = self.ctx.can(services.MANAGE)
        context["can_run"] = self.ctx.can(services.RUN)
        context["import_dir"] = services.import_dir(self.ctx.org)
        return context


def _plugin_or_404(kind: str | None):
    try:
        return registry.get(kind)
    except registry.UnknownConnector:
        raise Http404(f"no connector plugin {kind!r}") from None


class ConnectorCreateView(OrgViewMixin, FormView):
    """Configure a new connector of the plugin named by ``?kind=``."""

    template_name = "connectors/form.html"
    permission_required = services.MANAGE

    def get(self, request, *args, **kwargs):
        if not request.GET.get("kind"):
            plugins = [p for p in registry.plugins().values() if p.usable]
            context = {"ctx": self.ctx, "org": self.ctx.org, "plugins": plugins}
            return render(request, "connectors/choose.html", context)
        return super().get(request, *args, **kwargs)

    def get_form(self, form_class=None):
        self.plugin = _plugin_or_404(self.request.GET.get("kind") or self.request.POST.get("kind"))
        return ConnectorForm(config_class=self.plugin.config_class, **self.get_form_kwargs())

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            connector = services.create(
                self.ctx,
                name=data["name"],
                kind=self.plugin.name,
                values=form.config_values(),
                secrets=form.secret_values(),
                enabled=data["enabled"],
                interval_minutes=data["interval_minutes"],
                valid_days=data["valid_days"],
            )
        except ConfigInvalid as exc:
            form.add_config_errors(exc.errors)
            return self.form_invalid(form)
        except services.ConnectorError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Connector {connector.name} configured.")
        return redirect("connectors:detail", org=self.ctx.org.slug, pk=connector.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plugin"] = self.plugin
        return context


class ConnectorDetailView(OrgViewMixin, DetailView):
    """One connector: its settings form (POST saves), run now, and its runs."""

    model = Connector
    template_name = "connectors/detail.html"
    permission_required = services.MANAGE

    def form(self, data=None) -> ConnectorForm:
        plugin = _plugin_or_404(self.object.kind)
        return ConnectorForm(
            data,
            config_class=plugin.config_class,
            set_secrets=self.object.sealed,
            initial=initial_for(self.object),
        )

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update(
                    self.ctx,
                    self.object,
                    name=data["name"],
                    values=form.config_values(),
                    secrets=form.secret_values(),
                    clear_secrets=form.cleared(),
                    enabled=data["enabled"],
                    interval_minutes=data["interval_minutes"],
                    valid_days=data["valid_days"],
                )
            except ConfigInvalid as exc:
                form.add_config_errors(exc.errors)
            except services.ConnectorError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Settings saved.")
                return redirect("connectors:detail", org=self.ctx.org.slug, pk=self.object.pk)
        context = self.get_context_data(form=form)
        return self.render_to_response(context, status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["runs"] = self.object.runs.all()[:50]
        context["can_manage"] = self.ctx.can(services.MANAGE)
        context["can_run"] = self.ctx.can(services.RUN)
        context["secret_fields"] = sorted(self.object.sealed)
        return context


class RunNowView(OrgViewMixin, View):
    """Queue a run of the connector (POST)."""

    model = Connector
    permission_required = services.RUN
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        connector = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            run = monitoring.queue_collection(self.ctx, connector)
        except services.ConnectorError as exc:
            messages.error(request, str(exc))
            return redirect("connectors:detail", org=self.ctx.org.slug, pk=connector.pk)
        except services.JobQueueUnavailable as exc:
            context = {"ctx": self.ctx, "org": self.ctx.org, "connector": connector}
            context["error"] = str(exc)
            return render(request, "connectors/queue_unavailable.html", context, status=503)
        messages.success(request, f"Run queued for {connector.name}.")
        return redirect("connectors:run", org=self.ctx.org.slug, pk=run.pk)


class ConnectorDeleteView(OrgViewMixin, View):
    """Remove a connector (POST); its runs and evidence stay."""

    model = Connector
    permission_required = services.MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        connector = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        services.delete(self.ctx, connector)
        messages.success(request, f"Connector {connector.name} removed.")
        return redirect("connectors:list", org=self.ctx.org.slug)


class RunDetailView(OrgViewMixin, DetailView):
    """One collection run: what it stored and how the tests judged it."""

    model = CollectionRun
    template_name = "connectors/run.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["connectors/_run_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context["items"] = run.items.select_related("version__evidence")
        test_runs = list(run.test_runs.all())
        rows = monitoring.run_controls(self.ctx.org, test_runs)
        context["test_runs"] = [(t, rows[t.pk]) for t in test_runs]
        return context


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class ImportView(OrgViewMixin, FormView):
    """Import a scanner's output file (OpenSCAP, Lynis, OCSF, CSV/XLSX) and judge it.

    The size-limited upload handler must be installed before anything reads the body, so
    CSRF is checked here (``csrf_protect``) rather than by the middleware, which reads it first.
    """

    form_class = ImportForm
    template_name = "connectors/import.html"
    permission_required = services.RUN

    def dispatch(self, request, *args, **kwargs):
        self.upload_handler: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def form_valid(self, form):
        if self.upload_handler.too_large is not None:
            form.add_error("file", str(self.upload_handler.too_large))
            return self.form_invalid(form)
        upload = form.cleaned_data["file"]
        try:
            judged = self._ingest(upload, form.cleaned_data)
        except services.ImportRejected as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        state = "stored" if judged.item.created else "already held; nothing new stored"
        messages.success(self.request, f"{upload.name}: {state}.")
        return redirect("connectors:run", org=self.ctx.org.slug, pk=judged.item.run_id)

    def _ingest(self, upload, data):
        with uploaded_path(upload) as path:
            return monitoring.ingest(
                self.ctx,
                path,
                filename=upload.name,
                kind=data["kind"] or None,
                valid_days=data["valid_days"],
            )
