"""The people pages (7.2, 7.3, A.6.1–A.6.6): the register with filters, a person with their
employment, screening, terms, trainings, accounts and acknowledgements, the forms (managers),
the HR import and export, the joiner and leaver checks with their populations, the settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from annexa.core import security_log
from annexa.core.forms import attach_errors
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.ledger.models import LedgerEntry
from annexa.ledger.readable import Vocabulary, read
from annexa.people import io
from annexa.people.filters import filter_people
from annexa.people.forms import ImportForm, PersonForm, SettingsForm, TrainingForm
from annexa.people.models import Person, TrainingCompletion
from annexa.people.services import checks, people
from annexa.people.services.people import MANAGE

VOCABULARY = Vocabulary(
    models=("people.Person", "people.TrainingCompletion", "people.PeopleSettings"),
    hidden=frozenset({"person_label"}),
)


def is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def person_url(person: Person) -> str:
    return reverse("people:detail", kwargs={"org": person.organization.slug, "pk": person.pk})


def require_manage(view) -> None:
    """Editing forms are not even shown to members who may not save them."""
    if not view.ctx.can(MANAGE):
        raise PermissionDenied("your role may not change the people register (people.manage)")


class PeopleListView(OrgViewMixin, ListView):
    """The register, filtered; with htmx (the filter form) only the table."""

    model = Person
    template_name = "people/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset = super().get_queryset().select_related("manager").order_by("name", "pk")
        queryset, self.filter_form = filter_people(queryset, self.request.GET, self.ctx.org)
        return queryset

    def get_template_names(self) -> list[str]:
        return ["people/_rows.html"] if is_htmx(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            query=params.urlencode(),
            can_manage=self.ctx.can(MANAGE),
            total=Person.objects.for_org(self.ctx.org).count(),
        )
        return context


class PersonDetailView(OrgViewMixin, TemplateView):
    """One person: employment, screening and terms, trainings, the accounts they hold, the
    policies they acknowledged, and the history of their record."""

    template_name = "people/detail.html"
    model = Person

    def get_context_data(self, **kwargs):
        from annexa.documents.services.campaigns import of_person

        context = super().get_context_data(**kwargs)
        queryset = self.get_queryset().select_related("manager", "user", "updated_by")
        person = get_object_or_404(queryset, pk=self.kwargs["pk"])
        trainings = list(person.trainings.select_related("evidence"))
        uids = [str(person.uid), *(str(t.uid) for t in trainings)]
        entries = LedgerEntry.objects.filter(
            organization=self.ctx.org,
            object_type__in=(people.OBJECT_TYPE, people.TRAINING_OBJECT_TYPE),
            object_id__in=uids,
        ).order_by("-seq")
        context.update(
            person=person,
            trainings=trainings,
            accounts=person.accounts.order_by("system", "username"),
            reports=person.reports.order_by("name"),
            acknowledgements=of_person(person),
            can_manage=self.ctx.can(MANAGE),
            training_form=TrainingForm(),
            history=read(self.ctx.org, entries, VOCABULARY),
        )
        return context


class _PersonFormView(OrgViewMixin, FormView):
    model = Person
    template_name = "people/form.html"
    form_class = PersonForm
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return None

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org, "person": self.get_object()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.get_object()}

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except people.StalePersonError as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{saved.name} saved.")
        return redirect(person_url(saved))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class PersonCreateView(_PersonFormView):
    def save(self, form) -> Person:
        return people.create_person(self.ctx, form.changes())


class PersonEditView(_PersonFormView):
    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                Person.objects.for_org(self.ctx.org), pk=self.kwargs["pk"]
            )
        return self._object

    def save(self, form) -> Person:
        return people.update_person(
            self.ctx,
            self.get_object(),
            form.changes(),
            expected_version=form.cleaned_data.get("version"),
        )


class TrainingAddView(OrgViewMixin, View):
    """Record a completed course on the person's page."""

    model = Person
    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        person = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = TrainingForm(request.POST)
        if form.is_valid():
            try:
                people.record_training(
                    self.ctx, person, form.cleaned_data["course"], form.cleaned_data["completed_on"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, f"{form.cleaned_data['course']} recorded.")
        else:
            problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
            messages.error(request, "The training was not recorded. " + "; ".join(problems))
        return redirect(person_url(person))


class TrainingRemoveView(OrgViewMixin, View):
    model = TrainingCompletion
    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        training = get_object_or_404(self.get_queryset().select_related("person"), pk=kwargs["pk"])
        person = training.person
        people.remove_training(self.ctx, training)
        messages.success(request, f"{training.course} of {training.completed_on} removed.")
        return redirect(person_url(person))


@body_limit(io.MAX_IMPORT_BYTES)
class ImportView(OrgViewMixin, TemplateView):
    """Upload an HR export; every row valid and saved, or nothing changes (every problem
    listed by row and column)."""

    template_name = "people/import.html"
    permission_required = MANAGE

    def get(self, request, *args, **kwargs):
        require_manage(self)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["columns"] = io.IMPORTED
        return context

    def post(self, request, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        report = io.import_people(self.ctx, upload, upload.name)
        if not report.ok:
            context = self.get_context_data(form=ImportForm(), report=report)
            return self.render_to_response(context, status=422)
        messages.success(request, f"Import done: {report.summary()}")
        if report.ignored:
            messages.info(request, f"Columns not read: {', '.join(report.ignored)}.")
        return redirect("people:list", org=self.ctx.org.slug)


class ExportView(OrgViewMixin, View):
    """The register (or the people the filters select) as XLSX or CSV."""

    fmt = "xlsx"
    model = Person

    def get(self, request, **kwargs):
        queryset, _form = filter_people(self.get_queryset(), request.GET, self.ctx.org)
        content = io.export_people(self.ctx.org, self.fmt, io.people_for_export(queryset))
        security_log.export_by(self.ctx, "the people register", format=self.fmt)
        response = HttpResponse(content, content_type=io.MEDIA_TYPES[self.fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="{io.filename(self.ctx.org, self.fmt)}"'
        )
        return response


class ChecksView(OrgViewMixin, TemplateView):
    """Joiners with a missed check and leavers with an account still enabled, and the
    action that saves either list as a sampling population."""

    template_name = "people/checks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show_all = self.request.GET.get("all") == "true"
        org = self.ctx.org
        context.update(
            rules=checks.settings_for(org),
            joiners=checks.joiners(org, gaps_only=not show_all),
            leavers=checks.leavers(org, gaps_only=not show_all),
            show_all=show_all,
            can_save=self.ctx.can("evidence.add"),
            can_manage=self.ctx.can(MANAGE),
        )
        return context


class PopulationView(OrgViewMixin, View):
    """Store the joiner or leaver list as a CSV evidence item (a sampling population)."""

    permission_required = "evidence.add"
    http_method_names = ["post"]
    kind = "joiners"

    def post(self, request, *args, **kwargs):
        from annexa.evidence.errors import EvidenceError

        try:
            version = checks.save_population(self.ctx, self.kind)
        except (ValidationError, EvidenceError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            messages.success(
                request,
                f"Saved as evidence “{version.evidence.title}”: draw a sample from it on a "
                "checklist item.",
            )
            return redirect("evidence:detail", org=self.ctx.org.slug, pk=version.evidence_id)
        return redirect("people:checks", org=self.ctx.org.slug)


class SettingsView(OrgViewMixin, FormView):
    """When screening, terms and training are due, and the joiners' window (managers)."""

    template_name = "people/settings.html"
    form_class = SettingsForm
    permission_required = MANAGE

    def get_form_kwargs(self) -> dict:
        return {
            **super().get_form_kwargs(),
            "org": self.ctx.org,
            "current": checks.settings_for(self.ctx.org),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "can_manage": self.ctx.can(MANAGE)}

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in checks.SETTINGS_FIELDS}
        try:
            checks.update_settings(
                self.ctx, changes, expected_version=form.cleaned_data.get("version")
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        messages.success(self.request, "Joiner and leaver check settings saved.")
        return redirect("people:checks", org=self.ctx.org.slug)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
