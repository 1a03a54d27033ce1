"""The cache every worker process shares: rate limits (failed sign-ins, API keys) live here.

Django's default cache is in-process memory, so each gunicorn worker counted failures on its
own and an attacker got ``workers × limit`` guesses. The cache is therefore always shared:

- ``ANNEXA_REDIS_URL`` set: Redis (Django's built-in ``RedisCache``), keys prefixed with the
  job queue's name, so several installations can share one server;
- otherwise the database (``DatabaseCache``, table ``annexa_cache``), created by the
  ``core`` migration that ``annexa init`` (migrate) runs.

Read at settings time: imports nothing of Django.
"""

from __future__ import annotations

from annexa import config
from annexa.core import jobs

CACHE_TABLE = "annexa_cache"


def build_caches() -> dict:
    url = config.env_str("ANNEXA_REDIS_URL")
    if url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": jobs.redis_url(url),
                "KEY_PREFIX": jobs.queue_name(config.env_str("ANNEXA_JOBS_QUEUE")),
                "OPTIONS": {
                    "socket_connect_timeout": jobs.REDIS_CONNECT_SECONDS,
                    "socket_timeout": jobs.REDIS_CONNECT_SECONDS,
                },
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    }
