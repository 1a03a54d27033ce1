"""The members page and the API-keys page of an organization. Thin: forms in, services out."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from annexa.core.tenancy import OrgContext
from annexa.core.views import OrgViewMixin
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.forms import AddMemberForm, APIKeyForm, ChangeRoleForm, assignable_roles
from annexa.orgs.models import APIKey, Membership
from annexa.orgs.services import OrgsError

# What a service may refuse with: a message the user can act on.
REFUSALS = (OrgsError, PermissionDenied)


def _editable(ctx: OrgContext, membership: Membership) -> bool:
    """Whether ``ctx`` may change or remove this membership (owners only touch owners)."""
    if not ctx.can("members.manage"):
        return False
    return membership.role != Role.OWNER or ctx.can("org.manage")


def _row(request: HttpRequest, ctx: OrgContext, membership: Membership, error: str = ""):
    context = {
        "m": membership,
        "org": ctx.org,
        "editable": _editable(ctx, membership),
        "can_manage": ctx.can("members.manage"),
        "roles": assignable_roles(ctx),
        "error": error,
    }
    return render(request, "orgs/_member_row.html", context)


class MembersView(OrgViewMixin, TemplateView):
    """Everyone sees who has which role; managers add people here."""

    template_name = "orgs/members.html"
    permission_required = "members.manage"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        memberships = list(
            Membership.objects.for_org(self.ctx.org).select_related("user").order_by("user__email")
        )
        for membership in memberships:
            membership.editable = _editable(self.ctx, membership)
        context["memberships"] = memberships
        context["roles"] = assignable_roles(self.ctx)
        context["can_manage"] = self.ctx.can("members.manage")
        context.setdefault("form", AddMemberForm(ctx=self.ctx))
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = AddMemberForm(request.POST, ctx=self.ctx)
        added = None
        if form.is_valid():
            try:
                added = services.add_person(self.ctx, **form.cleaned_data)
            except REFUSALS as exc:
                form.add_error(None, str(exc))
            else:
                form = AddMemberForm(ctx=self.ctx)
        response = self.render_to_response(self.get_context_data(form=form, added=added))
        # The page may carry a new account's password: never let a cache keep it.
        add_never_cache_headers(response)
        return response


class MemberObjectView(OrgViewMixin, SingleObjectMixin, View):
    """A POST on one membership of this organization (404 for any other)."""

    model = Membership
    permission_required = "members.manage"

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def back(self) -> HttpResponse:
        return redirect("orgs:members", org=self.ctx.org.slug)


class MemberRoleView(MemberObjectView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        membership = self.get_object()
        form = ChangeRoleForm(request.POST)
        error = ""
        if not form.is_valid():
            error = "choose one of the listed roles"
        else:
            try:
                membership = services.change_role(self.ctx, membership, form.cleaned_data["role"])
            except REFUSALS as exc:
                error = str(exc)
        if request.htmx and not error and membership.user_id == request.user.pk:
            # Your own role changed: what the whole page lets you do changed with it.
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        if request.htmx:
            return _row(request, self.ctx, membership, error)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"{membership.user.email} is now {membership.role}.")
        return self.back()


class MemberRemoveView(MemberObjectView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        membership = self.get_object()
        try:
            services.remove_member(self.ctx, membership)
        except REFUSALS as exc:
            if request.htmx:
                return _row(request, self.ctx, membership, str(exc))
            messages.error(request, str(exc))
            return self.back()
        if membership.user_id == request.user.pk:
            # You removed yourself: this organization's pages are closed to you now.
            return self._leave(request)
        if request.htmx:
            return HttpResponse("")
        messages.success(request, f"{membership.user.email} was removed.")
        return self.back()

    def _leave(self, request: HttpRequest) -> HttpResponse:
        if request.htmx:
            response = HttpResponse("")
            response["HX-Redirect"] = reverse("home")
            return response
        return redirect("home")


class APIKeysView(OrgViewMixin, TemplateView):
    """The signed-in user's own keys in this organization."""

    template_name = "orgs/apikeys.html"
    permission_required = "apikeys.issue"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = APIKey.objects.for_org(self.ctx.org).filter(user=self.request.user)
        context["can_issue"] = self.ctx.can("apikeys.issue")
        context.setdefault("form", APIKeyForm())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = APIKeyForm(request.POST)
        plaintext = None
        if form.is_valid():
            try:
                _key, plaintext = services.issue_api_key(self.ctx, **form.cleaned_data)
            except REFUSALS as exc:
                form.add_error(None, str(exc))
            else:
                form = APIKeyForm()
        response = self.render_to_response(self.get_context_data(form=form, new_key=plaintext))
        add_never_cache_headers(response)
        return response


class APIKeyRevokeView(OrgViewMixin, SingleObjectMixin, View):
    model = APIKey
    permission_required = "apikeys.issue"

    def get_queryset(self):
        return super().get_queryset().filter(user=self.request.user)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = self.get_object()
        error = ""
        try:
            key = services.revoke_api_key(self.ctx, key)
        except REFUSALS as exc:
            error = str(exc)
        if request.htmx:
            context = {"k": key, "org": self.ctx.org, "can_issue": True, "error": error}
            return render(request, "orgs/_apikey_row.html", context)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"API key {key.prefix}… was revoked.")
        return redirect("orgs:apikeys", org=self.ctx.org.slug)
