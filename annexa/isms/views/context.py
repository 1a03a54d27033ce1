"""Context of the organization: issues, interested parties and units, edited inline.

The three lists behave the same way, so one set of views serves them; each concrete view only
names its model, form, service description and row template.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from annexa.core.errors import render_failure
from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.isms.forms import ContextIssueForm, InterestedPartyForm, OrgUnitForm
from annexa.isms.models import ContextIssue, InterestedParty, OrgUnit
from annexa.isms.services import context as service
from annexa.isms.views.common import is_htmx, require_change


class ContextView(OrgViewMixin, TemplateView):
    template_name = "isms/context/page.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.ctx.org
        context.update(
            issues=ContextIssue.objects.for_org(org),
            parties=InterestedParty.objects.for_org(org),
            units=OrgUnit.objects.for_org(org).select_related("manager"),
            can_edit=self.ctx.can("isms.change"),
        )
        return context


class ItemMixin(OrgViewMixin):
    """What one list needs: model, form, service description, templates and URL names."""

    # Declared on every item view, read-only ones included: a POST there is a 405, not a 403.
    permission_required = "isms.change"
    form_class: type
    kind: service.Kind
    name: str  # URL name prefix and HTML id prefix: "issue", "party", "unit"
    section: str  # anchor on the context page
    row_template: str
    columns: int

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def context_url(self) -> str:
        return reverse("isms:context", kwargs={"org": self.ctx.org.slug}) + f"#{self.section}"

    def render_row(self, obj, status: int = 200) -> HttpResponse:
        context = {"obj": obj, "org": self.ctx.org, "can_edit": self.ctx.can("isms.change")}
        return render(self.request, self.row_template, context, status=status)

    def render_form(self, form, obj=None, status: int = 200) -> HttpResponse:
        org = self.ctx.org
        row_url = ""
        if obj is None:
            action = reverse(f"isms:{self.name}-new", kwargs={"org": org.slug})
        else:
            kwargs = {"org": org.slug, "pk": obj.pk}
            action = reverse(f"isms:{self.name}-edit", kwargs=kwargs)
            row_url = reverse(f"isms:{self.name}-row", kwargs=kwargs)
        context = {
            "form": form,
            "obj": obj,
            "org": org,
            "ctx": self.ctx,
            "action": action,
            "row_url": row_url,
            "name": self.name,
            "columns": self.columns,
            "label": self.model._meta.verbose_name,
            "cancel_url": self.context_url(),
        }
        template = (
            "isms/context/_item_form.html"
            if is_htmx(self.request)
            else ("isms/context/item_page.html")
        )
        return render(self.request, template, context, status=status)

    def save(self, form, obj=None) -> HttpResponse:
        if not form.is_valid():
            return self.render_form(form, obj, status=422)
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = service.save(self.ctx, self.kind, data, obj)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, obj, status=422)
        if is_htmx(self.request):
            return self.render_row(saved)
        messages.success(self.request, f"{self.model._meta.verbose_name.capitalize()} saved.")
        return redirect(self.context_url())


class ItemRowView(ItemMixin, View):
    """One row, read-only (what "Cancel" swaps back in)."""

    def get(self, request, **kwargs):
        obj = self.get_object()
        return self.render_row(obj) if is_htmx(request) else redirect(self.context_url())


class ItemNewView(ItemMixin, View):
    def get(self, request, **kwargs):
        require_change(self)
        return self.render_form(self.form_class(org=self.ctx.org))

    def post(self, request, **kwargs):
        return self.save(self.form_class(request.POST, org=self.ctx.org))


class ItemEditView(ItemMixin, View):
    def get(self, request, **kwargs):
        require_change(self)
        obj = self.get_object()
        return self.render_form(self.form_class(instance=obj, org=self.ctx.org), obj)

    def post(self, request, **kwargs):
        obj = self.get_object()
        # The form writes into its own copy, so the service compares against the stored row.
        form = self.form_class(request.POST, instance=self.get_object(), org=self.ctx.org)
        return self.save(form, obj)


class ItemDeleteView(ItemMixin, View):
    def post(self, request, **kwargs):
        obj = self.get_object()
        try:
            service.delete(self.ctx, self.kind, obj)
        except ValidationError as exc:
            return self.refused(request, " ".join(exc.messages))
        if is_htmx(request):
            return HttpResponse("")
        messages.success(request, f"{self.model._meta.verbose_name.capitalize()} deleted.")
        return redirect(self.context_url())

    def refused(self, request, message: str) -> HttpResponse:
        """409 with the reason: in the page for htmx, else as a message over the list."""
        if is_htmx(request):
            return render_failure(request, 409, "Not deleted", message)
        messages.error(request, message)
        return redirect(self.context_url())


class IssueMixin:
    model = ContextIssue
    form_class = ContextIssueForm
    kind = service.ISSUE
    name = "issue"
    section = "issues"
    row_template = "isms/context/_issue_row.html"
    columns = 5


class PartyMixin:
    model = InterestedParty
    form_class = InterestedPartyForm
    kind = service.PARTY
    name = "party"
    section = "parties"
    row_template = "isms/context/_party_row.html"
    columns = 5


class UnitMixin:
    model = OrgUnit
    form_class = OrgUnitForm
    kind = service.UNIT
    name = "unit"
    section = "units"
    row_template = "isms/context/_unit_row.html"
    columns = 5


class IssueRowView(IssueMixin, ItemRowView):
    pass


class IssueNewView(IssueMixin, ItemNewView):
    pass


class IssueEditView(IssueMixin, ItemEditView):
    pass


class IssueDeleteView(IssueMixin, ItemDeleteView):
    pass


class PartyRowView(PartyMixin, ItemRowView):
    pass


class PartyNewView(PartyMixin, ItemNewView):
    pass


class PartyEditView(PartyMixin, ItemEditView):
    pass


class PartyDeleteView(PartyMixin, ItemDeleteView):
    pass


class UnitRowView(UnitMixin, ItemRowView):
    pass


class UnitNewView(UnitMixin, ItemNewView):
    pass


class UnitEditView(UnitMixin, ItemEditView):
    pass


class UnitDeleteView(UnitMixin, ItemDeleteView):
    pass
