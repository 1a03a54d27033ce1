"""API key authentication: ``Authorization: Bearer anx_<lookup>_<secret>``."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from annexa.core.throttle import APIKeyFailures
from annexa.orgs.models import APIKey, hash_api_key

# Recording every single use would turn each API read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class APIKeyAuthentication(authentication.BaseAuthentication):
    """A bearer key acts as its user, and only in the key's organization (the tenancy layer
    answers 404 for any other). Revoked, expired, unknown or malformed keys get 401, and each
    is counted against the client address: past ``ANNEXA_API_KEY_FAILURES_PER_ADDRESS`` in the
    window, every Bearer attempt from that address gets 429 with Retry-After (core/throttle.py)."""

    keyword = "Bearer"

    def authenticate(self, request):
        scheme, _, token = (
            authentication.get_authorization_header(request).decode("latin-1").partition(" ")
        )
        # The scheme name is case-insensitive (RFC 9110); other schemes are not ours.
        if scheme.lower() != self.keyword.lower():
            return None
        failures = APIKeyFailures(request)
        wait = failures.retry_after()
        if wait:
            raise exceptions.Throttled(wait=wait, detail="Too many failed API key attempts.")
        try:
            return self._authenticate_key(token.strip())
        except exceptions.AuthenticationFailed:
            failures.record()
            raise

    def _authenticate_key(self, token: str):
        parts = token.split("_")
        if len(parts) < 3 or not token.startswith(APIKey.PREFIX) or not parts[1]:
            raise exceptions.AuthenticationFailed("malformed API key")
        key = APIKey.objects.select_related("user", "organization").filter(lookup=parts[1]).first()
        if key is None or not hmac.compare_digest(key.key_hash, hash_api_key(token)):
            raise exceptions.AuthenticationFailed("unknown API key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("API key revoked or expired")
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed("user inactive")
        self._touch(key)
        return key.user, key

    def _touch(self, key: APIKey) -> None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now

    def authenticate_header(self, request) -> str:
        return self.keyword
