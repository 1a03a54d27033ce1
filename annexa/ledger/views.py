"""The ledger page: entries, checkpoints, "Create checkpoint", "Verify now", the public key."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from annexa.core.views import OrgViewMixin
from annexa.ledger import keys, services
from annexa.ledger.blobs import default_opener
from annexa.ledger.forms import EntryFilterForm
from annexa.ledger.models import Checkpoint, LedgerEntry
from annexa.ledger.readable import actors
from annexa.ledger.verify import instance_public_key, verify_org

PAGE_SIZE = 50


class LedgerView(OrgViewMixin, TemplateView):
    """Entries newest first (filterable, paged) and the signed checkpoints."""

    template_name = "ledger/list.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx and self.request.htmx.target == "entries":
            return ["ledger/_entries.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = LedgerEntry.objects.for_org(self.ctx.org)
        object_types, actor_choices = filter_choices(self.ctx.org)
        form = EntryFilterForm(
            self.request.GET or None, object_types=object_types, actors=actor_choices
        )
        shown = form.filter(entries).order_by("-seq")
        if not form.filters_applied():
            shown = KnownCount(shown, services.entry_count(self.ctx.org))
        page = Paginator(shown, PAGE_SIZE).get_page(self.request.GET.get("page"))
        named = actors(self.ctx.org, (entry.actor for entry in page))
        for entry in page:
            entry.shown_actor = named[entry.actor]  # the member's name, the address on hover
        context.update(
            form=form,
            page=page,
            query=_query_without_page(self.request),
            checkpoints=Checkpoint.objects.for_org(self.ctx.org).order_by("-tree_size")[:20],
            can_checkpoint=self.ctx.can("ledger.checkpoint"),
        )
        return context


class KnownCount:
    """A queryset whose number of rows is known without a COUNT, for ``Paginator``: it asks
    ``count()`` and then slices."""

    ordered = True

    def __init__(self, queryset, count: int) -> None:
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self.queryset[key]


def filter_choices(org) -> tuple[list[str], list[str]]:
    """The object types and actors the organization's ledger holds, for the filter's choices.

    A ledger is only ever appended to, so the two sets are kept in the shared cache with the
    sequence number they were read up to, and each request reads only the entries written
    since (the ``(organization, seq)`` index): a DISTINCT over every entry would cost a full
    scan per page view on a ledger of a million entries. A cached sequence number past the
    ledger's end (a database restored from an older backup) reads everything again."""
    key = f"ledger-filter-choices:{org.pk}"
    known = cache.get(key) or {"seq": 0, "types": [], "actors": []}
    entries = LedgerEntry.objects.for_org(org)
    last = entries.order_by("-seq").values_list("seq", flat=True).first() or 0
    if known["seq"] > last:
        known = {"seq": 0, "types": [], "actors": []}
    if known["seq"] < last:
        new = entries.filter(seq__gt=known["seq"]).values_list("object_type", "actor").distinct()
        types, people = set(known["types"]), set(known["actors"])
        for object_type, actor in new:
            types.add(object_type)
            people.add(actor)
        known = {"seq": last, "types": sorted(types), "actors": sorted(people)}
        cache.set(key, known, timeout=None)
    return known["types"], known["actors"]


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class CheckpointCreateView(OrgViewMixin, View):
    """POST: sign a checkpoint of the ledger as it stands now (managers)."""

    permission_required = "ledger.checkpoint"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            checkpoint = services.create_checkpoint(self.ctx)
        except (services.LedgerError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            if checkpoint is None:
                messages.info(request, "The ledger is empty: there is nothing to checkpoint.")
            else:
                messages.success(
                    request,
                    f"Checkpoint at {checkpoint.tree_size} entries, root {checkpoint.root_hash}.",
                )
        return redirect("ledger:list", org=self.ctx.org.slug)


class VerifyView(OrgViewMixin, TemplateView):
    """Run the full verification now and show the report (a partial with htmx)."""

    template_name = "ledger/verify.html"

    def get_template_names(self) -> list[str]:
        return ["ledger/_report.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = verify_org(self.ctx.org, default_opener())
        return context


class PublicKeyView(OrgViewMixin, View):
    """The PEM public key that checkpoints are signed with, for auditors to pin."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = instance_public_key()
        if key is None:
            raise Http404("this instance has no signing key yet (run `annexa init`)")
        response = HttpResponse(keys.public_key_pem(key), content_type="application/x-pem-file")
        response["Content-Disposition"] = 'attachment; filename="annexa-ledger-key.pem"'
        return response
