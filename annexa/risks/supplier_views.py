"""Supplier register pages (A.5.19–A.5.22): the list with its filters (htmx), a supplier with
its assessments, evidence, risks and history, the create and edit forms, the assessment form
with its optional file, retiring and reinstating. Thin: parse, call ``services.suppliers``,
render. Every member reads; managers (``risks.manage``) change."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, ListView

from annexa.core.forms import attach_errors
from annexa.core.limits import body_limit
from annexa.core.views import LifecycleStepMixin, OrgViewMixin
from annexa.evidence.uploads import LimitedUploadHandler, content_of, limit_uploads
from annexa.ledger.readable import Key, Vocabulary, read
from annexa.ledger.services import history
from annexa.risks.models import Supplier
from annexa.risks.services import suppliers as services
from annexa.risks.services.common import MANAGE
from annexa.risks.supplier_forms import (
    AssessmentForm,
    RetireForm,
    SupplierForm,
    filter_suppliers,
)

OBJECT_TYPE = services.OBJECT_TYPE
# How the supplier's ledger entries read on its History panel.
VOCABULARY = Vocabulary(
    models=("risks.Supplier", "risks.SupplierAssessment"),
    keys={"after": Key("recorded"), "reason": Key("reason")},
    hidden=frozenset({"reference", "before", "version", "assessment"}),
)


def row(supplier: Supplier, today) -> dict:
    """What a list row shows of ``supplier``."""
    return {
        "s": supplier,
        "certificate": services.status_of(supplier, today),
        "overdue": services.is_review_overdue(supplier, today),
    }


class SupplierListView(OrgViewMixin, ListView):
    """Every supplier in use (retired ones on request), filtered; the certificate's state and
    an overdue review stand out."""

    model = Supplier
    template_name = "risks/suppliers/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset = services.register(self.ctx.org).order_by("name")
        queryset, self.filter_form = filter_suppliers(queryset, self.request.GET)
        return queryset

    def get_template_names(self) -> list[str]:
        return ["risks/suppliers/_rows.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        params = self.request.GET.copy()
        params.pop("page", None)
        summary = services.summary(self.ctx.org, today)
        context.update(
            rows=[row(s, today) for s in context["object_list"]],
            filter_form=self.filter_form,
            query=params.urlencode(),
            can_manage=self.ctx.can(MANAGE),
            summary=summary,
            criticality_counts=[
                (label, summary["by_criticality"][value])
                for value, label in services.Criticality.choices
            ],
        )
        return context


class SupplierDetailView(OrgViewMixin, DetailView):
    """One supplier: what it does for us, its contract, owner and review date, its latest
    certificate, its assessments with their evidence, the risks it brings, its history."""

    model = Supplier
    template_name = "risks/suppliers/detail.html"

    def get_queryset(self):
        return services.register(self.ctx.org)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supplier, ctx = self.object, self.ctx
        today = timezone.localdate()
        assessments = supplier.assessments.select_related(
            "evidence__current_version", "recorded_by"
        ).order_by("-assessed_on", "-recorded_at")
        can_manage = ctx.can(MANAGE)
        context.update(
            certificate=services.status_of(supplier, today),
            overdue=services.is_review_overdue(supplier, today),
            assessments=[{"a": a, "expired": a.is_expired(today)} for a in assessments],
            risks=supplier.risks.select_related("owner").order_by("number"),
            history=read(
                ctx.org, history(ctx.org, services.OBJECT_TYPE, str(supplier.uid)), VOCABULARY
            ),
            can_manage=can_manage,
            can_assess=can_manage and not supplier.retired,
        )
        context.setdefault("assessment_form", AssessmentForm(initial={"assessed_on": today}))
        context.setdefault("retire_form", RetireForm())
        return context


class _SupplierFormView(OrgViewMixin, FormView):
    form_class = SupplierForm
    template_name = "risks/suppliers/form.html"
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)  # the form is not shown to members who may not save it
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def form_valid(self, form):
        try:
            supplier = self.save(form)
        except services.StaleSupplierError as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{supplier.reference} {supplier.name} saved.")
        return redirect("suppliers:detail", org=self.ctx.org.slug, pk=supplier.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class SupplierCreateView(_SupplierFormView):
    def get_initial(self) -> dict:
        return {"owner": self.ctx.user}

    def save(self, form) -> Supplier:
        data, _version = form.changes()
        return services.create_supplier(self.ctx, data)


class SupplierEditView(_SupplierFormView):
    model = Supplier

    def get_object(self) -> Supplier:
        if not hasattr(self, "_object"):
            queryset = self.get_queryset().select_related("owner", "asset")
            self._object = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self._object

    def get_initial(self) -> dict:
        supplier = self.get_object()
        names = ("name", "service", "criticality", "data_shared", "contract")
        initial = {name: getattr(supplier, name) for name in names}
        initial.update(
            security_clauses=supplier.security_clauses,
            owner=supplier.owner,
            review_date=supplier.review_date,
            risks=list(supplier.risks.all()),
            asset=supplier.asset,
            version=supplier.version,
        )
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "supplier": self.get_object()}

    def save(self, form) -> Supplier:
        data, version = form.changes()
        return services.update_supplier(self.ctx, self.get_object(), data, expected_version=version)


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class AssessmentCreateView(SupplierDetailView):
    """Record an assessment, with the certificate or report as evidence when a file comes
    (size-limited and streamed to disk, CSRF checked here). A refusal shows on the supplier's
    page, beside the field it concerns."""

    permission_required = MANAGE
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        supplier = self.get_object()
        url = reverse("suppliers:detail", kwargs={"org": self.ctx.org.slug, "pk": supplier.pk})
        return redirect(f"{url}#add-assessment")

    def post(self, request, *args, **kwargs):
        self.object = supplier = self.get_object()
        form = AssessmentForm(request.POST, request.FILES)
        if self.uploads.too_large is not None:
            form.add_error("file", str(self.uploads.too_large))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.record_assessment(
                    self.ctx,
                    supplier,
                    form.values(),
                    upload=(
                        services.Upload(filename=upload.name, **content_of(upload))
                        if upload
                        else None
                    ),
                )
            except ValidationError as exc:
                attach_errors(form, exc, name_other_fields=True)
            else:
                messages.success(request, f"{supplier.reference}: assessment recorded.")
                return redirect("suppliers:detail", org=self.ctx.org.slug, pk=supplier.pk)
        for message in form.non_field_errors():  # also at the top of the page
            messages.error(request, message)
        return self.render_to_response(self.get_context_data(assessment_form=form), status=422)


class SupplierStepView(LifecycleStepMixin, SupplierDetailView):
    """POST retire or reinstate; a refusal shows on the supplier's page."""

    permission_required = MANAGE
    detail_url_name = "suppliers:detail"


class RetireView(SupplierStepView):
    form_class, form_name, done = RetireForm, "retire_form", "retired"

    def change(self, form) -> None:
        services.retire_supplier(self.ctx, self.object, form.cleaned_data["reason"])


class ReinstateView(SupplierStepView):
    done = "back in use"

    def change(self, form) -> None:
        services.reinstate_supplier(self.ctx, self.object)
