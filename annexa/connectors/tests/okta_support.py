"""A local replay of the Okta management API for the okta connector's tests.

``OktaReplay`` serves, on 127.0.0.1 port 0 (the HTTP plumbing of ``GithubReplay``), bodies
built from the fixture files in ``data/okta/`` (shaped like the examples of Okta's published
management API description: User, UserFactor, Role assignment, Group, MFA_ENROLL Policy and the
error object), with Okta's cursor pagination (``limit`` and ``after``, ``Link: <…>;
rel="next"``; the IAM assignee list's ``_links.next.href``), its rate-limit headers
(``X-Rate-Limit-Limit``, ``-Remaining``, ``-Reset``) and 429 answers, 401 for a wrong token and
403 for what a test forbids. Every request is recorded. The scenario (who is an administrator,
who left, who never enrolled a factor) is plain data a test changes between two collections.
"""

from __future__ import annotations

import copy
import datetime as dt
import fnmatch
import functools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from annexa.connectors.tests.github_support import GithubReplay, Recorded

DATA = Path(__file__).parent / "data" / "okta"
TOKEN = "CANARY-okta-token-00T1kestrel-5b0e42-do-not-leak"
DOMAIN = "kestrel.example"

EVERYONE = "00g1kestreleveryone"
ENGINEERING = "00g1kestrelengineer"
HELP_DESK = "00g1kestrelhelpdesk"
GUESTS = "00g1kestrelguests00"
GROUP_NAMES = {
    EVERYONE: "Everyone",
    ENGINEERING: "Engineering",
    HELP_DESK: "Help Desk",
    GUESTS: "Partners",
}


@functools.cache
def _text(name: str) -> str:
    return (DATA / name).read_text()


def load(name: str, replacements: dict[str, str] | None = None) -> Any:
    text = _text(name)
    for placeholder, value in (replacements or {}).items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def day(days_ago: int) -> str:
    """An Okta time ``days_ago`` days before today, at 08:15:27.000Z."""
    when = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)
    return f"{when.isoformat()}T08:15:27.000Z"


@dataclass
class Person:
    """One Okta user of the scenario."""

    uid: str
    login: str
    first: str
    last: str
    status: str = "ACTIVE"
    factors: tuple[str, ...] = ("push",)
    last_login_days: int | None = 3
    department: str = "Engineering"
    title: str = "Engineer"
    employee: str = ""
    manager: str = ""
    user_type: str = "Employee"
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def named_people() -> list[Person]:
    return [
        Person(
            "00u1ada",
            f"ada.lovelace@{DOMAIN}",
            "Ada",
            "Lovelace",
            factors=("push", "token:software:totp", "email"),
            title="CTO",
            employee="E001",
            roles=("SUPER_ADMIN",),
            groups=(ENGINEERING,),
        ),
        Person(
            "00u1bo",
            f"bo.nakamura@{DOMAIN}",
            "Bo",
            "Nakamura",
            department="Security",
            title="ISMS Manager",
            employee="E002",
            manager=f"ada.lovelace@{DOMAIN}",
            roles=("READ_ONLY_ADMIN",),
        ),
        Person(
            "00u1cyrus",
            f"cyrus.vale@{DOMAIN}",
            "Cyrus",
            "Vale",
            factors=("email",),
            department="IT",
            title="Help desk",
            employee="E003",
            roles=("HELP_DESK_ADMIN",),
            groups=(HELP_DESK,),
        ),
        Person(
            "00u1dana",
            f"dana.ortiz@{DOMAIN}",
            "Dana",
            "Ortiz",
            last_login_days=200,
            employee="E004",
            groups=(ENGINEERING,),
        ),
        Person(
            "00u1eli",
            f"eli.brandt@{DOMAIN}",
            "Eli",
            "Brandt",
            status="SUSPENDED",
            factors=(),
            last_login_days=45,
            department="Sales",
            title="Account executive",
            employee="E005",
        ),
        Person(
            "00u1fay",
            f"fay.lindqvist@{DOMAIN}",
            "Fay",
            "Lindqvist",
            status="DEPROVISIONED",
            factors=(),
            last_login_days=60,
            department="Finance",
            title="Controller",
            employee="E006",
        ),
        Person(
            "00u1gus",
            "gus@nordwind.example",
            "Gus",
            "Nordwind",
            department="",
            title="",
            user_type="Guest",
            groups=(GUESTS,),
        ),
        Person(
            "00u1hana",
            f"hana.ito@{DOMAIN}",
            "Hana",
            "Ito",
            status="STAGED",
            factors=(),
            last_login_days=None,
            employee="E008",
        ),
    ]


def generated(count: int) -> list[Person]:
    """``count`` ordinary staff: active, Okta Verify enrolled, signed in recently."""
    return [
        Person(
            f"00u2staff{index:05d}",
            f"staff{index:04d}@{DOMAIN}",
            "Staff",
            f"Member {index}",
            department="Operations",
            title="Analyst",
            employee=f"S{index:05d}",
            last_login_days=1 + index % 30,
        )
        for index in range(count)
    ]


@dataclass
class Limit:
    """Answer the first request to ``path`` (whose query holds ``query``) with 429, the limit
    resetting ``reset_in`` seconds later."""

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
    """What the replayed Okta org looks like; tests change it between collections."""

    people: list[Person] = field(default_factory=lambda: named_people() + generated(420))
    policies: list[dict[str, Any]] | None = None
    # Path patterns answered 403 (fnmatch: "/api/v1/users/*/factors").
    forbidden: set[str] = field(default_factory=set)
    limits: list[Limit] = field(default_factory=list)

    def person(self, uid: str) -> Person | None:
        return next((p for p in self.people if p.uid == uid), None)

    def by_login(self, login: str) -> Person:
        return next(p for p in self.people if p.login == login)


class OktaReplay(GithubReplay):
    """The replay server: ``url`` is the org's address (``http://127.0.0.1:PORT``)."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        super().__init__()
        self.scenario = scenario or Scenario()  # type: ignore[assignment]
        self.errors = load("errors.json")
        self.roles = load("roles.json")

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
        if handler.headers.get("Authorization") != f"SSWS {TOKEN}":
            return self._send(handler, 401, self.errors["invalid_token"])
        scenario: Scenario = self.scenario  # type: ignore[assignment]
        for limit in scenario.limits:
            if limit.matches(path, query):
                limit.fired = True
                reset = str(int(time.time()) + limit.reset_in)
                return self._send(
                    handler,
                    429,
                    self.errors["rate_limited"],
                    {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": reset},
                )
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in scenario.forbidden):
            return self._send(handler, 403, self.errors["forbidden"])
        self._route(handler, path, query)

    def _route(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> None:
        s: Scenario = self.scenario  # type: ignore[assignment]
        if path == "/api/v1/users":
            wanted_gone = query.get("filter") == 'status eq "DEPROVISIONED"'
            people = [p for p in s.people if (p.status == "DEPROVISIONED") == wanted_gone]
            return self._page(handler, path, query, people, self.user)
        if path == "/api/v1/iam/assignees/users":
            admins = [p for p in s.people if p.roles and p.status != "DEPROVISIONED"]
            return self._page(handler, path, query, admins, self.assignee, body_links=True)
        if path == "/api/v1/groups":
            return self._page(handler, path, query, list(GROUP_NAMES), self.group)
        if path == "/api/v1/policies":
            if query.get("type") != "MFA_ENROLL":
                return self._send(handler, 400, self.errors["not_found"])
            return self._send(handler, 200, self.policies())
        segments = path.strip("/").split("/")
        if len(segments) == 5 and segments[:3] == ["api", "v1", "users"]:
            person = s.person(segments[3])
            if person is None:
                return self._send(handler, 404, self.errors["not_found"])
            if segments[4] == "factors":
                return self._send(handler, 200, self.factors(person))
            if segments[4] == "roles":
                return self._send(handler, 200, [self.role(person, r) for r in person.roles])
        if (
            len(segments) == 5
            and segments[:3] == ["api", "v1", "groups"]
            and segments[4] == "users"
        ):
            gid = segments[3]
            if gid not in GROUP_NAMES:
                return self._send(handler, 404, self.errors["not_found"])
            members = [p for p in s.people if self.in_group(p, gid)]
            return self._page(handler, path, query, members, self.user)
        return self._send(handler, 404, self.errors["not_found"])

    # --- bodies -----------------------------------------------------------------------------

    @staticmethod
    def in_group(person: Person, gid: str) -> bool:
        if person.status == "DEPROVISIONED":
            return False  # Okta removes deprovisioned users from their groups
        return gid == EVERYONE or gid in person.groups

    def user(self, person: Person) -> dict[str, Any]:
        body = load(
            "user.json",
            {
                "USER_ID": person.uid,
                "LOGIN": person.login,
                "FIRST": person.first,
                "LAST": person.last,
                "DEPARTMENT": person.department,
                "TITLE": person.title,
                "EMPLOYEE": person.employee,
                "MANAGER": person.manager,
                "ORG_URL": self.url,
            },
        )
        body["status"] = person.status
        body["lastLogin"] = None if person.last_login_days is None else day(person.last_login_days)
        body["profile"]["userType"] = person.user_type
        if person.status in ("STAGED", "PROVISIONED"):
            body["activated"] = None
        return body

    def factors(self, person: Person) -> list[dict[str, Any]]:
        replacements = {"USER_ID": person.uid, "LOGIN": person.login, "ORG_URL": self.url}
        every = load("factors.json", replacements)
        # The fixture's sms factor stays pending activation: enrolment begun, not finished.
        return [f for f in every if f["factorType"] in person.factors or f["factorType"] == "sms"]

    def assignee(self, person: Person) -> dict[str, Any]:
        return {
            "id": person.uid,
            "orn": f"orn:okta:directory:00o1kestrel:users:{person.uid}",
            "_links": {
                "self": {"href": f"{self.url}/api/v1/users/{person.uid}"},
                "roles": {"href": f"{self.url}/api/v1/users/{person.uid}/roles"},
            },
        }

    def role(self, person: Person, kind: str) -> dict[str, Any]:
        body = copy.deepcopy(self.roles[kind])
        text = json.dumps(body).replace("ORG_URL", self.url).replace("USER_ID", person.uid)
        return json.loads(text)

    def group(self, gid: str) -> dict[str, Any]:
        body = load("group.json", {"GROUP_ID": gid, "GROUP_NAME": GROUP_NAMES[gid]})
        text = json.dumps(body).replace("ORG_URL", self.url)
        if gid == EVERYONE:
            return {**json.loads(text), "type": "BUILT_IN"}
        return json.loads(text)

    def policies(self) -> list[dict[str, Any]]:
        s: Scenario = self.scenario  # type: ignore[assignment]
        if s.policies is not None:
            return s.policies
        return load("policies.json", {"ORG_URL": self.url})

    # --- pagination and sending -------------------------------------------------------------

    def _page(  # type: ignore[override]
        self,
        handler: BaseHTTPRequestHandler,
        path: str,
        query: dict[str, str],
        items: Sequence[Any],
        build: Any,
        body_links: bool = False,
    ) -> None:
        limit = min(int(query.get("limit", 200)), 200)
        keys = [item.uid if isinstance(item, Person) else item for item in items]
        start = keys.index(query["after"]) + 1 if query.get("after") in keys else 0
        chunk = items[start : start + limit]
        body = [build(item) for item in chunk]
        more = start + limit < len(items)
        next_url = None
        if more:
            params = {**query, "limit": str(limit), "after": keys[start + limit - 1]}
            next_url = f"{self.url}{path}?{urlencode(params)}"
        links = [f'<{self.url}{path}?{urlencode(query)}>; rel="self"']
        if next_url:
            links.append(f'<{next_url}>; rel="next"')
        if body_links:
            payload: Any = {
                "value": body,
                "_links": {"next": {"href": next_url}} if next_url else {},
            }
            return self._send(handler, 200, payload)
        self._send(handler, 200, body, {"Link": ", ".join(links)})

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        rate = {
            "X-Rate-Limit-Limit": "600",
            "X-Rate-Limit-Remaining": "599",
            "X-Rate-Limit-Reset": str(int(time.time()) + 60),
        }
        for name, value in {**rate, **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)
