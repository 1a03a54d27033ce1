"""Brute force: failed passwords, password resets and API keys are limited per account and per
client address, in the shared cache (the database here; Redis with ANNEXA_REDIS_URL).

The same limits across two worker processes are proved in tests/test_security_served.py.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core import mail

from annexa.core.tenancy import OrgContext
from annexa.core.testing.fixtures import PASSWORD
from annexa.orgs import services

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MEMBERS = "/api/v1/orgs/acme/memberships/"
PER_ACCOUNT = 5  # the defaults of config.failure_limits()
PER_ADDRESS = 20
WINDOW = 15 * 60


def log_in(client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=address)


def password_accepted(response) -> bool:
    """Signed in, or sent on to the second factor (roles that require one)."""
    return response.status_code == 302 and "/accounts/login/" not in response["Location"]


def test_the_cache_is_shared_by_every_worker_process():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == (
        f"{PER_ADDRESS}/{WINDOW}s/ip,{PER_ACCOUNT}/{WINDOW}s/key"
    )


def test_past_the_account_limit_even_the_right_password_is_refused_until_the_window_ends(
    client, isla, later, caplog
):
    email = isla.user.email
    for _ in range(PER_ACCOUNT):
        response = log_in(client, email, "wrong password")
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.text
    with caplog.at_level(logging.WARNING, logger="annexa.security"):
        refused = log_in(client, email, "another wrong one")
    assert "Too many failed login attempts" in refused.text
    assert any("login throttled" in r.getMessage() for r in caplog.records)
    assert "wrong" not in caplog.text  # no password in the log
    right = log_in(client, email, PASSWORD)
    assert not password_accepted(right) and "Too many failed login attempts" in right.text
    # Another address does not unlock the account: the count is per account too.
    assert not password_accepted(log_in(client, email, PASSWORD, address="192.0.2.7"))
    later(WINDOW + 1)
    assert password_accepted(log_in(client, email, PASSWORD))


def test_past_the_address_limit_no_account_can_be_tried_from_that_address(client, acme):
    for n in range(PER_ADDRESS):
        log_in(client, f"nobody{n}@example.com", "guess")
    refused = log_in(client, "nobody-else@example.com", "guess")
    assert "Too many failed login attempts" in refused.text
    elsewhere = log_in(client, "nobody-else@example.com", "guess", address="192.0.2.8")
    assert "Too many failed login attempts" not in elsewhere.text


def test_password_reset_requests_are_limited_per_address(client, isla):
    statuses = [
        client.post("/accounts/password/reset/", {"email": isla.user.email}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert len(mail.outbox) == 5


def bearer(client, key: str, address: str = "127.0.0.1"):
    return client.get(MEMBERS, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address)


def test_failed_api_keys_from_one_address_get_429_with_retry_after(client, colin, later, caplog):
    _key, good = services.issue_api_key(
        OrgContext.system(colin.membership.organization), user=colin.user
    )
    lookup = good.split("_")[1]
    for n in range(PER_ADDRESS):
        assert bearer(client, f"anx_{lookup}_guess{n}").status_code == 401
    with caplog.at_level(logging.WARNING, logger="annexa.security"):
        refused = bearer(client, f"anx_{lookup}_one-more")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= WINDOW + 1
    assert "throttled" in caplog.text and good not in caplog.text
    # Every Bearer attempt from that address waits, the right key too; other addresses do not.
    assert bearer(client, good).status_code == 429
    assert bearer(client, good, address="192.0.2.9").status_code == 200
    later(WINDOW + 2)
    assert bearer(client, good).status_code == 200


def test_with_redis_configured_the_shared_cache_is_redis(tmp_path):
    """ANNEXA_REDIS_URL switches the cache to Redis, keys prefixed with the queue's name."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis on 127.0.0.1:6379")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    queue = f"annexa-test-{os.getpid()}"
    env.update(
        DJANGO_SETTINGS_MODULE="annexa.settings",
        ANNEXA_HOME=str(tmp_path),
        ANNEXA_SECRET_KEY="redis-cache-test-0123456789abcdefghijklmnop",
        ANNEXA_REDIS_URL="redis://127.0.0.1:6379/0",
        ANNEXA_JOBS_QUEUE=queue,
    )
    child = (
        "import django; django.setup()\n"
        "from django.core.cache import cache, caches\n"
        "cache.set('probe', 41, 30); cache.incr('probe')\n"
        "print(type(caches['default']).__name__, cache.get('probe'), cache.make_key('probe'))\n"
        "cache.delete('probe')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", "42", f"{queue}:1:probe"]
