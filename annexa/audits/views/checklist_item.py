"""One checklist item: its page (full form, evidence picker, upload), saves, moves, removal.

A save names the version the form was based on. When another auditor saved the item first,
the save is refused with 409: the form comes back with the user's input kept, says who saved
and when, and offers to reload or to save over the other version on purpose.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from annexa.audits.fieldwork_forms import (
    INLINE_FIELDS,
    FieldworkForm,
    MoveForm,
    RemoveItemForm,
    RequestForm,
)
from annexa.audits.models import ChecklistItem
from annexa.audits.services import checklist, checklist_rows, fieldwork, requests
from annexa.audits.services.common import CONDUCT
from annexa.audits.views.checklist import (
    checklist_url,
    initial_values,
    render_item,
    row_context,
)
from annexa.audits.views.common import ObjectMixin, error_text, is_htmx
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.evidence.models import Evidence
from annexa.evidence.uploads import LimitedUploadHandler, content_of, limit_uploads

FULL_FIELDS = (
    "result",
    "methods",
    "examined",
    "analysis",
    "verification",
    "auditees",
    "auditees_other",
    "notes",
    "evidence",
    "upload",
    "upload_title",
    "upload_valid_days",
)
SEARCH_LIMIT = 20


def item_url(item: ChecklistItem) -> str:
    return reverse("audits:checklist-item", kwargs={"org": item.organization.slug, "pk": item.pk})


def one_row(item: ChecklistItem, *, with_linked: bool = False) -> checklist_rows.Row:
    return checklist_rows.rows(item.audit, [item], with_linked=with_linked)[0]


class ItemMixin(OrgViewMixin, ObjectMixin):
    model = ChecklistItem
    permission_required = CONDUCT

    def get_queryset(self):
        return super().get_queryset().select_related("audit", "requirement", "control")


class ItemView(ItemMixin, TemplateView):
    """The item's page: questions, expected documents, evidence, the full fieldwork form."""

    template_name = "audits/checklist/item.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs.get("item") or self.get_object()
        row = one_row(item, with_linked=True)
        form = kwargs.get("form") or FieldworkForm(
            org=self.ctx.org, fields=FULL_FIELDS, initial=full_initial(item)
        )
        context.update(
            row_context(self.ctx, row, stale=kwargs.get("stale", "")),
            form=form,
            picker=picker(row, form),
            samples=item.samples.select_related("created_by"),
            requests=item.evidence_requests.select_related("assignee"),
            request_form=RequestForm(
                org=self.ctx.org, initial={"assignee": requests.default_assignee(item)}
            ),
            remove_form=RemoveItemForm(initial={"version": item.version}),
            other=kwargs.get("other"),
        )
        return context


def full_initial(item: ChecklistItem) -> dict:
    return {
        **initial_values(item),
        "auditees": list(item.auditees.all()),
        "evidence": list(item.evidence.all()),
    }


def picker(row: checklist_rows.Row, form: FieldworkForm) -> list[dict]:
    """Checkboxes for the evidence picker: what is linked, then what is on file."""
    if form.is_bound:
        chosen = {str(v) for v in form.data.getlist("evidence")}
    else:
        chosen = {str(v.pk) for v in row.linked}
    entries: dict[int, dict] = {}
    for version in row.linked:
        entries[version.pk] = {
            "pk": version.pk,
            "label": f"{version.evidence.title} v{version.number}",
            "filename": version.filename,
            "freshness": version.freshness(),
        }
    for on_file in row.on_file:
        if on_file.version_id and on_file.version_id not in entries:
            entries[on_file.version_id] = {
                "pk": on_file.version_id,
                "label": f"{on_file.title} v{on_file.version_number}",
                "filename": on_file.filename,
                "freshness": on_file.freshness,
            }
    return [{**e, "checked": str(e["pk"]) in chosen} for e in entries.values()]


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class ItemSaveView(ItemMixin, View):
    """Save fieldwork: the compact row (htmx) or the item's full form with an upload.

    The size-limited upload handler is installed before the body is read, so CSRF is checked
    here (``csrf_protect``) rather than by the middleware, which would read the body first.
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def post(self, request, **kwargs):
        item = self.get_object()
        inline = request.POST.get("layout") == "inline"
        fields = INLINE_FIELDS if inline else FULL_FIELDS
        form = FieldworkForm(
            request.POST,
            request.FILES,
            org=self.ctx.org,
            fields=fields,
        )
        if self.uploads.too_large is not None:
            form.add_error("upload", str(self.uploads.too_large))
        if not form.is_valid():
            return self.respond(item, form, inline, status=422)
        expected = form.cleaned_data["version"]
        if request.POST.get("overwrite", "").isdigit():
            expected = int(request.POST["overwrite"])  # chosen after seeing the other save
        try:
            saved = fieldwork.save_fieldwork(
                self.ctx,
                item,
                form.changes(),
                expected_version=expected,
                upload=self.upload(form),
            )
        except fieldwork.StaleVersionError as exc:
            return self.respond(exc.item, form, inline, status=409, stale=exc)
        except ValidationError as exc:
            attach(form, exc)
            return self.respond(item, form, inline, status=422)
        if is_htmx(request) and inline:
            return render_item(request, self.ctx, one_row(saved), saved=True)
        messages.success(request, f"{saved.subject_id} saved (version {saved.version}).")
        if inline:
            return redirect(f"{checklist_url(saved.audit)}#item-{saved.pk}")
        return redirect(item_url(saved))

    def upload(self, form: FieldworkForm) -> fieldwork.NewEvidence | None:
        upload = form.cleaned_data.get("upload")
        if not upload:
            return None
        return fieldwork.NewEvidence(
            filename=upload.name,
            title=form.cleaned_data.get("upload_title") or "",
            valid_days=form.cleaned_data.get("upload_valid_days"),
            **content_of(upload),
        )

    def respond(self, item, form, inline, *, status, stale=None) -> HttpResponse:
        """The form again with the user's input, its errors or the stale-version notice."""
        message = str(stale) if stale else ""
        other = fieldwork.snapshot(stale.item) if stale else None
        extra = {"other": other, "current_version": item.version}
        if inline:
            row = one_row(item)
            return render_item(
                self.request, self.ctx, row, form=form, stale=message, status=status, **extra
            )
        view = ItemView()
        view.setup(self.request, **self.kwargs)
        view.ctx = self.ctx
        context = view.get_context_data(item=item, form=form, stale=message, other=other)
        context["current_version"] = item.version
        return render(self.request, ItemView.template_name, context, status=status)


def attach(form, exc: ValidationError) -> None:
    """A service's errors on the form fields they name (the rest above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ItemRowView(ItemMixin, View):
    """The item's block as stored (what "Reload" swaps in)."""

    http_method_names = ["get", "head"]

    def get(self, request, **kwargs):
        item = self.get_object()
        if not is_htmx(request):
            return redirect(f"{checklist_url(item.audit)}#item-{item.pk}")
        return render_item(request, self.ctx, one_row(item))


class MoveView(ItemMixin, View):
    """Move an item up or down; with htmx the page moves the block itself (inputs kept)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        item = self.get_object()
        form = MoveForm(request.POST)
        if not form.is_valid():
            return HttpResponse("Move an item 'up' or 'down'.", status=400)
        direction = form.cleaned_data["direction"]
        try:
            moved = checklist.move_item(self.ctx, item, direction)
        except ValidationError as exc:
            return HttpResponse(error_text(exc), status=422)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["X-Checklist-Moved"] = direction if moved else "none"
            return response
        return redirect(f"{checklist_url(item.audit)}#item-{item.pk}")


class RemoveView(ItemMixin, View):
    """Remove the item with a reason (it stays, shown as removed)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        item = self.get_object()
        form = RemoveItemForm(request.POST)
        if not form.is_valid():
            return self.done(item, "Give the reason for removing the item.", error=True)
        try:
            item = checklist.remove_item(
                self.ctx,
                item,
                form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            )
        except (ValidationError, fieldwork.StaleVersionError) as exc:
            return self.done(item, _message(exc), error=True)
        return self.done(item, f"{item.subject_id} removed from the checklist.")

    def done(self, item, message: str, *, error: bool = False) -> HttpResponse:
        if is_htmx(self.request):
            row = one_row(item)
            status = 422 if error else 200
            return render_item(
                self.request, self.ctx, row, notice=message, error=error, status=status
            )
        (messages.error if error else messages.success)(self.request, message)
        return redirect(f"{checklist_url(item.audit)}#item-{item.pk}")


class RestoreView(RemoveView):
    """Bring a removed item back."""

    def post(self, request, **kwargs):
        item = self.get_object()
        try:
            item = checklist.restore_item(self.ctx, item)
        except (ValidationError, fieldwork.StaleVersionError) as exc:
            return self.done(item, _message(exc), error=True)
        return self.done(item, f"{item.subject_id} is back on the checklist.")


def _message(exc: Exception) -> str:
    return error_text(exc) if isinstance(exc, ValidationError) else str(exc)


class EvidenceSearchView(ItemMixin, View):
    """Evidence of the whole locker matching ``q``, as picker checkboxes (htmx)."""

    http_method_names = ["get", "head"]

    def get(self, request, **kwargs):
        self.get_object()
        text = request.GET.get("q", "").strip()
        found = []
        if len(text) >= 2:
            found = list(
                Evidence.objects.for_org(self.ctx.org)
                .filter(current_version__isnull=False, title__icontains=text)
                .select_related("current_version")
                .order_by("title")[:SEARCH_LIMIT]
            )
        entries = [
            {
                "pk": e.current_version.pk,
                "label": f"{e.title} v{e.current_version.number}",
                "filename": e.current_version.filename,
                "freshness": e.current_version.freshness(),
                "checked": False,
            }
            for e in found
        ]
        context = {"entries": entries, "query": text}
        return render(request, "audits/checklist/_picker_results.html", context)
