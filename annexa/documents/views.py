"""Document register pages: the list with its filters (htmx), a document with its approved
version, history and workflow, its versions, the forms, the starter templates, and the
acknowledgement campaigns. Thin: parse, call ``services``, render. Every member reads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, ListView, TemplateView

from annexa.core.forms import attach_errors
from annexa.core.limits import body_limit
from annexa.core.views import OrgViewMixin
from annexa.documents import forms as f
from annexa.documents.models import AckCampaign, Acknowledgement, Document, DocumentVersion
from annexa.documents.rendering import to_html
from annexa.documents.services import campaigns, register, templates, versions
from annexa.documents.services.campaigns import ACKNOWLEDGE
from annexa.documents.services.register import APPROVE, MANAGE, REVIEW
from annexa.evidence.uploads import LimitedUploadHandler, content_of, limit_uploads
from annexa.ledger.readable import Key, Vocabulary, read
from annexa.ledger.services import history

VOCABULARY = Vocabulary(
    models=("documents.Document", "documents.DocumentVersion", "documents.AckCampaign"),
    keys={
        "after": Key("recorded"),
        "reason": Key("reason"),
        "note": Key("note"),
        "comment": Key("comment"),
        "template": Key("template"),
        "person": Key("person", "people.Person"),
    },
    hidden=frozenset({"reference", "version", "sha256", "before"}),
)


def _detail(ctx, document):
    return redirect("documents:detail", org=ctx.org.slug, pk=document.pk)


class DocumentListView(OrgViewMixin, ListView):
    model = Document
    template_name = "documents/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset, self.filter_form = f.filter_documents(
            register.register(self.ctx.org).order_by("number"), self.request.GET
        )
        return queryset

    def get_template_names(self) -> list[str]:
        return ["documents/_rows.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        params = self.request.GET.copy()
        params.pop("page", None)
        due = list(register.due_for_review(self.ctx.org, today))
        context.update(
            rows=[(d, register.review_state(d, today)) for d in context["object_list"]],
            filter_form=self.filter_form,
            query=params.urlencode(),
            can_manage=self.ctx.can(MANAGE),
            overdue=sum(1 for d in due if d.next_review < today),
            due=sum(1 for d in due if d.next_review >= today),
            acknowledgements=campaigns.summary(self.ctx.org, today),
        )
        return context


class DocumentDetailView(OrgViewMixin, DetailView):
    model = Document
    template_name = "documents/detail.html"

    def get_queryset(self):
        return register.register(self.ctx.org)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document, ctx = self.object, self.ctx
        versions = list(
            document.versions.select_related(
                "author", "approved_by", "reviewed_by", "evidence__current_version"
            )
        )
        pending = next((v for v in versions if v.state in ("draft", "in_review")), None)
        approved = document.approved_version
        user = ctx.user
        reviewers = list(document.reviewers.order_by("email"))
        context.update(
            versions=versions,
            pending=pending,
            approved_html=to_html(approved.markdown) if approved else "",
            pending_html=to_html(pending.markdown) if pending else "",
            review=register.review_state(document),
            reviewers=reviewers,
            clauses=document.clauses.order_by("id"),
            controls=document.controls.order_by("sort_key"),
            campaigns=campaigns.campaigns(ctx.org).filter(document=document),
            history=read(
                ctx.org, history(ctx.org, register.OBJECT_TYPE, str(document.uid)), VOCABULARY
            ),
            can_manage=ctx.can(MANAGE),
            can_approve=(
                pending is not None
                and pending.state == "in_review"
                and ctx.can(APPROVE)
                and user is not None
                and pending.author_id != user.pk
                and document.approver_id in (None, user.pk)
            ),
            can_review=(
                pending is not None
                and pending.state == "in_review"
                and ctx.can(REVIEW)
                and user is not None
                and pending.author_id != user.pk
                and (user in reviewers or (not reviewers and ctx.can(MANAGE)))
            ),
            is_author=pending is not None and user is not None and pending.author_id == user.pk,
        )
        for name, form in (
            ("retire_form", f.ReasonForm()),
            ("return_form", f.ReasonForm()),
            ("note_form", f.NoteForm()),
            ("comment_form", f.CommentForm()),
        ):
            context.setdefault(name, form)
        return context


class _DocumentFormView(OrgViewMixin, FormView):
    template_name = "documents/form.html"
    permission_required = MANAGE
    form_class = f.DocumentForm

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def form_valid(self, form):
        try:
            document = self.save(form)
        except register.StaleDocumentError as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as exc:
            attach_errors(form, exc, name_other_fields=True)
            return self.form_invalid(form)
        messages.success(self.request, f"{document.reference} {document.title} saved.")
        return _detail(self.ctx, document)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class DocumentCreateView(_DocumentFormView):
    form_class = f.NewDocumentForm

    def get_initial(self) -> dict:
        return {"owner": self.ctx.user, "review_months": 12, "kind": "policy"}

    def save(self, form) -> Document:
        data, _version = form.changes()
        markdown = data.pop("markdown", "").strip() or None
        return register.create_document(self.ctx, data, markdown=markdown)


class DocumentEditView(_DocumentFormView):
    model = Document

    def get_object(self) -> Document:
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(register.register(self.ctx.org), pk=self.kwargs["pk"])
        return self._object

    def get_initial(self) -> dict:
        d = self.get_object()
        return {
            "title": d.title,
            "kind": d.kind,
            "description": d.description,
            "owner": d.owner,
            "reviewers": list(d.reviewers.all()),
            "approver": d.approver,
            "classification": d.classification,
            "clauses": ", ".join(sorted(c.id for c in d.clauses.all())),
            "controls": ", ".join(sorted(c.id for c in d.controls.all())),
            "review_months": d.review_months,
            "version": d.version,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "document": self.get_object()}

    def save(self, form) -> Document:
        data, version = form.changes()
        return register.update_document(self.ctx, self.get_object(), data, expected_version=version)


@method_decorator(csrf_exempt, name="dispatch")
@body_limit("UPLOAD_MAX_BYTES")
class VersionCreateView(OrgViewMixin, FormView):
    """The next version: Markdown written here, or a file stored as evidence (size-limited,
    streamed to disk, CSRF checked here)."""

    model = Document
    template_name = "documents/version_form.html"
    permission_required = MANAGE
    form_class = f.ContentForm

    def dispatch(self, request, *args, **kwargs):
        self.uploads: LimitedUploadHandler = limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)
        return super().get(request, *args, **kwargs)

    def document(self) -> Document:
        if not hasattr(self, "_document"):
            self._document = get_object_or_404(
                register.register(self.ctx.org), pk=self.kwargs["pk"]
            )
        return self._document

    def get_initial(self) -> dict:
        latest = self.document().versions.first()
        return {"markdown": latest.markdown if latest else ""}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "document": self.document()}

    def post(self, request, *args, **kwargs):
        document = self.document()
        form = self.get_form()
        if self.uploads.too_large is not None:
            form.add_error("file", str(self.uploads.too_large))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = versions.add_version(
                    self.ctx,
                    document,
                    markdown=None if upload else form.cleaned_data["markdown"],
                    upload=(
                        register.Upload(filename=upload.name, **content_of(upload))
                        if upload
                        else None
                    ),
                    change_summary=form.cleaned_data["change_summary"],
                    major=form.cleaned_data["major"],
                )
            except ValidationError as exc:
                attach_errors(form, exc, name_other_fields=True)
            else:
                messages.success(request, f"{document.reference}: version {version.label} drafted.")
                return _detail(self.ctx, document)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class VersionDetailView(OrgViewMixin, DetailView):
    """One version as it was written (or its file), with its review and approval."""

    model = DocumentVersion
    template_name = "documents/version.html"

    def get_queryset(self):
        return DocumentVersion.objects.for_org(self.ctx.org).select_related(
            "document",
            "author",
            "approved_by",
            "reviewed_by",
            "submitted_by",
            "evidence__current_version",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["html"] = to_html(self.object.markdown)
        context["document"] = self.object.document
        return context


class DraftEditView(OrgViewMixin, FormView):
    model = DocumentVersion
    template_name = "documents/draft_form.html"
    permission_required = MANAGE
    form_class = f.DraftForm

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)
        return super().get(request, *args, **kwargs)

    def version(self) -> DocumentVersion:
        if not hasattr(self, "_version"):
            self._version = get_object_or_404(
                DocumentVersion.objects.for_org(self.ctx.org).select_related("document"),
                pk=self.kwargs["pk"],
            )
        return self._version

    def get_initial(self) -> dict:
        v = self.version()
        return {"markdown": v.markdown, "change_summary": v.change_summary}

    def get_context_data(self, **kwargs):
        v = self.version()
        return {**super().get_context_data(**kwargs), "v": v, "document": v.document}

    def form_valid(self, form):
        v = self.version()
        try:
            versions.update_draft(
                self.ctx,
                v,
                markdown=form.cleaned_data["markdown"] if v.content_kind == "markdown" else None,
                change_summary=form.cleaned_data["change_summary"],
            )
        except ValidationError as exc:
            attach_errors(form, exc, name_other_fields=True)
            return self.form_invalid(form)
        messages.success(self.request, f"{v.document.reference}: draft {v.label} saved.")
        return _detail(self.ctx, v.document)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class _Step(OrgViewMixin, DetailView):
    """POST one workflow step; a refusal shows on the document's page (400)."""

    http_method_names = ["post"]
    form_class = None
    form_name = ""
    done = ""

    def document_of(self, obj) -> Document:
        return obj

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        document = self.document_of(self.object)
        form = self.form_class(request.POST) if self.form_class else None
        if form is None or form.is_valid():
            try:
                self.change(form)
            except ValidationError as exc:
                if form is not None:
                    attach_errors(form, exc, name_other_fields=True)
                for message in exc.messages:
                    messages.error(request, message)
            except PermissionDenied as exc:
                raise PermissionDenied(str(exc)) from exc
            else:
                messages.success(request, f"{document.reference}: {self.done}.")
                return self.done_redirect(document)
        view = DocumentDetailView(request=request, kwargs={"org": self.ctx.org.slug})
        view.ctx, view.object = self.ctx, document
        context = view.get_context_data(object=document)
        if form is not None and self.form_name:
            context[self.form_name] = form
        return self.response_class(
            request=request, template=["documents/detail.html"], context=context, status=400
        )

    def done_redirect(self, document):
        return _detail(self.ctx, document)


class _DocumentStep(_Step):
    model = Document
    permission_required = MANAGE


class _VersionStep(_Step):
    model = DocumentVersion

    def get_queryset(self):
        return DocumentVersion.objects.for_org(self.ctx.org).select_related("document")

    def document_of(self, obj) -> Document:
        return obj.document


class RetireView(_DocumentStep):
    form_class, form_name, done = f.ReasonForm, "retire_form", "retired"

    def change(self, form) -> None:
        register.retire(self.ctx, self.object, form.cleaned_data["reason"])


class ConfirmReviewView(_DocumentStep):
    form_class, form_name, done = f.NoteForm, "note_form", "review confirmed"

    def change(self, form) -> None:
        register.confirm_review(self.ctx, self.object, form.cleaned_data["note"])


class SubmitView(_VersionStep):
    permission_required, done = MANAGE, "submitted for review"

    def change(self, form) -> None:
        versions.submit(self.ctx, self.object)


class ReviewView(_VersionStep):
    permission_required, done = REVIEW, "review recorded"
    form_class, form_name = f.CommentForm, "comment_form"

    def change(self, form) -> None:
        versions.record_review(self.ctx, self.object, form.cleaned_data["comment"])


class ReturnView(_VersionStep):
    permission_required, done = MANAGE, "returned to its author"
    form_class, form_name = f.ReasonForm, "return_form"

    def change(self, form) -> None:
        versions.return_to_draft(self.ctx, self.object, form.cleaned_data["reason"])


class ApproveView(_VersionStep):
    permission_required, done = APPROVE, "approved"

    def change(self, form) -> None:
        versions.approve(self.ctx, self.object)


# --- templates ---------------------------------------------------------------------------------


class TemplateListView(OrgViewMixin, TemplateView):
    template_name = "documents/templates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            templates=templates.templates(),
            copied=templates.copied(self.ctx.org),
            can_manage=self.ctx.can(MANAGE),
        )
        return context


class TemplateCopyView(OrgViewMixin, TemplateView):
    http_method_names = ["post"]
    permission_required = MANAGE

    def post(self, request, *args, **kwargs):
        try:
            document = templates.copy(self.ctx, kwargs["key"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("documents:templates", org=self.ctx.org.slug)
        messages.success(
            request, f"{document.reference} {document.title}: copied as a draft to adapt."
        )
        return _detail(self.ctx, document)


# --- campaigns ---------------------------------------------------------------------------------


class CampaignCreateView(OrgViewMixin, FormView):
    model = Document
    template_name = "documents/campaign_form.html"
    permission_required = MANAGE
    form_class = f.CampaignForm

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)
        return super().get(request, *args, **kwargs)

    def document(self) -> Document:
        if not hasattr(self, "_document"):
            self._document = get_object_or_404(
                register.register(self.ctx.org), pk=self.kwargs["pk"]
            )
        return self._document

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org}

    def get_initial(self) -> dict:
        return {"due_date": timezone.localdate() + timezone.timedelta(days=14), "scope": "all"}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "document": self.document()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            campaign = campaigns.launch(
                self.ctx,
                self.document(),
                due_date=data["due_date"],
                scope=data["scope"],
                department=data["department"],
                people=list(data["people"]),
            )
        except ValidationError as exc:
            attach_errors(form, exc, name_other_fields=True)
            return self.form_invalid(form)
        messages.success(self.request, f"{campaign.reference} launched.")
        return redirect("documents:campaign", org=self.ctx.org.slug, pk=campaign.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class CampaignDetailView(OrgViewMixin, DetailView):
    model = AckCampaign
    template_name = "documents/campaign.html"

    def get_queryset(self):
        return AckCampaign.objects.for_org(self.ctx.org).select_related(
            "document", "document_version", "created_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.ctx.user
        context.update(
            completion=campaigns.completion(self.object),
            acks=campaigns.by_person(self.object),
            can_manage=self.ctx.can(MANAGE),
            can_acknowledge=self.ctx.can(ACKNOWLEDGE),
            user_pk=user.pk if user else None,
            today=timezone.localdate(),
            overdue=self.object.due_date < timezone.localdate(),
            campaign_open=self.object.is_open,
        )
        return context


class AcknowledgementsView(OrgViewMixin, TemplateView):
    """Completion per policy (its approved version) and per person, across campaigns."""

    template_name = "documents/acknowledgements.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            documents=campaigns.by_document(self.ctx.org),
            people=campaigns.people_completion(self.ctx.org),
            campaigns=campaigns.campaigns(self.ctx.org),
        )
        return context


class CampaignCloseView(_Step):
    model = AckCampaign
    permission_required, done = MANAGE, "campaign closed"

    def document_of(self, obj) -> Document:
        return obj.document

    def change(self, form) -> None:
        campaigns.close(self.ctx, self.object)

    def done_redirect(self, document):
        return redirect("documents:campaign", org=self.ctx.org.slug, pk=self.object.pk)


class AcknowledgeView(_Step):
    """A person confirms their own reading, or a manager records someone's (with a date)."""

    model = Acknowledgement
    permission_required, done = ACKNOWLEDGE, "acknowledgement recorded"
    form_class = f.AcknowledgeForm

    def get_queryset(self):
        return Acknowledgement.objects.for_org(self.ctx.org).select_related(
            "campaign__document", "person"
        )

    def document_of(self, obj) -> Document:
        return obj.campaign.document

    def change(self, form) -> None:
        campaigns.acknowledge(
            self.ctx,
            self.object,
            on=form.cleaned_data["acknowledged_on"],
            note=form.cleaned_data["note"],
        )

    def done_redirect(self, document):
        if self.request.htmx:
            from django.shortcuts import render

            ack = Acknowledgement.objects.select_related("person", "recorded_by").get(
                pk=self.object.pk
            )
            return render(self.request, "documents/_ack.html", {"a": ack, "org": self.ctx.org})
        return redirect("documents:campaign", org=self.ctx.org.slug, pk=self.object.campaign_id)
