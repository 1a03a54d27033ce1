"""Organizations, people, roles and API keys: every change to them happens here.

The CLI, the web pages and the API call these functions; they check the caller's permission
themselves and record membership and key changes in the organization's ledger.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger.services import append
from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Membership, Organization, User, slug_validator

MAX_KEY_DAYS = 3650


class OrgsError(Exception):
    """A request that cannot be carried out; the message tells the user what to fix."""


@dataclass(frozen=True)
class NewMember:
    """The result of adding a person: the membership, and a password only for a new account."""

    membership: Membership
    password: str | None
    created_user: bool


def role_choices_text() -> str:
    return ", ".join(Role.values)


def check_role(role: str) -> Role:
    """The role named ``role``, or an error listing the valid ones."""
    if role not in Role.values:
        raise OrgsError(f"unknown role {role!r}; choose one of: {role_choices_text()}")
    return Role(role)


def normalize_email(email: str) -> str:
    """Lower-case, trimmed and syntactically valid, or an error."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise OrgsError(f"{email!r} is not a valid e-mail address") from None
    return email


# --- organizations -------------------------------------------------------------------------


def create_organization(name: str, slug: str) -> Organization:
    """A new, empty organization. Add its first owner with ``add_person``."""
    name = (name or "").strip()
    if not name:
        raise OrgsError("an organization needs a name")
    if len(name) > 200:
        raise OrgsError("the organization name is longer than 200 characters")
    try:
        slug_validator(slug)
    except ValidationError as exc:
        raise OrgsError(f"invalid slug {slug!r}: {' '.join(exc.messages)}") from None
    if Organization.objects.filter(slug=slug).exists():
        raise OrgsError(f"an organization with slug {slug!r} already exists")
    try:
        with transaction.atomic():
            org = Organization.objects.create(name=name, slug=slug)
            append(
                OrgContext.system(org),
                object_type="organization",
                object_id=str(org.uid),
                action="create",
                data={"name": name, "slug": slug},
            )
    except IntegrityError:
        # Another process took the slug between the check and the insert.
        raise OrgsError(f"an organization with slug {slug!r} already exists") from None
    return org


# --- users ---------------------------------------------------------------------------------


def generate_password() -> str:
    """A random password of 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def create_user(
    email: str, full_name: str = "", password: str | None = None
) -> tuple[User, str | None]:
    """A new account; returns it and the generated password when none was given."""
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise OrgsError(f"a user with e-mail {email} already exists")
    full_name = (full_name or "").strip()
    if len(full_name) > 200:
        raise OrgsError("the full name is longer than 200 characters")
    user = User(email=email, full_name=full_name)
    generated = None
    if password is None:
        password = generated = generate_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise OrgsError(f"password rejected: {' '.join(exc.messages)}") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise OrgsError(f"a user with e-mail {email} already exists") from None
    return user, generated


# --- memberships ---------------------------------------------------------------------------


def _require_owner(ctx: OrgContext) -> None:
    if not ctx.can("org.manage"):
        raise PermissionDenied("only an owner may grant or remove the owner role")


def _require_same_org(ctx: OrgContext, obj: Membership | APIKey) -> None:
    if obj.organization_id != ctx.org.pk:
        raise PermissionDenied("that record belongs to another organization")


def _keep_an_owner(membership: Membership) -> None:
    """Refuse to take away the last owner; locks the owner rows so two removals can't race."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise OrgsError(
            f"{membership.user.email} is the last owner of {membership.organization.name}; "
            "make someone else an owner first"
        )


def _record_membership(ctx: OrgContext, email: str, action: str, before, after) -> None:
    append(
        ctx,
        object_type="membership",
        object_id=email,
        action=action,
        data={
            "before": {"role": before} if before else None,
            "after": {"role": after} if after else None,
        },
    )


def add_member(ctx: OrgContext, user: User, role: str) -> Membership:
    """Give an existing user ``role`` in ``ctx.org``."""
    ctx.require("members.manage")
    role = check_role(role)
    if role == Role.OWNER:
        _require_owner(ctx)
    with transaction.atomic():
        if Membership.objects.filter(organization=ctx.org, user=user).exists():
            raise OrgsError(f"{user.email} is already a member of {ctx.org.name}")
        membership = Membership.objects.create(organization=ctx.org, user=user, role=role)
        _record_membership(ctx, user.email, "add", None, role)
    return membership


def add_person(
    ctx: OrgContext,
    email: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
) -> NewMember:
    """Add the person with ``email``, creating their account first if there is none."""
    ctx.require("members.manage")
    if check_role(role) == Role.OWNER:
        _require_owner(ctx)
    email = normalize_email(email)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user, generated = create_user(email, full_name, password)
        elif password is not None:
            raise OrgsError(
                f"{email} already has an account; its password is left unchanged, "
                "so do not pass one"
            )
        else:
            generated = None
        membership = add_member(ctx, user, role)
    return NewMember(membership=membership, password=generated, created_user=created)


def change_role(ctx: OrgContext, membership: Membership, role: str) -> Membership:
    """Give a member another role; an organization always keeps at least one owner."""
    ctx.require("members.manage")
    _require_same_org(ctx, membership)
    role = check_role(role)
    with transaction.atomic():
        current = Membership.objects.select_for_update().select_related("user", "organization")
        membership = current.get(pk=membership.pk)
        before = membership.role
        if before == role:
            return membership
        if Role.OWNER in (before, role):
            _require_owner(ctx)
        if before == Role.OWNER:
            _keep_an_owner(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        _record_membership(ctx, membership.user.email, "change_role", before, role)
    return membership


def remove_member(ctx: OrgContext, membership: Membership) -> None:
    """Take a member out of the organization and revoke their API keys in it."""
    ctx.require("members.manage")
    _require_same_org(ctx, membership)
    with transaction.atomic():
        current = Membership.objects.select_for_update().select_related("user", "organization")
        membership = current.get(pk=membership.pk)
        if membership.role == Role.OWNER:
            _require_owner(ctx)
            _keep_an_owner(membership)
        keys = APIKey.objects.for_org(ctx.org).filter(user=membership.user, revoked_at=None)
        keys = keys.select_related("user")
        for key in keys:
            _revoke(ctx, key)
        email, before = membership.user.email, membership.role
        membership.delete()
        _record_membership(ctx, email, "remove", before, None)


# --- API keys ------------------------------------------------------------------------------


def _expiry(expires_days: int | None):
    """When a key issued now for ``expires_days`` expires; ``None`` means the default,
    ``ANNEXA_API_KEY_DAYS`` (90): no key lives for ever."""
    if expires_days is None:
        from annexa.orgs.key_expiry import default_days

        expires_days = default_days()
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_KEY_DAYS:
        raise OrgsError(f"expiry must be a whole number of days from 1 to {MAX_KEY_DAYS}")
    return timezone.now() + timedelta(days=expires_days)


def _key_owner(ctx: OrgContext, user: User | None) -> User:
    """Who the key is for: people issue keys for themselves; only the system for others."""
    if ctx.user is not None:
        if user is not None and user.pk != ctx.user.pk:
            raise PermissionDenied("you can issue API keys only for yourself")
        ctx.require("apikeys.issue")
        return ctx.user
    if user is None:
        raise OrgsError("say which user the API key is for")
    return user


def issue_api_key(
    ctx: OrgContext,
    *,
    user: User | None = None,
    name: str = "",
    expires_days: int | None = None,
) -> tuple[APIKey, str]:
    """A new key for ``user`` (default: the caller) in ``ctx.org``; the plaintext is returned
    once and never stored."""
    user = _key_owner(ctx, user)
    name = (name or "").strip()
    if len(name) > 100:
        raise OrgsError("the key name is longer than 100 characters")
    expires_at = _expiry(expires_days)
    if not Membership.objects.filter(organization=ctx.org, user=user).exists():
        raise OrgsError(f"{user.email} is not a member of {ctx.org.name}")
    with transaction.atomic():
        key, plaintext = APIKey.issue(
            user=user, organization=ctx.org, name=name, expires_at=expires_at
        )
        append(
            ctx,
            object_type="apikey",
            object_id=key.lookup,
            action="issue",
            data={
                "user": user.email,
                "name": name,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return key, plaintext


def _revoke(ctx: OrgContext, key: APIKey) -> None:
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    append(
        ctx,
        object_type="apikey",
        object_id=key.lookup,
        action="revoke",
        data={"user": key.user.email, "name": key.name},
    )


def revoke_api_key(ctx: OrgContext, key: APIKey) -> APIKey:
    """Revoke a key for good. People revoke their own; managers may revoke anyone's."""
    _require_same_org(ctx, key)
    if ctx.user is not None and key.user_id == ctx.user.pk:
        ctx.require("apikeys.issue")
    else:
        ctx.require("members.manage")
    with transaction.atomic():
        key = APIKey.objects.select_for_update().select_related("user").get(pk=key.pk)
        if key.revoked_at is not None:
            raise OrgsError(f"API key {key.prefix} is already revoked")
        _revoke(ctx, key)
    return key
