"""Sampling pages: draw a sample for an item, see it, record each record's result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from annexa.audits import sampling as rules
from annexa.audits.fieldwork_forms import SampleForm, SampleRecordForm
from annexa.audits.models import ChecklistItem, Sample, SampleRecord
from annexa.audits.services import sampling
from annexa.audits.services.common import CONDUCT
from annexa.audits.views.checklist import can_record
from annexa.audits.views.checklist_item import attach
from annexa.audits.views.common import ObjectMixin, is_htmx
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin


def sample_url(sample: Sample) -> str:
    return reverse("audits:sample", kwargs={"org": sample.organization.slug, "pk": sample.pk})


@body_limit(sampling.MAX_POPULATION_BYTES)
class SamplingView(OrgViewMixin, ObjectMixin, TemplateView):
    """An item's samples, and the form to draw a new one."""

    model = ChecklistItem
    permission_required = CONDUCT
    template_name = "audits/sampling/item.html"

    def get_queryset(self):
        return super().get_queryset().select_related("audit", "requirement", "control")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs.get("item") or self.get_object()
        context.update(
            item=item,
            samples=list(item.samples.select_related("created_by")),
            form=kwargs.get("form") or SampleForm(org=self.ctx.org),
            evidence_choices=_evidence_choices(item),
            can_record=can_record(self.ctx, item.audit),
            max_population=rules.MAX_POPULATION,
        )
        return context

    def post(self, request, **kwargs):
        item = self.get_object()
        form = SampleForm(request.POST, request.FILES, org=self.ctx.org)
        if form.is_valid():
            try:
                sample = sampling.create_sample(
                    self.ctx, item, _population(form), _rule(form), form.cleaned_data["seed"]
                )
            except ValidationError as exc:
                attach(form, exc)
            else:
                messages.success(request, f"Sample of {sample.computed_size} drawn.")
                return redirect(sample_url(sample))
        context = self.get_context_data(item=item, form=form)
        return self.render_to_response(context, status=422)


def _evidence_choices(item: ChecklistItem) -> list:
    """Evidence that may hold the population: linked to the item, or on file for its subject."""
    from annexa.audits.services.checklist_rows import evidence_on_file
    from annexa.evidence.models import EvidenceVersion

    on_file = evidence_on_file(item.organization, [item])[item.pk]
    wanted = {f.version_id for f in on_file if f.version_id}
    wanted.update(item.evidence.values_list("pk", flat=True))
    versions = EvidenceVersion.objects.for_org(item.organization).filter(pk__in=wanted)
    return list(versions.select_related("evidence").order_by("evidence__title", "-number"))


def _population(form: SampleForm) -> sampling.Population:
    data = form.cleaned_data
    column = data.get("column") or ""
    if data.get("population_evidence") is not None:
        return sampling.Population(version=data["population_evidence"], column=column)
    upload = data.get("population_file")
    if upload:
        return sampling.Population(data=upload.read(), filename=upload.name, column=column)
    text = data["population_text"].encode("utf-8")
    return sampling.Population(data=text, filename="pasted.txt")


def _rule(form: SampleForm) -> sampling.Rule:
    data = form.cleaned_data
    return sampling.Rule(
        kind=data["rule"],
        rationale=data.get("rationale") or "",
        size=data.get("size"),
        confidence=data.get("confidence_level"),
        tolerable=data.get("tolerable_deviation_rate"),
        expected=form.expected(),
    )


class SampleView(OrgViewMixin, ObjectMixin, TemplateView):
    """One sample: how it was drawn (to re-derive it), and a result per selected record."""

    model = Sample
    template_name = "audits/sampling/sample.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "item__audit",
                "item__control",
                "item__requirement",
                "created_by",
                "population_evidence",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sample = self.get_object()
        records = list(sample.records.all())
        context.update(
            sample=sample,
            item=sample.item,
            records=records,
            summary=sampling.summary(sample, records),
            algorithm=rules.ALGORITHM,
            can_record=can_record(self.ctx, sample.item.audit),
        )
        return context


class PopulationView(OrgViewMixin, ObjectMixin, View):
    """The population as drawn from, one record per line (what ``sample derive`` reads)."""

    model = Sample
    http_method_names = ["get", "head"]

    def get(self, request, **kwargs):
        sample = self.get_object()
        body = "".join(f"{label}\n" for label in sample.population)
        response = HttpResponse(body, content_type="text/plain; charset=utf-8")
        name = f"population-{sample.uid}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RecordView(OrgViewMixin, ObjectMixin, View):
    """Record one sampled record's result (htmx returns the row)."""

    model = SampleRecord
    permission_required = CONDUCT
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().select_related("sample__item__audit")

    def post(self, request, **kwargs):
        entry = self.get_object()
        form = SampleRecordForm(request.POST)
        error = ""
        if not form.is_valid():
            error = "Choose a result."
        else:
            try:
                entry = sampling.record_result(
                    self.ctx, entry, form.cleaned_data["result"], form.cleaned_data["note"]
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
        if is_htmx(request):
            context = {
                "r": entry,
                "sample": entry.sample,
                "org": self.ctx.org,
                "can_record": can_record(self.ctx, entry.sample.item.audit),
                "error": error,
                "posted": request.POST if error else None,
            }
            return render(
                request, "audits/sampling/_record.html", context, status=422 if error else 200
            )
        (messages.error if error else messages.success)(request, error or "Result recorded.")
        return redirect(sample_url(entry.sample))
