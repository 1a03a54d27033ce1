"""Brute-force limits on every way in, counted in the shared cache (core/shared_cache.py).

- Password sign-in (``/accounts/login/``, and ``/admin/login/`` which redirects there) and
  password reset: allauth's rate limits (``ACCOUNT_RATE_LIMITS`` "login_failed" per account and
  per client address, "reset_password"), which keep their counters in Django's cache. Once the
  limit is reached even the right password is refused until the window has passed.
  ``ThrottleLoggingAdapterMixin`` records each refusal in the ``annexa.security`` log.
- API keys: ``APIKeyFailures`` counts failed ``Bearer`` attempts per client address; past the
  limit every ``Bearer`` attempt from that address is answered 429 with ``Retry-After`` until
  the window that began with the first failure has passed.

The client address is allauth's (``REMOTE_ADDR``, or ``X-Forwarded-For`` when
``ANNEXA_TRUSTED_PROXY_COUNT`` says how many proxies to trust); IPv6 addresses are counted
per /64, as allauth does, so rotating through one's own prefix does not reset the count.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

logger = logging.getLogger("annexa.security")

IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    address = get_adapter(request).get_client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.IPv6Network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address)
    return str(ip)


class APIKeyFailures:
    """Failed API-key attempts of one client address in a fixed window that starts with the
    first failure. The count uses ``cache.incr``: atomic on Redis; on the database cache two
    failures at the very same moment may be counted once.
    """

    def __init__(self, request: HttpRequest) -> None:
        self.address = client_address(request)
        digest = hashlib.sha256(self.address.encode()).hexdigest()[:32]
        self.count_key = f"annexa:apikey-failures:{digest}"
        self.start_key = f"annexa:apikey-window:{digest}"
        self.limit = settings.API_KEY_FAILURES_PER_ADDRESS
        self.window = settings.AUTH_FAILURE_WINDOW_SECONDS

    def retry_after(self) -> int:
        """Seconds until this address may try again; 0 when it may try now."""
        if (cache.get(self.count_key) or 0) < self.limit:
            return 0
        started = cache.get(self.start_key)
        if started is None:
            return 0
        left = started + self.window - time.time()
        return int(left) + 1 if left > 0 else 0

    def record(self) -> None:
        now = time.time()
        started = cache.get(self.start_key)
        if started is None or now >= started + self.window:
            # A new window (the cache may keep an expired entry a little longer).
            cache.set(self.start_key, now, timeout=self.window)
            cache.set(self.count_key, 0, timeout=self.window)
            started = now
        remaining = int(started + self.window - now) + 1
        try:
            count = cache.incr(self.count_key)
        except ValueError:  # evicted meanwhile
            cache.set(self.count_key, 1, timeout=remaining)
            count = 1
        if count == self.limit:
            logger.warning(
                "API key attempts throttled: %d failures from %s; refused for %d s",
                count,
                self.address,
                remaining,
            )


class ThrottleLoggingAdapterMixin:
    """For the allauth account adapter: log sign-ins refused by the failed-login limit."""

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            logger.warning(
                "login throttled: too many failed attempts for %s (client %s)",
                credentials.get("email", "?"),
                client_address(request),
            )
            raise
