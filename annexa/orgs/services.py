"""Organizations, people, roles and API keys: every change to them happens here.

The CLI, the web pages and the API call these functions; they check the caller's permission
themselves and record membership and key changes in the organization's ledger.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger.services import append
from annexa.orgs.choices import Role
from annexa.orgs.models import (
    APIKey,
    Invitation,
    Membership,
    Organization,
    User,
    hash_invitation_token,
    slug_validator,
)

MAX_KEY_DAYS = 3650
# Security events (sign-ins, MFA, e-mail changes, invitations): never a password, code or token.
security_log = logging.getLogger("annexa.security")


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
            mark_verified(user)
    except IntegrityError:
        raise OrgsError(f"a user with e-mail {email} already exists") from None
    return user, generated


def mark_verified(user: User) -> EmailAddress:
    """Record ``user.email`` as their verified, primary address.

    Only for addresses whose owner is known: provisioned by the server administrator (CLI, the
    demo) or proven by following an e-mailed invitation link. ``User.email`` is only ever such
    an address, so login, memberships and the ledger's actor never rest on an unverified one.
    """
    EmailAddress.objects.filter(user=user, primary=True).exclude(email=user.email).update(
        primary=False
    )
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return address


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
    security_log.info(
        "membership %s in %s: %s (%s -> %s) by %s",
        action,
        ctx.org.slug,
        email,
        before,
        after,
        ctx.actor,
    )
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
    """Add the person with ``email``, creating their account first if there is none.

    Only the server administrator (``annexa user create``) adds people directly; a member of an
    organization invites them (``invite``), so nobody's account joins an organization without
    its owner following the e-mailed link.
    """
    if ctx.user is not None:
        raise PermissionDenied(
            "people join an organization by invitation; only the server administrator adds "
            "accounts directly (annexa user create)"
        )
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


# --- invitations ---------------------------------------------------------------------------


class InvitationRefused(OrgsError):
    """An invitation link that cannot be used: unknown, expired, revoked or used already."""


def invitation_url(token: str) -> str:
    path = reverse("orgs-account:invitation", kwargs={"invitation_token": token})
    return settings.BASE_URL.rstrip("/") + path


def _record_invitation(ctx: OrgContext, invitation: Invitation, action: str) -> None:
    security_log.info(
        "invitation %s in %s: %s as %s by %s",
        action,
        ctx.org.slug,
        invitation.email,
        invitation.role,
        ctx.actor,
    )
    append(
        ctx,
        object_type="invitation",
        object_id=str(invitation.uid),
        action=action,
        data={
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )


def _send_invitation(invitation: Invitation, token: str) -> None:
    org = invitation.organization
    inviter = invitation.invited_by.email if invitation.invited_by else "The administrator"
    days = max(1, round((invitation.expires_at - timezone.now()) / timedelta(days=1)))
    body = (
        f"{inviter} invites you to {org.name} on Annexa as "
        f"{Role(invitation.role).label}.\n\n"
        f"Accept the invitation here (the link works once, for {days} days):\n"
        f"{invitation_url(token)}\n\n"
        "If you did not expect this e-mail, ignore it: nothing happens unless you follow the "
        "link.\n"
    )
    send_mail(
        f"Invitation to {org.name} on Annexa",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


def invite(ctx: OrgContext, email: str, role: str) -> tuple[Invitation, str]:
    """Invite ``email`` to ``ctx.org`` as ``role`` and e-mail them the link.

    The answer is the same whether or not the address has an account, here or elsewhere: the
    invitee decides by following the link. A pending invitation of the same address is
    replaced. Returns the invitation and the link's token (shown once, never stored).
    """
    ctx.require("members.manage")
    if check_role(role) == Role.OWNER:
        _require_owner(ctx)
    email = normalize_email(email)
    if Membership.objects.filter(organization=ctx.org, user__email=email).exists():
        raise OrgsError(f"{email} is already a member of {ctx.org.name}")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            pending = Invitation.objects.for_org(ctx.org).select_for_update()
            for old in pending.filter(email=email, accepted_at=None, revoked_at=None):
                old.revoked_at = now
                old.save(update_fields=["revoked_at"])
                _record_invitation(ctx, old, "revoke")
            invitation = Invitation.objects.create(
                organization=ctx.org,
                email=email,
                role=role,
                invited_by=ctx.user,
                token_hash=hash_invitation_token(token),
                created_at=now,
                expires_at=now + timedelta(days=settings.INVITATION_DAYS),
            )
            _record_invitation(ctx, invitation, "create")
            # Sent inside the transaction: an invitation nobody received is not kept.
            _send_invitation(invitation, token)
    except OSError as exc:
        raise OrgsError(
            f"the invitation e-mail to {email} could not be sent ({exc.__class__.__name__}); "
            "nothing was saved; check the ANNEXA_EMAIL_* settings"
        ) from None
    return invitation, token


def revoke_invitation(ctx: OrgContext, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    ctx.require("members.manage")
    if invitation.organization_id != ctx.org.pk:
        raise PermissionDenied("that record belongs to another organization")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != "pending":
            raise OrgsError(f"the invitation of {invitation.email} is {invitation.status} already")
        if invitation.role == Role.OWNER:
            _require_owner(ctx)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _record_invitation(ctx, invitation, "revoke")
    return invitation


REFUSED = {
    "unknown": "This invitation link is not valid. Check that you copied the whole link.",
    "expired": "This invitation has expired. Ask the person who invited you for a new one.",
    "revoked": "This invitation was withdrawn. Ask the person who invited you for a new one.",
    "accepted": "This invitation was used already. Log in to reach the organization.",
}


def find_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The pending invitation of ``token``, or ``InvitationRefused`` saying why not."""
    rows = Invitation.objects.select_related("organization", "invited_by")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_hash=hash_invitation_token(token or "")).first()
    status = "unknown" if invitation is None else invitation.status
    if status != "pending":
        raise InvitationRefused(REFUSED[status])
    return invitation


def account_exists(invitation: Invitation) -> bool:
    """Whether the invited address is someone's (verified) login; told only to the invitee."""
    return User.objects.filter(email=invitation.email).exists()


def accept_invitation(token: str, user: User) -> Membership:
    """``user`` joins the invitation's organization. Their verified address (``User.email``)
    must be the invited one: the invitation is for a mailbox, not for whoever holds the link."""
    with transaction.atomic():
        invitation = find_invitation(token, lock=True)
        if user.email != invitation.email:
            raise OrgsError(
                f"this invitation is for {invitation.email}, and you are signed in as "
                f"{user.email}; log out and follow the link again"
            )
        org = invitation.organization
        membership = Membership.objects.filter(organization=org, user=user).first()
        if membership is None:
            membership = Membership.objects.create(
                organization=org, user=user, role=invitation.role
            )
            ctx = OrgContext(org=org, user=user, membership=membership)
            _record_membership(ctx, user.email, "add", None, invitation.role)
        ctx = OrgContext(org=org, user=user, membership=membership)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        _record_invitation(ctx, invitation, "accept")
    return membership


def accept_invitation_as_new_user(
    token: str, password: str, full_name: str = ""
) -> tuple[User, Membership]:
    """Create the invitee's account and join. Following the e-mailed link verified the
    address, so the account's address is recorded as verified."""
    with transaction.atomic():
        invitation = find_invitation(token, lock=True)
        if account_exists(invitation):
            raise OrgsError(
                f"{invitation.email} has an account already: log in to accept the invitation"
            )
        user, _ = create_user(invitation.email, full_name, password)
        membership = accept_invitation(token, user)
    return user, membership
