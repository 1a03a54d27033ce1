"""``annexa demo``: an idempotent, realistic demo organization to explore Annexa with.

Kestrel Analytics is a fictional ~150-person SaaS company with one office and its product hosted
in a public cloud. Each run brings the demo to the same state and prints the logins again: the
passwords are derived from the instance's secret key (HMAC), so they are stable for one
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


def build_demo() -> tuple[object, dict[str, object]]:
    """Create or refresh the demo organization; returns it and its people by key.

    Goes through the same services as the web and the CLI, so the demo's memberships and SoA
    are in the ledger like any real organization's.
    """
    from django.db import transaction

    from annexa.audits.demo import build_audits_demo
    from annexa.core.tenancy import OrgContext
    from annexa.isms.demo import build_isms_demo
    from annexa.orgs import services as orgs
    from annexa.orgs.models import Membership, Organization, User

    with transaction.atomic():
        org = Organization.objects.filter(slug=DEMO_SLUG).first()
        if org is None:
            org = orgs.create_organization(DEMO_NAME, DEMO_SLUG)
        system = OrgContext.system(org)
        people: dict[str, User] = {}
        for person in PEOPLE:
            password = demo_password(person.email)
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user, _ = orgs.create_user(person.email, person.name, password)
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            membership = Membership.objects.filter(user=user, organization=org).first()
            if membership is None:
                orgs.add_member(system, user, person.role)
            elif membership.role != person.role:
                orgs.change_role(system, membership, person.role)
            people[person.key] = user
        manager = Membership.objects.get(user=people["isms_manager"], organization=org)
        ctx = OrgContext(org=org, user=people["isms_manager"], membership=manager)
        build_isms_demo(ctx, people)
        build_audits_demo(ctx, people)
    return org, people


def demo(
    output_format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Create (or refresh) the Kestrel Analytics demo organization and print its logins."""
    setup()
    org, _ = build_demo()
    logins = [
        {
            "email": p.email,
            "password": demo_password(p.email),
            "role": p.role,
            "name": p.name,
            "title": p.title,
        }
        for p in PEOPLE
    ]
    if output_format == "json":
        out(json.dumps({"organization": org.slug, "logins": logins}, indent=2))
        return
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
        table.add_row(
            login["role"], login["email"], login["password"], f"{login['name']}, {login['title']}"
        )
    # Piped into a log (as `make run` may be), the table keeps its full width.
    console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)
    console.print(table)
    err.print(f"Open {settings.BASE_URL.rstrip('/')}/ and log in with the ISMS manager to start.")


def register(app: typer.Typer) -> None:
    app.command()(demo)
