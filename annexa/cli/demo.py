"""``annexa demo``: an idempotent, realistic demo organization to explore Annexa with.

Kestrel Analytics is a fictional ~150-person SaaS company with one office and its product hosted
in a public cloud. The first run builds it; later runs change nothing and print the logins again.
The passwords are derived from the instance's secret key (HMAC), so they are stable for one
installation, differ between installations, and are never stored in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

import typer

from annexa.cli.bootstrap import err, out, setup

DEMO_SLUG = "kestrel"
DEMO_NAME = "Kestrel Analytics"


@dataclass(frozen=True)
class DemoPerson:
    key: str  # how the domain demo builders refer to this person
    email: str
    name: str
    role: str
    title: str


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("owner", "owner@kestrel.example", "Maja Novak", "owner", "Chief Executive Officer"),
    DemoPerson(
        "isms_manager",
        "isms@kestrel.example",
        "Tomaž Kranjc",
        "isms_manager",
        "Information Security Manager",
    ),
    DemoPerson("it", "it@kestrel.example", "Ana Horvat", "control_owner", "Head of IT"),
    DemoPerson(
        "engineering", "eng@kestrel.example", "Luka Zupan", "control_owner", "VP Engineering"
    ),
    DemoPerson("hr", "hr@kestrel.example", "Nina Golob", "control_owner", "People Lead"),
    DemoPerson(
        "facilities",
        "office@kestrel.example",
        "Jure Kos",
        "control_owner",
        "Office and Facilities Manager",
    ),
    DemoPerson(
        "auditor", "auditor@kestrel.example", "Eva Petek", "auditor", "Internal Auditor (Finance)"
    ),
    DemoPerson("viewer", "board@kestrel.example", "Marko Vidmar", "viewer", "Chair of the Board"),
)


def demo_password(email: str) -> str:
    from django.conf import settings

    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo:{email}".encode(), hashlib.sha256)
    return "Demo-" + base64.b32encode(digest.digest()[:10]).decode().lower()


def build_demo() -> tuple[object, bool]:
    """Create the demo organization once; returns it and whether it was created now.

    When it exists already, nothing is written: the people using it may have changed anything
    (an SoA row, a password), and a restart must not undo their work. Its first build goes
    through the same services as the web and the CLI, so the demo's data is in the ledger like
    any real organization's, recorded as the system's (``DEMO_ACTOR``), never as a person's.
    """
    from django.db import transaction

    from annexa.access.demo import build_access_demo
    from annexa.audits.demo import build_audits_demo
    from annexa.cli.demo_independence import build_independence_demo
    from annexa.core.tenancy import DEMO_ACTOR, OrgContext
    from annexa.documents.demo import build_documents_demo
    from annexa.isms.demo import build_isms_demo
    from annexa.orgs import services as orgs
    from annexa.orgs.models import Organization, User
    from annexa.people.demo import build_people_demo
    from annexa.risks.demo import build_risks_demo

    with transaction.atomic():
        org = Organization.objects.filter(slug=DEMO_SLUG).first()
        if org is not None:
            return org, False
        org = orgs.create_organization(DEMO_NAME, DEMO_SLUG)
        system = OrgContext(org=org, user=None, membership=None, recorded_as=DEMO_ACTOR)
        people: dict[str, User] = {}
        for person in PEOPLE:
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user, _ = orgs.create_user(person.email, person.name, demo_password(person.email))
            orgs.add_member(system, user, person.role)
            people[person.key] = user
        ctx = OrgContext.member(org, people["isms_manager"], recorded_as=DEMO_ACTOR)
        build_isms_demo(ctx, people)
        # Before the audits: the programme is planned with the register's high risks, and
        # the management review reads the register for its input 9.3.2 f).
        build_risks_demo(ctx, people)
        # The staff register, the documented information and the access reviews, before the
        # audits, whose fieldwork samples them and finds their gaps.
        build_people_demo(ctx, people)
        build_documents_demo(ctx, people)
        build_access_demo(ctx, people)
        build_audits_demo(ctx, people)
        build_independence_demo(ctx, people)
    return org, True


def demo(
    output_format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Create the Kestrel Analytics demo organization once, and print its logins.

    Run again, it changes nothing (not even a password its user changed) and prints the logins.
    """
    setup()
    from annexa.orgs.models import User

    org, created = build_demo()
    users = {u.email: u for u in User.objects.filter(email__in=[p.email for p in PEOPLE])}
    logins = []
    for p in PEOPLE:
        password = demo_password(p.email)
        user = users.get(p.email)
        logins.append(
            {
                "email": p.email,
                "password": password,
                "role": p.role,
                "name": p.name,
                "title": p.title,
                "password_changed": user is None or not user.check_password(password),
            }
        )
    if output_format == "json":
        out(json.dumps({"organization": org.slug, "created": created, "logins": logins}, indent=2))
        return
    if not created:
        err.print(f"The demo organization {org.slug} exists already: left as it is.")
    _print_logins(org, logins)


def _print_logins(org, logins: list[dict[str, str]]) -> None:
    """The logins as a table on stderr, e-mails and passwords never cut or wrapped."""
    import sys

    from django.conf import settings
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Demo organization {org.name} ({org.slug}) — logins", box=None)
    table.add_column("role", no_wrap=True)
    for column, key in (("e-mail", "email"), ("password", "password")):
        width = max(len(column), *(len(login[key]) for login in logins))
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("who")
    for login in logins:
        password = "(changed by its user)" if login.get("password_changed") else login["password"]
        table.add_row(login["role"], login["email"], password, f"{login['name']}, {login['title']}")
    # Piped into a log (as `make run` may be), the table keeps its full width.
    console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)
    console.print(table)
    err.print(f"Open {settings.BASE_URL.rstrip('/')}/ and log in with the ISMS manager to start.")


def register(app: typer.Typer) -> None:
    app.command()(demo)
