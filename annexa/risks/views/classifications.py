"""The classification labels (A.5.12): everyone reads them with how many assets carry each;
managers add, rename, describe, reorder and remove (while unused) them. A refusal is shown
beside the form that was sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from annexa.core.views import OrgViewMixin
from annexa.risks.models import Classification
from annexa.risks.services import classifications as labels
from annexa.risks.services.assets import classifications
from annexa.risks.services.common import MANAGE

FIELDS = ("name", "description", "rank")


class ClassificationsView(OrgViewMixin, TemplateView):
    template_name = "risks/assets/classifications.html"
    model = Classification
    permission_required = MANAGE  # to change them; every member reads

    def get_context_data(self, **kwargs):
        classifications(self.ctx.org)  # the defaults, on first use
        rows = (
            Classification.objects.for_org(self.ctx.org)
            .annotate(used=Count("assets"))
            .order_by("rank", "name")
        )
        return {
            **super().get_context_data(**kwargs),
            "labels": rows,
            "can_manage": self.ctx.can(MANAGE),
            "errors": kwargs.get("errors", {}),
            "sent": kwargs.get("sent", {}),
            "failed": kwargs.get("failed"),
        }

    def post(self, request, *args, **kwargs):
        op = request.POST.get("op", "")
        data = {name: request.POST[name] for name in FIELDS if name in request.POST}
        target = None
        try:
            if op == "add":
                saved = labels.add_label(self.ctx, data)
                messages.success(request, f"Label {saved.name} added.")
            elif op in ("update", "remove"):
                target = get_object_or_404(
                    Classification.objects.for_org(self.ctx.org), pk=request.POST.get("label")
                )
                if op == "update":
                    saved = labels.update_label(self.ctx, target, data)
                    messages.success(request, f"Label {saved.name} saved.")
                else:
                    labels.remove_label(self.ctx, target)
                    messages.success(request, f"Label {target.name} removed.")
            else:
                raise ValidationError({"op": "Add, save or remove a label."})
        except ValidationError as exc:
            context = self.get_context_data(
                errors=exc.message_dict, sent=data, failed=target.pk if target else op
            )
            return self.render_to_response(context, status=422)
        return redirect("assets:classifications", org=self.ctx.org.slug)
