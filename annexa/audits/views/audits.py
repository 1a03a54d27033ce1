"""Audit pages: create, detail (scope, team, conflicts), edit, status, team, copy, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from annexa.audits.choices import AUDIT_STATUS_ORDER, AuditStatus
from annexa.audits.forms import (
    AuditForm,
    CopyForm,
    OverrideForm,
    RemoveMemberForm,
    ReopenForm,
    StatusForm,
    TeamForm,
)
from annexa.audits.models import Audit, AuditProgramme
from annexa.audits.services import audits as service
from annexa.audits.services import independence, next_cycle
from annexa.audits.services.common import CONDUCT, MANAGE
from annexa.audits.views.common import ObjectMixin, done, failed, is_htmx, require_manage
from annexa.audits.views.programme import programme_url
from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin


def audit_url(audit: Audit) -> str:
    return reverse("audits:audit", kwargs={"org": audit.organization.slug, "pk": audit.pk})


def scope_of(form: AuditForm, reason: str) -> service.Scope:
    data = form.cleaned_data
    why = data.get("scope_reason") or reason
    return service.Scope(
        requirements=dict.fromkeys(data["requirements"], why),
        controls=dict.fromkeys(data["controls"], why),
        units=dict.fromkeys(data["units"], why),
    )


# The name of the button that confirms a change which withdraws the programme's approval.
CONFIRM_WITHDRAWAL = "withdraw_approval"


def withdrawal_pending(request, programme: AuditProgramme) -> bool:
    """Whether saving would withdraw ``programme``'s approval and nobody confirmed that yet."""
    return programme.is_approved and request.POST.get(CONFIRM_WITHDRAWAL) != "yes"


def saved_message(audit: Audit, verb: str, approved: bool) -> str:
    if not approved:
        return f"{audit.reference} {verb}."
    return (
        f"{audit.reference} {verb}. The approval of {audit.programme} was withdrawn: "
        "approve the programme again once its plan is final."
    )


class AuditFormMixin:
    """The audit form page; a change that would withdraw the programme's approval is shown
    again with a confirmation (``confirm_withdrawal``) before it is saved."""

    template_name = "audits/audit_form.html"

    def answer(self, form, programme, *, audit=None, confirm=False, status=200):
        context = self.get_context_data(
            form=form,
            audit=audit,
            programme=programme,
            confirm_withdrawal=confirm,
            confirm_name=CONFIRM_WITHDRAWAL,
        )
        return self.render_to_response(context, status=status)


class AuditCreateView(AuditFormMixin, OrgViewMixin, ObjectMixin, TemplateView):
    """A new audit in the programme ``pk``, with its scope."""

    model = AuditProgramme
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        programme = self.get_object()
        form = AuditForm(org=self.ctx.org, initial={"criteria": programme.criteria})
        return self.answer(form, programme)

    def post(self, request, **kwargs):
        programme = self.get_object()
        form = AuditForm(request.POST, org=self.ctx.org)
        if form.is_valid():
            if withdrawal_pending(request, programme):
                return self.answer(form, programme, confirm=True)
            approved = programme.is_approved
            try:
                audit = self.create(programme, form)
                return done(request, audit_url(audit), saved_message(audit, "created", approved))
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.answer(form, programme, status=422)

    def create(self, programme: AuditProgramme, form: AuditForm) -> Audit:
        data = form.cleaned_data
        audit = service.create_audit(
            self.ctx,
            programme,
            title=data["title"],
            kind=data["kind"],
            objectives=data["objectives"],
            criteria=data["criteria"],
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            scope=scope_of(form, f"Chosen by {self.ctx.actor}"),
        )
        rest = {k: data[k] for k in ("actual_start", "actual_end", "limitations", "auditees")}
        return service.update_audit(self.ctx, audit, rest)


class AuditDetailView(OrgViewMixin, ObjectMixin, TemplateView):
    """Everything about one audit, with conflicts and the forms the member may use."""

    template_name = "audits/audit_detail.html"
    model = Audit

    def get_queryset(self):
        return super().get_queryset().select_related("programme", "milestone", "copied_from")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(audit_context(self.get_object(), self.ctx))
        return context


def audit_context(audit: Audit, ctx) -> dict:
    following = service.next_status(audit.status)
    earlier = AUDIT_STATUS_ORDER[: AUDIT_STATUS_ORDER.index(audit.status)]
    return {
        "audit": audit,
        "org": ctx.org,
        "requirements": audit.scope_requirements.select_related("requirement"),
        "controls": audit.scope_controls.select_related("control"),
        "units": audit.scope_units.select_related("unit", "unit__manager"),
        "team": audit.team_members.select_related("user"),
        "conflicts": independence.team_conflicts(audit),
        "overrides": audit.overrides.select_related("auditor", "recorded_by"),
        "next_status": following,
        "blockers": service.blockers(audit, following) if following else [],
        "earlier_statuses": earlier,
        "team_form": TeamForm(org=ctx.org),
        "copy_form": CopyForm(org=ctx.org),
        "can_manage": ctx.can(MANAGE),
        "can_conduct": ctx.can(CONDUCT),
        "is_closed": audit.status == AuditStatus.CLOSED,
    }


class AuditEditView(AuditFormMixin, OrgViewMixin, ObjectMixin, TemplateView):
    """The audit's fields and scope."""

    model = Audit
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        audit = self.get_object()
        initial = {name: getattr(audit, name) for name in AuditForm.FIELDS if name != "auditees"}
        initial.update(
            auditees=list(audit.auditees.all()),
            requirements=list(audit.scope_requirements.values_list("requirement_id", flat=True)),
            controls=list(audit.scope_controls.values_list("control_id", flat=True)),
            units=list(audit.units.all()),
        )
        form = AuditForm(org=self.ctx.org, initial=initial, kept=initial["controls"])
        return self.answer(form, audit.programme, audit=audit)

    def post(self, request, **kwargs):
        audit = self.get_object()
        programme = audit.programme
        kept = audit.scope_controls.values_list("control_id", flat=True)
        form = AuditForm(request.POST, org=self.ctx.org, kept=kept)
        if form.is_valid():
            rescoped = audit.status in service.SCOPE_STATUSES and scope_changes(audit, form)
            if rescoped and withdrawal_pending(request, programme):
                return self.answer(form, programme, audit=audit, confirm=True)
            approved = rescoped and programme.is_approved
            try:
                service.update_audit(self.ctx, audit, form.changes())
                if audit.status in service.SCOPE_STATUSES:
                    service.set_scope(self.ctx, audit, scope_of(form, f"Added by {self.ctx.actor}"))
                return done(request, audit_url(audit), saved_message(audit, "saved", approved))
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.answer(form, programme, audit=audit, status=422)


def scope_changes(audit: Audit, form: AuditForm) -> bool:
    """Whether the form's scope differs from the audit's (saving it changes the plan)."""
    current = (
        set(audit.scope_requirements.values_list("requirement_id", flat=True)),
        set(audit.scope_controls.values_list("control_id", flat=True)),
        set(audit.scope_units.values_list("unit_id", flat=True)),
    )
    return form.scope_ids() != current


class AuditActionView(OrgViewMixin, ObjectMixin, View):
    """Base of the POST-only actions on the audit page."""

    model = Audit
    permission_required = MANAGE


class TeamAddView(AuditActionView):
    """Add an auditor; refused with the conflicts unless a justification is recorded."""

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = TeamForm(request.POST, org=self.ctx.org)
        if form.is_valid():
            try:
                data = form.cleaned_data
                independence.add_team_member(
                    self.ctx, audit, data["user"], data["role"], data["justification"]
                )
                return self.answer(audit, form=None)
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.answer(audit, form=form, status=422)

    def answer(self, audit: Audit, form: TeamForm | None, status: int = 200):
        if is_htmx(self.request):
            context = audit_context(audit, self.ctx)
            if form is not None:
                context["team_form"] = form
            return render(self.request, "audits/_team.html", context, status=status)
        if form is None:
            return done(self.request, audit_url(audit), "Team updated.")
        return failed(self.request, audit_url(audit), ValidationError(_form_errors(form)))


def _form_errors(form) -> list[str]:
    return [message for messages in form.errors.values() for message in messages]


class TeamRemoveView(AuditActionView):
    def post(self, request, **kwargs):
        audit = self.get_object()
        form = RemoveMemberForm(request.POST, org=self.ctx.org)
        if not form.is_valid():
            return failed(request, audit_url(audit), ValidationError(_form_errors(form)))
        try:
            independence.remove_team_member(self.ctx, audit, form.cleaned_data["user"])
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, audit_url(audit), "Removed from the team.")


class OverrideView(AuditActionView):
    """Justify the open conflicts of a team member."""

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = OverrideForm(request.POST, org=self.ctx.org)
        if not form.is_valid():
            return failed(request, audit_url(audit), ValidationError(_form_errors(form)))
        try:
            data = form.cleaned_data
            independence.override_conflicts(self.ctx, audit, data["user"], data["justification"])
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, audit_url(audit), "Justification recorded.")


class StatusView(AuditActionView):
    """Move the audit one step forward."""

    permission_required = CONDUCT

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = StatusForm(request.POST)
        if not form.is_valid():
            return failed(request, audit_url(audit), ValidationError(_form_errors(form)))
        try:
            audit = service.transition(self.ctx, audit, form.cleaned_data["to"])
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, audit_url(audit), f"{audit.reference} is now {audit.status}.")


class ReopenView(AuditActionView):
    def post(self, request, **kwargs):
        audit = self.get_object()
        form = ReopenForm(request.POST)
        if not form.is_valid():
            return failed(request, audit_url(audit), ValidationError(_form_errors(form)))
        try:
            data = form.cleaned_data
            audit = service.reopen(self.ctx, audit, data["to"], data["reason"])
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, audit_url(audit), f"{audit.reference} reopened ({audit.status}).")


class CopyView(AuditActionView):
    """Copy scope and team into the next cycle's programme."""

    def post(self, request, **kwargs):
        audit = self.get_object()
        form = CopyForm(request.POST, org=self.ctx.org)
        if not form.is_valid():
            return failed(request, audit_url(audit), ValidationError(_form_errors(form)))
        try:
            copy = next_cycle.copy_for_next_cycle(self.ctx, audit, form.cleaned_data["programme"])
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, audit_url(copy), f"Copied {audit.reference} as {copy.reference}.")


class AuditDeleteView(AuditActionView):
    def post(self, request, **kwargs):
        audit = self.get_object()
        programme = audit.programme
        try:
            service.delete_audit(self.ctx, audit)
        except ValidationError as exc:
            return failed(request, audit_url(audit), exc)
        return done(request, programme_url(programme), f"{audit.reference} removed.")
