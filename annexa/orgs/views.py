"""The members page and the API-keys page of an organization. Thin: forms in, services out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from annexa.core.tenancy import OrgContext
from annexa.core.views import OrgViewMixin
from annexa.orgs import first_run, mfa, services
from annexa.orgs.choices import Role
from annexa.orgs.forms import (
    APIKeyForm,
    ChangeRoleForm,
    FirstRunForm,
    InviteForm,
    NewAccountForm,
    assignable_roles,
)
from annexa.orgs.models import APIKey, Invitation, Membership
from annexa.orgs.services import InvitationRefused, OrgsError

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
    """Everyone sees who has which role; managers invite people here."""

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
        if context["can_manage"]:
            pending = Invitation.objects.for_org(self.ctx.org).filter(
                accepted_at=None, revoked_at=None
            )
            context["invitations"] = [i for i in pending if i.status == "pending"]
        context.setdefault("form", InviteForm(ctx=self.ctx))
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = InviteForm(request.POST, ctx=self.ctx)
        invited = None
        if form.is_valid():
            try:
                invited, _token = services.invite(self.ctx, **form.cleaned_data)
            except REFUSALS as exc:
                form.add_error(None, str(exc))
            else:
                form = InviteForm(ctx=self.ctx)
        return self.render_to_response(self.get_context_data(form=form, invited=invited))


class InvitationRevokeView(OrgViewMixin, SingleObjectMixin, View):
    """Withdraw a pending invitation of this organization (404 for any other)."""

    model = Invitation
    permission_required = "members.manage"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        invitation = self.get_object()
        try:
            services.revoke_invitation(self.ctx, invitation)
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
        return redirect("orgs:members", org=self.ctx.org.slug)


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


class InvitationView(View):
    """The link of an invitation e-mail. Its token is the credential: whoever follows it reads
    the invited mailbox. An existing account logs in and accepts; a new person sets a
    password. Unknown, expired, withdrawn or used links get a page that says so."""

    template_name = "orgs/invitation.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.token = kwargs["invitation_token"]
        try:
            self.invitation = services.find_invitation(self.token)
        except InvitationRefused as exc:
            status = 404 if exc.args[0] == services.REFUSED["unknown"] else 410
            response = render(request, "orgs/invitation_refused.html", {"reason": str(exc)})
            response.status_code = status
            return response
        response = super().dispatch(request, *args, **kwargs)
        # The page is reached by a secret link: never cache it or leak it onwards.
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "no-referrer"
        return response

    def render_page(self, request: HttpRequest, form=None, error: str = "") -> HttpResponse:
        user = request.user
        context = {
            "invitation": self.invitation,
            "token": self.token,
            "error": error,
            "signed_in": user.is_authenticated,
            "matches": user.is_authenticated and user.email == self.invitation.email,
            "has_account": not user.is_authenticated and services.account_exists(self.invitation),
            "form": form or NewAccountForm(),
            "login_url": f"{reverse('account_login')}?next={request.path}",
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_page(request)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            try:
                membership = services.accept_invitation(self.token, request.user)
            except OrgsError as exc:
                return self.render_page(request, error=str(exc))
            messages.success(request, f"You joined {membership.organization.name}.")
            return redirect(f"/o/{membership.organization.slug}/")
        form = NewAccountForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, form=form)
        try:
            user, membership = services.accept_invitation_as_new_user(
                self.token, form.cleaned_data["password1"], form.cleaned_data["full_name"]
            )
        except OrgsError as exc:
            return self.render_page(request, form=form, error=str(exc))
        from allauth.account.utils import perform_login

        messages.success(request, f"Welcome to {membership.organization.name}.")
        return perform_login(request, user, redirect_url=f"/o/{membership.organization.slug}/")


class ProfileView(LoginRequiredMixin, TemplateView):
    """The signed-in person: name, address, two-factor status, organizations; links to change
    them on allauth's pages."""

    template_name = "orgs/profile.html"

    def get_context_data(self, **kwargs):
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator

        context = super().get_context_data(**kwargs)
        user = self.request.user
        kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        memberships = user.memberships.select_related("organization")
        context.update(
            pending_email=EmailAddress.objects.filter(user=user, verified=False).first(),
            authenticator_app="totp" in kinds,
            security_keys="webauthn" in kinds,
            recovery_codes="recovery_codes" in kinds,
            memberships=memberships,
            mfa_required=any(mfa.role_requires(m.role) for m in memberships),
        )
        return context


class FirstRunView(View):
    """The first run: with no organization yet, the server administrator creates the first
    one and its owner here (with the setup code the server printed) and is signed in as the
    owner. Once an organization exists, the page does not exist (404)."""

    template_name = "orgs/first_run.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not first_run.setup_needed():
            raise Http404("Annexa is set up already.")
        first_run.ensure_token()
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def render_page(self, request: HttpRequest, form: FirstRunForm, status: int = 200):
        return render(request, self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_page(request, FirstRunForm())

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = FirstRunForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                owner = first_run.create_first_organization(
                    data["setup_code"],
                    name=data["name"],
                    slug=data["slug"],
                    email=data["email"],
                    full_name=data["full_name"],
                    password=data["password1"],
                )
            except first_run.SetupRefused as exc:
                first_run.security_log.warning(
                    "first run refused from %s: %s", request.META.get("REMOTE_ADDR"), exc
                )
                form.add_error("setup_code", str(exc))
            except OrgsError as exc:
                form.add_error(None, str(exc))
            else:
                from allauth.account.utils import perform_login

                org = owner.membership.organization
                messages.success(request, f"{org.name} is ready; you are its owner.")
                return perform_login(request, owner.membership.user, redirect_url=f"/o/{org.slug}/")
        return self.render_page(request, form, status=400)
