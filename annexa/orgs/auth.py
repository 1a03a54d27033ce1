"""How people sign in: by their verified e-mail address and password (allauth's pages)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.backends import ModelBackend

from annexa.core.throttle import ThrottleLoggingAdapterMixin
from annexa.orgs.models import User


class AccountAdapter(ThrottleLoggingAdapterMixin, DefaultAccountAdapter):
    """Accounts are created by the server administrator or by accepting an invitation; there
    is no public sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False


class VerifiedEmailBackend(ModelBackend):
    """The login is ``User.email``, which only ever holds a verified address: an address that
    waits for verification (a pending change) never signs anyone in.

    allauth passes ``email=…``; Django's admin and ``authenticate(username=…)`` pass
    ``username``. Case does not matter. An unknown address costs a password hash too, so the
    answer time does not tell which addresses have accounts.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        login = (email or username or kwargs.get(User.USERNAME_FIELD) or "").strip().lower()
        if not login or password is None:
            return None
        user = User.objects.filter(email=login).first()
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
