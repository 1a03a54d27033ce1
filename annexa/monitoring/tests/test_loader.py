"""The loader: unique ids matching module names, complete metadata, enough coverage."""

from __future__ import annotations

import types

import pytest

from annexa.monitoring import loader
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import ControlTest, passed


def module(name: str, *classes: type) -> types.ModuleType:
    mod = types.ModuleType(f"annexa.monitoring.checks.{name}")
    for cls in classes:
        cls.__module__ = mod.__name__
        setattr(mod, cls.__name__, cls)
    return mod


def make_test(test_id: str, doc: str = "Passes when x. Fails when y.", **attrs) -> type:
    namespace = {
        "__doc__": doc,
        "id": test_id,
        "title": "A test",
        "control_ids": ("A.8.5",),
        "remediation": "Fix it.",
        "judge": lambda self, report: passed("ok"),
        **attrs,
    }
    return type("ExampleTest", (LynisTest,), namespace)


def test_it_loads_at_least_40_tests_over_25_controls():
    tests = loader.all_tests()
    assert len(tests) >= 40
    assert len(loader.covered_controls()) >= 25
    assert all(cls.id == name for name, cls in tests.items())


def test_it_accepts_a_well_formed_module():
    assert loader.load_module(module("lynis_example", make_test("lynis_example"))).id == (
        "lynis_example"
    )


def test_it_refuses_an_id_that_is_not_the_module_name():
    with pytest.raises(loader.CheckDefinitionError, match="is not the module name"):
        loader.load_module(module("lynis_example", make_test("lynis_other")))


def test_it_refuses_duplicate_ids():
    first = module("lynis_example", make_test("lynis_example"))
    second = module("lynis_example", make_test("lynis_example"))
    with pytest.raises(loader.CheckDefinitionError, match="two control tests"):
        loader.collect([first, second])


def test_it_refuses_a_module_with_two_tests_or_none():
    second = make_test("lynis_example")
    second.__name__ = "SecondTest"
    with pytest.raises(loader.CheckDefinitionError, match="exactly one"):
        loader.load_module(module("lynis_example", make_test("lynis_example"), second))
    with pytest.raises(loader.CheckDefinitionError, match="found 0"):
        loader.load_module(module("lynis_example"))


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"doc": "Checks things."}, "Passes"),
        ({"control_ids": ("8.5",)}, "Annex A ids"),
        ({"control_ids": ()}, "Annex A ids"),
        ({"clause_ids": ("banana",)}, "clause ids"),
        ({"severity": "extreme"}, "severity"),
        ({"remediation": ""}, "no remediation"),
        ({"evidence_kind": "nessus"}, "evidence_kind"),
        ({"connectors": ()}, "names no connector"),
    ],
)
def test_it_refuses_incomplete_metadata(attrs, message):
    doc = attrs.pop("doc", "Passes when x. Fails when y.")
    with pytest.raises(loader.CheckDefinitionError, match=message):
        loader.load_module(module("lynis_example", make_test("lynis_example", doc, **attrs)))


def test_it_describes_a_test_as_data():
    metadata = loader.all_tests()["lynis_firewall_active"].metadata()
    assert metadata["control_ids"] == ["A.8.20"]
    assert metadata["connectors"] == ["lynis"] and metadata["evidence_kind"] == "lynis"
    assert metadata["description"].startswith("Passes when")


def test_it_ignores_base_classes_imported_into_a_module():
    mod = module("lynis_example", make_test("lynis_example"))
    mod.ControlTest = ControlTest
    mod.LynisTest = LynisTest
    assert loader.load_module(mod).id == "lynis_example"


def test_it_meets_the_acceptance_count_of_60_tests_over_30_controls():
    tests = loader.all_tests()
    controls = loader.covered_controls()
    assert len(tests) >= 60, f"{len(tests)} control tests"
    assert len(controls) >= 30, f"{len(controls)} Annex A controls: {sorted(controls)}"
    assert all(c.startswith("A.") for c in controls)
