"""The connector plugins this installation knows: built-ins and the ``annexa.connectors``
entry-point group.

A third-party package adds a connector by declaring, in its ``pyproject.toml``::

    [project.entry-points."annexa.connectors"]
    mysystem = "mypackage.connector:MySystemConnector"

A plugin that cannot be loaded, or whose name clashes with another, is listed with the reason
rather than breaking the application.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from importlib.metadata import entry_points

from annexa.connectors.base import BaseConnector
from annexa.connectors.schema import ConnectorConfig, describe

GROUP = "annexa.connectors"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

_builtins: dict[str, type[BaseConnector]] = {}


class UnknownConnector(LookupError):
    """No plugin of that name is installed."""


@dataclass(frozen=True)
class Plugin:
    """One connector plugin and where it came from; ``error`` is set when it is unusable."""

    name: str
    origin: str
    cls: type[BaseConnector] | None
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.cls is not None and not self.error


def check_class(cls: object) -> str:
    """What is wrong with a would-be connector class ('' when nothing is)."""
    if not isinstance(cls, type) or not issubclass(cls, BaseConnector):
        return "not a subclass of annexa.connectors.base.BaseConnector"
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not NAME_RE.match(name):
        return f"name {name!r} must be 2-40 lowercase letters, digits or underscores"
    if not getattr(cls, "label", None):
        return "it has no label"
    config_class = getattr(cls, "config_class", None)
    if not isinstance(config_class, type) or not issubclass(config_class, ConnectorConfig):
        return "config_class must be a ConnectorConfig dataclass"
    try:
        describe(config_class)
    except TypeError as exc:
        return str(exc)
    if "collect" not in {n for klass in cls.__mro__[:-2] for n in vars(klass)}:
        return "it does not implement collect()"
    return ""


def register(cls: type[BaseConnector]) -> type[BaseConnector]:
    """Class decorator for built-in connectors; refuses a malformed class or a duplicate."""
    problem = check_class(cls)
    if problem:
        raise TypeError(f"{cls!r}: {problem}")
    if cls.name in _builtins and _builtins[cls.name] is not cls:
        raise ValueError(f"two built-in connectors are named {cls.name!r}")
    _builtins[cls.name] = cls
    return cls


def _load_builtins() -> None:
    import annexa.connectors.builtins as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def _entry_point_plugins(taken: set[str]) -> list[Plugin]:
    found = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value)):
        dist = getattr(point, "dist", None)
        origin = f"entry point {point.value}" + (
            f" ({dist.name} {dist.version})" if dist is not None else ""
        )
        try:
            cls = point.load()
        except Exception as exc:  # a broken plugin must not take the application down
            found.append(Plugin(point.name, origin, None, f"cannot be loaded: {exc!r}"))
            continue
        problem = check_class(cls)
        if not problem and cls.name != point.name:
            problem = f"the entry point is named {point.name!r} but the class {cls.name!r}"
        if not problem and cls.name in taken:
            problem = f"another connector is already named {cls.name!r}"
        found.append(Plugin(point.name, origin, None if problem else cls, problem))
        if not problem:
            taken.add(cls.name)
    return found


def plugins() -> dict[str, Plugin]:
    """Every known plugin by name: built-ins first, then entry points (re-read each call, so a
    package installed while the server runs shows up on the next call)."""
    _load_builtins()
    result = {name: Plugin(name, "built-in", cls) for name, cls in sorted(_builtins.items())}
    for plugin in _entry_point_plugins(set(result)):
        key = plugin.name if plugin.name not in result else f"{plugin.name} ({plugin.origin})"
        result[key] = plugin
    return result


def get(name: str) -> type[BaseConnector]:
    """The usable plugin class called ``name``; ``UnknownConnector`` otherwise."""
    plugin = plugins().get(name)
    if plugin is None:
        raise UnknownConnector(f"no connector called {name!r} is installed")
    if not plugin.usable:
        raise UnknownConnector(f"the connector {name!r} cannot be used: {plugin.error}")
    assert plugin.cls is not None
    return plugin.cls
