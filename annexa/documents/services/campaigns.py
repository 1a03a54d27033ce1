"""Acknowledgement campaigns: the people asked to confirm they have read one approved version
of a document, by a date, and each person's confirmation.

A manager (``documents.manage``) launches a campaign for the document's approved version with
its audience — everyone on the staff today, one department, or people chosen by name — and
records a confirmation on someone's behalf (with the date it was given); a member whose people
record is linked to their account confirms for themselves (``documents.acknowledge``). Every
change is in the ledger under the document's uid. ``of_person`` is what other apps read (the
people page shows a person's acknowledgements).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.documents.choices import AckMethod, DocumentStatus
from annexa.documents.models import AckCampaign, Acknowledgement, Document
from annexa.documents.services.register import (
    MANAGE,
    _lock_org,
    _locked,
    _record,
)
from annexa.isms.services.common import clean_text

ACKNOWLEDGE = "documents.acknowledge"
ALL_STAFF, DEPARTMENT, CHOSEN = "all", "department", "chosen"


@dataclass(frozen=True)
class Completion:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def pending(self) -> int:
        return self.total - self.done


def current_staff(org, today: dt.date | None = None):
    """People working for the organization today: started (or no start date) and not left."""
    from annexa.people.models import Person

    today = today or timezone.localdate()
    return (
        Person.objects.for_org(org)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
    )


def audience(ctx: OrgContext, scope: str, *, department: str = "", people: Iterable = ()):
    """The people a campaign asks: ``all`` current staff, a ``department`` of current staff,
    or ``chosen`` people of the organization (by object, pk or e-mail address)."""
    from annexa.people.models import Person

    if scope == ALL_STAFF:
        found = list(current_staff(ctx.org))
        if not found:
            raise ValidationError({"scope": "Nobody is on the staff today: add people first."})
        return found, "all current staff"
    if scope == DEPARTMENT:
        department = clean_text(department)
        if not department:
            raise ValidationError({"department": "Name the department."})
        found = list(current_staff(ctx.org).filter(department__iexact=department))
        if not found:
            raise ValidationError(
                {"department": f"Nobody on the staff today works in {department!r}."}
            )
        return found, f"department {found[0].department}"
    if scope == CHOSEN:
        wanted = list(people)
        pks = {getattr(p, "pk", p) for p in wanted if not isinstance(p, str) or p.isdigit()}
        emails = {p.lower() for p in wanted if isinstance(p, str) and not p.isdigit()}
        pks = {int(p) for p in pks}
        found = list(Person.objects.for_org(ctx.org).filter(Q(pk__in=pks) | Q(email__in=emails)))
        unknown = (pks - {p.pk for p in found}) | (emails - {p.email.lower() for p in found})
        if unknown:
            raise ValidationError(
                {
                    "people": "Not people of the organization: "
                    + ", ".join(sorted(str(u) for u in unknown))
                }
            )
        if not found:
            raise ValidationError({"people": "Choose at least one person."})
        return found, "chosen people"
    raise ValidationError({"scope": "Choose who is asked: all staff, a department or people."})


def launch(
    ctx: OrgContext,
    document: Document,
    *,
    due_date: dt.date,
    scope: str,
    department: str = "",
    people: Iterable = (),
) -> AckCampaign:
    """Ask ``scope``'s people to confirm they have read ``document``'s approved version by
    ``due_date``."""
    ctx.require(MANAGE)
    persons, described = audience(ctx, scope, department=department, people=people)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise ValidationError({"due_date": "Give the date to confirm by (YYYY-MM-DD)."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The date to confirm by cannot be in the past."})
    with transaction.atomic():
        _lock_org(ctx.org)
        document = _locked(ctx, document)
        if document.status != DocumentStatus.APPROVED or document.approved_version_id is None:
            raise ValidationError(
                {"document": f"{document.reference} has no approved version to acknowledge."}
            )
        last = AckCampaign.objects.for_org(ctx.org).order_by("-number").first()
        campaign = AckCampaign.objects.create(
            organization=ctx.org,
            number=(last.number + 1) if last else 1,
            document=document,
            document_version=document.approved_version,
            due_date=due_date,
            audience=described,
            created_by=ctx.user,
        )
        Acknowledgement.objects.bulk_create(
            [Acknowledgement(organization=ctx.org, campaign=campaign, person=p) for p in persons]
        )
        _record(
            ctx,
            document,
            "campaign_launched",
            None,
            {
                "campaign": campaign.reference,
                "version": document.approved_version.label,
                "due_date": due_date.isoformat(),
                "audience": described,
                "people": len(persons),
            },
        )
    return campaign


def close(ctx: OrgContext, campaign: AckCampaign) -> AckCampaign:
    """No more confirmations are asked for (reminders stop); the record stays."""
    ctx.require(MANAGE)
    with transaction.atomic():
        campaign = _locked_campaign(ctx, campaign)
        if campaign.closed_at is not None:
            raise ValidationError({"campaign": f"{campaign.reference} is already closed."})
        campaign.closed_at = timezone.now()
        campaign.save()
        numbers = completion(campaign)
        _record(
            ctx,
            campaign.document,
            "campaign_closed",
            None,
            {"campaign": campaign.reference, "acknowledged": numbers.done, "asked": numbers.total},
        )
    return campaign


def _locked_campaign(ctx: OrgContext, campaign: AckCampaign) -> AckCampaign:
    return (
        AckCampaign.objects.for_org(ctx.org)
        .select_for_update(of=("self",))
        .select_related("document", "document_version")
        .get(pk=campaign.pk)
    )


def acknowledge(
    ctx: OrgContext,
    acknowledgement: Acknowledgement,
    *,
    on: dt.date | None = None,
    note: str = "",
) -> Acknowledgement:
    """Record that the person read the campaign's version: by the person themselves (their
    people record is linked to the signed-in member; today), or by a manager on their behalf
    with the date they confirmed it."""
    ctx.require(ACKNOWLEDGE)
    today = timezone.localdate()
    note = clean_text(note)
    if len(note) > 500:
        raise ValidationError({"note": "The note is at most 500 characters."})
    with transaction.atomic():
        campaign = _locked_campaign(ctx, acknowledgement.campaign)
        ack = (
            Acknowledgement.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=acknowledgement.pk, campaign=campaign)
        )
        own = ctx.user is not None and ack.person.user_id == ctx.user.pk
        if not own and not ctx.can(MANAGE):
            raise PermissionDenied(
                "you may confirm only your own reading; a manager records it for someone else"
            )
        if campaign.closed_at is not None:
            raise ValidationError({"campaign": f"{campaign.reference} is closed."})
        if ack.acknowledged_on is not None:
            raise ValidationError(
                {"person": f"{ack.person.name} confirmed it on {ack.acknowledged_on}."}
            )
        on = on or today
        if on > today:
            raise ValidationError({"acknowledged_on": "The date cannot be in the future."})
        if on < campaign.created_at.date():
            raise ValidationError(
                {
                    "acknowledged_on": "The date cannot be before the campaign started "
                    f"({campaign.created_at.date()})."
                }
            )
        ack.acknowledged_on = on if not own else today
        ack.method = AckMethod.SELF if own else AckMethod.RECORDED
        ack.recorded_by = ctx.user
        ack.recorded_at = timezone.now()
        ack.note = note
        ack.save()
        _record(
            ctx,
            campaign.document,
            "acknowledged",
            None,
            {
                "campaign": campaign.reference,
                "version": campaign.document_version.label,
                "person": str(ack.person.uid),
                "acknowledged_on": ack.acknowledged_on.isoformat(),
                "method": ack.method,
            },
            note=note or None,
        )
    return ack


# --- reading -----------------------------------------------------------------------------------


def completion(campaign: AckCampaign) -> Completion:
    numbers = campaign.acknowledgements.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(acknowledged_on__isnull=False))
    )
    return Completion(done=numbers["done"], total=numbers["total"])


def campaigns(org) -> QuerySet[AckCampaign]:
    return (
        AckCampaign.objects.for_org(org)
        .select_related("document", "document_version", "created_by")
        .annotate(
            asked=Count("acknowledgements"),
            done=Count(
                "acknowledgements", filter=Q(acknowledgements__acknowledged_on__isnull=False)
            ),
        )
        .order_by("-number")
    )


def by_document(org) -> list[dict]:
    """Per document with a campaign of its approved version: people asked and confirmed
    (the open campaigns and the latest closed one of that version counted together)."""
    rows: dict[int, dict] = {}
    for campaign in campaigns(org).filter(document__approved_version=F("document_version")):
        row = rows.setdefault(
            campaign.document_id,
            {
                "document": campaign.document,
                "version": campaign.document_version,
                "done": 0,
                "total": 0,
            },
        )
        row["done"] += campaign.done
        row["total"] += campaign.asked
    for row in rows.values():
        row["completion"] = Completion(row["done"], row["total"])
    return sorted(rows.values(), key=lambda r: r["document"].number)


def people_completion(org) -> list[dict]:
    """Per person asked to read a document's approved version (in any campaign of it): how
    many they confirmed, of how many, and the references of those still pending. Pending
    people first, then by name."""
    rows: dict[int, dict] = {}
    current = (
        Acknowledgement.objects.for_org(org)
        .filter(campaign__document__approved_version=F("campaign__document_version"))
        .select_related("person", "campaign__document")
        .order_by("person__name", "campaign__document__number")
    )
    for ack in current:
        row = rows.setdefault(
            ack.person_id, {"person": ack.person, "done": 0, "total": 0, "pending": []}
        )
        row["total"] += 1
        if ack.acknowledged_on is not None:
            row["done"] += 1
        elif ack.campaign.document.reference not in row["pending"]:
            row["pending"].append(ack.campaign.document.reference)
    for row in rows.values():
        row["completion"] = Completion(row["done"], row["total"])
    return sorted(rows.values(), key=lambda r: (not r["pending"], r["person"].name))


def by_person(campaign: AckCampaign) -> list[Acknowledgement]:
    return list(campaign.acknowledgements.select_related("person", "recorded_by"))


def of_person(person) -> list[Acknowledgement]:
    """The person's acknowledgements, newest campaign first: each with its campaign,
    document and version (``acknowledged_on`` is ``None`` while pending). For other apps
    (the people page)."""
    return list(
        Acknowledgement.objects.filter(person=person, organization_id=person.organization_id)
        .select_related("campaign__document", "campaign__document_version", "recorded_by")
        .order_by("-campaign__created_at", "-campaign__number")
    )


def summary(org, today: dt.date | None = None) -> dict:
    """Across open campaigns: people asked, confirmed, and overdue (past the due date)."""
    today = today or timezone.localdate()
    pending = Acknowledgement.objects.for_org(org).filter(
        campaign__closed_at__isnull=True, acknowledged_on__isnull=True
    )
    numbers = (
        Acknowledgement.objects.for_org(org)
        .filter(campaign__closed_at__isnull=True)
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(acknowledged_on__isnull=False)))
    )
    return {
        "open_campaigns": AckCampaign.objects.for_org(org).filter(closed_at__isnull=True).count(),
        "completion": Completion(numbers["done"], numbers["total"]),
        "overdue": pending.filter(campaign__due_date__lt=today).count(),
    }
