"""OpenSCAP: import XCCDF results files, or run ``oscap xccdf eval`` on this server."""

from __future__ import annotations

from pathlib import Path

from annexa.connectors.base import (
    BaseConnector,
    CollectError,
    Environment,
    EvidenceSink,
    find_tool,
    require_server_allowance,
    run_tool,
)
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, connector_config, setting

DEFAULT_PROFILE = "xccdf_org.ssgproject.content_profile_standard"
# SCAP content installed by the distribution (the ssg-* packages) may be named directly.
SYSTEM_CONTENT = Path("/usr/share/xml/scap")
# oscap exits with 2 when the scan ran and some rule failed: that is a result, not an error.
OSCAP_OK = (0, 2)


@connector_config
class OpenScapConfig(ConnectorConfig):
    mode: str = setting(
        "import: read a results file; run: scan this server with oscap",
        default="import",
        choices=("import", "run"),
    )
    results_path: str = setting(
        "import mode: the XCCDF results file, relative to the import directory", default=""
    )
    datastream: str = setting(
        "run mode: the SCAP data stream, in the import directory or installed under "
        f"{SYSTEM_CONTENT}",
        default="",
    )
    profile: str = setting("run mode: the XCCDF profile to evaluate", default=DEFAULT_PROFILE)

    def check(self) -> dict[str, str]:
        if self.mode == "import" and not self.results_path:
            return {"results_path": "import mode needs the results file"}
        if self.mode == "run" and not self.datastream:
            return {"datastream": "run mode needs the SCAP data stream to evaluate"}
        return {}


def datastream_path(env: Environment, name: str) -> Path:
    """An installed SCAP data stream, or one in the organization's import directory."""
    if not Path(name).is_absolute():
        return env.resolve_import(name)
    resolved = Path(name).resolve()
    if not resolved.is_relative_to(SYSTEM_CONTENT) or not resolved.is_file():
        raise CollectError(f"{name} is not a SCAP data stream installed under {SYSTEM_CONTENT}")
    return resolved


@register
class OpenScapConnector(BaseConnector):
    name = "openscap"
    label = "OpenSCAP"
    description = (
        "XCCDF results of OpenSCAP with the SCAP Security Guide, one stream per host and "
        "profile; rules count for the Annex A controls Annexa's reviewed table says they test."
    )
    config_class = OpenScapConfig
    produces = ("openscap",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, OpenScapConfig)
        if config.mode == "import":
            sink.progress(f"reading {config.results_path}")
            sink.put_file(env.resolve_import(config.results_path), kind="openscap")
            return
        require_server_allowance("run mode (oscap xccdf eval)")
        oscap = find_tool("oscap")
        datastream = datastream_path(env, config.datastream)
        results = env.scratch / "xccdf-results.xml"
        sink.progress(f"scanning with {config.profile}")
        argv = [oscap, "xccdf", "eval", "--profile", config.profile]
        run_tool([*argv, "--results", str(results), str(datastream)], ok_codes=OSCAP_OK)
        if not results.is_file():
            raise CollectError("oscap finished but wrote no results file")
        sink.put_file(results, kind="openscap", filename="xccdf-results.xml")
