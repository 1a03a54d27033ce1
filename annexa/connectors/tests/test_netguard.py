"""The SSRF guard: every spelling of a forbidden address is refused, after DNS and on redirects."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading

import httpx
import pytest

from annexa.connectors import netguard
from annexa.connectors.netguard import OutboundRefused

PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("[fe80::1%eth0]", "fe80::1"),
    ],
)
def test_it_parses_every_spelling_of_an_address(host, expected):
    assert netguard.parse_ip(host) == ipaddress.ip_address(expected)


@pytest.mark.parametrize("host", ["example.com", "0x7f.example", "1e100.net", "localhost"])
def test_it_leaves_names_to_resolve(host):
    assert netguard.parse_ip(host) is None


def test_it_refuses_a_malformed_numeric_address():
    with pytest.raises(OutboundRefused):
        netguard.parse_ip("999.1.1.1")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "metadata"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "not a public"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "IPv6 form of 127.0.0.1"),
        ("::ffff:169.254.169.254", "IPv6 form of 169.254.169.254"),
        ("64:ff9b::a00:1", "IPv6 form of 10.0.0.1"),
        ("fd00::1", "private"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
    ],
)
def test_it_refuses_non_public_addresses(address, reason):
    found = netguard.refusal(ipaddress.ip_address(address))
    assert found is not None and reason in found


def test_it_allows_public_addresses():
    assert netguard.refusal(ipaddress.ip_address(PUBLIC)) is None
    assert netguard.refusal(ipaddress.ip_address("2606:4700::1111")) is None


def test_it_allows_ranges_the_administrator_lists():
    allow = netguard.parse_allow_list("10.20.0.0/16, 127.0.0.1/32")
    assert netguard.refusal(ipaddress.ip_address("10.20.3.4"), allow) is None
    assert netguard.refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allow) is None
    assert netguard.refusal(ipaddress.ip_address("10.21.0.1"), allow) is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.0.0.1", "no prefix length"),
        ("10.0.0.1/8", "not a CIDR"),
        ("banana/8", "not a CIDR"),
    ],
)
def test_it_parses_the_allow_list_strictly(value, message):
    with pytest.raises(ValueError, match=message):
        netguard.parse_allow_list(value)


def test_it_reads_an_empty_allow_list():
    assert netguard.parse_allow_list("") == ()
    assert netguard.parse_allow_list(None) == ()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://localhost/",
    ],
)
def test_it_refuses_urls_that_reach_forbidden_addresses(url):
    with pytest.raises(OutboundRefused, match="refused"):
        netguard.check_url(url, allow=())


def test_it_refuses_other_schemes():
    with pytest.raises(OutboundRefused, match="only http and https"):
        netguard.check_url("file:///etc/passwd", allow=())
    with pytest.raises(OutboundRefused, match="only http and https"):
        netguard.check_literal("gopher://example.com/", allow=())


def _fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    def getaddrinfo(host, port):
        if host not in answers:
            raise socket.gaierror(f"unknown host {host}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(netguard, "_getaddrinfo", getaddrinfo)


def test_it_checks_every_address_a_name_resolves_to(monkeypatch):
    _fake_dns(monkeypatch, {"mixed.example": [PUBLIC, "10.0.0.7"], "ok.example": [PUBLIC]})
    assert netguard.check_url("https://ok.example/x", allow=()) == [ipaddress.ip_address(PUBLIC)]
    with pytest.raises(OutboundRefused, match="private"):
        netguard.check_url("https://mixed.example/x", allow=())


def test_it_pins_the_connection_to_the_checked_address(monkeypatch):
    _fake_dns(monkeypatch, {"findings.example": [PUBLIC]})
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    with netguard.guarded_client(inner=httpx.MockTransport(handler), allow=()) as client:
        response = client.get("https://findings.example/report.json")
    assert response.status_code == 200
    assert seen[0].url.host == PUBLIC
    assert seen[0].headers["Host"] == "findings.example"
    assert seen[0].extensions["sni_hostname"] == "findings.example"


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://127.1/"]
)
def test_it_refuses_a_redirect_to_a_forbidden_address(monkeypatch, target):
    _fake_dns(monkeypatch, {"findings.example": [PUBLIC]})
    requested = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"Location": target})

    client = netguard.guarded_client(inner=httpx.MockTransport(handler), allow=())
    with client, pytest.raises(OutboundRefused, match="refused"):
        client.get("https://findings.example/report.json")
    assert len(requested) == 1  # the redirect target was never contacted


class _Redirecting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ok":
            body = b"[]"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(302)
        self.send_header("Location", "http://[::1]:9/secret")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_it_talks_to_an_explicitly_allowed_range_and_checks_its_redirects(local_server):
    allow = netguard.parse_allow_list("127.0.0.1/32")
    with netguard.guarded_client(allow=allow, timeout=5) as client:
        assert client.get(f"{local_server}/ok").text == "[]"
        with pytest.raises(OutboundRefused, match="loopback"):
            client.get(f"{local_server}/redirect")
    client = netguard.guarded_client(allow=(), timeout=5)
    with client, pytest.raises(OutboundRefused, match="loopback"):
        client.get(f"{local_server}/ok")


def test_it_uses_the_settings_allow_list(settings):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("10.9.0.0/16")
    assert netguard.check_url("http://10.9.1.1/") == [ipaddress.ip_address("10.9.1.1")]
    with pytest.raises(OutboundRefused):
        netguard.check_url("http://10.10.1.1/")
