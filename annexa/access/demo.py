"""The demo organization's access reviews: a completed review of Google Workspace (decided,
self-review confirmed, revocations done and one verified by the next read of the directory,
closed with its record in the evidence locker) and an open review of AWS production reviewed
by each person's manager, half decided (a leaver's revocation pending). Built through the
ordinary services.

The accounts come from the people app's rows of those systems (the people demo or a connector
fills them); when there are none, this builder hands the systems' lists to
``people.services.accounts.sync_system`` itself, as an imported list would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from annexa.access import services
from annexa.access.choices import ReviewerMode
from annexa.access.models import AccessReview, ReviewItem
from annexa.core.tenancy import OrgContext
from annexa.people.choices import AccountSource
from annexa.people.models import Account, Person
from annexa.people.services.accounts import AccountRecord, sync_system

GOOGLE = "Google Workspace"
AWS = "AWS production"
DOMAIN = "kestrel.example"
# Accounts without a holder that stay, and why.
KEPT = {
    f"helpdesk@{DOMAIN}": "Shared helpdesk mailbox owned by IT.",
    f"breakglass-admin@{DOMAIN}": "Emergency administrator, password sealed in the safe.",
    "deploy-bot": "Service user of the deployment pipeline, owned by IT.",
    "ci-readonly": "Read-only user of the CI checks, owned by IT.",
}


def build_access_demo(ctx: OrgContext, people: dict[str, Any]) -> list[AccessReview]:
    """Build the demo's two access reviews once; ``ctx`` is the ISMS manager's."""
    org = ctx.org
    if AccessReview.objects.for_org(org).exists():
        return list(AccessReview.objects.for_org(org))
    _ensure_accounts(ctx, people)
    builder = _Builder(ctx, people)
    return [builder.completed(), builder.open()]


def _ensure_accounts(ctx: OrgContext, people: dict[str, Any]) -> None:
    held = set(Account.objects.for_org(ctx.org).values_list("system", flat=True))
    days = _days_ago
    if GOOGLE not in held:
        records = [
            AccountRecord(
                username=user.email,
                email=user.email,
                display_name=user.full_name,
                entitlements=("Super Admin",) if key == "it" else ("User",),
                privileged=key == "it",
                last_login=days(1 + n),
            )
            for n, (key, user) in enumerate(people.items())
        ]
        known = {r.username for r in records}
        staff = Person.objects.for_org(ctx.org).exclude(email="").order_by("name")
        for n, person in enumerate(staff[:40]):
            if person.email.lower() in known:
                continue
            left = person.end_date is not None
            records.append(
                AccountRecord(
                    username=person.email.lower(),
                    email=person.email,
                    display_name=person.name,
                    entitlements=("User",),
                    last_login=days(40 + n) if left else days(n % 9),
                )
            )
        records += [
            AccountRecord(
                username=f"helpdesk@{DOMAIN}",
                display_name="Helpdesk (shared mailbox)",
                entitlements=("Shared mailbox",),
                last_login=days(0),
            ),
            AccountRecord(
                username=f"breakglass-admin@{DOMAIN}",
                display_name="Emergency administrator",
                entitlements=("Super Admin",),
                privileged=True,
                last_login=days(200),
            ),
            AccountRecord(
                username=f"summer.intern@{DOMAIN}",
                display_name="Summer intern 2025",
                entitlements=("User",),
                last_login=days(120),
            ),
        ]
        sync_system(ctx, GOOGLE, records, source=AccountSource.IMPORT, source_ref="google.csv")
    if AWS not in held:
        it, eng, isms = people["it"], people["engineering"], people["isms_manager"]
        records = [
            AccountRecord(
                username="ana.horvat",
                email=it.email,
                display_name=it.full_name,
                entitlements=("AdministratorAccess",),
                privileged=True,
                last_login=days(2),
            ),
            AccountRecord(
                username="luka.zupan",
                email=eng.email,
                display_name=eng.full_name,
                entitlements=("PowerUserAccess", "IAMReadOnlyAccess"),
                privileged=True,
                last_login=days(1),
            ),
            AccountRecord(
                username="tomaz.kranjc",
                email=isms.email,
                display_name=isms.full_name,
                entitlements=("SecurityAudit",),
                last_login=days(6),
            ),
            AccountRecord(
                username="deploy-bot",
                display_name="CI deployment role user",
                entitlements=("deploy-production",),
                privileged=True,
                last_login=days(0),
            ),
            AccountRecord(
                username="ci-readonly",
                display_name="CI read-only checks",
                entitlements=("ReadOnlyAccess",),
                last_login=days(0),
            ),
            AccountRecord(
                username="contractor-dbmigration",
                display_name="Database migration contractor (2024)",
                entitlements=("AmazonRDSFullAccess",),
                privileged=True,
                last_login=days(310),
            ),
        ]
        sync_system(ctx, AWS, records, source=AccountSource.IMPORT, source_ref="aws-iam-users.csv")


def _days_ago(days: int) -> dt.datetime:
    moment = timezone.now() - dt.timedelta(days=days)
    return moment.replace(hour=9, minute=30, second=0, microsecond=0)


class _Builder:
    def __init__(self, ctx: OrgContext, people: dict[str, Any]) -> None:
        self.ctx, self.people = ctx, people
        self.contexts: dict[int, OrgContext] = {}

    def as_member(self, user) -> OrgContext:
        if user.pk not in self.contexts:
            self.contexts[user.pk] = OrgContext.member(
                self.ctx.org, user, recorded_as=self.ctx.recorded_as
            )
        return self.contexts[user.pk]

    def completed(self) -> AccessReview:
        today = timezone.localdate()
        review = services.create_review(
            self.ctx,
            system=GOOGLE,
            reviewer_mode=ReviewerMode.SYSTEM_OWNER,
            system_owner=self.people["it"],
            due_date=today + dt.timedelta(days=7),
            description=(
                "Quarterly review of every Google Workspace account: staff, shared mailboxes "
                "and administrators. Leavers' accounts are revoked; administrator rights need "
                "a reason to stay."
            ),
        )
        revoked = []
        for item in services.items_of(review):
            if self.decide(item):
                revoked.append(item)
        for item in revoked[:2]:
            services.mark_revoked(
                self.as_member(item.reviewer),
                ReviewItem.objects.get(pk=item.pk),
                "Suspended in the Admin console, ticket IT-2291",
            )
        closed = services.close(self.ctx, review)
        if revoked:
            # The next read of the directory shows the first revoked account suspended.
            accounts = list(
                Account.objects.for_org(self.ctx.org)
                .filter(system=GOOGLE, present=True)
                .select_related("person")
            )
            records = [
                AccountRecord(
                    username=a.username,
                    email=a.email,
                    display_name=a.display_name,
                    entitlements=tuple(a.entitlements),
                    privileged=a.privileged,
                    enabled=a.enabled and a.username != revoked[0].username,
                    mfa_enabled=a.mfa_enabled,
                    last_login=a.last_login,
                    person_hint=(a.person.employee_id or a.person.email) if a.person else "",
                )
                for a in accounts
            ]
            first = accounts[0]
            sync_system(self.ctx, GOOGLE, records, source=first.source, source_ref=first.source_ref)
            services.verify_revocations(self.ctx.org, GOOGLE)
        return closed

    def open(self) -> AccessReview:
        today = timezone.localdate()
        review = services.create_review(
            self.ctx,
            system=AWS,
            reviewer_mode=ReviewerMode.MANAGER,
            system_owner=self.people["engineering"],
            due_date=today + dt.timedelta(days=10),
            description=(
                "IAM users of the production AWS account. Each person's manager reviews their "
                "access; service users and those without a manager go to the VP Engineering."
            ),
        )
        items = list(services.items_of(review))
        # The accounts without a current holder first (the leaver's revocation stays pending:
        # the account is still enabled), then others up to half of the list.
        first = sorted(items, key=lambda i: not i.orphan)
        count = max(len(items) // 2, sum(1 for i in items if i.orphan))
        for item in first[: min(count, len(items) - 1)]:  # never all: the review is open
            self.decide(item)
        return review

    def decide(self, item: ReviewItem) -> bool:
        """Decide on ``item`` as its reviewer would; True for a revocation."""
        ctx = self.as_member(item.reviewer)
        name = item.username
        if item.orphan == "left":
            decision, reason = "revoke", "Left the company; the account was not suspended at exit."
        elif item.orphan and name in KEPT:
            decision, reason = "keep", KEPT[name]
        elif item.orphan and any(word in name for word in ("intern", "contractor")):
            decision, reason = "revoke", "No current holder: the engagement ended."
        elif item.orphan:
            decision, reason = "keep", "Staff account; its holder is to be added to the register."
        elif item.privileged:
            decision, reason = "keep", "Administers the system as part of the role."
        else:
            decision, reason = "keep", ""
        justification = ""
        if item.self_review:
            justification = "The only administrator of this system; a second reviewer confirms."
        item = services.decide(ctx, item, decision, reason=reason, justification=justification)
        if item.awaiting_confirmation:
            confirmer = self.people["isms_manager"]
            if item.person and item.person.user_id == confirmer.pk:
                confirmer = self.people["owner"]
            services.confirm(self.as_member(confirmer), item)
        return decision == "revoke"
