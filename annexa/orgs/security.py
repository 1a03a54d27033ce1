"""Security events of accounts: logged to ``annexa.security`` and recorded in the ledger of
every organization the person belongs to. Connected in ``OrgsConfig.ready``.

Recorded: sign-ins (a failed one is only logged: no organization is known), e-mail changes,
MFA authenticators added, removed or reset, and recovery codes used. Never a password, code,
secret or token.
"""

from __future__ import annotations

from django.db import transaction

from annexa.core.tenancy import OrgContext
from annexa.ledger.services import append
from annexa.orgs.models import Membership, User
from annexa.orgs.services import security_log


def record_account_event(user: User, action: str, data: dict) -> None:
    """One ledger entry per organization of ``user`` (object ``account``, id: their address)."""
    with transaction.atomic():
        memberships = Membership.objects.filter(user=user).select_related("organization")
        for membership in memberships:
            ctx = OrgContext(org=membership.organization, user=user, membership=membership)
            append(ctx, object_type="account", object_id=user.email, action=action, data=data)


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def on_login(sender, request, user, **kwargs) -> None:
    """allauth's signal: a completed sign-in (after the second factor, when there is one)."""
    methods = sorted({m.get("method", "") for m in request.session.get(_METHODS_KEY, [])})
    security_log.info("login of %s from %s (%s)", user.email, _client(request), ",".join(methods))
    record_account_event(user, "login", {"methods": methods})


_METHODS_KEY = "account_authentication_methods"


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Django's signal: wrong password or unknown login. Django masks the password already;
    only the login name is kept."""
    login = credentials.get("email") or credentials.get("username") or ""
    security_log.warning("failed login for %r from %s", login, _client(request))


def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    before = from_email_address.email if from_email_address else None
    security_log.info("e-mail change of user %s: %s -> %s", user.pk, before, to_email_address.email)
    change = {"before": {"email": before}, "after": {"email": to_email_address.email}}
    record_account_event(user, "change_email", change)


def _on_authenticator(action: str):
    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        kind = authenticator.type
        security_log.info("MFA %s for %s: %s", action, user.email, kind)
        record_account_event(user, f"mfa_{action}", {"type": kind})

    receiver.__name__ = f"on_mfa_{action}"
    return receiver


on_mfa_added = _on_authenticator("added")
on_mfa_removed = _on_authenticator("removed")
on_mfa_reset = _on_authenticator("reset")


def on_mfa_used(sender, request, user, authenticator, **kwargs) -> None:
    """A recovery code spends one of the person's last resorts: worth recording. TOTP and
    security-key use is part of an ordinary sign-in, recorded with the login itself."""
    if authenticator.type == "recovery_codes":
        security_log.warning("recovery code used by %s", user.email)
        record_account_event(user, "mfa_recovery_code_used", {"type": authenticator.type})


def on_mfa_failed(sender, request, user, **kwargs) -> None:
    security_log.warning("failed second factor for %s from %s", user.email, _client(request))


def connect() -> None:
    from allauth.account import signals as account_signals
    from django.apps import apps
    from django.contrib.auth.signals import user_login_failed

    account_signals.user_logged_in.connect(on_login, dispatch_uid="annexa-login")
    account_signals.email_changed.connect(on_email_changed, dispatch_uid="annexa-email")
    user_login_failed.connect(on_login_failed, dispatch_uid="annexa-login-failed")
    if not apps.is_installed("allauth.mfa"):
        return
    from allauth.mfa import signals as mfa_signals

    mfa_signals.authenticator_added.connect(on_mfa_added, dispatch_uid="annexa-mfa-added")
    mfa_signals.authenticator_removed.connect(on_mfa_removed, dispatch_uid="annexa-mfa-removed")
    mfa_signals.authenticator_reset.connect(on_mfa_reset, dispatch_uid="annexa-mfa-reset")
    mfa_signals.authenticator_used.connect(on_mfa_used, dispatch_uid="annexa-mfa-used")
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="annexa-mfa-failed")
