"""Typed connector configuration: dataclass fields with help text, limits and secret marking.

A connector declares its settings as a frozen dataclass built with ``connector_config`` and
fields made by ``setting()`` and ``secret()``. ``build()`` turns raw input (a web form, API
JSON, stored JSON plus opened secrets) into an instance, collecting every problem by field, so
a form can show them all at once. Secret values are held in ``Secret``, which never prints its
content: not in ``repr``, not in ``str``, not in a log line, not in a pickled job.
"""

from __future__ import annotations

import dataclasses
import hmac
import typing
from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any, ClassVar

MASK = "********"


class Secret:
    """A secret string that hides itself; ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a secret is a string")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        return self._value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("secrets are immutable")

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)

    def __reduce__(self):
        # A job queue pickles task arguments into Redis or SQLite: a secret must never go there.
        raise TypeError("secrets cannot be pickled; pass the connector's id instead")


class ConfigInvalid(ValueError):
    """Configuration input has problems; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


def setting(
    help: str,
    *,
    default: Any = MISSING,
    choices: tuple[str, ...] = (),
    minimum: int | None = None,
    maximum: int | None = None,
) -> Any:
    """A plain configuration field (required unless it has a default)."""
    metadata = {"help": help, "secret": False, "choices": choices, "min": minimum, "max": maximum}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def secret(help: str, *, required: bool = True, multiline: bool = False) -> Any:
    """A secret field: stored encrypted, accepted on input, never returned or shown.
    ``multiline`` secrets (a JSON key file, a PEM key) are typed into a text area."""
    metadata = {
        "help": help,
        "secret": True,
        "choices": (),
        "min": None,
        "max": None,
        "multiline": multiline,
    }
    if required:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=None, metadata=metadata)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConnectorConfig:
    """Base of every connector's configuration. Subclasses may override ``check``."""

    kind_label: ClassVar[str] = "configuration"

    def check(self) -> dict[str, str]:
        """Problems that involve several fields, by field name (empty when all is well)."""
        return {}


def connector_config(cls: type) -> type:
    """Decorator for configuration classes: frozen, keyword-only dataclasses."""
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """How a form or the API describes one configuration field."""

    name: str
    type: str  # "str", "int", "bool", "list", "secret"
    help: str
    secret: bool
    required: bool
    default: Any
    choices: tuple[str, ...]
    minimum: int | None
    maximum: int | None
    multiline: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"choices": list(self.choices)}


_TYPES = {str: "str", int: "int", bool: "bool", Secret: "secret", list[str]: "list"}


def _type_name(hint: Any, name: str) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, type(int | None)) and len(args) == 1:
        hint = args[0]
    if hint in _TYPES:
        return _TYPES[hint]
    raise TypeError(f"configuration field {name!r} has unsupported type {hint!r}")


def describe(config_class: type[ConnectorConfig]) -> list[FieldSpec]:
    """The fields of a configuration class, in declaration order."""
    hints = typing.get_type_hints(config_class)
    specs = []
    for item in dataclasses.fields(config_class):
        meta = item.metadata
        has_default = item.default is not MISSING or item.default_factory is not MISSING
        default = item.default_factory() if item.default_factory is not MISSING else item.default
        specs.append(
            FieldSpec(
                name=item.name,
                type=_type_name(hints[item.name], item.name),
                help=meta.get("help", ""),
                secret=bool(meta.get("secret")),
                required=not has_default,
                default=None if default is MISSING else default,
                choices=tuple(meta.get("choices") or ()),
                minimum=meta.get("min"),
                maximum=meta.get("max"),
                multiline=bool(meta.get("multiline")),
            )
        )
    return specs


def secret_fields(config_class: type[ConnectorConfig]) -> list[str]:
    return [spec.name for spec in describe(config_class) if spec.secret]


def build(
    config_class: type[ConnectorConfig],
    values: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
) -> ConnectorConfig:
    """An instance from plain ``values`` and secret plaintexts; ``ConfigInvalid`` otherwise."""
    secrets = secrets or {}
    errors: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    specs = describe(config_class)
    known = {spec.name for spec in specs}
    for name in sorted(set(values) - known):
        errors[name] = "unknown field"
    for spec in specs:
        raw = secrets.get(spec.name) if spec.secret else values.get(spec.name)
        try:
            value = _coerce(spec, raw)
        except ValueError as exc:
            errors[spec.name] = str(exc)
            continue
        if value is not None:
            kwargs[spec.name] = value
        elif spec.required:
            errors[spec.name] = "this field is required"
    if errors:
        raise ConfigInvalid(errors)
    config = config_class(**kwargs)
    problems = config.check()
    if problems:
        raise ConfigInvalid(problems)
    return config


def _coerce(spec: FieldSpec, raw: Any) -> Any:
    """``raw`` as the field's type; None when it is absent or empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip() and spec.type != "bool"):
        return None
    converter = {
        "str": _as_str,
        "secret": _as_secret,
        "int": _as_int,
        "bool": _as_bool,
        "list": _as_list,
    }[spec.type]
    return converter(spec, raw)


def _as_str(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("must be text")
    value = raw.strip()
    if len(value) > 2000:
        raise ValueError("must be at most 2000 characters")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"must be one of {', '.join(spec.choices)}")
    return value


def _as_secret(spec: FieldSpec, raw: Any) -> Secret:
    if isinstance(raw, Secret):
        return raw
    if not isinstance(raw, str):
        raise ValueError("must be text")
    if len(raw) > 10000:
        raise ValueError("must be at most 10000 characters")
    return Secret(raw)


def _as_int(spec: FieldSpec, raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.lstrip("-").isdigit():
            raise ValueError("must be a whole number")
    if not isinstance(raw, int | str):
        raise ValueError("must be a whole number")
    number = int(raw)
    if spec.minimum is not None and number < spec.minimum:
        raise ValueError(f"must be at least {spec.minimum}")
    if spec.maximum is not None and number > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum}")
    return number


def _as_bool(spec: FieldSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    # "on" is what an HTML checkbox sends; "" is an unchecked one from our own form.
    text = str(raw).strip().lower()
    if text in ("true", "on"):
        return True
    if text in ("false", "off", ""):
        return False
    raise ValueError("must be true or false")


def _as_list(spec: FieldSpec, raw: Any) -> list[str]:
    if isinstance(raw, str):
        items = [part.strip() for part in raw.replace("\n", ",").split(",")]
    elif isinstance(raw, list | tuple):
        if not all(isinstance(item, str) for item in raw):
            raise ValueError("must be a list of text values")
        items = [item.strip() for item in raw]
    else:
        raise ValueError("must be a list of text values")
    return [item for item in items if item]


def plain_values(config: ConnectorConfig) -> dict[str, Any]:
    """The non-secret fields of ``config`` as JSON-ready values (what the database keeps)."""
    return {
        spec.name: getattr(config, spec.name)
        for spec in describe(type(config))
        if not spec.secret and getattr(config, spec.name) is not None
    }
