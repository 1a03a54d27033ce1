"""Session lifetimes, and no session outliving its user's access.

- Idle timeout (``ANNEXA_SESSION_IDLE_MINUTES``, default 30) and absolute timeout
  (``ANNEXA_SESSION_MAX_HOURS``, default 12): the sign-in time and the last activity are kept in
  the session; ``SessionTimeoutMiddleware`` logs out a session past either limit before the
  view runs, so the request continues as an anonymous one (pages redirect to the login page,
  the API answers 401/403). A session signed in before these keys existed has no sign-in time
  and is ended too.
- Disabling a user (``is_active=False``, saved through the model: admin, services, CLI) deletes
  every session of that user, so re-enabling the account does not revive them.

Security events go to the ``annexa.security`` logger (user ids only, never session keys).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from annexa.core import errors

logger = logging.getLogger("annexa.security")

SIGNED_IN_AT = "annexa_signed_in_at"
LAST_SEEN_AT = "annexa_last_seen_at"
# The last activity is written at most this often, so a busy page is not a session write per
# request; the idle limit is therefore exact to within this many seconds.
TOUCH_SECONDS = 60


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: start both clocks (the session key was just cycled)."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def expiry_reason(session, now: int) -> str | None:
    """Why an authenticated session has ended, or ``None`` while it is valid."""
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(last_seen, int):
        return "no sign-in time"
    if now - signed_in >= settings.SESSION_MAX_SECONDS:
        return "absolute timeout"
    if now - last_seen >= settings.SESSION_IDLE_SECONDS:
        return "idle timeout"
    return None


class SessionTimeoutMiddleware:
    """After ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except Exception as exc:
            # Reading the session is this request's first database query: an outage here gets
            # the same 503 page or JSON as one in a view (core/errors.py).
            failure = errors.failure_response(request, exc)
            if failure is None:
                raise
            return failure
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        session = request.session
        # Only sessions that carry a sign-in: reading the key loads the session, not the user.
        if SESSION_KEY in session:
            now = int(time.time())
            reason = expiry_reason(session, now)
            if reason is not None:
                user_id = session.get(SESSION_KEY)
                logout(request)
                logger.info("session ended: %s (user id %s)", reason, user_id)
                if not request.path.startswith("/api/"):
                    messages.info(request, "Your session has ended. Please log in again.")
            elif now - session[LAST_SEEN_AT] >= TOUCH_SECONDS:
                session[LAST_SEEN_AT] = now


def end_sessions_of(user_id) -> int:
    """Delete every stored session signed in as ``user_id``; how many there were."""
    wanted = str(user_id)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def end_sessions_of_disabled_user(sender, instance, created: bool = False, **kwargs) -> None:
    """``post_save`` of the user model: a disabled user keeps no session."""
    if created or instance.is_active:
        return
    ended = end_sessions_of(instance.pk)
    if ended:
        logger.info("sessions ended: user id %s disabled (%d sessions)", instance.pk, ended)
