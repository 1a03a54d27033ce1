"""CSV/XLSX exports of systems without an API: accounts, assets and training records."""

from __future__ import annotations

from annexa.connectors import netguard
from annexa.connectors.base import BaseConnector, Environment, EvidenceSink, download
from annexa.connectors.formats.tabular import SCHEMAS
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting


@connector_config
class SpreadsheetConfig(ConnectorConfig):
    dataset: str = setting("what the export lists", default="accounts", choices=tuple(SCHEMAS))
    path: str = setting("the CSV or XLSX file, relative to the import directory", default="")
    url: str = setting("or: an https URL that serves the CSV or XLSX export", default="")
    token: Secret | None = secret("bearer token sent with the URL request", required=False)

    def check(self) -> dict[str, str]:
        if bool(self.path) == bool(self.url):
            return {"path": "give either a path or a URL"}
        if self.url and (problem := netguard.literal_problem(self.url)):
            return {"url": problem}
        name = (self.path or self.url.split("?", 1)[0]).lower()
        if not name.endswith((".csv", ".xlsx")):
            return {"path" if self.path else "url": "the file must end in .csv or .xlsx"}
        return {}


@register
class SpreadsheetConnector(BaseConnector):
    name = "spreadsheet"
    label = "CSV / XLSX export"
    description = (
        "Accounts, assets or training records exported from a system without an API; the "
        "whole file is validated against its column schema before it is kept."
    )
    config_class = SpreadsheetConfig
    produces = tuple(SCHEMAS)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, SpreadsheetConfig)
        if config.path:
            sink.progress(f"reading {config.path}")
            sink.put_file(env.resolve_import(config.path), kind=config.dataset)
            return
        filename = config.url.split("?", 1)[0].rsplit("/", 1)[-1] or f"{config.dataset}.csv"
        headers = {"Authorization": f"Bearer {config.token.reveal()}"} if config.token else {}
        sink.progress(f"downloading {filename}")
        dest = env.scratch / filename
        with netguard.guarded_client() as client:
            download(client, config.url, dest, headers=headers)
        sink.put_file(dest, kind=config.dataset, filename=filename)
