"""Management review pages: the list, a review with its inputs (edited in place with htmx),
decisions and sign-off, the header form, and the minutes. Thin: parse, call ``services``,
render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView

from annexa.core import pdf
from annexa.core.views import LifecycleStepMixin, OrgViewMixin
from annexa.findings import history
from annexa.reviews import minutes, services, sources
from annexa.reviews.choices import ReviewStatus
from annexa.reviews.forms import (
    AssembleForm,
    DecisionForm,
    HoldForm,
    InputForm,
    ReviewForm,
    attach_errors,
)
from annexa.reviews.models import ManagementReview, ReviewDecision, ReviewInput


class ReviewListView(OrgViewMixin, ListView):
    """Every management review of the organization, newest first."""

    model = ManagementReview
    template_name = "reviews/list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("chair", "signed_off_by")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "can_change": self.ctx.can(services.CHANGE)}


def input_rows(review: ManagementReview) -> list[tuple[ReviewInput, bool]]:
    rows = review.inputs.select_related("requirement").order_by("requirement__sort_key")
    return [(row, sources.has_data(row.assembled or {})) for row in rows]


class ReviewDetailView(OrgViewMixin, DetailView):
    """One review: header, inputs, decisions, what blocks the sign-off, history."""

    model = ManagementReview
    template_name = "reviews/detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("chair", "signed_off_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review, ctx = self.object, self.ctx
        is_open = review.status != ReviewStatus.SIGNED_OFF
        context.update(
            inputs=input_rows(review),
            decisions=review.decisions.select_related("owner", "action").order_by("number"),
            attendees=review.attendees.order_by("email"),
            blockers=services.sign_off_blockers(review),
            history=condensed_history(ctx.org, review),
            can_change=ctx.can(services.CHANGE) and is_open,
            can_sign=ctx.can(services.SIGN_OFF) and review.status == ReviewStatus.HELD,
            is_draft=review.status == ReviewStatus.DRAFT,
        )
        context.setdefault("assemble_form", AssembleForm())
        context.setdefault("hold_form", HoldForm())
        context.setdefault("decision_form", DecisionForm(org=ctx.org))
        return context


def condensed_history(org, review: ManagementReview) -> list[history.HistoryRow]:
    """The review's ledger entries; the sign-off's complete record is long, so its row shows
    the minutes' hashes only (the API and the ledger page show the whole entry)."""
    rows = []
    for row in history.rows(org, services.OBJECT_TYPE, review.uid):
        if row.action == "sign off":
            details = [(label, text) for label, text in row.details if label == "minutes"]
            row = history.HistoryRow(row.when, row.actor, row.action, details)
        rows.append(row)
    return rows


class FrozenAware:
    """A signed-off review refuses every change with 409 and says why."""

    def review_of(self, obj) -> ManagementReview:
        return obj if isinstance(obj, ManagementReview) else obj.review

    def refuse_if_signed(self):
        review = self.review_of(self.get_object())
        if not review.is_signed_off:
            return None
        messages.error(self.request, " ".join(services.SignedOff(review).messages))
        return redirect_with_status(self.ctx.org.slug, review, 409)


def redirect_with_status(slug: str, review: ManagementReview, status: int) -> HttpResponse:
    """The review page's address with a refusal status (htmx and browsers follow Location)."""
    from django.urls import reverse

    response = HttpResponse(status=status)
    response["Location"] = reverse("reviews:detail", kwargs={"org": slug, "pk": review.pk})
    response["HX-Redirect"] = response["Location"]
    return response


class ReviewStepView(FrozenAware, LifecycleStepMixin, ReviewDetailView):
    """POST one step of the review; errors show on the review page (400, 409 once signed)."""

    permission_required = services.CHANGE
    detail_url_name = "reviews:detail"

    def post(self, request, *args, **kwargs):
        return self.refuse_if_signed() or super().post(request, *args, **kwargs)


class AssembleView(ReviewStepView):
    form_class, form_name, done = AssembleForm, "assemble_form", "inputs assembled"

    def change(self, form) -> None:
        report = services.assemble(
            self.ctx, self.object, replace_edited=form.cleaned_data["replace_edited"]
        )
        if report.kept:
            kept = ", ".join(report.kept)
            messages.info(
                self.request,
                f"Summaries you edited were kept ({kept}); tick the box to replace them.",
            )


class HoldView(ReviewStepView):
    form_class, form_name, done = HoldForm, "hold_form", "marked held; its inputs are frozen"

    def change(self, form) -> None:
        services.hold_review(self.ctx, self.object, form.cleaned_data["held_on"])


class SignOffView(ReviewStepView):
    permission_required = services.SIGN_OFF
    done = "signed off; the minutes are stored as evidence"

    def change(self, form) -> None:
        services.sign_off(self.ctx, self.object)


class DecisionAddView(ReviewStepView):
    form_class, form_name, done = DecisionForm, "decision_form", "decision recorded"

    def make_form(self, data):
        return DecisionForm(data, org=self.ctx.org)

    def change(self, form) -> None:
        services.add_decision(self.ctx, self.object, **form.cleaned_data)


class DecisionStepView(FrozenAware, OrgViewMixin, DetailView):
    """POST a change to one decision, then back to its review."""

    model = ReviewDecision
    permission_required = services.CHANGE
    http_method_names = ["post"]
    done = ""

    def post(self, request, *args, **kwargs):
        refused = self.refuse_if_signed()
        if refused is not None:
            return refused
        decision = self.get_object()
        try:
            self.change(decision)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{decision.reference}: {self.done}.")
        return redirect("reviews:detail", org=self.ctx.org.slug, pk=decision.review_id)


class DecisionTrackView(DecisionStepView):
    done = "tracked as a corrective action"

    def change(self, decision) -> None:
        services.track_decision(self.ctx, decision)


class DecisionDeleteView(DecisionStepView):
    done = "removed"

    def change(self, decision) -> None:
        services.delete_decision(self.ctx, decision)


class InputEditView(FrozenAware, OrgViewMixin, DetailView):
    """One input: GET its form (htmx swaps it in), POST saves and returns the input."""

    model = ReviewInput
    permission_required = services.CHANGE
    template_name = "reviews/_input_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("review", "requirement")

    def get(self, request, *args, **kwargs):
        self.ctx.require(services.CHANGE)  # the form is only for those who may save it
        self.object = self.get_object()
        form = InputForm(initial={"summary": self.object.summary, "notes": self.object.notes})
        return self.render_form(form)

    def render_form(self, form, status: int = 200):
        row = self.object
        context = self.get_context_data(object=row, form=form, review=row.review)
        context["summary_frozen"] = row.review.status != ReviewStatus.DRAFT
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        refused = self.refuse_if_signed()
        if refused is not None:
            return refused
        self.object = self.get_object()
        form = InputForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, 400)
        values = {"notes": form.cleaned_data["notes"]}
        if self.object.review.status == ReviewStatus.DRAFT:
            values["summary"] = form.cleaned_data["summary"]
        try:
            row = services.update_input(self.ctx, self.object, **values)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, 400)
        if not request.htmx:
            return redirect("reviews:detail", org=self.ctx.org.slug, pk=row.review_id)
        self.template_name = "reviews/_input.html"
        review = row.review
        context = self.get_context_data(object=row, review=review)
        context.update(
            row=row,
            has_data=sources.has_data(row.assembled or {}),
            can_change=True,
            is_draft=review.status == ReviewStatus.DRAFT,
        )
        return self.render_to_response(context)


class _ReviewFormView(OrgViewMixin, FormView):
    form_class = ReviewForm
    template_name = "reviews/form.html"
    permission_required = services.CHANGE

    def get(self, request, *args, **kwargs):
        self.ctx.require(services.CHANGE)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def form_valid(self, form):
        try:
            review = self.save(form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{review.reference} saved.")
        return redirect("reviews:detail", org=self.ctx.org.slug, pk=review.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ReviewCreateView(_ReviewFormView):
    def save(self, values: dict) -> ManagementReview:
        return services.create_review(self.ctx, **values)


class ReviewEditView(FrozenAware, _ReviewFormView):
    model = ManagementReview

    def get_object(self) -> ManagementReview:
        if not hasattr(self, "_review"):
            self._review = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._review

    def get(self, request, *args, **kwargs):
        self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_if_signed() or super().post(request, *args, **kwargs)

    def get_initial(self) -> dict:
        review = self.get_object()
        values = {name: getattr(review, name) for name in ReviewForm.base_fields}
        values["attendees"] = list(review.attendees.all())
        return values

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "review": self.get_object()}

    def save(self, values: dict) -> ManagementReview:
        return services.update_review(self.ctx, self.get_object(), values)


class MinutesView(OrgViewMixin, DetailView):
    """The minutes as a download: the signed-off bytes once there are any."""

    model = ManagementReview
    fmt = "pdf"

    def get(self, request, *args, **kwargs):
        try:
            body, media_type, filename = minutes.download(self.get_object(), self.fmt)
        except minutes.MinutesError as exc:
            return pdf.failure_response(request, exc)
        response = HttpResponse(body, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
