"""A local replay of Microsoft Entra's token endpoint and Microsoft Graph for the entra tests.

``EntraReplay`` serves, from ``http.server`` in a thread on 127.0.0.1 port 0, the token
endpoint under ``/login/{tenant}/oauth2/v2.0/token`` and Graph under ``/graph/v1.0``, with
bodies built from the fixture files in ``data/entra/`` (shaped like the documented responses
of Graph v1.0: user with signInActivity, userRegistrationDetails, group, directoryRole,
directoryObject members, conditionalAccessPolicy, identitySecurityDefaultsEnforcementPolicy,
Graph's and the identity platform's error bodies). It honours ``$select``, ``$top`` and
``$expand=manager``, pages with ``@odata.nextLink`` and ``$skiptoken``, throttles with 429/503
and ``Retry-After``, and refuses what a scenario forbids. Every request is recorded.

``ReplayServer`` (the thread, the recording, the JSON answers) is shared with the Google
Workspace replay.
"""

from __future__ import annotations

import copy
import io
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.management import call_command

from annexa.connectors.tests.github_support import Recorded

DATA = Path(__file__).parent / "data" / "entra"
TENANT = "kestrel.onmicrosoft.com"
TENANT_ID = "8d1e5c2a-4b7f-4e09-a3c6-2f0d9b8e7a61"
CLIENT_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
SECRET = "CANARY-entra-client-secret-4f1a7c-do-not-leak"
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImFjY2Vzcy1jYW5hcnkifQ.CANARY-entra-access-token"
GRAPH = "/graph/v1.0"
LOGIN = "/login"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


class Sink:
    """Keeps what an identity connector's ``collect()`` stores and the progress it reports."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.messages: list[str] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        assert kind == "identity"
        self.files[filename or path.name] = path.read_bytes()

    def progress(self, message: str) -> None:
        self.messages.append(message)


def run(connector, tmp_path: Path) -> tuple[Sink, Any]:
    """``connector.collect()`` into a ``Sink``; the sink and the one snapshot it stored."""
    from annexa.connectors.base import Environment
    from annexa.connectors.formats import snapshot

    sink = Sink()
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    connector.collect(Environment(tmp_path, scratch), sink)
    (raw,) = sink.files.values()
    return sink, snapshot.load(io.BytesIO(raw), "identity")


def users_of(found) -> dict[str, dict[str, Any]]:
    """The users of an identity snapshot by username."""
    return {u["username"]: u for u in found.data["users"]}


def judge(found, org, as_of) -> dict[str, str]:
    """The status of every identity control test over ``found`` on ``as_of``, with ``org``'s
    people register for the leaver test."""
    from annexa.connectors.identity import register
    from annexa.monitoring import loader

    tests = {t: c for t, c in loader.all_tests().items() if c.evidence_kind == "identity"}
    with register.judging_for(org):
        return {t: str(c.evaluate([found], as_of=as_of).status) for t, c in tests.items()}


def left(org, name: str, email: str, end: str) -> None:
    """A person of ``org``'s people register who left on ``end`` (ISO date)."""
    import datetime as dt

    from annexa.people.choices import PersonSource
    from annexa.people.models import Person

    Person.objects.create(
        organization=org,
        name=name,
        email=email,
        end_date=dt.date.fromisoformat(end),
        source=PersonSource.MANUAL,
    )


def collected(ctx, connector) -> dict[str, Any]:
    """Run ``connector`` now; the summary of the one evidence file it stored and judged."""
    from annexa.connectors.choices import RunStatus
    from annexa.monitoring.services import orchestration

    result = orchestration.collect_now(ctx, connector)
    assert result.run.status == RunStatus.SUCCEEDED, result.run.message
    (judged,) = result.judged
    return judged.as_dict()


def secret_nowhere(client, connector, storage_url: str, log: str, field: str, pieces) -> None:
    """After a collection: none of ``pieces`` is on the connector's pages and API answers, in
    the database dump (which does hold the sealed ``field``), in the locker or in ``log``."""
    texts = [log]
    for url in (
        "/api/v1/orgs/acme/connectors/",
        f"/api/v1/orgs/acme/connectors/{connector.pk}/",
        f"/o/acme/connectors/{connector.pk}/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        texts.append(page.content.decode())
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert f'"{field}"' in dump.getvalue()
    stored = [p for p in Path(storage_url.removeprefix("file://")).rglob("*") if p.is_file()]
    assert stored  # the snapshot is in the locker
    texts += [dump.getvalue(), *(p.read_bytes().decode("utf-8", "replace") for p in stored)]
    for text in texts:
        for piece in pieces:
            assert piece not in text


class ReplayServer:
    """An HTTP server on 127.0.0.1 port 0 in a daemon thread; subclasses implement
    ``answer(method, path, query, form, headers)`` returning (status, body, headers)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.forms: list[dict[str, str]] = []
        self._lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                replay._serve(self, "GET")

            def do_POST(self) -> None:
                replay._serve(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, path: str, **query: str) -> int:
        return sum(
            1
            for r in self.requests
            if r.path == path and all(r.query.get(k) == v for k, v in query.items())
        )

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers))
            if method == "POST":
                self.forms.append(form)
        status, body, extra = self.answer(method, parts.path, query, form, headers)
        data = b"" if body is None else json.dumps(copy.deepcopy(body)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


@dataclass
class Throttle:
    """Answer the first ``times`` requests to ``path`` with ``status`` and ``Retry-After``."""

    path: str
    status: int = 429
    retry_after: str | None = "1"
    times: int = 1


@dataclass
class Scenario:
    """What the replayed tenant looks like; tests change it between collections."""

    users: list[dict[str, Any]] = field(default_factory=lambda: load("users.json"))
    managers: dict[str, str] = field(default_factory=lambda: load("managers.json"))
    registration: list[dict[str, Any]] = field(
        default_factory=lambda: load("registration-details.json")
    )
    groups: list[dict[str, Any]] = field(default_factory=lambda: load("groups.json"))
    roles: list[dict[str, Any]] = field(default_factory=lambda: load("directory-roles.json"))
    service_principals: dict[str, Any] = field(
        default_factory=lambda: load("service-principals.json")
    )
    policies: dict[str, Any] = field(
        default_factory=lambda: load("conditional-access-policies.json")
    )
    security_defaults: dict[str, Any] = field(
        default_factory=lambda: load("security-defaults.json")
    )
    page_size: int = 3
    premium: bool = True
    forbidden: set[str] = field(default_factory=set)
    throttles: list[Throttle] = field(default_factory=list)

    def policy(self, name: str) -> dict[str, Any]:
        return next(p for p in self.policies["value"] if p["displayName"] == name)

    def user(self, login: str) -> dict[str, Any]:
        return next(u for u in self.users if u["userPrincipalName"].startswith(f"{login}@"))


class EntraReplay(ReplayServer):
    def __init__(self, scenario: Scenario | None = None) -> None:
        super().__init__()
        self.scenario = scenario or Scenario()
        self.errors = load("errors.json")

    @property
    def graph_url(self) -> str:
        return self.base + GRAPH

    @property
    def authority_url(self) -> str:
        return self.base + LOGIN

    def graph_paths(self) -> list[str]:
        return [r.path[len(GRAPH) :] for r in self.requests if r.path.startswith(GRAPH)]

    def answer(self, method, path, query, form, headers):
        for throttle in self.scenario.throttles:
            if throttle.times and path == throttle.path:
                throttle.times -= 1
                after = {"Retry-After": throttle.retry_after} if throttle.retry_after else {}
                name = "throttled" if throttle.status == 429 else "unavailable"
                return throttle.status, self.errors[name], after
        if method == "POST" and path.startswith(LOGIN + "/"):
            return self._token(path[len(LOGIN) + 1 :], form)
        if method != "GET" or not path.startswith(GRAPH + "/"):
            return 404, self.errors["not_found"], {}
        if headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, self.errors["invalid_token"], {}
        path = path[len(GRAPH) :]
        if path in self.scenario.forbidden:
            return 403, self.errors["forbidden"], {}
        return self._graph(path, query)

    def _token(self, rest: str, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        tenant, _, tail = rest.partition("/")
        if tail != "oauth2/v2.0/token" or tenant not in (TENANT, TENANT_ID):
            return 400, self.errors["unknown_tenant"], {}
        good = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_id") == CLIENT_ID
            and form.get("client_secret") == SECRET
            and form.get("scope") == f"{self.base}/.default"
        )
        if not good:
            return 401, self.errors["invalid_client"], {}
        body = {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": ACCESS_TOKEN,
        }
        return 200, body, {}

    def _graph(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        s = self.scenario
        users = {u["id"]: u for u in s.users}
        if path == "/users":
            if "manager" in query.get("$expand", ""):
                rows = [self._with_manager(u, users) for u in s.users]
                return self._page(path, query, rows)
            selected = query.get("$select", "").split(",")
            if "signInActivity" in selected and not s.premium:
                return 403, self.errors["not_premium"], {}
            return self._page(path, query, [_select(u, selected) for u in s.users])
        if path == "/reports/authenticationMethods/userRegistrationDetails":
            return self._page(path, query, s.registration)
        if path == "/groups":
            rows = [{k: v for k, v in g.items() if k != "members"} for g in s.groups]
            return self._page(path, query, [_select(g, query.get("$select")) for g in rows])
        if path == "/directoryRoles":
            rows = [{k: v for k, v in r.items() if k != "members"} for r in s.roles]
            return self._page(path, query, rows)
        for collection, owners in (("/groups/", s.groups), ("/directoryRoles/", s.roles)):
            if path.startswith(collection) and path.endswith("/members"):
                owner = next((o for o in owners if path == f"{collection}{o['id']}/members"), None)
                if owner is None:
                    return 404, self.errors["not_found"], {}
                rows = [self._member(m, users, query.get("$select")) for m in owner["members"]]
                return self._page(path, query, rows)
        if path == "/policies/identitySecurityDefaultsEnforcementPolicy":
            return 200, s.security_defaults, {}
        if path == "/identity/conditionalAccess/policies":
            return 200, s.policies, {}
        return 404, self.errors["not_found"], {}

    def _with_manager(self, user: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {"id": user["id"]}
        boss = users.get(self.scenario.managers.get(user["id"], ""))
        if boss is not None:  # Graph leaves "manager" out when there is none
            row["manager"] = {
                "@odata.type": "#microsoft.graph.user",
                "id": boss["id"],
                "userPrincipalName": boss["userPrincipalName"],
                "mail": boss["mail"],
            }
        return row

    def _member(self, ref: str, users: dict[str, Any], select: str | None) -> dict[str, Any]:
        kind, _, ident = ref.rpartition(":")
        if kind == "group":
            group = next(g for g in self.scenario.groups if g["id"] == ident)
            return {"@odata.type": "#microsoft.graph.group", **_select(group, select)}
        if kind == "sp":
            return _select(self.scenario.service_principals[ident], select, keep="@odata.type")
        return {"@odata.type": "#microsoft.graph.user", **_select(users[ident], select)}

    def _page(self, path: str, query: dict[str, str], rows: list[Any]):
        # Graph's own page size is 100; an expanded relation caps it at 100 whatever $top says.
        top = min(int(query.get("$top") or 100), 100 if "$expand" in query else 999)
        size = min(top, self.scenario.page_size)
        start = int(query.get("$skiptoken", "0") or 0)
        body: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{path.strip('/')}",
            "value": rows[start : start + size],
        }
        if start + size < len(rows):
            following = {k: v for k, v in query.items() if k != "$skiptoken"}
            following["$skiptoken"] = str(start + size)
            body["@odata.nextLink"] = f"{self.graph_url}{path}?{urlencode(following)}"
        return 200, body, {}


def _select(item: dict[str, Any], select: str | list[str] | None, keep: str = "") -> dict[str, Any]:
    """``item`` with only the ``$select``ed properties (Graph always adds ``id``)."""
    if not select:
        return dict(item)
    names = set(select.split(",") if isinstance(select, str) else select) | {"id", keep}
    return {k: v for k, v in item.items() if k in names}
