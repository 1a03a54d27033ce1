"""Findings pages: the register (filters), detail with grading guidance, evidence, history and
transitions, raising (directly or from a checklist item) and editing. Thin: parse, call
``services``, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView

from annexa.core.views import LifecycleStepMixin, OrgViewMixin
from annexa.findings import guidance, history, services
from annexa.findings.choices import FINAL, NONCONFORMITIES, FindingGrade, FindingStatus
from annexa.findings.filters import filter_findings
from annexa.findings.forms import AcknowledgeForm, CloseForm, FindingForm, ReasonForm, attach_errors
from annexa.findings.models import Finding
from annexa.findings.services.common import CLOSE, RAISE, RESPOND
from annexa.findings.services.raising import EDITABLE_STATUSES


class FindingListView(OrgViewMixin, ListView):
    """The organization's findings register across audits."""

    model = Finding
    template_name = "findings/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("raised_in", "closed_in", "control", "requirement")
            .order_by("-number")
        )
        queryset, self.filter_form = filter_findings(queryset, self.request.GET, self.ctx.org)
        return queryset

    def get_template_names(self) -> list[str]:
        return ["findings/_rows.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            filter_form=self.filter_form, query=params.urlencode(), can_raise=self.ctx.can(RAISE)
        )
        return context


class FindingDetailView(OrgViewMixin, DetailView):
    """One finding: what it says, its evidence, corrective actions, history, next steps."""

    model = Finding
    template_name = "findings/detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "raised_in", "closed_in", "control", "requirement", "raised_by", "checklist_item"
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding, ctx = self.object, self.ctx
        org = ctx.org
        context.update(
            grades=guidance.grading_guidance(),
            natures=guidance.nature_guidance(),
            versions=finding.evidence.select_related("evidence").order_by("evidence__title"),
            auditees=finding.auditees.order_by("email"),
            actions=finding.corrective_actions.select_related("owner").order_by("number"),
            history=history.rows(org, services.OBJECT_TYPE, finding.uid),
            my_conflicts=services.conflicts(finding, ctx.user) if ctx.user else [],
            opening_blockers=services.opening_blockers(finding),
            closure_blockers=services.closure_blockers(finding),
            can_edit=ctx.can(RAISE) and finding.status in EDITABLE_STATUSES,
            can_open=ctx.can(RAISE) and finding.status == FindingStatus.DRAFT,
            can_acknowledge=ctx.can(RESPOND)
            and finding.status == FindingStatus.OPEN
            and not finding.is_nonconformity,
            can_close=ctx.can(CLOSE) and finding.status not in FINAL,
            can_raise_action=ctx.can("actions.manage")
            and finding.is_nonconformity
            and finding.status in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS),
        )
        context.setdefault("reason_form", ReasonForm())
        context.setdefault("ack_form", AcknowledgeForm())
        context.setdefault("close_form", CloseForm(org=org))
        return context


class TransitionView(LifecycleStepMixin, FindingDetailView):
    """POST one step of the finding's lifecycle; errors show on the detail page (400)."""

    permission_required = RAISE
    detail_url_name = "findings:detail"


class OpenView(TransitionView):
    done = "opened"

    def change(self, form) -> None:
        services.open_finding(self.ctx, self.object)


class WithdrawView(TransitionView):
    form_class, form_name, done = ReasonForm, "reason_form", "withdrawn"

    def change(self, form) -> None:
        services.withdraw_finding(self.ctx, self.object, form.cleaned_data["reason"])


class AcknowledgeView(TransitionView):
    permission_required = RESPOND
    form_class, form_name, done = AcknowledgeForm, "ack_form", "acknowledged"

    def change(self, form) -> None:
        services.acknowledge_finding(self.ctx, self.object, form.cleaned_data["note"])


class CloseView(TransitionView):
    permission_required = CLOSE
    form_class, form_name, done = CloseForm, "close_form", "closed"

    def make_form(self, data):
        return self.form_class(data, org=self.ctx.org)

    def change(self, form) -> None:
        audit = form.audit(self.ctx.org)
        services.close_finding(
            self.ctx, self.object, note=form.cleaned_data["note"], closed_in=audit
        )


class _FindingFormView(OrgViewMixin, FormView):
    form_class = FindingForm
    template_name = "findings/form.html"
    permission_required = RAISE

    def get(self, request, *args, **kwargs):
        self.ctx.require(RAISE)  # the form is not even shown to members who may not save it
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(grades=guidance.grading_guidance(), natures=guidance.nature_guidance())
        return context

    def form_valid(self, form):
        self.reason = form.cleaned_data.get("reason", "")
        try:
            finding = self.save(form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except PermissionDenied as exc:  # independence: say why, on the form the person filled
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=403)
        messages.success(self.request, f"{finding.reference} saved.")
        return redirect("findings:detail", org=self.ctx.org.slug, pk=finding.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FindingCreateView(_FindingFormView):
    """Raise a finding directly (not from a checklist item)."""

    def save(self, values: dict) -> Finding:
        return services.raise_finding(self.ctx, **values)


class FindingEditView(_FindingFormView):
    model = Finding

    def setup(self, request, *args, **kwargs) -> None:
        super().setup(request, *args, **kwargs)
        self.object = None

    def get_object(self) -> Finding:
        if self.object is None:
            self.object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self.object

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "editing": True}

    def get_initial(self) -> dict:
        finding = self.get_object()
        values = {n: getattr(finding, n) for n in FindingForm.base_fields if n != "reason"}
        values["evidence"] = list(finding.evidence.all())
        values["auditees"] = list(finding.auditees.all())
        return FindingForm.initial_from(values)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "finding": self.get_object()}

    def save(self, values: dict) -> Finding:
        return services.update_finding(self.ctx, self.get_object(), values, reason=self.reason)


class RaiseFromItemView(_FindingFormView):
    """Raise the finding of a checklist item: the form starts from what the item recorded."""

    def item(self):
        from annexa.audits.models import ChecklistItem

        if not hasattr(self, "_item"):
            items = ChecklistItem.objects.for_org(self.ctx.org).select_related(
                "audit", "control", "requirement"
            )
            self._item = get_object_or_404(items, pk=self.kwargs["item_pk"])
        return self._item

    def get(self, request, *args, **kwargs):
        existing = Finding.objects.for_org(self.ctx.org).filter(checklist_item=self.item()).first()
        if existing is not None:
            return redirect("findings:detail", org=self.ctx.org.slug, pk=existing.pk)
        return super().get(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for name in FROM_ITEM:  # they come from the item, shown beside the form
            del form.fields[name]
        if self.item().result not in NONCONFORMITIES:
            del form.fields["nature"]  # only a nonconformity has a gap nature
        return form

    def get_initial(self) -> dict:
        return FindingForm.initial_from(services.prefill_from_item(self.item()))

    def get_context_data(self, **kwargs):
        item = self.item()
        return {
            **super().get_context_data(**kwargs),
            "item": item,
            "item_grade_ok": item.result in FindingGrade.values and not item.removed,
        }

    def save(self, values: dict) -> Finding:
        return services.raise_from_checklist_item(self.ctx, self.item(), **values)


FROM_ITEM = ("grade", "control", "requirement")
