"""The first run: an instance without any organization lets its server administrator create
the first organization and its owner in the browser (``/accounts/setup/``).

A server freshly exposed to a network must not be claimed by whoever reaches it first, so the
page asks for a one-time setup code that only someone with access to the server can read:
``annexa serve`` prints it at start-up, and it is kept in ``ANNEXA_HOME/setup-token`` (0600)
until the first organization exists. The code is used up by the set-up; once an organization
exists the page answers 404 whatever the code. The client's address plays no part: behind a
reverse proxy every request would come from the loopback address.

The organization and its owner are made by the same services as ``annexa org create`` and
``annexa user create`` (recorded in the ledger as the system's), in one transaction.
"""

from __future__ import annotations

import errno
import hmac
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import Organization

TOKEN_FILE = "setup-token"  # noqa: S105 - the file name, not the code
security_log = logging.getLogger("annexa.security")


class SetupRefused(services.OrgsError):
    """The set-up cannot be done: the code is wrong or used up, or Annexa is set up already."""


def setup_needed() -> bool:
    """True while the instance has no organization (the first-run page is offered)."""
    return not Organization.objects.exists()


def token_path() -> Path:
    return Path(settings.HOME) / TOKEN_FILE


def read_token() -> str | None:
    try:
        return token_path().read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def ensure_token() -> str:
    """The setup code, written (readable by this user only) when there is none yet."""
    path = token_path()
    existing = read_token()
    if existing:
        return existing
    token = secrets.token_urlsafe(18)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: theirs is the code
        return read_token() or token
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    security_log.warning(
        "first run: no organization exists; the setup code for /accounts/setup/ is in %s", path
    )
    return token


def discard_token() -> None:
    """Remove the setup code (set-up done, or an organization exists)."""
    token_path().unlink(missing_ok=True)


def token_matches(given: str) -> bool:
    expected = read_token()
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").strip().encode())


def _claim(given: str) -> Path:
    """Take the setup code for this request only (rename it away) or refuse: two requests
    racing with the right code cannot both create an organization."""
    if not token_matches(given):
        raise SetupRefused("The setup code is not right: copy it from the server's start-up log.")
    claimed = token_path().with_name(f"{TOKEN_FILE}.{secrets.token_hex(8)}")
    try:
        os.rename(token_path(), claimed)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        raise SetupRefused("The setup code was used a moment ago; reload the page.") from None
    return claimed


def create_first_organization(
    setup_code: str, *, name: str, slug: str, email: str, full_name: str, password: str
) -> services.NewMember:
    """Create the first organization and its owner, once, with the setup code.

    On refused input nothing is created and the code stays valid for the next attempt.
    """
    if not setup_needed():
        raise SetupRefused("Annexa is set up already: sign in instead.")
    claimed = _claim(setup_code)
    try:
        with transaction.atomic():
            if not setup_needed():
                raise SetupRefused("Annexa is set up already: sign in instead.")
            org = services.create_organization(name, slug)
            owner = services.add_person(
                OrgContext.system(org), email, Role.OWNER, full_name=full_name, password=password
            )
    except BaseException:
        os.rename(claimed, token_path())  # refused: the code stays for the next attempt
        raise
    claimed.unlink(missing_ok=True)
    security_log.info(
        "first run: organization %s created with owner %s", org.slug, owner.membership.user.email
    )
    return owner


class FirstRunMiddleware:
    """While no organization exists, the home page leads to the first-run page, and the login
    page (where nobody can sign in yet) says where the set-up is."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.paths: tuple[str, str] | None = None

    def __call__(self, request):
        if request.method == "GET":
            if self.paths is None:
                self.paths = (reverse("home"), reverse("account_login"))
            if request.path in self.paths and setup_needed():
                if request.path == self.paths[0]:
                    return redirect("orgs-account:setup")
                messages.info(request, LOGIN_NOTE.format(setup=reverse("orgs-account:setup")))
        return self.get_response(request)


LOGIN_NOTE = (
    "This server has no organization yet, so nobody can sign in. Its administrator creates the "
    "first organization and its owner at {setup} with the setup code `annexa serve` printed."
)
