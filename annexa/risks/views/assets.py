"""The asset inventory (8.1, A.5.9): the list with filters, an asset with its risks and
history, the forms that create and edit assets (managers), confirming an asset proposed from
collected evidence (its owner or a manager), and taking the scope's units and systems in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView, TemplateView

from annexa.core.views import OrgViewMixin
from annexa.risks.choices import OPEN_RISK
from annexa.risks.filters import filter_assets
from annexa.risks.forms import AssetForm
from annexa.risks.models import Asset, Risk
from annexa.risks.services import asset_versions, assets
from annexa.risks.services import methodology as methodologies
from annexa.risks.services.common import ASSESS, MANAGE
from annexa.risks.views.common import FilteredListMixin, ServiceFormView, history, is_htmx

SORTS = {
    "ref": "number",
    "name": "name",
    "kind": "kind",
    "owner": "owner__email",
    "classification": "classification__rank",
}


def may_confirm(ctx, asset: Asset) -> bool:
    """Whether ``ctx``'s person may confirm ``asset`` (as ``services.assets.confirm_asset``
    decides; its owner also needs a role that changes things)."""
    if asset.confirmed:
        return False
    if ctx.can(MANAGE):
        return True
    return ctx.can(ASSESS) and ctx.user is not None and asset.owner_id == ctx.user.pk


def open_risk_counts(asset_ids: list[int]) -> dict[int, int]:
    """How many open risks name each of ``asset_ids``, counted for those assets only (a page):
    counted for the whole inventory, then sorted and cut to a page, it cost 52 ms at 20,000
    assets on PostgreSQL."""
    links = Risk.assets.through.objects.filter(asset_id__in=asset_ids, risk__status__in=OPEN_RISK)
    return dict(links.values("asset_id").annotate(n=Count("id")).values_list("asset_id", "n"))


def asset_url(asset: Asset) -> str:
    return reverse("assets:detail", kwargs={"org": asset.organization.slug, "pk": asset.pk})


class AssetListView(FilteredListMixin, OrgViewMixin, ListView):
    """The inventory, filtered and sorted; with htmx (the filter form) only the table."""

    model = Asset
    template_name = "risks/assets/list.html"
    rows_template = "risks/assets/_rows.html"
    paginate_by = 50
    sorts = SORTS
    narrow = staticmethod(filter_assets)

    def get_queryset(self):
        queryset = super().get_queryset().select_related("owner", "classification")
        return self.filtered(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = context["object_list"]
        open_risks = open_risk_counts([asset.pk for asset in shown])
        for asset in shown:
            asset.may_confirm = may_confirm(self.ctx, asset)
            asset.open_risks = open_risks.get(asset.pk, 0)
        context.update(
            self.list_context(),
            unconfirmed=Asset.objects.for_org(self.ctx.org).filter(confirmed=False).count(),
        )
        return context


class AssetDetailView(OrgViewMixin, TemplateView):
    """One asset: what it is, its values, the risks to it, its history."""

    template_name = "risks/assets/detail.html"
    model = Asset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = self.get_queryset().select_related("owner", "classification")
        asset = get_object_or_404(queryset, pk=self.kwargs["pk"])
        context.update(
            asset=asset,
            m=methodologies.current(self.ctx.org),
            risks=asset.risks.select_related("owner").order_by("number"),
            can_manage=self.ctx.can(MANAGE),
            may_confirm=may_confirm(self.ctx, asset),
            history=list(reversed(history(self.ctx.org, (assets.OBJECT_TYPE, [asset.uid])))),
        )
        return context


class ConfirmView(OrgViewMixin, View):
    """The owner (or a manager) confirms an asset proposed from collected evidence; with htmx
    the list's row is re-drawn, with the refusal in it when there is one."""

    model = Asset
    permission_required = ASSESS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        asset = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        error, status = "", 200
        try:
            asset = assets.confirm_asset(self.ctx, asset)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 409
        except PermissionDenied as exc:
            error, status = f"Not allowed: {exc}.", 403
        if not is_htmx(request):
            if error:
                messages.error(request, error)
            else:
                messages.success(request, f"{asset.reference} confirmed.")
            return redirect(asset_url(asset))
        asset = (
            Asset.objects.for_org(self.ctx.org)
            .select_related("owner", "classification")
            .get(pk=asset.pk)
        )
        asset.may_confirm = may_confirm(self.ctx, asset)
        asset.open_risks = asset.risks.exclude(status="closed").count()
        context = {"a": asset, "org": self.ctx.org, "error": error, "confirmed": not error}
        return render(request, "risks/assets/_row.html", context, status=status)


class FromScopeView(OrgViewMixin, View):
    """Add the scope's units, systems and locations to the inventory (those not in it yet)."""

    model = Asset
    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        created = assets.from_scope(self.ctx)
        if created:
            names = ", ".join(a.name for a in created[:8])
            more = f" and {len(created) - 8} more" if len(created) > 8 else ""
            messages.success(
                request,
                f"{len(created)} asset{'s' if len(created) != 1 else ''} added from the scope: "
                f"{names}{more}.",
            )
        else:
            messages.info(
                request, "Every unit, system and location of the scope is already an asset."
            )
        return redirect("assets:list", org=self.ctx.org.slug)


class _AssetFormView(ServiceFormView):
    form_class = AssetForm
    template_name = "risks/assets/form.html"
    model = Asset
    permission_required = MANAGE
    object_name = "asset"
    detail_url_name = "assets:detail"

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)  # the form is not shown to members who may not save it
        return super().get(request, *args, **kwargs)


class AssetCreateView(_AssetFormView):
    def save(self, form) -> Asset:
        return assets.create_asset(self.ctx, form.values())


class AssetEditView(_AssetFormView):
    stale_errors = (asset_versions.StaleAssetError,)

    def get_object(self) -> Asset:
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._object

    def save(self, form) -> Asset:
        return asset_versions.update_asset(
            self.ctx,
            self.get_object(),
            form.values(),
            expected_version=form.cleaned_data["version"],
        )
