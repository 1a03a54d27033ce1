"""The built-in connectors against the real tools and a real HTTP server."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest

from annexa.connectors import netguard, services
from annexa.connectors.choices import RunStatus
from annexa.connectors.schema import ConfigInvalid
from annexa.connectors.tests.samples import PROWLER, sample
from annexa.core.tenancy import OrgContext

DATASTREAM = Path("/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml")


def run_connector(ctx, connector):
    run = services.request_run(ctx, connector)
    items = services.execute(OrgContext.system(ctx.org), run)
    run.refresh_from_db()
    return run, items


@pytest.mark.parametrize(
    ("kind", "values", "tool"),
    [
        ("lynis", {"mode": "run", "tests": ["AUTH-9286"]}, "lynis"),
        ("openscap", {"mode": "run", "datastream": str(DATASTREAM)}, "oscap"),
    ],
)
def test_run_mode_on_this_server_needs_the_administrators_allowance(
    isla, settings, monkeypatch, kind, values, tool
):
    # Without the allowance, an ISMS manager of any organization could scan the platform all
    # organizations share; nothing may start, whether or not the tool is installed.
    started = []
    monkeypatch.setattr("subprocess.run", lambda *a, **k: started.append(a))
    settings.OUTBOUND_ALLOW = ()
    connector = services.create(isla.ctx, name=f"This server ({kind})", kind=kind, values=values)
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.FAILED and items == [] and started == []
    assert "ANNEXA_OUTBOUND_ALLOW" in run.message and "127.0.0.1/32" in run.message
    assert "server Annexa runs on" in run.message


def test_it_refuses_scap_content_outside_the_system_directory(isla, server_allowed):
    connector = services.create(
        isla.ctx,
        name="Bad SCAP",
        kind="openscap",
        values={"mode": "run", "datastream": "/etc/passwd"},
    )
    run, _items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.FAILED and "not a SCAP data stream" in run.message


@pytest.mark.skipif(
    shutil.which("lynis") is None, reason="lynis is not installed (apt-get install lynis)"
)
def test_it_runs_lynis_on_this_server(isla, server_allowed):
    # One test keeps the audit short; Lynis still writes a complete report file.
    connector = services.create(
        isla.ctx,
        name="This server (Lynis)",
        kind="lynis",
        values={"mode": "run", "tests": ["AUTH-9286"]},
    )
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.SUCCEEDED, run.message
    (item,) = items
    assert item.kind == "lynis" and item.records >= 1


def test_it_reads_a_folder_of_ocsf_files(isla, import_dir):
    folder = import_dir / "prowler"
    folder.mkdir()
    for name in PROWLER[:2]:
        shutil.copy(sample(name), folder / Path(name).name)
    connector = services.create(isla.ctx, name="Prowler", kind="ocsf", values={"path": "prowler"})
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert sorted(i.version.filename for i in items) == sorted(Path(n).name for n in PROWLER[:2])


def test_it_reads_a_spreadsheet_export(isla, import_dir):
    (import_dir / "hr").mkdir()
    (import_dir / "hr" / "training.csv").write_text(
        "person,course,status,due_on\nann@acme.test,Security basics,completed,2025-01-31\n"
    )
    connector = services.create(
        isla.ctx,
        name="HR training",
        kind="spreadsheet",
        values={"dataset": "training", "path": "hr/training.csv"},
    )
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert items[0].kind == "training" and items[0].records == 1


class _Findings(http.server.BaseHTTPRequestHandler):
    body = b""
    seen_auth: list[str] = []

    def do_GET(self):
        _Findings.seen_auth.append(self.headers.get("Authorization", ""))
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def findings_server():
    _Findings.body = sample(PROWLER[0]).read_bytes()
    _Findings.seen_auth = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Findings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/out.ocsf.json"
    server.shutdown()
    server.server_close()


def test_it_downloads_findings_from_an_allowed_url(isla, settings, findings_server):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")
    connector = services.create(
        isla.ctx,
        name="Prowler server",
        kind="ocsf",
        values={"url": findings_server},
        secrets={"token": "canary-token-1"},
    )
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert items[0].records == 5
    assert _Findings.seen_auth == ["Bearer canary-token-1"]


def test_it_refuses_a_name_that_resolves_to_a_private_address(isla, settings, findings_server):
    # "localhost" passes the check made when saving (it is a name), and is refused when
    # resolved, before any connection.
    settings.OUTBOUND_ALLOW = ()
    url = findings_server.replace("127.0.0.1", "localhost")
    connector = services.create(isla.ctx, name="Prowler server", kind="ocsf", values={"url": url})
    run, items = run_connector(isla.ctx, connector)
    assert items == [] and run.status == RunStatus.FAILED
    assert "refused to connect to localhost" in run.message and _Findings.seen_auth == []


def test_it_refuses_a_literal_private_url_when_saving(isla, settings, findings_server):
    settings.OUTBOUND_ALLOW = ()
    with pytest.raises(ConfigInvalid, match="loopback"):
        services.create(isla.ctx, name="Bad", kind="ocsf", values={"url": findings_server})


def test_acting_on_this_server_is_a_security_event(settings, caplog):
    from annexa.connectors.base import CollectError, require_server_allowance

    settings.OUTBOUND_ALLOW = ()
    with caplog.at_level("INFO", logger="annexa.security"), pytest.raises(CollectError):
        require_server_allowance("run mode (lynis audit system)")
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")
    with caplog.at_level("INFO", logger="annexa.security"):
        require_server_allowance("run mode (lynis audit system)")
    lines = [r.getMessage() for r in caplog.records if r.name == "annexa.security"]
    assert lines[0].startswith("connector refused on the Annexa server")
    assert lines[1].startswith("connector acting on the Annexa server")
    assert all("lynis audit system" in line for line in lines)
