"""``annexa org``, ``annexa user`` and ``annexa apikey``: provisioning from the command line.

These run as the system (the server administrator), so they may create the first owner of an
organization and issue API keys for any member. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from annexa.cli.bootstrap import err, fail, out, setup

org_app = typer.Typer(help="Create and list organizations.", no_args_is_help=True)
user_app = typer.Typer(help="Add people to organizations and list members.", no_args_is_help=True)
apikey_app = typer.Typer(help="Issue, list and revoke API keys.", no_args_is_help=True)

BAD_INPUT = 2


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="table or json.")
ORG_OPTION = typer.Option(..., "--org", help="The organization's slug.")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _emit(rows: list[dict[str, Any]], columns: list[str], fmt: OutputFormat) -> None:
    """Print ``rows`` on stdout: all fields as JSON, or ``columns`` as a table."""
    if fmt is OutputFormat.json:
        out(json.dumps(rows, indent=2, default=lambda v: v.isoformat()))
        return
    table = Table(*columns, box=None, header_style="bold")
    for row in rows:
        table.add_row(*(_cell(row[c]) for c in columns))
    # Piped output is read by people and scripts alike: never truncate it to 80 columns.
    Console(width=None if sys.stdout.isatty() else 250).print(table)


def _org(slug: str):
    """The organization ``slug``, or exit 2 naming the ones that exist."""
    from annexa.orgs.models import Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        slugs = list(Organization.objects.order_by("slug").values_list("slug", flat=True))
        known = ", ".join(slugs) if slugs else "none yet; create one with `annexa org create`"
        fail(f"no organization with slug {slug!r}; existing organizations: {known}", BAD_INPUT)
    return org


def _run(call, *args, **kwargs):
    """Call a service; its refusals become an error message and exit 2."""
    from annexa.orgs.services import OrgsError

    try:
        return call(*args, **kwargs)
    except OrgsError as exc:
        fail(str(exc), BAD_INPUT)


# --- annexa org ----------------------------------------------------------------------------


@org_app.command("create")
def org_create(
    name: str = typer.Option(..., "--name", help="Display name, e.g. 'Acme Ltd'."),
    slug: str = typer.Option(..., "--slug", help="URL name: lowercase letters, digits, hyphens."),
) -> None:
    """Create an organization and print its slug."""
    setup()
    from annexa.orgs import services
    from annexa.orgs.first_run import discard_token

    org = _run(services.create_organization, name, slug)
    discard_token()  # the first-run page is gone now: its setup code is of no further use
    err.print(f"created organization {org.name}; add its first owner with `annexa user create`")
    out(org.slug)


@org_app.command("list")
def org_list(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List every organization with its number of members."""
    setup()
    from django.db.models import Count

    from annexa.orgs.models import Organization

    orgs = Organization.objects.annotate(members=Count("memberships")).order_by("slug")
    rows = [{"slug": o.slug, "name": o.name, "uid": str(o.uid), "members": o.members} for o in orgs]
    _emit(rows, ["slug", "name", "uid", "members"], fmt)


# --- annexa user ---------------------------------------------------------------------------


def _read_password() -> str:
    password = sys.stdin.read().rstrip("\r\n")
    if not password:
        fail("--password-stdin was given but standard input held no password", BAD_INPUT)
    return password


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., "--email", help="The person's e-mail address (their login)."),
    org: str = ORG_OPTION,
    role: str = typer.Option(..., "--role", help="owner, isms_manager, control_owner, ..."),
    name: str = typer.Option("", "--name", help="Full name, for a new account."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new account's password from stdin."
    ),
) -> None:
    """Add a person to an organization, creating their account if needed.

    A new account gets a generated password, printed once on stdout, unless
    --password-stdin is given.
    """
    setup()
    from annexa.core.tenancy import OrgContext
    from annexa.orgs import services

    organization = _org(org)
    _run(services.check_role, role)
    password = _read_password() if password_stdin else None
    ctx = OrgContext.system(organization)
    result = _run(services.add_person, ctx, email, role, full_name=name, password=password)
    user = result.membership.user
    if not result.created_user:
        err.print(
            f"{user.email} already has an account: added to {organization.slug} as {role}; "
            "their password is unchanged, so none is printed"
        )
        if name and name != user.full_name:
            err.print(f"the existing name {user.full_name!r} was kept")
        return
    err.print(f"created {user.email} as {role} of {organization.slug}")
    if result.password:
        err.print("the generated password follows; it is shown only this once")
        out(result.password)


@user_app.command("invite")
def user_invite(
    email: str = typer.Option(..., "--email", help="The person's e-mail address."),
    org: str = ORG_OPTION,
    role: str = typer.Option(..., "--role", help="owner, isms_manager, control_owner, ..."),
) -> None:
    """Invite a person to an organization: they receive a link by e-mail and join by
    following it (logging in to their account, or choosing a password for a new one).

    The link is printed once on stdout too, for when e-mail is not set up.
    """
    setup()
    from annexa.core.tenancy import OrgContext
    from annexa.orgs import services

    organization = _org(org)
    _run(services.check_role, role)
    ctx = OrgContext.system(organization)
    invitation, token = _run(services.invite, ctx, email, role)
    err.print(
        f"invited {invitation.email} to {organization.slug} as {role}; the link was e-mailed and "
        f"works once until {invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    out(services.invitation_url(token))


@user_app.command("list")
def user_list(org: str = ORG_OPTION, fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List the members of an organization with their roles."""
    setup()
    from annexa.orgs.models import Membership

    organization = _org(org)
    memberships = (
        Membership.objects.for_org(organization).select_related("user").order_by("user__email")
    )
    rows = [
        {
            "email": m.user.email,
            "name": m.user.full_name,
            "role": m.role,
            "member_since": m.created_at,
            "last_login": m.user.last_login,
        }
        for m in memberships
    ]
    _emit(rows, ["email", "name", "role", "member_since", "last_login"], fmt)


# --- annexa apikey -------------------------------------------------------------------------


@apikey_app.command("create")
def apikey_create(
    email: str = typer.Option(..., "--email", help="The member the key acts as."),
    org: str = ORG_OPTION,
    expires_days: int | None = typer.Option(
        None,
        "--expires-days",
        help="Days until the key expires (default: ANNEXA_API_KEY_DAYS, 90).",
    ),
    name: str = typer.Option("", "--name", help="What the key is for, e.g. 'CI pipeline'."),
) -> None:
    """Issue an API key and print it once on stdout; only its hash is stored."""
    setup()
    from annexa.core.tenancy import OrgContext
    from annexa.orgs import services
    from annexa.orgs.models import User

    organization = _org(org)
    address = _run(services.normalize_email, email)
    user = User.objects.filter(email=address).first()
    if user is None:
        fail(f"no user with e-mail {address}; create one with `annexa user create`", BAD_INPUT)
    ctx = OrgContext.system(organization)
    key, plaintext = _run(
        services.issue_api_key, ctx, user=user, name=name, expires_days=expires_days
    )
    err.print(
        f"issued {key.prefix} for {user.email} in {organization.slug}; "
        f"it expires {key.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    err.print("the key follows; it is shown only this once")
    out(plaintext)


@apikey_app.command("list")
def apikey_list(org: str = ORG_OPTION, fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List an organization's API keys (never the keys themselves)."""
    setup()
    from annexa.orgs import key_expiry
    from annexa.orgs.models import APIKey

    organization = _org(org)
    keys = list(APIKey.objects.for_org(organization).select_related("user"))
    rows = [
        {
            "lookup": k.lookup,
            "prefix": k.prefix,
            "user": k.user.email,
            "name": k.name,
            "status": k.status,
            "created_at": k.created_at,
            "expires_at": k.expires_at,
            "last_used_at": k.last_used_at,
        }
        for k in keys
    ]
    _emit(rows, ["prefix", "user", "name", "status", "created_at", "expires_at"], fmt)
    for key in key_expiry.expiring_soon(keys):
        err.print(f"warning: {key_expiry.warning(key)}", highlight=False, markup=False)


def _lookup_of(text: str) -> str:
    """Accept the lookup, the ``anx_<lookup>`` prefix, or the whole key."""
    from annexa.orgs.models import APIKey

    if text.startswith(APIKey.PREFIX):
        text = text[len(APIKey.PREFIX) :]
    return text.split("_", 1)[0]


@apikey_app.command("revoke")
def apikey_revoke(
    lookup: str = typer.Argument(..., help="The key's lookup or prefix, from `apikey list`."),
    org: str = ORG_OPTION,
) -> None:
    """Revoke an API key for good."""
    setup()
    from annexa.core.tenancy import OrgContext
    from annexa.orgs import services
    from annexa.orgs.models import APIKey

    organization = _org(org)
    key = APIKey.objects.for_org(organization).filter(lookup=_lookup_of(lookup)).first()
    if key is None:
        fail(
            f"no API key {lookup!r} in {organization.slug}; "
            f"see `annexa apikey list --org {organization.slug}`",
            BAD_INPUT,
        )
    key = _run(services.revoke_api_key, OrgContext.system(organization), key)
    err.print(f"revoked {key.prefix} of {key.user.email}")


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(apikey_app, name="apikey")
