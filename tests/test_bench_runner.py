"""The benchmark runner's options (``python -m bench``) and its side-by-side mode: the
arguments it accepts and refuses, that nothing is sent anywhere without a peer, and the ratios
computed against a peer that answers like CISO Assistant's REST API (a local fake)."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import bench.__main__ as runner
from bench import compare
from bench.common import as_figure, figure, line


def test_options_are_typed_and_the_database_is_passed_on():
    known, options = runner.parse(
        ["--only", "scale", "--scale", "0.1", "--runs", "5", "--database", "postgres"]
    )
    assert known.only == ["scale"]
    assert options == {"scale": 0.1, "runs": 5, "database": "postgres"}
    assert known.compare_url is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--compare-url", "http://peer.test"],  # a URL without its token
        ["--compare-token", "secret"],  # a token without its URL
        ["--database", "oracle"],
        ["--runs"],  # an option without its value
    ],
)
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as refused:
        runner.parse(argv)
    assert refused.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_without_a_peer_nothing_is_sent(monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise AssertionError("nothing may be sent without --compare-url")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(compare, "main", no_network)
    monkeypatch.setattr(
        runner, "run_module", lambda name, options: {"verify entries/s": 12345.6, "_note": "x"}
    )
    assert runner.main(["--only", "ledger", "--no-write"]) == 0
    printed = capsys.readouterr().out
    assert "verify entries/s: 12,345.6 entries/s" in printed
    assert "_note" not in printed


def test_a_figure_line_has_its_statistics_and_verdict():
    shown = line("list", figure([10, 20, 30, 40, 200], "ms", target="p95 < 100 ms", passed=False))
    assert shown == (
        "list: 30 ms (median of 5, min 10.0 max 200.0, p95 168.0) — target p95 < 100 ms: MISS"
    )
    assert as_figure("build (s)", 3.5)["unit"] == "s"


class _FakePeer(BaseHTTPRequestHandler):
    """CISO Assistant's shapes: paginated lists, a framework, a perimeter, assessments."""

    created: list[str] = []

    def _answer(self, status: int, body) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        if self.headers.get("Authorization") != "Token t0ken":
            return self._answer(401, {"detail": "no"})
        if self.path.startswith("/api/frameworks/"):
            row = {"id": "f1", "urn": "urn:intuitem:risk:framework:iso27001-2022", "name": "x"}
            return self._answer(200, {"results": [row]})
        if self.path.startswith("/api/perimeters/"):
            return self._answer(200, {"results": [{"id": "p1"}]})
        return self._answer(200, {"count": 0, "results": []})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body["framework"] == "f1" and body["perimeter"] == "p1"
        self.created.append(f"a{len(self.created)}")
        return self._answer(201, {"id": self.created[-1]})

    def do_DELETE(self):
        self.created.remove(self.path.rstrip("/").rsplit("/", 1)[-1])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        return None


def test_side_by_side_against_a_peer_gives_ratios_and_cleans_up():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePeer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        peer = compare.Peer(f"http://127.0.0.1:{server.server_port}", "t0ken")
        found = compare.measure_peer(peer, runs=2)
    finally:
        server.shutdown()
    assert set(found) == {op.name for op in compare.OPERATIONS}
    assert _FakePeer.created == []  # every assessment it created was deleted
    annexa = {
        "sqlite list /api/v1/orgs/large/audits/": figure([5.0, 5.0], "ms"),
        "sqlite not measured": {"value": "not measured: 404", "unit": ""},
    }
    peer_times = {"list audits (API)": figure([20.0, 20.0], "ms")}
    table = compare.ratios(annexa, peer_times)
    assert table == {
        "list audits (API)": {"annexa ms": 5.0, "peer ms": 20.0, "annexa / peer": 0.25}
    }


def test_a_peer_url_must_be_http():
    with pytest.raises(compare.PeerError, match="http"):
        compare.Peer("file:///etc/passwd", "t")


def test_the_side_by_side_ratios_take_the_figure_of_the_same_operation():
    from bench.compare import ratios

    annexa = {
        "sqlite list /api/v1/orgs/large/risks/treatment-actions/": {"value": 3.0},
        "sqlite list /api/v1/orgs/large/risks/": {"value": 25.0},
        "sqlite checklist API, 250 items, 8000 linked evidence": {"value": 190.0},
    }
    peer = {"list risks (API)": {"value": 20.0}, "one audit's checklist (API)": {"value": 380.0}}
    found = ratios(annexa, peer)
    assert found["list risks (API)"]["annexa ms"] == 25.0
    assert found["one audit's checklist (API)"]["annexa / peer"] == 0.5
