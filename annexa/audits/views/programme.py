"""Programme pages: list, create, detail (milestones, audits, coverage matrix), edit, actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from annexa.audits import charts, ical
from annexa.audits.forms import GapReasonForm, ProgrammeForm
from annexa.audits.models import AuditProgramme
from annexa.audits.services import coverage, export
from annexa.audits.services import programme as service
from annexa.audits.services.common import MANAGE
from annexa.audits.views.common import (
    ObjectMixin,
    done,
    failed,
    is_htmx,
    require_manage,
)
from annexa.core import spreadsheets
from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin


def programme_url(programme: AuditProgramme) -> str:
    return reverse(
        "audits:programme", kwargs={"org": programme.organization.slug, "pk": programme.pk}
    )


class ProgrammeListView(OrgViewMixin, TemplateView):
    """The organization's programmes, newest cycle first."""

    template_name = "audits/programme_list.html"
    model = AuditProgramme

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            programmes=self.get_queryset().prefetch_related("audits"),
            can_manage=self.ctx.can(MANAGE),
        )
        return context


class ProgrammeCreateView(OrgViewMixin, TemplateView):
    """A new programme; by default the planner proposes its audits at once."""

    template_name = "audits/programme_form.html"
    model = AuditProgramme
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        return self.render_to_response(self.get_context_data(form=ProgrammeForm()))

    def post(self, request, **kwargs):
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            try:
                programme = service.create_programme(
                    self.ctx,
                    start_date=form.cleaned_data["start_date"],
                    years=form.cleaned_data["years"],
                    title=form.cleaned_data["title"],
                    milestones=form.milestones(),
                    **form.texts(),
                )
                if form.cleaned_data["plan"]:
                    service.plan_programme(self.ctx, programme)
                return done(request, programme_url(programme), f"{programme.title} created.")
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ProgrammeDetailView(OrgViewMixin, ObjectMixin, TemplateView):
    """Milestones, planned audits, the coverage matrix, gaps and their reasons."""

    template_name = "audits/programme_detail.html"
    model = AuditProgramme

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(coverage_context(self.get_object(), self.ctx.can(MANAGE)))
        return context


def coverage_context(programme: AuditProgramme, can_manage: bool) -> dict:
    matrix = coverage.compute(programme)
    audits = (
        programme.audits.select_related("milestone")
        .prefetch_related("team_members__user")
        .annotate(
            requirement_count=Count("scope_requirements", distinct=True),
            control_count=Count("scope_controls", distinct=True),
        )
        .order_by("planned_start", "reference")
    )
    return {
        "programme": programme,
        "milestones": programme.milestones.all(),
        "audits": audits,
        "matrix": matrix,
        "summary": matrix.summary(),
        "svg": charts.coverage_matrix(matrix),
        "gaps": [(g, matrix.reasons.get(g.id)) for g in matrix.gaps],
        "weighted": sorted(programme.plan_basis.get("weighted", {}).items()),
        # Scope units an emphasis source named (an area with high risks): name -> weight, factors.
        "weighted_units": sorted(programme.plan_basis.get("weighted_units", {}).items()),
        "can_manage": can_manage,
    }


class ProgrammeEditView(OrgViewMixin, ObjectMixin, TemplateView):
    """The programme's texts, cycle dates and milestone dates."""

    template_name = "audits/programme_form.html"
    model = AuditProgramme
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        programme = self.get_object()
        initial = {
            name: getattr(programme, name)
            for name in ("title", "start_date", "end_date", *service.TEXT_FIELDS)
        }
        initial.update({f"milestone_{m.kind}": m.date for m in programme.milestones.all()})
        form = ProgrammeForm(initial=initial, editing=True)
        return self.render_to_response(self.get_context_data(form=form, programme=programme))

    def post(self, request, **kwargs):
        programme = self.get_object()
        form = ProgrammeForm(request.POST, editing=True)
        if form.is_valid():
            try:
                self.save(programme, form)
                return done(request, programme_url(programme), "Programme saved.")
            except ValidationError as exc:
                attach_errors(form, exc)
        context = self.get_context_data(form=form, programme=programme)
        return self.render_to_response(context, status=422)

    def save(self, programme: AuditProgramme, form: ProgrammeForm) -> None:
        data = form.cleaned_data
        changes = {
            "title": data["title"] or programme.title,
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            **form.texts(),
        }
        service.update_programme(self.ctx, programme, changes)
        wanted = form.milestones()
        for milestone in programme.milestones.all():
            if milestone.kind not in wanted:
                service.set_milestone(self.ctx, programme, milestone.kind, None)
        for kind, date in wanted.items():
            service.set_milestone(self.ctx, programme, kind, date)


class ProgrammeActionView(OrgViewMixin, ObjectMixin, View):
    """Base of the POST-only buttons on the programme page."""

    model = AuditProgramme
    permission_required = MANAGE


class ProgrammePlanView(ProgrammeActionView):
    """Propose the audits again (replacing them, as long as none has started)."""

    def post(self, request, **kwargs):
        programme = self.get_object()
        try:
            service.plan_programme(self.ctx, programme)
        except ValidationError as exc:
            return failed(request, programme_url(programme), exc)
        return done(request, programme_url(programme), "The planner proposed the audits.")


class ProgrammeApproveView(ProgrammeActionView):
    """Approve as the signed-in member; refused with the list of unexplained gaps."""

    def post(self, request, **kwargs):
        programme = self.get_object()
        try:
            service.approve_programme(self.ctx, programme)
        except ValidationError as exc:
            return failed(request, programme_url(programme), exc)
        return done(request, programme_url(programme), "Programme approved.")


class ProgrammeDeleteView(ProgrammeActionView):
    def post(self, request, **kwargs):
        programme = self.get_object()
        try:
            service.delete_programme(self.ctx, programme)
        except ValidationError as exc:
            return failed(request, programme_url(programme), exc)
        url = reverse("audits:programmes", kwargs={"org": self.ctx.org.slug})
        return done(request, url, f"{programme.title} deleted.")


class GapReasonView(ProgrammeActionView):
    """Record why a gap is accepted (one item, or ``all`` gaps still without a reason).

    With htmx the coverage section is returned.
    """

    def post(self, request, **kwargs):
        programme = self.get_object()
        form = GapReasonForm(request.POST)
        status, error = 200, ""
        if not form.is_valid():
            status, error = 422, "Give the item and a reason."
        else:
            try:
                service.record_gap_reasons(
                    self.ctx, programme, self.items(programme, form), form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                status, error = 422, " ".join(exc.messages)
        if is_htmx(request):
            context = coverage_context(programme, True) | {"org": self.ctx.org, "error": error}
            return render(request, "audits/_coverage.html", context, status=status)
        if error:
            return failed(request, programme_url(programme), ValidationError(error))
        return done(request, programme_url(programme), "Reason recorded.")

    @staticmethod
    def items(programme: AuditProgramme, form: GapReasonForm) -> list[str]:
        if form.cleaned_data["item"] == GapReasonForm.ALL:
            return [g.id for g in coverage.compute(programme).unexplained_gaps]
        return [form.cleaned_data["item"]]


class ProgrammeExportView(OrgViewMixin, ObjectMixin, View):
    """The programme as a calendar file (``fmt="ics"``) or a workbook (``fmt="xlsx"``)."""

    model = AuditProgramme
    fmt = "xlsx"

    def get(self, request, **kwargs):
        programme = self.get_object()
        if self.fmt == "ics":
            content, media_type = export.programme_ics(programme), ical.MEDIA_TYPE
        else:
            content, media_type = export.programme_xlsx(programme), spreadsheets.XLSX_MEDIA_TYPE
        response = HttpResponse(content, content_type=media_type)
        name = f"{slugify(programme.title) or 'programme'}.{self.fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CoverageSVGView(OrgViewMixin, ObjectMixin, View):
    """The coverage matrix picture alone (for reports and slides)."""

    model = AuditProgramme

    def get(self, request, **kwargs):
        svg = charts.coverage_matrix(coverage.compute(self.get_object()))
        return HttpResponse(svg, content_type="image/svg+xml")
