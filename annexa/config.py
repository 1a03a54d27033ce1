"""Strict readers for Annexa's environment configuration.

Every setting comes from an ``ANNEXA_*`` variable. A wrong value stops start-up with a message
that names the variable, rather than being silently replaced by a default. Secrets may be given
as ``NAME_FILE`` (a path whose content is the value), the convention of Docker and systemd
credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A configuration variable is missing or malformed."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    file_var = f"{name}_FILE"
    path = os.environ.get(file_var)
    if value is not None and path is not None:
        raise ConfigError(f"{name} and {file_var} are both set; set only one of them.")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{file_var}: cannot read {path!r}: {exc.strerror}") from exc
    return value


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """Only ``true`` and ``false`` are accepted: ``yes`` or ``1`` are ambiguous across tools."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    raise ConfigError(f"{name} must be 'true' or 'false', got {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    assert value is not None
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def _check_web_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} must be an http:// or https:// URL such as https://annexa.example.com, "
            f"got {value!r}."
        )
    return value


def env_url(name: str, default: str | None = None) -> str | None:
    """An absolute http(s) URL, e.g. the address people reach Annexa at."""
    value = env_str(name, default)
    return None if value is None else _check_web_url(name, value)


def env_url_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated absolute http(s) URLs (origins)."""
    return [_check_web_url(name, item) for item in env_list(name, default)]


def env_dotted_path(name: str, default: str) -> str:
    """The dotted path of a class in an installed module (the module must exist)."""
    from importlib.util import find_spec

    value = env_str(name, default)
    assert value is not None
    module, _, attribute = value.rpartition(".")
    try:
        found = bool(module) and find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found or not attribute:
        raise ConfigError(
            f"{name} must be the dotted path of a class in an installed module, got {value!r}."
        )
    return value


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name such as ``Europe/Ljubljana``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env_str(name, default)
    assert value is not None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone name such as UTC or Europe/Ljubljana, got {value!r}."
        ) from None
    return value


def annexa_home() -> Path:
    """Where Annexa keeps its database, blobs, keys and secret key (default ``./var``)."""
    return Path(env_str("ANNEXA_HOME", "var") or "var").resolve()


def secret_key_path(home: Path) -> Path:
    return home / "secret_key"


def read_secret_key(home: Path) -> str | None:
    """The secret key from ANNEXA_SECRET_KEY(_FILE) or the file ``annexa init`` wrote."""
    configured = env_str("ANNEXA_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigError("ANNEXA_SECRET_KEY must be at least 32 characters long.")
        return configured
    path = secret_key_path(home)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    return None


def session_timeouts() -> tuple[int, int]:
    """``(idle, absolute)`` session lifetimes in seconds.

    ``ANNEXA_SESSION_IDLE_MINUTES`` (default 30): a session unused for this long ends.
    ``ANNEXA_SESSION_MAX_HOURS`` (default 12): a session ends this long after sign-in, used or not.
    """
    idle = env_int("ANNEXA_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
    absolute = env_int("ANNEXA_SESSION_MAX_HOURS", 12, minimum=1) * 3600
    if idle > absolute:
        raise ConfigError(
            "ANNEXA_SESSION_IDLE_MINUTES must not be longer than ANNEXA_SESSION_MAX_HOURS."
        )
    return idle, absolute


def hsts() -> tuple[int, bool, bool]:
    """``(seconds, include_subdomains, preload)`` of the Strict-Transport-Security header.

    ``ANNEXA_HSTS_SECONDS`` (default 0: no header; production: 31536000, one year),
    ``ANNEXA_HSTS_INCLUDE_SUBDOMAINS`` and ``ANNEXA_HSTS_PRELOAD`` (default false). The options
    mean nothing without a duration, so setting them alone is refused.
    """
    seconds = env_int("ANNEXA_HSTS_SECONDS", 0, minimum=0)
    subdomains = env_bool("ANNEXA_HSTS_INCLUDE_SUBDOMAINS", False)
    preload = env_bool("ANNEXA_HSTS_PRELOAD", False)
    if (subdomains or preload) and not seconds:
        raise ConfigError(
            "ANNEXA_HSTS_INCLUDE_SUBDOMAINS and ANNEXA_HSTS_PRELOAD need ANNEXA_HSTS_SECONDS "
            "(for example 31536000)."
        )
    if preload and not subdomains:
        raise ConfigError("ANNEXA_HSTS_PRELOAD needs ANNEXA_HSTS_INCLUDE_SUBDOMAINS=true.")
    return seconds, subdomains, preload


def failure_limits() -> dict[str, int]:
    """How many failed sign-ins are allowed before further attempts are refused.

    Counted in a sliding window of ``ANNEXA_AUTH_FAILURE_WINDOW_MINUTES`` (default 15): failed
    passwords per account (``ANNEXA_LOGIN_FAILURES_PER_ACCOUNT``, default 5) and per client
    address (``ANNEXA_LOGIN_FAILURES_PER_ADDRESS``, default 20), failed API keys per client
    address (``ANNEXA_API_KEY_FAILURES_PER_ADDRESS``, default 20).
    """
    return {
        "window_seconds": env_int("ANNEXA_AUTH_FAILURE_WINDOW_MINUTES", 15, minimum=1) * 60,
        "login_per_account": env_int("ANNEXA_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1),
        "login_per_address": env_int("ANNEXA_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1),
        "api_key_per_address": env_int("ANNEXA_API_KEY_FAILURES_PER_ADDRESS", 20, minimum=1),
    }
