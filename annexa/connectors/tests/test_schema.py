"""Typed connector configuration: coercion, required fields, secrets, cross-field checks."""

from __future__ import annotations

import pytest

from annexa.connectors.builtins.lynis import LynisConfig
from annexa.connectors.builtins.ocsf import OcsfConfig
from annexa.connectors.schema import ConfigInvalid, Secret, build, describe, plain_values


def test_it_describes_fields_in_order_with_secrets_marked():
    specs = {spec.name: spec for spec in describe(OcsfConfig)}
    assert list(specs) == ["path", "url", "token"]
    assert specs["token"].secret and specs["token"].type == "secret"
    assert not specs["url"].secret and specs["url"].type == "str"


def test_it_builds_a_config_with_its_secret_hidden():
    config = build(OcsfConfig, {"url": "https://x.example/f.json"}, {"token": "canary-9"})
    assert isinstance(config.token, Secret)
    assert config.token.reveal() == "canary-9"
    assert "canary-9" not in repr(config)
    assert plain_values(config) == {"path": "", "url": "https://x.example/f.json"}


def test_it_coerces_form_text_to_types():
    config = build(LynisConfig, {"mode": "run", "tests": "SSH-7408, AUTH-9286"})
    assert config.tests == ["SSH-7408", "AUTH-9286"]


def test_it_collects_every_problem_by_field():
    with pytest.raises(ConfigInvalid) as caught:
        build(LynisConfig, {"mode": "sideways", "colour": "blue", "tests": 5})
    assert set(caught.value.errors) == {"mode", "colour", "tests"}
    assert "one of import, run" in caught.value.errors["mode"]


def test_it_runs_cross_field_checks():
    with pytest.raises(ConfigInvalid, match="report_path"):
        build(LynisConfig, {"mode": "import"})
    with pytest.raises(ConfigInvalid, match="either a path or a URL"):
        build(OcsfConfig, {"path": "a.json", "url": "https://x.example/"})
    with pytest.raises(ConfigInvalid, match="not Lynis test ids"):
        build(LynisConfig, {"mode": "run", "tests": ["rm -rf /"]})


def test_it_refuses_a_url_to_a_private_address():
    with pytest.raises(ConfigInvalid, match="refused"):
        build(OcsfConfig, {"url": "http://169.254.169.254/latest/"})
