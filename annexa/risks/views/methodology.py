"""The risk assessment methodology (6.1.2 a–b): the version in force (scales, matrix coloured
by band, bands and who may accept at each, acceptance threshold, review period), earlier
versions, and for managers the form that revises it (every risk's level is derived again)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from annexa.core.views import OrgViewMixin
from annexa.risks.forms import MethodologyForm
from annexa.risks.models import Methodology
from annexa.risks.services import methodology as methodologies
from annexa.risks.services.common import MANAGE
from annexa.risks.views.common import is_htmx

SECTIONS = ("likelihood", "impact", "matrix", "bands")


class MethodologyView(OrgViewMixin, TemplateView):
    template_name = "risks/methodology.html"
    model = Methodology
    permission_required = MANAGE

    def shown(self, current: Methodology) -> Methodology:
        wanted = self.request.GET.get("version", "")
        if not wanted:
            return current
        if not wanted.isdigit():
            raise Http404("no such version of the methodology")
        try:
            return Methodology.objects.for_org(self.ctx.org).get(version=int(wanted))
        except Methodology.DoesNotExist:
            raise Http404("no such version of the methodology") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = methodologies.current(self.ctx.org)
        shown = self.shown(current)
        context.update(self.methodology_context(current, shown, kwargs.get("form")))
        return context

    def methodology_context(self, current, shown, form=None, **extra) -> dict:
        can_manage = self.ctx.can(MANAGE)
        versions = (
            Methodology.objects.for_org(self.ctx.org)
            .select_related("created_by")
            .order_by("-version")
        )
        form = (
            (form or MethodologyForm(methodology=current))
            if can_manage and shown.pk == current.pk
            else None
        )
        sections = extra.get("sections") or {}
        return {
            "org": self.ctx.org,
            "ctx": self.ctx,
            "current": current,
            "shown": shown,
            "matrix": matrix_rows(shown),
            "versions": versions,
            "can_manage": can_manage,
            "form": form,
            "scale_sections": [
                (title, form.scale_rows(scale), sections.get(scale))
                for scale, title in (("likelihood", "Likelihood"), ("impact", "Impact"))
            ]
            if form is not None
            else [],
            **extra,
        }

    def post(self, request, *args, **kwargs):
        current = methodologies.current(self.ctx.org)
        form = MethodologyForm(request.POST, methodology=current)
        sections: dict[str, str] = {}
        if form.is_valid():
            if form.cleaned_data["based_on"] != current.version:
                form.add_error(
                    None,
                    f"The methodology changed while you edited it (now version "
                    f"{current.version}, you edited version {form.cleaned_data['based_on']}). "
                    "Your changes were not saved: reload the page and apply them again.",
                )
                return self.answer(current, form, sections, status=409)
            try:
                revised = methodologies.revise(
                    self.ctx, form.changes(), form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    if name in form.fields:
                        form.add_error(name, errors)
                    elif name in SECTIONS:
                        sections[name] = " ".join(errors)
                    else:
                        form.add_error(None, errors)
            else:
                done = (
                    f"Methodology version {revised.version} is in force; every risk's level "
                    "was derived again under it."
                )
                if not is_htmx(request):
                    messages.success(request, done)
                    return redirect("risks:methodology", org=self.ctx.org.slug)
                return self.answer(revised, None, {}, saved=done)
        return self.answer(current, form, sections, status=422)

    def answer(self, current, form, sections, *, status: int = 200, saved: str = ""):
        context = self.methodology_context(
            current, current, form, sections=sections, saved=saved, refused=status >= 400
        )
        template = "risks/_methodology.html" if is_htmx(self.request) else self.template_name
        return render(self.request, template, context, status=status)


def matrix_rows(methodology: Methodology) -> list[dict]:
    """The matrix, highest likelihood first: each cell's score and band."""
    rows = []
    for level in reversed(methodology.likelihood):
        cells = []
        for impact in methodology.impact:
            score = methodology.score(level["value"], impact["value"])
            cells.append({"score": score, "band": methodology.band(score) or {}})
        rows.append({"level": level, "cells": cells})
    return rows
