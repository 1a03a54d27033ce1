"""Forms of the document pages and the register's filter (shared by the page, the API and the
CLI). They parse input only; ``services`` decide what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from annexa.documents.choices import DocumentKind, DocumentStatus
from annexa.documents.services import register as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATUS_CHOICES = [("", "Any status"), ("current", "Not retired"), *DocumentStatus.choices]
REVIEW_CHOICES = [
    ("", "Any review date"),
    ("due", f"Overdue or due within {services.DUE_DAYS} days"),
    ("overdue", "Review overdue"),
]


class DocumentFilterForm(forms.Form):
    """Query parameters: ``status`` (``current``: not retired), ``kind``, ``owner`` (e-mail or
    ``none``), ``review`` (``due`` or ``overdue``), ``control`` (A.5.1 or a clause such as
    7.5) and ``q`` (text, or a reference such as DOC-004)."""

    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *DocumentKind.choices])
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    review = forms.ChoiceField(required=False, choices=REVIEW_CHOICES, label="Review")
    control = forms.CharField(required=False, max_length=20, label="Clause or control")
    q = forms.CharField(required=False, max_length=200, label="Text")


def filter_documents(queryset: QuerySet, params) -> tuple[QuerySet, DocumentFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing."""
    form = DocumentFilterForm(params)
    if not form.is_valid():
        return queryset.none(), form
    return services.apply_filters(queryset, **form.cleaned_data), form


def members(org):
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org).order_by("email")


class DocumentForm(forms.Form):
    """The register's fields of a document; ``version`` is the one the form showed."""

    title = forms.CharField(max_length=200, required=False, label="Title")
    kind = forms.ChoiceField(choices=DocumentKind.choices, label="Kind")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Purpose"
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Owner")
    reviewers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Reviewers",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    approver = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Approver",
        empty_label="— any ISMS manager or owner —",
        help_text="Never the author of the version approved.",
    )
    classification = forms.ModelChoiceField(
        queryset=None, required=False, label="Classification", empty_label="— none —"
    )
    clauses = forms.CharField(
        required=False, label="Clauses", help_text="Separated by commas, e.g. 5.2, 7.5.3"
    )
    controls = forms.CharField(
        required=False, label="Annex A controls", help_text="Separated by commas, e.g. A.5.1"
    )
    review_months = forms.IntegerField(
        min_value=1, max_value=60, initial=12, label="Review every (months)"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, org, **kwargs) -> None:
        from annexa.risks.services.assets import classifications

        super().__init__(*args, **kwargs)
        for name in ("owner", "reviewers", "approver"):
            self.fields[name].queryset = members(org)
        self.fields["classification"].queryset = type(classifications(org)[0]).objects.for_org(org)

    def changes(self) -> tuple[dict, int | None]:
        data = dict(self.cleaned_data)
        version = data.pop("version", None)
        data["reviewers"] = list(data["reviewers"])
        return data, version


class ContentForm(forms.Form):
    """A version's content: Markdown text, or a file (stored as evidence)."""

    markdown = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "monospace"}),
        required=False,
        label="Text (Markdown)",
        help_text="Headings with #, lists with - or 1., tables with |; typed HTML shows as text.",
    )
    file = forms.FileField(
        required=False,
        label="Or a file",
        help_text="A PDF or office document, stored as evidence; it replaces the text.",
    )
    change_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What changed"
    )
    major = forms.BooleanField(required=False, label="A major version (2.0 rather than 1.1)")

    def clean(self):
        data = super().clean()
        if not data.get("markdown", "").strip() and not data.get("file"):
            raise forms.ValidationError("Write the text or choose a file.")
        return data


class NewDocumentForm(DocumentForm):
    markdown = ContentForm.base_fields["markdown"]


class DraftForm(forms.Form):
    markdown = ContentForm.base_fields["markdown"]
    change_summary = ContentForm.base_fields["change_summary"]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False, label="Note"
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        label="Review comment",
    )


class CampaignForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[
            ("all", "All current staff"),
            ("department", "One department"),
            ("chosen", "Chosen people"),
        ],
        label="Who is asked",
    )
    department = forms.CharField(required=False, max_length=200, label="Department")
    people = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="People",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    due_date = forms.DateField(widget=DATE, label="Confirm by")

    def __init__(self, *args, org, **kwargs) -> None:
        from annexa.documents.services.campaigns import current_staff

        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = current_staff(org).order_by("name")


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(widget=DATE, required=False, label="Confirmed on")
    note = forms.CharField(required=False, max_length=500, label="Note")
