"""The scope statement: current version, earlier versions, a new version, approval."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.isms import services
from annexa.isms.forms import ScopeForm
from annexa.isms.models import OrgUnit, ScopeStatement
from annexa.isms.views.common import require_change


def scope_url(org) -> str:
    return reverse("isms:scope", kwargs={"org": org.slug})


class ScopeView(OrgViewMixin, TemplateView):
    template_name = "isms/scope/detail.html"
    model = ScopeStatement

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(self.get_queryset().select_related("created_by", "approved_by"))
        scope = versions[0] if versions else None
        context.update(
            scope=scope,
            versions=versions,
            can_edit=self.ctx.can("isms.change"),
            own_version_note=services.scope.own_version_note(self.ctx, scope),
        )
        return context


class ScopeVersionView(OrgViewMixin, TemplateView):
    """One earlier (or the current) version, as it was saved."""

    template_name = "isms/scope/detail.html"
    model = ScopeStatement

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(self.get_queryset().select_related("created_by", "approved_by"))
        scope = next((v for v in versions if v.version == self.kwargs["version"]), None)
        if scope is None:
            raise Http404("no such scope version")
        context.update(
            scope=scope,
            versions=versions,
            viewing_old=scope is not versions[0],
            can_edit=self.ctx.can("isms.change"),
        )
        return context


class ScopeEditView(OrgViewMixin, TemplateView):
    """The form for a new version, prefilled from the current one."""

    template_name = "isms/scope/edit.html"
    permission_required = "isms.change"

    def get(self, request, *args, **kwargs):
        require_change(self)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ScopeForm(initial=self.initial(), org=self.ctx.org))
        context["current"] = ScopeStatement.current(self.ctx.org)
        return context

    def initial(self) -> dict:
        current = ScopeStatement.current(self.ctx.org)
        if current is None:
            return {}
        uids = [item["uid"] for item in current.in_scope]
        return {
            "text": current.text,
            "boundaries": current.boundaries,
            "units": OrgUnit.objects.for_org(self.ctx.org).filter(uid__in=uids),
            "exclusions": ScopeForm.exclusions_text(current.exclusions),
        }

    def post(self, request, **kwargs):
        form = ScopeForm(request.POST, org=self.ctx.org)
        if form.is_valid():
            try:
                scope = services.save_scope(
                    self.ctx,
                    text=form.cleaned_data["text"],
                    boundaries=form.cleaned_data["boundaries"],
                    units=form.cleaned_data["units"],
                    exclusions=form.cleaned_data["exclusions"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"Scope version {scope.version} is current.")
                return redirect(scope_url(self.ctx.org))
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ScopeApproveView(OrgViewMixin, View):
    """Approve the current version (POST only)."""

    permission_required = "isms.change"
    model = ScopeStatement

    def post(self, request, **kwargs):
        version = request.POST.get("version")
        try:
            scope = services.approve_scope(
                self.ctx, version=int(version) if version and version.isdigit() else None
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Scope version {scope.version} approved.")
        return redirect(scope_url(self.ctx.org))
