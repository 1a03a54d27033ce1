"""Two-factor authentication is required for the roles in ``ANNEXA_MFA_REQUIRED_ROLES``.

allauth's MFA (``/accounts/2fa/``) provides TOTP, security keys (WebAuthn) and recovery codes,
and asks the second factor at every sign-in of a person who has one, after a password reset
too. What it does not do is make anyone set one up: ``MFARequiredMiddleware`` sends a signed-in
person who holds a listed role in any organization, or is staff of the Django admin, and has
no authenticator to the set-up pages before anything else. API keys are separate credentials
and are not affected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# Read by the settings: Django itself is imported only inside the functions below.
ALL = "all"
DEFAULT_ROLES = ("owner", "isms_manager", "auditor")
# The authenticators that are a second factor (recovery codes only back them up).
SECOND_FACTORS = ("totp", "webauthn")
REQUIRED_MESSAGE = (
    "Your role requires two-factor authentication: set up an authenticator app or a security "
    "key to continue."
)


def parse_required_roles(names: list[str]) -> frozenset[str] | str:
    """``ANNEXA_MFA_REQUIRED_ROLES``: role names, ``all`` or ``none``; anything else is an
    error naming the valid values."""
    from annexa.config import ConfigError
    from annexa.orgs.choices import Role

    names = [n.strip().lower() for n in names if n.strip()]
    if names == [ALL]:
        return ALL
    if names == ["none"]:
        return frozenset()
    unknown = [n for n in names if n not in Role.values]
    if unknown or not names:
        raise ConfigError(
            f"ANNEXA_MFA_REQUIRED_ROLES: unknown role {', '.join(unknown) or '(empty)'}; use "
            f"a comma-separated list of {', '.join(Role.values)}, or 'all', or 'none'."
        )
    return frozenset(names)


def _authenticated_with_mfa(request: HttpRequest) -> bool:
    records = request.session.get("account_authentication_methods", [])
    return any(record.get("method") == "mfa" for record in records)


def role_requires(role: str) -> bool:
    from django.conf import settings

    required = settings.MFA_REQUIRED_ROLES
    return required == ALL or role in required


def needs_setup(user) -> bool:
    """Whether ``user`` must set up a second factor before using Annexa (one query)."""
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.db.models import BooleanField, Exists, OuterRef, Value

    from annexa.orgs.models import Membership, User

    required = settings.MFA_REQUIRED_ROLES
    has_factor = Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS))
    if required == ALL:
        needs = Value(True, output_field=BooleanField())
    else:
        needs = Exists(Membership.objects.filter(user=OuterRef("pk"), role__in=required))
    row = User.objects.filter(pk=user.pk).annotate(needs=needs, has=has_factor)
    flags = row.values_list("needs", "has", "is_staff", "is_superuser").first()
    if flags is None:
        return False
    role_needs, has, staff, superuser = flags
    return (bool(role_needs) or staff or superuser) and not has


class MFARequiredMiddleware:
    """Pages answer with a redirect to the set-up, htmx requests with ``HX-Redirect``, API
    requests made with the session with 403 JSON. Exempt: the set-up pages themselves, the
    re-authentication they ask for, e-mail verification, logging out and static files."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def exempt_prefixes(self) -> tuple[str, ...]:
        from django.conf import settings
        from django.urls import reverse

        if self._exempt is None:
            self._exempt = (
                reverse("mfa_index"),
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("account_email"),
                reverse("account_email_verification_sent"),  # and the links under it
                "/" + settings.STATIC_URL.lstrip("/"),
                reverse("healthz"),
            )
        return self._exempt

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.headers.get("Authorization", "").lower().startswith("bearer ")
            and not request.path.startswith(self.exempt_prefixes())
            and not _authenticated_with_mfa(request)
            and needs_setup(user)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        from django.contrib import messages
        from django.http import HttpResponse, JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse

        setup = reverse("mfa_index")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": f"{REQUIRED_MESSAGE} ({setup})"}, status=403)
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = setup
            return response
        messages.warning(request, REQUIRED_MESSAGE)
        return redirect(setup)
