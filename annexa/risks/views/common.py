"""What the risk, methodology and asset pages share: the history panel's reading of the
ledger, the answer to a form (a fragment for htmx, a page or a redirect otherwise), sorting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.http import HttpRequest
from django.shortcuts import redirect
from django.views.generic import FormView

from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.isms.forms import members_of
from annexa.ledger.models import LedgerEntry
from annexa.ledger.readable import Entry, Key, Vocabulary, read
from annexa.risks.models import Methodology
from annexa.risks.services.common import MANAGE

LEVEL_KEYS = frozenset({"inherent_level", "residual_level", "level"})


@dataclass(frozen=True)
class RiskVocabulary(Vocabulary):
    """The vocabulary of risk, treatment action and asset entries: a level is stored as its
    band's key (``very_high``) and read as the band's label."""

    levels: tuple[tuple[str, str], ...] = ()

    def field(self, key: str) -> models.Field | None:
        if key in LEVEL_KEYS:
            return models.CharField(key.replace("_", " "), choices=self.levels)
        return super().field(key)


def vocabulary(org) -> RiskVocabulary:
    labels: dict[str, str] = {}
    for methodology in Methodology.objects.for_org(org).order_by("version"):
        labels.update({band["key"]: band["label"] for band in methodology.bands})
    return RiskVocabulary(
        models=("risks.Risk", "risks.TreatmentAction", "risks.Asset", "orgs.Membership"),
        keys={
            "acceptance_withdrawn": Key("acceptance of the residual risk withdrawn"),
            "above_threshold": Key("above the acceptance threshold"),
            "threshold": Key("acceptance threshold"),
            "score": Key("score"),
            "risk": Key("risk"),
        },
        levels=tuple(labels.items()),
    )


def history(org, *objects: tuple[str, list[str]]) -> list[Entry]:
    """The ledger entries about the objects (``(object_type, [uid, …])`` pairs), oldest first,
    as people read them."""
    match = Q(pk__in=[])
    for object_type, uids in objects:
        if uids:
            match |= Q(object_type=object_type, object_id__in=[str(u) for u in uids])
    entries = LedgerEntry.objects.filter(organization=org).filter(match).order_by("seq")
    return read(org, entries, vocabulary(org))


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def sorted_by(queryset, request: HttpRequest, columns: dict[str, str], default: str):
    """``queryset`` ordered by the ``sort`` parameter (a key of ``columns``, ``-`` first for
    descending; blanks last either way), and the key in force."""
    wanted = request.GET.get("sort", default)
    key = wanted.removeprefix("-")
    if key not in columns:
        wanted, key = default, default.removeprefix("-")
    expression = F(columns[key])
    expression = (
        expression.desc(nulls_last=True)
        if wanted.startswith("-")
        else expression.asc(nulls_last=True)
    )
    return queryset.order_by(expression, "number"), wanted


def sort_links(request: HttpRequest, columns: dict[str, str], current: str) -> dict[str, dict]:
    """For each sortable column: the address sorting by it (the other way when it is the
    current order) and ``aria-sort``'s value."""
    params = request.GET.copy()
    params.pop("page", None)
    links = {}
    for key in columns:
        descending = current == key
        params["sort"] = f"-{key}" if descending else key
        state = "none"
        if current == key:
            state = "ascending"
        elif current == f"-{key}":
            state = "descending"
        links[key] = {"url": f"?{params.urlencode()}", "aria": state}
    return links


class FilteredListMixin:
    """A list page (with ``OrgViewMixin`` and ``ListView``) narrowed by its filter
    (``narrow(queryset, params, org)`` from ``annexa.risks.filters``), sorted by ``sorts``
    (``?sort=``), and with htmx (the filter form) only its rows (``rows_template``)."""

    rows_template = ""
    sorts: dict[str, str] = {}
    narrow = None

    def filtered(self, queryset):
        queryset, self.filter_form = type(self).narrow(queryset, self.request.GET, self.ctx.org)
        queryset, self.sort = sorted_by(queryset, self.request, self.sorts, "ref")
        return queryset

    def get_template_names(self) -> list[str]:
        return [self.rows_template] if is_htmx(self.request) else [self.template_name]

    def list_context(self) -> dict:
        params = self.request.GET.copy()
        params.pop("page", None)
        return {
            "filter_form": self.filter_form,
            "members": members_of(self.ctx.org),
            "query": params.urlencode(),
            "sorts": sort_links(self.request, self.sorts, self.sort),
            "can_manage": self.ctx.can(MANAGE),
        }


class ServiceFormView(OrgViewMixin, FormView):
    """A page whose form is saved by one service call (``save(form)``): a refusal is shown on
    the form (422, or 409 for ``stale_errors``), a success leads to the saved object's page
    (``detail_url_name``). ``object_name`` names the edited object in the template (``None``
    while creating); the form gets ``org`` and that object."""

    object_name = "object"
    detail_url_name = ""
    stale_errors: tuple[type[Exception], ...] = ()

    def get_object(self):
        return None

    def get_form_kwargs(self) -> dict:
        return {
            **super().get_form_kwargs(),
            "org": self.ctx.org,
            self.object_name: self.get_object(),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), self.object_name: self.get_object()}

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except self.stale_errors as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{saved} saved.")
        return redirect(self.detail_url_name, org=self.ctx.org.slug, pk=saved.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
