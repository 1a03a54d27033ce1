"""Access-review pages: the campaigns with their filters, a new campaign (with an optional
account list), a campaign with its progress and its accounts (filters; keep or revoke, confirm a
self-review, mark a revocation done — each an htmx swap of the account's row), a newer account
list, closing, and the closed record's downloads. Thin: parse, call ``services`` or ``io``,
render. Every member reads; ``access.manage`` runs campaigns, reviewers decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, ListView, View

from annexa.access import io, services
from annexa.access.filters import filter_items, filter_reviews
from annexa.access.forms import CloseForm, DecisionForm, ImportForm, ReviewForm, RevokedForm
from annexa.access.models import AccessReview, ReviewItem
from annexa.core.forms import attach_errors
from annexa.core.limits import body_limit
from annexa.core.views import LifecycleStepMixin, OrgViewMixin
from annexa.evidence.downloads import attachment_response
from annexa.evidence.uploads import LimitedUploadHandler, limit_uploads
from annexa.ledger.readable import Key, Vocabulary, read
from annexa.ledger.services import history

ITEMS_PER_PAGE = 100
VOCABULARY = Vocabulary(
    models=("access.AccessReview", "access.ReviewItem"),
    keys={
        "accounts": Key("accounts"),
        "account": Key("account"),
        "after": Key("decided"),
        "how": Key("how"),
        "note": Key("note"),
        "summary": Key("summary"),
        "added": Key("accounts added"),
        "refreshed": Key("accounts refreshed"),
        "dropped": Key("accounts dropped"),
        "undecided_again": Key("to decide again"),
    },
    hidden=frozenset(
        {"reference", "before", "evidence", "csv_evidence", "csv_sha256", "awaiting_confirmation"}
    ),
)


class ReviewListView(OrgViewMixin, ListView):
    """Every campaign, newest first, by status and system."""

    model = AccessReview
    template_name = "access/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset = services.with_progress(services.reviews(self.ctx.org)).order_by("-number")
        queryset, self.filter_form = filter_reviews(queryset, self.request.GET)
        return queryset

    def get_template_names(self) -> list[str]:
        return ["access/_reviews.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            rows=[
                {"r": r, "progress": services.progress(r), "overdue": r.is_overdue(today)}
                for r in context["object_list"]
            ],
            filter_form=self.filter_form,
            can_manage=self.ctx.can(services.MANAGE),
        )
        return context


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class ReviewCreateView(OrgViewMixin, FormView):
    """A new campaign over a system's accounts; an uploaded list is imported first (all or
    nothing), in the same transaction as the campaign."""

    form_class = ReviewForm
    template_name = "access/form.html"
    permission_required = services.MANAGE

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.ctx.require(services.MANAGE)  # not offered to members who may not save it
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def get_initial(self) -> dict:
        initial = {"system": self.request.GET.get("system", "")}
        if services.can_review(self.ctx.org, self.ctx.user):
            initial["system_owner"] = self.ctx.user
        return initial

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if self.uploads.too_large is not None:
            form.add_error("file", str(self.uploads.too_large))
        if form.is_valid():
            data = form.cleaned_data
            self.problems: list[str] = []
            try:
                review = self._open(data)
            except ValidationError as exc:
                attach_errors(form, exc, name_other_fields=True)
            else:
                if review is not None:
                    messages.success(
                        request,
                        f"{review.reference} opened: {review.items.count()} accounts of "
                        f"{review.system} to review.",
                    )
                    return redirect("access:detail", org=self.ctx.org.slug, pk=review.pk)
                form.add_error("file", "The list was not imported: fix these rows.")
        return self.render_to_response(
            self.get_context_data(form=form, problems=getattr(self, "problems", [])), status=422
        )

    def _open(self, data) -> AccessReview | None:
        with transaction.atomic():
            upload = data.get("file")
            if upload:
                report = io.import_accounts(
                    self.ctx,
                    _read(upload),
                    upload.name,
                    system=data["system_name"],
                )
                if not report.ok:
                    self.problems = [io.describe(e) for e in report.errors]
                    return None
            return services.create_review(
                self.ctx,
                system=data["system_name"],
                reviewer_mode=data["reviewer_mode"],
                system_owner=data["system_owner"] or self.ctx.user,
                due_date=data["due_date"],
                description=data["description"],
            )


def _read(upload) -> bytes:
    """An uploaded list's bytes, read no further than the import reads."""
    upload.seek(0)
    return upload.read(io.MAX_IMPORT_BYTES + 1)


class ReviewDetailView(OrgViewMixin, DetailView):
    """One campaign: progress, the accounts (filtered, paged), what each may do on them, the
    close button, the record once closed, the history."""

    model = AccessReview
    template_name = "access/detail.html"

    def get_queryset(self):
        return services.reviews(self.ctx.org)

    def get_template_names(self) -> list[str]:
        if self.request.htmx and self.request.GET.get("partial") == "items":
            return ["access/_items.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review, ctx = self.object, self.ctx
        found, item_filter = filter_items(services.items_of(review), self.request.GET, ctx.user)
        page = Paginator(found, ITEMS_PER_PAGE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("partial", None)
        can_manage = ctx.can(services.MANAGE)
        context.update(
            progress=services.progress(review),
            overdue=review.is_overdue(),
            item_filter=item_filter,
            page_obj=page,
            items=[item_row(ctx, i) for i in page.object_list],
            query=params.urlencode(),
            can_manage=can_manage,
            can_close=can_manage and review.is_open,
            record_sha256=services.record_sha256(review),
            history=read(
                ctx.org, history(ctx.org, services.OBJECT_TYPE, str(review.uid)), VOCABULARY
            ),
        )
        context.setdefault("close_form", CloseForm(initial={"version": review.version}))
        context.setdefault("import_form", ImportForm())
        return context


def item_row(ctx, item: ReviewItem, form=None, revoked_form=None, confirm_error=None) -> dict:
    """What one account's row shows and offers to ``ctx``'s user."""
    user = ctx.user
    is_open = item.review.is_open
    holder = item.person.user_id if item.person_id and item.person else None
    return {
        "i": item,
        "can_decide": is_open
        and user is not None
        and user.pk == item.reviewer_id
        and ctx.can(services.REVIEW)
        and item.revocation not in ("done", "verified"),
        "can_confirm": is_open
        and item.awaiting_confirmation
        and user is not None
        and user.pk not in (item.decided_by_id, holder)
        and ctx.can(services.REVIEW),
        "can_mark_revoked": item.revocation == "pending"
        and item.is_decided
        and user is not None
        and (user.pk == item.reviewer_id or ctx.can(services.MANAGE))
        and ctx.can(services.REVIEW),
        "form": form,
        "revoked_form": revoked_form,
        "confirm_error": confirm_error,
    }


class _ItemAction(OrgViewMixin, View):
    """POST one change to an account of a campaign; htmx gets the account's row back (with
    the refusal beside the fields it concerns, 422), a plain form post the campaign's page."""

    model = ReviewItem
    permission_required = services.REVIEW
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        queryset = ReviewItem.objects.for_org(self.ctx.org).select_related(
            "review", "reviewer", "person", "decided_by", "confirmed_by", "revoked_by"
        )
        item = get_object_or_404(queryset, pk=kwargs["pk"])
        item, row, done = self.change(item)  # PermissionDenied (not the reviewer): 403
        status = 200 if done else 422
        if request.htmx:
            return render(
                request, "access/_item.html", {"row": row, "org": self.ctx.org}, status=status
            )
        if done:
            messages.success(request, done)
        else:
            messages.error(request, f"{item.username}: not saved, see the account's row.")
        return redirect("access:detail", org=self.ctx.org.slug, pk=item.review_id)


class DecideView(_ItemAction):
    def change(self, item):
        form = DecisionForm(self.request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.decide(
                    self.ctx,
                    item,
                    data["decision"],
                    reason=data["reason"],
                    justification=data["justification"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return item, item_row(self.ctx, item), f"{item.username}: {item.state}."
        return item, item_row(self.ctx, item, form=form), None


class ConfirmView(_ItemAction):
    def change(self, item):
        try:
            item = services.confirm(self.ctx, item)
        except ValidationError as exc:
            return item, item_row(self.ctx, item, confirm_error=" ".join(exc.messages)), None
        return item, item_row(self.ctx, item), f"{item.username}: decision confirmed."


class RevokedView(_ItemAction):
    def change(self, item):
        form = RevokedForm(self.request.POST)
        if form.is_valid():
            try:
                item = services.mark_revoked(self.ctx, item, form.cleaned_data["note"])
            except ValidationError as exc:
                attach_errors(form, exc, name_other_fields=True)
            else:
                return item, item_row(self.ctx, item), f"{item.username}: revoked."
        return item, item_row(self.ctx, item, revoked_form=form), None


class CloseView(LifecycleStepMixin, ReviewDetailView):
    """POST: close the campaign; a refusal (accounts still undecided) shows on its page."""

    permission_required = services.MANAGE
    detail_url_name = "access:detail"
    form_class, form_name = CloseForm, "close_form"
    done = "closed, and its decision record stored as evidence"

    def change(self, form) -> None:
        try:
            services.close(self.ctx, self.object, expected_version=form.cleaned_data["version"])
        except services.StaleReviewError as exc:
            raise ValidationError({"version": str(exc)}) from None


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class ImportView(ReviewDetailView):
    """POST a newer account list of the campaign's system: imported all or nothing, then the
    campaign's accounts follow it."""

    permission_required = services.MANAGE
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = review = self.get_object()
        form = ImportForm(request.POST, request.FILES)
        if self.uploads.too_large is not None:
            form.add_error("file", str(self.uploads.too_large))
        problems: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = io.import_accounts(
                self.ctx, _read(upload), upload.name, system=review.system, review=review
            )
            if report.ok:
                messages.success(request, report.summary())
                return redirect("access:detail", org=self.ctx.org.slug, pk=review.pk)
            problems = [io.describe(e) for e in report.errors]
            form.add_error("file", report.summary())
        context = self.get_context_data(import_form=form, import_problems=problems)
        return self.render_to_response(context, status=422)


class RecordView(OrgViewMixin, DetailView):
    """GET the closed campaign's decision record (JSON or CSV) from the evidence locker."""

    model = AccessReview
    fmt = "json"

    def get(self, request, *args, **kwargs):
        review = self.get_object()
        evidence = review.evidence if self.fmt == "json" else review.record_csv
        if evidence is None or evidence.current_version is None:
            raise Http404("The record exists once the review is closed.")
        return attachment_response(evidence.current_version)
