"""Prowler and other OCSF producers: import findings from a file, a folder, or a URL."""

from __future__ import annotations

from annexa.connectors import netguard
from annexa.connectors.base import BaseConnector, CollectError, Environment, EvidenceSink, download
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

PATTERNS = ("*.ocsf.json", "*.ocsf.jsonl")


@connector_config
class OcsfConfig(ConnectorConfig):
    path: str = setting(
        "an OCSF file, or a folder of *.ocsf.json files, relative to the import directory",
        default="",
    )
    url: str = setting("or: an https URL that serves an OCSF JSON file", default="")
    token: Secret | None = secret("bearer token sent with the URL request", required=False)

    def check(self) -> dict[str, str]:
        if bool(self.path) == bool(self.url):
            return {"path": "give either a path or a URL"}
        if self.url and (problem := netguard.literal_problem(self.url)):
            return {"url": problem}
        return {}


@register
class OcsfConnector(BaseConnector):
    name = "ocsf"
    label = "Prowler / OCSF"
    description = (
        "OCSF findings from Prowler and other scanners, read as a stream; mapped through the "
        "findings' ISO27001-2022 entries or the known check ids."
    )
    config_class = OcsfConfig
    produces = ("ocsf",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, OcsfConfig)
        if config.url:
            self._fetch(env, sink, config)
            return
        target = env.resolve_import(config.path)
        files = (
            sorted({p for pattern in PATTERNS for p in target.glob(pattern)})
            if target.is_dir()
            else [target]
        )
        if not files:
            raise CollectError(f"{config.path} holds no {' or '.join(PATTERNS)} files")
        for file in files:
            sink.progress(f"reading {file.name}")
            sink.put_file(file, kind="ocsf")

    def _fetch(self, env: Environment, sink: EvidenceSink, config: OcsfConfig) -> None:
        headers = {"Accept": "application/json"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token.reveal()}"
        sink.progress(f"downloading {config.url.split('?', 1)[0]}")
        dest = env.scratch / "findings.ocsf.json"
        with netguard.guarded_client() as client:
            download(client, config.url, dest, headers=headers)
        sink.put_file(dest, kind="ocsf", filename="findings.ocsf.json")
