"""Connector plugins: built-ins by decorator, third-party ones by entry point."""

from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import registry
from annexa.connectors.base import BaseConnector
from annexa.connectors.schema import ConnectorConfig


def test_it_lists_the_built_in_connectors():
    plugins = registry.plugins()
    assert {"openscap", "lynis", "ocsf", "spreadsheet"} <= set(plugins)
    assert all(plugins[name].origin == "built-in" for name in ("openscap", "lynis"))


def test_it_refuses_a_malformed_built_in():
    class NoName(BaseConnector):
        label = "x"
        config_class = ConnectorConfig

        def collect(self, env, sink):
            return None

    with pytest.raises(TypeError, match="name"):
        registry.register(NoName)


def _fake_distribution(root, name: str, entry_points: str, module: str) -> None:
    """A package installed the way pip leaves it: a module and a .dist-info directory."""
    (root / f"{name}.py").write_text(textwrap.dedent(module))
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


PLUGIN = """
from annexa.connectors.base import BaseConnector
from annexa.connectors.schema import ConnectorConfig, connector_config, secret, setting


@connector_config
class HrConfig(ConnectorConfig):
    endpoint: str = setting("where the HR system is")
    api_key: object = None


class HrConnector(BaseConnector):
    name = "acme_hr"
    label = "Acme HR"
    config_class = HrConfig
    produces = ("accounts",)

    def collect(self, env, sink):
        return None
"""
GOOD_PLUGIN = PLUGIN.replace(
    "api_key: object = None", 'api_key: "Secret | None" = secret("key", required=False)'
).replace("from annexa.connectors.schema import", "from annexa.connectors.schema import Secret,")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Install fake distributions for the test only."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(name: str, entry_points: str, module: str = GOOD_PLUGIN) -> None:
        _fake_distribution(tmp_path, name, entry_points, module)

    return install


def test_it_finds_a_connector_installed_as_a_package(installed):
    installed("acme_hr_plugin", "[annexa.connectors]\nacme_hr = acme_hr_plugin:HrConnector\n")
    plugin = registry.plugins()["acme_hr"]
    assert plugin.usable, plugin.error
    assert "acme_hr_plugin 1.0" in plugin.origin
    assert registry.get("acme_hr").label == "Acme HR"


def test_it_reports_a_plugin_that_cannot_be_loaded(installed):
    installed("broken_plugin", "[annexa.connectors]\nbroken = broken_plugin:Missing\n")
    plugin = registry.plugins()["broken"]
    assert not plugin.usable and "cannot be loaded" in plugin.error
    with pytest.raises(registry.UnknownConnector, match="cannot be used"):
        registry.get("broken")


def test_it_refuses_a_plugin_that_takes_a_built_in_name(installed):
    installed(
        "clash_plugin",
        "[annexa.connectors]\nlynis = clash_plugin:HrConnector\n",
        GOOD_PLUGIN.replace('name = "acme_hr"', 'name = "lynis"'),
    )
    clashing = [p for key, p in registry.plugins().items() if key.startswith("lynis (")]
    assert clashing and "already named 'lynis'" in clashing[0].error
    assert registry.get("lynis").__module__ == "annexa.connectors.builtins.lynis"


def test_it_refuses_a_plugin_with_an_untyped_field(installed):
    installed(
        "untyped_plugin", "[annexa.connectors]\nacme_hr = untyped_plugin:HrConnector\n", PLUGIN
    )
    assert "unsupported type" in registry.plugins()["acme_hr"].error


def test_it_lists_built_ins_and_packages_on_the_command_line(installed, db):
    installed("acme_hr_plugin", "[annexa.connectors]\nacme_hr = acme_hr_plugin:HrConnector\n")
    result = CliRunner().invoke(app, ["connectors", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["lynis"]["origin"] == "built-in"
    assert rows["acme_hr"]["usable"] and "entry point" in rows["acme_hr"]["origin"]
    assert [f["name"] for f in rows["acme_hr"]["fields"] if f["secret"]] == ["api_key"]
