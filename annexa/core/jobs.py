"""The background job queue (huey), configured from ``ANNEXA_*`` variables.

- default: SQLite at ``ANNEXA_HOME/jobs.sqlite3``, nothing to run besides ``annexa worker``;
- ``ANNEXA_REDIS_URL=redis://host:6379/0``: Redis, so several workers share the work;
- ``ANNEXA_JOBS_IMMEDIATE=true``: tasks run inline in the caller (the test suite sets it);
- ``ANNEXA_JOBS_QUEUE``: the queue's name (default ``annexa``), which prefixes its Redis keys,
  so several installations (or test runs) can share one Redis server.

``settings.HUEY`` is built by ``build_huey``; apps declare tasks in their ``tasks.py`` with
``huey.contrib.djhuey`` decorators, which use that instance.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage
from redis import ConnectionPool

from annexa import config

QUEUE_NAME = "annexa"
REDIS_SCHEMES = ("redis", "rediss", "unix")
# A Redis that does not answer (host down, packets dropped) fails a "Run now" after this many
# seconds with "job queue unavailable", instead of holding the request for the OS's TCP timeout.
REDIS_CONNECT_SECONDS = 5


class LazySqliteStorage(SqliteStorage):
    """Creates its directory and tables on first use, not when settings are imported, so
    reading settings never writes to ``ANNEXA_HOME``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["create_tables"] = False
        super().__init__(*args, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for statement in self.ddl:
            conn.execute(statement)
        return conn


class AnnexaSqliteHuey(SqliteHuey):
    storage_class = LazySqliteStorage


def redis_url(value: str) -> str:
    """``value`` if it is a usable Redis URL, else a ConfigError naming ANNEXA_REDIS_URL."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise config.ConfigError(f"ANNEXA_REDIS_URL is not a URL: {exc}") from None
    if parts.scheme not in REDIS_SCHEMES:
        raise config.ConfigError(
            f"ANNEXA_REDIS_URL must start with redis://, rediss:// or unix://, got {value!r}."
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise config.ConfigError(f"ANNEXA_REDIS_URL names no host: {value!r}.")
    if parts.scheme == "unix" and not parts.path:
        raise config.ConfigError(f"ANNEXA_REDIS_URL names no socket path: {value!r}.")
    database = parts.path.lstrip("/")
    if parts.scheme != "unix" and database and not database.isdigit():
        raise config.ConfigError(
            f"ANNEXA_REDIS_URL: the database must be a number, not {database!r}."
        )
    if port is not None and not 0 < port < 65536:
        raise config.ConfigError(f"ANNEXA_REDIS_URL: port {port} is out of range.")
    return value


def queue_name(value: str | None) -> str:
    """``value`` (or the default) if it is a usable queue name, else a ConfigError."""
    name = value or QUEUE_NAME
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", name):
        raise config.ConfigError(
            f"ANNEXA_JOBS_QUEUE: use up to 64 letters, digits, '_', '.', ':' or '-', not {name!r}."
        )
    return name


def build_huey(home: Path) -> SqliteHuey | RedisHuey:
    """The queue the settings describe (see the module docstring)."""
    immediate = config.env_bool("ANNEXA_JOBS_IMMEDIATE", False)
    name = queue_name(config.env_str("ANNEXA_JOBS_QUEUE"))
    url = config.env_str("ANNEXA_REDIS_URL")
    if url:
        pool = ConnectionPool.from_url(redis_url(url), socket_connect_timeout=REDIS_CONNECT_SECONDS)
        return RedisHuey(name, connection_pool=pool, immediate=immediate)
    return AnnexaSqliteHuey(name, filename=str(home / "jobs.sqlite3"), immediate=immediate)
