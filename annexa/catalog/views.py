"""Catalog pages: Annex A and clauses 4–10. Global, read-only data for any signed-in user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import TemplateView

from annexa.catalog import queries
from annexa.catalog.forms import ControlFilterForm


def _label(value: str) -> str:
    return value.replace("_", " ")


class ControlListView(LoginRequiredMixin, TemplateView):
    """Annex A, filterable by theme, edition, attribute value and text; htmx gets the rows."""

    template_name = "catalog/control_list.html"
    partial_template_name = "catalog/_control_rows.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ControlFilterForm(request.GET)
        valid = form.is_valid()
        context = {
            "filter_form": form,
            "controls": queries.controls(**form.filters()) if valid else [],
        }
        template = self.partial_template_name if request.htmx else self.template_name
        return render(request, template, context, status=200 if valid else 400)


class ControlDetailView(LoginRequiredMixin, TemplateView):
    """One control: attributes, our audit questions, expected evidence and 2013 sources."""

    template_name = "catalog/control_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            control = queries.control(kwargs["control_id"])
        except queries.UnknownIdError:
            raise Http404("no such Annex A control") from None
        context["control"] = control
        context["attributes"] = [
            (_label(name).capitalize(), [_label(v) for v in values])
            for name, values in queries.attributes_of(control).items()
        ]
        context["sources"] = control.legacy_controls.all()
        return context


class RequirementListView(LoginRequiredMixin, TemplateView):
    """Clauses 4–10 as a tree, with the documented information each one mandates."""

    template_name = "catalog/requirement_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (item, queries.requirement_depth(item)) for item in queries.requirements()
        ]
        context["mandatory"] = queries.mandatory_documents()
        return context


class RequirementDetailView(LoginRequiredMixin, TemplateView):
    """One clause, sub-clause or lettered requirement with its questions and evidence."""

    template_name = "catalog/requirement_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            requirement = queries.requirement(kwargs["requirement_id"])
        except queries.UnknownIdError:
            raise Http404("no such requirement") from None
        context["requirement"] = requirement
        context["ancestors"] = queries.ancestors(requirement)
        context["children"] = requirement.children.all()
        return context
