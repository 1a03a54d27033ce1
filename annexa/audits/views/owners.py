"""Who is responsible for each clause 4–10 requirement (read by the independence check)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import TemplateView

from annexa.audits.forms import RequirementOwnerForm
from annexa.audits.models import RequirementOwner
from annexa.audits.services import independence
from annexa.audits.services.common import MANAGE, members_of
from annexa.audits.views.common import done, failed, is_htmx
from annexa.core.views import OrgViewMixin


def owner_rows(org) -> list[dict]:
    """Every requirement with its own owner and the owner it inherits from a parent."""
    from annexa.catalog.models import Requirement

    requirements = list(Requirement.objects.all())
    own = {
        o.requirement_id: o.user
        for o in RequirementOwner.objects.for_org(org).select_related("user")
    }
    effective = independence.effective_requirement_owners(org, [r.id for r in requirements])
    users = {u.pk: u for u in own.values()}
    rows = []
    for requirement in requirements:
        inherited = effective.get(requirement.id)
        via = inherited[1] if inherited and inherited[1] != requirement.id else None
        rows.append(
            {
                "requirement": requirement,
                "owner": own.get(requirement.id),
                "inherited": users.get(inherited[0]) if via else None,
                "via": via,
            }
        )
    return rows


class RequirementOwnersView(OrgViewMixin, TemplateView):
    """The list, and (for managers) a per-row form to name or clear the owner."""

    template_name = "audits/requirement_owners.html"
    model = RequirementOwner
    permission_required = MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rows=owner_rows(self.ctx.org),
            members=members_of(self.ctx.org),
            can_manage=self.ctx.can(MANAGE),
        )
        return context

    def post(self, request, **kwargs):
        url = reverse("audits:requirement-owners", kwargs={"org": self.ctx.org.slug})
        form = RequirementOwnerForm(request.POST, org=self.ctx.org)
        if not form.is_valid():
            errors = [m for ms in form.errors.values() for m in ms]
            return failed(request, url, ValidationError(errors))
        requirement_id = form.cleaned_data["requirement"]
        try:
            independence.set_requirement_owner(self.ctx, requirement_id, form.cleaned_data["user"])
        except ValidationError as exc:
            return failed(request, url, exc)
        if is_htmx(request):
            row = next(r for r in owner_rows(self.ctx.org) if r["requirement"].id == requirement_id)
            context = {
                "row": row,
                "members": members_of(self.ctx.org),
                "can_manage": True,
                "org": self.ctx.org,
            }
            return render(request, "audits/_owner_row.html", context)
        return done(request, f"{url}#req-{requirement_id}", f"Owner of {requirement_id} saved.")
