"""Finds the control tests: one class per module of ``annexa.monitoring.checks``.

The loader refuses (``CheckDefinitionError``) a module without exactly one test class, a test
whose id is not its module's name, a duplicate id, and incomplete metadata: ids, titles,
Annex A and clause ids, severity, remediation, connectors, evidence kind and a docstring that
says when the test passes and when it fails.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from types import ModuleType

from annexa.catalog.ids import CONTROL_ID, REQUIREMENT_ID
from annexa.connectors.kinds import KINDS
from annexa.monitoring.choices import Severity
from annexa.monitoring.framework import ControlTest

PACKAGE = "annexa.monitoring.checks"


class CheckDefinitionError(Exception):
    """A control test module or class is malformed; the message names it and says why."""


def _test_classes(module: ModuleType) -> list[type[ControlTest]]:
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, ControlTest)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
    ]


def _problems(cls: type[ControlTest], module_name: str) -> list[str]:
    problems = []
    if getattr(cls, "id", None) != module_name:
        problems.append(f"its id {getattr(cls, 'id', None)!r} is not the module name")
    for name in ("title", "remediation"):
        if not isinstance(getattr(cls, name, None), str) or not getattr(cls, name).strip():
            problems.append(f"it has no {name}")
    controls = getattr(cls, "control_ids", ())
    if not controls or not all(isinstance(c, str) and CONTROL_ID.match(c) for c in controls):
        problems.append(f"control_ids {controls!r} must list Annex A ids like A.8.5")
    if not all(isinstance(c, str) and REQUIREMENT_ID.match(c) for c in cls.clause_ids):
        problems.append(f"clause_ids {cls.clause_ids!r} must be clause ids like 9.1")
    if cls.severity not in Severity.values:
        problems.append(f"severity {cls.severity!r} is not one of {Severity.values}")
    if getattr(cls, "evidence_kind", None) not in KINDS:
        problems.append(f"evidence_kind must be one of {sorted(KINDS)}")
    if not getattr(cls, "connectors", ()):
        problems.append("it names no connector that collects its evidence")
    doc = cls.__doc__ or ""
    if "Passes" not in doc or "Fails" not in doc:
        problems.append("its docstring must say when it Passes and when it Fails")
    return problems


def load_module(module: ModuleType) -> type[ControlTest]:
    """The one valid test class of a check module."""
    module_name = module.__name__.rsplit(".", 1)[-1]
    classes = _test_classes(module)
    if len(classes) != 1:
        raise CheckDefinitionError(
            f"{module.__name__} must define exactly one control test class, found {len(classes)}"
        )
    cls = classes[0]
    problems = _problems(cls, module_name)
    if problems:
        raise CheckDefinitionError(f"{module.__name__}.{cls.__name__}: {'; '.join(problems)}")
    return cls


def collect(modules: Iterable[ModuleType]) -> dict[str, type[ControlTest]]:
    """Test classes by id; refuses duplicates."""
    found: dict[str, type[ControlTest]] = {}
    for module in modules:
        cls = load_module(module)
        if cls.id in found:
            raise CheckDefinitionError(f"two control tests have the id {cls.id!r}")
        found[cls.id] = cls
    return dict(sorted(found.items()))


@functools.cache
def all_tests() -> dict[str, type[ControlTest]]:
    """Every built-in control test by id (loaded once per process)."""
    package = importlib.import_module(PACKAGE)
    modules = [
        importlib.import_module(f"{PACKAGE}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    return collect(modules)


def tests_for_kind(kind: str) -> list[type[ControlTest]]:
    return [cls for cls in all_tests().values() if cls.evidence_kind == kind]


def tests_for_control(control_id: str) -> list[type[ControlTest]]:
    return [cls for cls in all_tests().values() if control_id in cls.control_ids]


def covered_controls() -> set[str]:
    return {control for cls in all_tests().values() for control in cls.control_ids}
