"""The organization's members, its people (through the HR import's path), their accounts in
four systems (``accounts.sync_system``) and its assets (the spreadsheet import's path)."""

from __future__ import annotations

import datetime as dt
import math

from bench.generate.state import CHUNK, DEPARTMENTS, Build

SYSTEMS = ("Google Workspace", "AWS production", "GitHub", "Okta")
FIRST = ("Ada", "Bo", "Chidi", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kemi")
LAST = ("Osei", "Lind", "Marsh", "Novak", "Okafor", "Petit", "Quist", "Reyes", "Sato", "Tran")
ASSET_KINDS = ("information", "system", "service", "people", "location", "supplier")


def build_members(b: Build) -> None:
    from annexa.core.tenancy import OrgContext
    from annexa.core.testing.fixtures import give_totp
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership, Organization, User

    b.org = Organization.objects.create(name="Large Holdings plc", slug=b.slug)
    roles = [("owner", Role.OWNER), ("isms", Role.ISMS_MANAGER)]
    roles += [(f"auditor{n}", Role.AUDITOR) for n in range(1, 9)]
    roles += [(f"owner{n}", Role.CONTROL_OWNER) for n in range(1, 31)]
    roles += [(f"viewer{n}", Role.VIEWER) for n in range(1, 11)]
    b.users = {}
    for name, role in roles:
        user = User.objects.create_user(f"{name}@{b.slug}.test", full_name=name.title())
        Membership.objects.create(user=user, organization=b.org, role=role)
        if role in (Role.OWNER, Role.ISMS_MANAGER, Role.AUDITOR):
            give_totp(user)
        b.users[name] = user
    b.manager, b.auditor = b.users["isms"], b.users["auditor1"]
    b.owners = [u for n, u in b.users.items() if n.startswith("owner")]
    b.ctx = OrgContext.member(b.org, b.manager)


def build_people(b: Build) -> None:
    from annexa.people.choices import PersonSource
    from annexa.people.services.bulk import PersonRow, upsert_people

    rng, count = b.rng, b.size["people"]
    rows, b.emails = [], []
    for n in range(count):
        start = b.today - dt.timedelta(days=rng.randint(20, 3650))
        left = rng.random() < 0.08
        email = f"p{n:05d}@{b.slug}.test"
        b.emails.append(email)
        rows.append(
            PersonRow(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:05d}",
                email=email,
                employee_id=f"E{n:05d}",
                department=rng.choice(DEPARTMENTS),
                job_title=rng.choice(("Engineer", "Analyst", "Manager", "Specialist")),
                manager=b.emails[rng.randrange(n)] if n else "",
                start_date=start,
                end_date=(
                    start + dt.timedelta(days=rng.randint(30, 900))
                    if left and start < b.today - dt.timedelta(days=400)
                    else None
                ),
                screened_on=start - dt.timedelta(days=rng.randint(1, 30))
                if rng.random() > 0.02
                else None,
                terms_signed_on=start if rng.random() > 0.02 else None,
                trainings=(("Security awareness", start + dt.timedelta(days=14)),),
            )
        )
    upsert_people(b.ctx, rows, source=PersonSource.IMPORT, source_ref="hr-export.csv")


def build_accounts(b: Build) -> None:
    from annexa.people.services.accounts import AccountRecord, sync_system

    rng, total = b.rng, b.size["accounts"]
    per = math.ceil(total / len(SYSTEMS))
    for s, system in enumerate(SYSTEMS):
        records = []
        for n in range(min(per, total - s * per)):
            hint = b.emails[n % len(b.emails)] if rng.random() > 0.03 else ""
            records.append(
                AccountRecord(
                    username=f"u{n:05d}" if hint == "" else hint.split("@")[0] + f".{n}",
                    email=hint,
                    display_name=f"Account {n:05d}",
                    entitlements=("admin",) if n % 50 == 0 else ("member",),
                    privileged=n % 50 == 0,
                    enabled=rng.random() > 0.05,
                    mfa_enabled=rng.random() > 0.1,
                    last_login=b.now - dt.timedelta(days=rng.randint(0, 200)),
                    person_hint=hint,
                )
            )
        if records:
            sync_system(b.ctx, system, records)


# --- assets and risks ------------------------------------------------------------------


def build_assets(b: Build) -> None:
    from annexa.risks.services import bulk

    rng = b.rng
    rows = [
        {
            "name": f"{rng.choice(ASSET_KINDS).title()} asset {n:05d}",
            "kind": rng.choice(ASSET_KINDS),
            "description": "Generated for the benchmarks.",
            "owner": rng.choice(b.owners),
            "value_c": rng.randint(1, 5),
            "value_i": rng.randint(1, 5),
            "value_a": rng.randint(1, 5),
        }
        for n in range(b.size["assets"])
    ]
    b.assets = []
    for start in range(0, len(rows), CHUNK):
        b.assets += bulk.create_assets(b.ctx, rows[start : start + CHUNK])
