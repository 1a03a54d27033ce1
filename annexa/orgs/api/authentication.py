from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from annexa.orgs.models import APIKey, hash_api_key


class APIKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer anx_<lookup>_<secret>``; the key's organization bounds access."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        parts = token.split("_")
        if len(parts) < 3 or not token.startswith(APIKey.PREFIX):
            raise exceptions.AuthenticationFailed("malformed API key")
        key = APIKey.objects.select_related("user", "organization").filter(lookup=parts[1]).first()
        if key is None or key.key_hash != hash_api_key(token):
            raise exceptions.AuthenticationFailed("unknown API key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("API key revoked or expired")
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed("user inactive")
        APIKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key.user, key

    def authenticate_header(self, request) -> str:
        return self.keyword
