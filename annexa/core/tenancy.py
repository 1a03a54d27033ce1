"""Organization scoping: the one place that decides whose data a request may see.

Every domain model inherits ``OrgOwned``. Views and API views never query a domain model
directly: they go through ``OrgViewMixin`` / ``OrgAPIMixin``, which resolve the organization from
the URL (``<slug:org>``), refuse non-members with 404 (not 403, so the existence of another
tenant is not revealed), scope every queryset to that organization, and check the role's
permission for unsafe methods (403).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from annexa.orgs.models import Membership, Organization, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class OrgQuerySet(models.QuerySet):
    def for_org(self, org: Organization) -> OrgQuerySet:
        return self.filter(organization=org)


class OrgOwned(models.Model):
    """Base for every domain object: it belongs to exactly one organization.

    ``uid`` is the object's identity outside this database (ledger entries, export bundles):
    primary keys differ between instances, uids survive export and import.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


# The ledger's actor for everything the demo builders write (they act through the demo's people).
DEMO_ACTOR = "system (demo data)"


@dataclass(frozen=True)
class OrgContext:
    """Who is acting, in which organization, with which role. Services take one of these."""

    org: Organization
    user: User | None
    membership: Membership | None
    # How the ledger names the actor when it is not the user: the demo acts through its people
    # (their roles decide what each may do) but records its changes as the system's.
    recorded_as: str | None = None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def can(self, permission: str) -> bool:
        # A context without membership is the system itself (CLI provisioning, demo, jobs).
        return self.membership is None or self.membership.has(permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"your role may not do this ({permission})")

    @property
    def actor(self) -> str:
        """How the ledger names who acted."""
        if self.recorded_as:
            return self.recorded_as
        return self.user.email if self.user else "system"

    @classmethod
    def system(cls, org: Organization) -> OrgContext:
        return cls(org=org, user=None, membership=None)

    @classmethod
    def member(cls, org: Organization, user: User, *, recorded_as: str | None = None) -> OrgContext:
        """``user`` acting in ``org`` as the member they are (``Membership.DoesNotExist``
        when they are none)."""
        from annexa.orgs.models import Membership

        membership = Membership.objects.get(organization=org, user=user)
        return cls(org=org, user=user, membership=membership, recorded_as=recorded_as)


def resolve(user, slug: str, *, api_key=None) -> OrgContext:
    """The caller's context in organization ``slug``; 404 when they are not a member."""
    from annexa.orgs.models import Membership

    if not user or not user.is_authenticated:
        raise Http404
    if api_key is not None and api_key.organization.slug != slug:
        raise Http404
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user=user, organization__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404
    return OrgContext(org=membership.organization, user=user, membership=membership)


def check_method(ctx: OrgContext, method: str, permission: str | None) -> None:
    """Unsafe methods need the view's declared permission; viewers never pass."""
    if method in SAFE_METHODS:
        return
    if permission is None:
        raise PermissionDenied("this view declares no permission for changes")
    ctx.require(permission)
