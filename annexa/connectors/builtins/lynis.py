"""Lynis: import ``lynis-report.dat``, or run ``lynis audit system`` on this server."""

from __future__ import annotations

from annexa.connectors.base import (
    BaseConnector,
    Environment,
    EvidenceSink,
    find_tool,
    require_server_allowance,
    run_tool,
)
from annexa.connectors.formats.lynis import TEST_ID
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, connector_config, setting


@connector_config
class LynisConfig(ConnectorConfig):
    mode: str = setting(
        "import: read a report file; run: audit this server with lynis",
        default="import",
        choices=("import", "run"),
    )
    report_path: str = setting(
        "import mode: the lynis-report.dat file, relative to the import directory", default=""
    )
    tests: list[str] = setting(
        "run mode: only these Lynis tests (e.g. SSH-7408, AUTH-9286); empty runs all",
        default=[],
    )

    def check(self) -> dict[str, str]:
        if self.mode == "import" and not self.report_path:
            return {"report_path": "import mode needs the report file"}
        bad = [t for t in self.tests if not TEST_ID.match(t)]
        if bad:
            return {"tests": f"not Lynis test ids: {', '.join(bad)}"}
        return {}


@register
class LynisConnector(BaseConnector):
    name = "lynis"
    label = "Lynis"
    description = "Host hardening audit by Lynis: warnings, suggestions and system facts."
    config_class = LynisConfig
    produces = ("lynis",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, LynisConfig)
        if config.mode == "import":
            sink.progress(f"reading {config.report_path}")
            sink.put_file(env.resolve_import(config.report_path), kind="lynis")
            return
        require_server_allowance("run mode (lynis audit system)")
        lynis = find_tool("lynis")
        report = env.scratch / "lynis-report.dat"
        argv = [lynis, "audit", "system", "--quick", "--no-colors", "--no-log"]
        if config.tests:
            # A run restricted to some tests needs none of the plugins' extra data.
            argv += ["--tests", " ".join(config.tests), "--no-plugins"]
        sink.progress("auditing this server with lynis")
        run_tool([*argv, "--report-file", str(report)])
        sink.put_file(report, kind="lynis", filename="lynis-report.dat")
