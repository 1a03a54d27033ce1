"""A local replay of the GitHub REST API for the github connector's tests.

``GithubReplay`` serves, from ``http.server`` in a thread on 127.0.0.1 port 0, response bodies
built from the fixture files in ``data/github/`` (shaped like the examples of GitHub's published
OpenAPI description: organization-full, simple-user, minimal-repository, branch-protection,
dependabot-alert, organization-secret-scanning-alert, basic-error), with GitHub's pagination
(``Link`` headers, ``page``/``per_page``), rate-limit headers (``x-ratelimit-*``), primary and
secondary rate-limit answers, 401/403/404 errors and redirects. Every request is recorded, so a
test can check what the connector sent. The scenario (which repositories are public, archived,
unprotected …) is plain data a test may change between two collections.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).parent / "data" / "github"
ORG = "kestrel-labs"
TOKEN = "CANARY-github-token-7d41b9e0-do-not-leak"
PACKAGES = ("django", "requests", "pyyaml", "jinja2", "urllib3", "cryptography")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@functools.cache
def _text(name: str) -> str:
    return (DATA / name).read_text()


def from_template(name: str, replacements: dict[str, str], **values: Any) -> dict[str, Any]:
    """A fixture object with its placeholder strings (``REPO``, ``PACKAGE`` …) filled in."""
    text = _text(name)
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    item = json.loads(text)
    item.update(values)
    return item


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.path, tuple(sorted(self.query.items()))


@dataclass
class Limit:
    """Answer the first request whose path is ``path`` (and query holds ``query``) with a rate
    limit: ``primary`` (403, remaining 0, reset ``reset_in`` s away) or ``secondary``
    (403 with ``retry-after``)."""

    kind: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    reset_in: int = 1
    fired: bool = False

    def matches(self, path: str, query: dict[str, str]) -> bool:
        return (
            not self.fired
            and path == self.path
            and all(query.get(k) == v for k, v in self.query.items())
        )


@dataclass
class Scenario:
    """What the replayed organization looks like; tests change it between collections."""

    organization: dict[str, Any] = field(default_factory=lambda: load("organization.json"))
    members: list[dict[str, Any]] = field(default_factory=lambda: load("members.json"))
    owners: set[str] = field(default_factory=lambda: {"ada-kestrel", "bo-nakamura"})
    members_without_2fa: set[str] = field(default_factory=lambda: {"eli-brandt"})
    outside: list[dict[str, Any]] = field(
        default_factory=lambda: load("outside-collaborators.json")
    )
    outside_without_2fa: set[str] = field(default_factory=set)
    repository_count: int = 250
    public: set[int] = field(default_factory=lambda: {0, 1, 2})
    archived: set[int] = field(default_factory=lambda: {247, 248, 249})
    unprotected: set[int] = field(default_factory=lambda: {7, 57, 107, 157, 207})
    protection_forbidden: set[int] = field(default_factory=set)
    without_reviews: set[int] = field(default_factory=lambda: {12})
    force_push: set[int] = field(default_factory=lambda: {13})
    dependabot_updates_off: set[int] = field(default_factory=lambda: {20, 21})
    secret_scanning_off: set[int] = field(default_factory=set)
    # (repository index, severity) of each open Dependabot alert.
    dependabot: list[tuple[int, str]] = field(default_factory=list)
    secret_alerts: list[int] = field(default_factory=lambda: [4, 4])
    forbidden: set[str] = field(default_factory=lambda: {f"/orgs/{ORG}/dependabot/alerts"})
    # Paths answered 403 only for some queries, e.g. ("/orgs/x/members", "filter", "2fa_disabled").
    forbidden_queries: set[tuple[str, str, str]] = field(default_factory=set)
    limits: list[Limit] = field(default_factory=list)
    redirect: str | None = None

    @staticmethod
    def repo_name(index: int) -> str:
        return f"service-{index:03d}"

    def repository(self, index: int) -> dict[str, Any]:
        name = self.repo_name(index)
        repo = from_template(
            "repository.json",
            {"REPO_NODE_ID": f"R_kgDO{index:08d}", "REPO": name},
            id=700000000 + index,
        )
        if index in self.public:
            repo.update(private=False, visibility="public")
        repo["archived"] = index in self.archived
        analysis = repo["security_and_analysis"]
        if index in self.dependabot_updates_off:
            analysis["dependabot_security_updates"] = {"status": "disabled"}
        if index in self.secret_scanning_off:
            analysis["secret_scanning"] = {"status": "disabled"}
        return repo

    def protection(self, index: int) -> dict[str, Any]:
        body = from_template("branch-protection.json", {"REPO": self.repo_name(index)})
        if index in self.without_reviews:
            del body["required_pull_request_reviews"]
        if index in self.force_push:
            body["allow_force_pushes"] = {"enabled": True}
        return body

    def dependabot_alerts(self) -> list[dict[str, Any]]:
        alerts = []
        for number, (index, severity) in enumerate(self.dependabot, start=1):
            package = PACKAGES[number % len(PACKAGES)]
            ghsa = f"GHSA-{number:04d}-kstl-{index:04d}"
            alerts.append(
                from_template(
                    "dependabot-alert.json",
                    {
                        "REPO_NODE_ID": f"R_kgDO{index:08d}",
                        "REPO": self.repo_name(index),
                        "PACKAGE": package,
                        "SEVERITY": severity,
                        "GHSA_ID": ghsa,
                        "NUMBER": str(number),
                    },
                    number=number,
                )
            )
        return alerts

    def secret_scanning_alerts(self) -> list[dict[str, Any]]:
        return [
            from_template(
                "secret-scanning-alert.json",
                {
                    "REPO_NODE_ID": f"R_kgDO{index:08d}",
                    "REPO": self.repo_name(index),
                    "NUMBER": str(number),
                },
                number=number,
            )
            for number, index in enumerate(self.secret_alerts, start=1)
        ]


class GithubReplay:
    """The replay server: ``url`` is its API base (with ``prefix``, e.g. ``/api/v3``)."""

    def __init__(self, scenario: Scenario | None = None, *, prefix: str = "") -> None:
        self.scenario = scenario or Scenario()
        self.prefix = prefix
        self.requests: list[Recorded] = []
        self.errors = load("errors.json")
        self._lock = threading.Lock()
        self._used = 0
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One buffered write per answer, sent at once: no Nagle / delayed-ACK stalls.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                replay._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return self.base + self.prefix

    def start(self) -> GithubReplay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the connector asked -----------------------------------------------------------

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def count(self, path: str, **query: str) -> int:
        return sum(
            1
            for r in self.requests
            if r.path == path and all(r.query.get(k) == v for k, v in query.items())
        )

    # --- answering --------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(
                Recorded("GET", path, query, {k.lower(): v for k, v in handler.headers.items()})
            )
            self._used += 1
        if not path.startswith(self.prefix):
            return self._send(handler, 404, self.errors["not_found"])
        path = path[len(self.prefix) :]
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(handler, 401, self.errors["bad_credentials"])
        for limit in self.scenario.limits:
            if limit.matches(path, query):
                limit.fired = True
                return self._limited(handler, limit)
        if self.scenario.redirect and path == f"/orgs/{ORG}":
            return self._send(handler, 302, None, {"Location": self.scenario.redirect})
        self._route(handler, path, query)

    def _route(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> None:
        s = self.scenario
        org = f"/orgs/{ORG}"
        if path in s.forbidden or any(
            path == p and query.get(k) == v for p, k, v in s.forbidden_queries
        ):
            return self._send(handler, 403, self.errors["forbidden"])
        if path == org:
            return self._send(handler, 200, s.organization)
        if path == f"{org}/members":
            people = s.members
            if query.get("role") == "admin":
                people = [m for m in people if m["login"] in s.owners]
            if query.get("filter") == "2fa_disabled":
                people = [m for m in people if m["login"] in s.members_without_2fa]
            return self._page(handler, path, query, people)
        if path == f"{org}/outside_collaborators":
            people = s.outside
            if query.get("filter") == "2fa_disabled":
                people = [m for m in people if m["login"] in s.outside_without_2fa]
            return self._page(handler, path, query, people)
        if path == f"{org}/repos":
            return self._page(handler, path, query, range(s.repository_count), s.repository)
        if path == f"{org}/dependabot/alerts":
            return self._page(handler, path, query, s.dependabot_alerts())
        if path == f"{org}/secret-scanning/alerts":
            return self._page(handler, path, query, s.secret_scanning_alerts())
        prefix, suffix = f"/repos/{ORG}/", "/branches/main/protection"
        if path.startswith(prefix) and path.endswith(suffix):
            name = path[len(prefix) : -len(suffix)]
            index = self._index(name)
            if index is None:
                return self._send(handler, 404, self.errors["not_found"])
            if index in s.protection_forbidden:
                return self._send(handler, 403, self.errors["forbidden"])
            if index in s.unprotected:
                return self._send(handler, 404, self.errors["not_protected"])
            return self._send(handler, 200, s.protection(index))
        return self._send(handler, 404, self.errors["not_found"])

    def _index(self, name: str) -> int | None:
        for index in range(self.scenario.repository_count):
            if self.scenario.repo_name(index) == name:
                return index
        return None

    def _page(
        self,
        handler: BaseHTTPRequestHandler,
        path: str,
        query: dict[str, str],
        items: Sequence[Any],
        build: Callable[[Any], Any] = lambda item: item,
    ) -> None:
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = [build(item) for item in items[(page - 1) * per_page : page * per_page]]
        links = []

        def link(number: int, rel: str) -> str:
            params = {**query, "page": str(number), "per_page": str(per_page)}
            return f'<{self.url}{path}?{urlencode(params)}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(handler, 200, chunk, headers)

    def _limited(self, handler: BaseHTTPRequestHandler, limit: Limit) -> None:
        if limit.kind == "secondary":
            return self._send(
                handler, 403, self.errors["secondary_rate_limited"], {"retry-after": "1"}
            )
        reset = int(time.time()) + limit.reset_in
        self._send(
            handler,
            403,
            self.errors["rate_limited"],
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        )

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        raw = b"" if body is None else json.dumps(copy.deepcopy(body)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        rate = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(max(5000 - self._used, 0)),
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": "core",
        }
        for name, value in {**rate, **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)
