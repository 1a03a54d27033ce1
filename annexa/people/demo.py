"""The demo organization's people records: Kestrel Analytics' ~150 staff, as an HR export would
give them, with the accounts they hold in Google Workspace and AWS production.

Everyone is made up and generated from a fixed seed, so every installation gets the same
register: a leadership team (the demo's members, linked to their Annexa users), departments
with team leads and staff under them, employment dates spread over six years, screening, terms
and awareness training recorded — with the gaps an internal audit should find:

* among the joiners of the last 90 days, one was never screened, one has not signed the
  terms, and two have not done the awareness course a month after they started;
* an engineer who left three weeks ago still has an enabled AWS production account (their
  Google account was suspended at exit, as every other leaver's was).

Everything goes through the services (``upsert_people``, ``create_person``,
``record_training``, ``sync_system``), acting as the ISMS manager, so the ledger records it as
the demo's.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from typing import Any

from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Person
from annexa.people.services import checks
from annexa.people.services.accounts import AccountRecord, sync_system
from annexa.people.services.bulk import PersonRow, upsert_people
from annexa.people.services.people import create_person, record_training

SEED = "kestrel-people-1"
DOMAIN = "kestrel.example"
COURSE = "Security awareness basics"
GOOGLE = "Google Workspace"
AWS = "AWS production"
HR_FILE = "hr-export-kestrel.xlsx"

# The demo's members who work at Kestrel (the board's chair does not): key → (employee id,
# department, job title, manager's key).
MEMBERS = {
    "owner": ("K0001", "Leadership", "Chief Executive Officer", None),
    "isms_manager": ("K0002", "Security and IT", "Information Security Manager", "owner"),
    "it": ("K0003", "Security and IT", "Head of IT", "owner"),
    "engineering": ("K0004", "Engineering", "VP Engineering", "owner"),
    "hr": ("K0005", "People and Operations", "People Lead", "owner"),
    "facilities": ("K0006", "People and Operations", "Office and Facilities Manager", "hr"),
    "auditor": ("K0007", "Finance", "Finance Manager", "owner"),
}
# Department → (head's key among MEMBERS, team lead titles, staff titles, how many staff).
DEPARTMENTS = {
    "Engineering": (
        "engineering",
        ("Platform Lead", "Product Engineering Lead", "Data Engineering Lead", "SRE Lead"),
        (
            "Software Engineer",
            "Senior Software Engineer",
            "Data Engineer",
            "Site Reliability Engineer",
        ),
        56,
    ),
    "Customer Support": (
        "owner",
        ("Support Lead",),
        ("Support Specialist", "Senior Support Specialist"),
        22,
    ),
    "Sales and Marketing": (
        "owner",
        ("Sales Lead", "Marketing Lead"),
        ("Account Executive", "Customer Success Manager", "Marketing Specialist"),
        24,
    ),
    "Product": ("owner", ("Product Lead",), ("Product Manager", "Product Designer"), 10),
    "People and Operations": ("hr", (), ("People Partner", "Recruiter", "Office Assistant"), 6),
    "Finance": ("auditor", (), ("Accountant", "Financial Analyst"), 4),
    "Security and IT": ("it", (), ("IT Administrator", "Security Engineer"), 4),
}
FIRST = (
    "Alja",
    "Anže",
    "Barbara",
    "Blaž",
    "Bojan",
    "Brina",
    "Damjan",
    "Darja",
    "David",
    "Eva",
    "Gal",
    "Gregor",
    "Hana",
    "Igor",
    "Irena",
    "Jaka",
    "Jan",
    "Jasna",
    "Katja",
    "Klemen",
    "Lara",
    "Lea",
    "Maja",
    "Matej",
    "Matic",
    "Mia",
    "Miha",
    "Mojca",
    "Nejc",
    "Neža",
    "Nik",
    "Nika",
    "Oskar",
    "Petra",
    "Primož",
    "Rok",
    "Sara",
    "Simon",
    "Sonja",
    "Špela",
    "Tadej",
    "Tina",
    "Urban",
    "Urška",
    "Vesna",
    "Vid",
    "Zala",
    "Žan",
    "Živa",
    "Andrej",
)
LAST = (
    "Bevk",
    "Cerar",
    "Debeljak",
    "Erjavec",
    "Fajdiga",
    "Furlan",
    "Gorenc",
    "Hribar",
    "Jereb",
    "Jerič",
    "Kastelic",
    "Kavčič",
    "Koren",
    "Kovačič",
    "Kralj",
    "Lah",
    "Lesjak",
    "Logar",
    "Majcen",
    "Mavrič",
    "Medved",
    "Mlakar",
    "Oblak",
    "Omerzu",
    "Pavlin",
    "Perko",
    "Pirc",
    "Potočnik",
    "Rozman",
    "Rupnik",
    "Sever",
    "Skok",
    "Šinkovec",
    "Štrukelj",
    "Tomšič",
    "Turk",
    "Urbanc",
    "Vidic",
    "Vrhovec",
    "Zajc",
    "Žagar",
    "Žnidaršič",
    "Bizjak",
    "Breznik",
)


def build_people_demo(ctx: OrgContext, people: dict[str, Any]) -> list[Person]:
    """Build the demo's people register once (``ctx`` is the ISMS manager's); with people in
    the register already, nothing is written."""
    if Person.objects.for_org(ctx.org).exists():
        return list(Person.objects.for_org(ctx.org))
    today = timezone.localdate()
    rng = random.Random(SEED)
    checks.update_settings(
        ctx,
        {"training_course": COURSE, "training_days": 30, "screening_days": 0, "terms_days": 0},
    )
    heads = _members(ctx, people, today, rng)
    rows = _staff(rng, today, heads)
    upsert_people(ctx, rows, source=PersonSource.IMPORT, source_ref=HR_FILE)
    _accounts(ctx, people, today)
    return list(Person.objects.for_org(ctx.org))


def _members(ctx: OrgContext, people: dict[str, Any], today: dt.date, rng) -> dict[str, str]:
    """The demo's members as people of the register; their e-mail addresses by key."""
    made: dict[str, Person] = {}
    for key, (employee_id, department, title, manager) in MEMBERS.items():
        user = people.get(key)
        if user is None:
            continue
        start = today - dt.timedelta(days=700 + 137 * len(made))
        person = create_person(
            ctx,
            {
                "name": user.full_name or user.email,
                "email": user.email,
                "employee_id": employee_id,
                "department": department,
                "job_title": title,
                "manager": made.get(manager) if manager else None,
                "start_date": start,
                "screened_on": start - dt.timedelta(days=12),
                "terms_signed_on": start - dt.timedelta(days=9),
                "user": user,
            },
            source=PersonSource.IMPORT,
            source_ref=HR_FILE,
        )
        record_training(ctx, person, COURSE, start + dt.timedelta(days=rng.randint(3, 20)))
        made[key] = person
    return {key: person.email for key, person in made.items()}


def _staff(rng: random.Random, today: dt.date, heads: dict[str, str]) -> list[PersonRow]:
    names = _names(rng, sum(len(d[1]) + d[3] for d in DEPARTMENTS.values()))
    rows: list[PersonRow] = []
    number = 100
    for department, (head, leads, titles, count) in DEPARTMENTS.items():
        boss = heads.get(head) or heads.get("owner", "")
        lead_emails = []
        for title in leads:
            number += 1
            name = names.pop()
            start = today - dt.timedelta(days=rng.randint(500, 2100))
            rows.append(_row(number, name, department, title, boss, start, rng))
            lead_emails.append(rows[-1].email)
        for n in range(count):
            number += 1
            name = names.pop()
            manager = lead_emails[n % len(lead_emails)] if lead_emails else boss
            start = today - dt.timedelta(days=rng.randint(100, 2100))
            rows.append(_row(number, name, department, rng.choice(titles), manager, start, rng))
    _joiners(rows, today)
    _leavers(rows, today, rng)
    return rows


def _names(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    found = sorted(seen)
    rng.shuffle(found)
    return found


def _email(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{plain.lower().replace(' ', '.')}@{DOMAIN}"


def _row(
    number: int,
    name: str,
    department: str,
    title: str,
    manager: str,
    start: dt.date,
    rng: random.Random,
    *,
    screened: bool = True,
    terms: bool = True,
    trained: bool = True,
) -> PersonRow:
    trainings = []
    if trained:
        first = start + dt.timedelta(days=rng.randint(2, 21))
        if first <= timezone.localdate():
            trainings.append((COURSE, first))
        refresher = first + dt.timedelta(days=365)
        while refresher <= timezone.localdate() - dt.timedelta(days=30):
            trainings.append((COURSE, refresher))
            refresher += dt.timedelta(days=365)
    return PersonRow(
        employee_id=f"K{number:04d}",
        name=name,
        email=_email(name),
        department=department,
        job_title=title,
        manager=manager,
        start_date=start,
        screened_on=start - dt.timedelta(days=rng.randint(5, 25)) if screened else None,
        terms_signed_on=start - dt.timedelta(days=rng.randint(3, 14)) if terms else None,
        trainings=tuple(trainings),
    )


# Joiners of the last 90 days, in Engineering and Customer Support: (row position, days since
# the start, screened, terms signed, trained). Four gaps, the rest complete or not
# yet due.
JOINERS = (
    (5, 84, True, True, True),
    (12, 71, False, True, True),  # never screened
    (20, 63, True, True, False),  # training overdue
    (27, 55, True, False, True),  # terms not signed
    (33, 48, True, True, False),  # training overdue
    (40, 36, True, True, True),
    (47, 22, True, True, True),
    (61, 15, True, True, False),  # the course is not due yet
    (70, 6, True, True, False),  # the course is not due yet
)


def _joiners(rows: list[PersonRow], today: dt.date) -> None:
    rng = random.Random(f"{SEED}-joiners")
    for position, days, screened, terms, trained in JOINERS:
        row = rows[position]
        start = today - dt.timedelta(days=days)
        rows[position] = _row(
            int(row.employee_id[1:]),
            row.name,
            row.department,
            row.job_title,
            row.manager,
            start,
            rng,
            screened=screened,
            terms=terms,
            trained=trained,
        )


# Leavers: (row position, days since the end date). The first, an engineer, keeps an enabled
# AWS production account.
LEAVERS = ((9, 21), (30, 45), (64, 75), (80, 200), (95, 260), (110, 330))


def _leavers(rows: list[PersonRow], today: dt.date, rng: random.Random) -> None:
    for position, days in LEAVERS:
        row = rows[position]
        end = today - dt.timedelta(days=days)
        start = min(row.start_date, end - dt.timedelta(days=rng.randint(200, 900)))
        rows[position] = PersonRow(
            **{
                **{name: getattr(row, name) for name in PersonRow.__dataclass_fields__},
                "start_date": start,
                "screened_on": start - dt.timedelta(days=10),
                "terms_signed_on": start - dt.timedelta(days=7),
                "trainings": tuple((c, d) for c, d in row.trainings if d <= end),
                "end_date": end,
            }
        )


def leaver_with_access(org) -> Person:
    """The demo's leaver whose AWS production account is still enabled."""
    return Person.objects.for_org(org).get(employee_id=f"K{101 + LEAVERS[0][0]:04d}")


def _accounts(ctx: OrgContext, people: dict[str, Any], today: dt.date) -> None:
    """Google Workspace for everyone (leavers suspended) and AWS production for the
    engineers who run it, as imported lists."""

    def seen(days: int) -> dt.datetime:
        moment = timezone.now() - dt.timedelta(days=days)
        return moment.replace(hour=9, minute=15, second=0, microsecond=0)

    staff = list(Person.objects.for_org(ctx.org).exclude(email="").order_by("employee_id"))
    it_email = people["it"].email if "it" in people else ""
    google = [
        AccountRecord(
            username=p.email.lower(),
            email=p.email,
            display_name=p.name,
            entitlements=("Super Admin",) if p.email == it_email else ("User",),
            privileged=p.email == it_email,
            enabled=not p.has_left(today),
            last_login=seen((p.end_date and (today - p.end_date).days + 1) or n % 11),
            person_hint=p.employee_id,
        )
        for n, p in enumerate(staff)
    ]
    google += [
        AccountRecord(
            username=f"helpdesk@{DOMAIN}",
            display_name="Helpdesk (shared mailbox)",
            entitlements=("Shared mailbox",),
            last_login=seen(0),
        ),
        AccountRecord(
            username=f"breakglass-admin@{DOMAIN}",
            display_name="Emergency administrator",
            entitlements=("Super Admin",),
            privileged=True,
            last_login=seen(200),
        ),
    ]
    sync_system(ctx, GOOGLE, google, source=AccountSource.IMPORT, source_ref="google-users.csv")
    gone = leaver_with_access(ctx.org)
    engineers = [
        p
        for p in staff
        if p.department == "Engineering" and ("Lead" in p.job_title or "Reliability" in p.job_title)
    ]
    holders = {p.pk: p for p in engineers}
    holders[gone.pk] = gone
    for key in ("it", "engineering", "isms_manager"):
        user = people.get(key)
        match = next((p for p in staff if user is not None and p.user_id == user.pk), None)
        if match is not None:
            holders[match.pk] = match
    aws = []
    for n, person in enumerate(sorted(holders.values(), key=lambda p: p.employee_id)):
        admin = person.user_id is not None and person.user_id == getattr(people.get("it"), "pk", 0)
        aws.append(
            AccountRecord(
                username=person.email.split("@")[0],
                email=person.email,
                display_name=person.name,
                entitlements=("AdministratorAccess",) if admin else ("PowerUserAccess",),
                privileged=True,
                # Left three weeks ago; the account was never disabled (the gap).
                enabled=True if person.pk == gone.pk else not person.has_left(today),
                last_login=seen(25 if person.pk == gone.pk else 1 + n % 6),
                person_hint=person.employee_id,
            )
        )
    aws += [
        AccountRecord(
            username="deploy-bot",
            display_name="CI deployment user",
            entitlements=("deploy-production",),
            privileged=True,
            last_login=seen(0),
        ),
        AccountRecord(
            username="ci-readonly",
            display_name="CI read-only checks",
            entitlements=("ReadOnlyAccess",),
            last_login=seen(0),
        ),
    ]
    sync_system(ctx, AWS, aws, source=AccountSource.IMPORT, source_ref="aws-iam-users.csv")
