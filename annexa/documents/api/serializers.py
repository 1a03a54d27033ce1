"""Serializers of the documents API."""

from __future__ import annotations

from rest_framework import serializers

from annexa.core.api import TextField
from annexa.documents.choices import DocumentKind, DocumentStatus, VersionState
from annexa.documents.models import AckCampaign, Acknowledgement, Document, DocumentVersion
from annexa.documents.rendering import to_html
from annexa.documents.services import register
from annexa.findings.api.serializers import OrgSlugField, org_members

KINDS = ", ".join(DocumentKind.values)


class DocumentVersionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    document = serializers.CharField(source="document.reference", read_only=True)
    state = serializers.CharField(help_text=f"One of {', '.join(VersionState.values)}.")
    content_kind = serializers.CharField(help_text="markdown or file.")
    author = serializers.EmailField(source="author.email", default=None, allow_null=True)
    submitted_by = serializers.EmailField(
        source="submitted_by.email", default=None, allow_null=True
    )
    reviewed_by = serializers.EmailField(source="reviewed_by.email", default=None, allow_null=True)
    approved_by = serializers.EmailField(source="approved_by.email", default=None, allow_null=True)
    evidence = serializers.UUIDField(source="evidence.uid", default=None, allow_null=True)
    sha256 = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField(help_text="The Markdown as sanitised HTML.")

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "uid",
            "document",
            "label",
            "state",
            "content_kind",
            "markdown",
            "html",
            "evidence",
            "sha256",
            "change_summary",
            "author",
            "created_at",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "approved_by",
            "approved_at",
            "approved_on",
        ]
        read_only_fields = fields

    def get_sha256(self, obj: DocumentVersion) -> str | None:
        return register._sha256(obj)

    def get_html(self, obj: DocumentVersion) -> str:
        return str(to_html(obj.markdown)) if obj.markdown else ""


class DocumentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    kind = serializers.CharField(help_text=f"One of {KINDS}.")
    status = serializers.CharField(help_text=f"One of {', '.join(DocumentStatus.values)}.")
    owner = serializers.EmailField(source="owner.email", default=None, allow_null=True)
    approver = serializers.EmailField(source="approver.email", default=None, allow_null=True)
    reviewers = serializers.SerializerMethodField()
    classification = serializers.CharField(
        source="classification.name", default=None, allow_null=True
    )
    clauses = serializers.SerializerMethodField()
    controls = serializers.SerializerMethodField()
    approved_version = serializers.CharField(
        source="approved_version.label", default=None, allow_null=True
    )
    review = serializers.SerializerMethodField(help_text="overdue, due, or empty.")

    class Meta:
        model = Document
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "kind",
            "description",
            "status",
            "owner",
            "reviewers",
            "approver",
            "classification",
            "clauses",
            "controls",
            "review_months",
            "next_review",
            "review",
            "approved_version",
            "template",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reviewers(self, obj: Document) -> list[str]:
        return sorted(u.email for u in obj.reviewers.all())

    def get_clauses(self, obj: Document) -> list[str]:
        return sorted(c.id for c in obj.clauses.all())

    def get_controls(self, obj: Document) -> list[str]:
        return sorted(c.id for c in obj.controls.all())

    def get_review(self, obj: Document) -> str:
        return register.review_state(obj)


class DocumentDetailSerializer(DocumentSerializer):
    approved = DocumentVersionSerializer(source="approved_version", default=None, allow_null=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "approved"]
        read_only_fields = fields


def _member_field(**kwargs):
    return OrgSlugField(slug_field="email", scope=org_members, **kwargs)


class DocumentWriteSerializer(serializers.Serializer):
    """Creating: ``title`` and ``kind`` required, ``markdown`` optionally the first draft."""

    title = TextField(max_length=200, required=False)
    kind = TextField(required=False, max_length=20, help_text=f"One of {KINDS}.")
    description = TextField(required=False, allow_blank=True, max_length=5000)
    owner = _member_field(required=False, allow_null=True)
    approver = _member_field(required=False, allow_null=True)
    reviewers = _member_field(many=True, required=False)
    classification = TextField(required=False, allow_null=True, allow_blank=True, max_length=60)
    clauses = serializers.ListField(child=TextField(max_length=20), required=False)
    controls = serializers.ListField(child=TextField(max_length=10), required=False)
    review_months = serializers.IntegerField(required=False, min_value=1, max_value=60)
    next_review = serializers.DateField(required=False, allow_null=True)
    markdown = TextField(
        required=False, max_length=register.MAX_MARKDOWN, help_text="Creating only: version 1.0."
    )


class DocumentVersionWriteSerializer(serializers.Serializer):
    """JSON with ``markdown``, or multipart with ``file`` (stored as evidence)."""

    markdown = TextField(required=False, max_length=register.MAX_MARKDOWN)
    file = serializers.FileField(required=False)
    change_summary = TextField(required=False, allow_blank=True, max_length=2000)
    major = serializers.BooleanField(required=False, default=False)


class DocumentReasonSerializer(serializers.Serializer):
    reason = TextField(max_length=2000)


class DocumentNoteSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=2000)


class DocumentCommentSerializer(serializers.Serializer):
    comment = TextField(required=False, allow_blank=True, max_length=5000)


class DocumentAcknowledgementSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.reference", read_only=True)
    person = serializers.CharField(source="person.name", read_only=True)
    person_uid = serializers.UUIDField(source="person.uid", read_only=True)
    recorded_by = serializers.EmailField(source="recorded_by.email", default=None, allow_null=True)
    method = serializers.CharField(help_text="self, recorded, or empty while pending.")

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "uid",
            "campaign",
            "person",
            "person_uid",
            "acknowledged_on",
            "method",
            "recorded_by",
            "recorded_at",
            "note",
        ]
        read_only_fields = fields


class AckCampaignSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    document = serializers.CharField(source="document.reference", read_only=True)
    document_version = serializers.CharField(source="document_version.label", read_only=True)
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True)
    asked = serializers.SerializerMethodField()
    acknowledged = serializers.SerializerMethodField()

    class Meta:
        model = AckCampaign
        fields = [
            "id",
            "uid",
            "reference",
            "document",
            "document_version",
            "audience",
            "due_date",
            "created_by",
            "created_at",
            "closed_at",
            "asked",
            "acknowledged",
        ]
        read_only_fields = fields

    # The API's queryset annotates both counts; a campaign just launched is counted here.
    def get_asked(self, obj: AckCampaign) -> int:
        count = getattr(obj, "asked_count", None)
        return obj.acknowledgements.count() if count is None else count

    def get_acknowledged(self, obj: AckCampaign) -> int:
        count = getattr(obj, "acknowledged_count", None)
        if count is None:
            count = obj.acknowledgements.filter(acknowledged_on__isnull=False).count()
        return count


class AckCampaignDetailSerializer(AckCampaignSerializer):
    acknowledgements = DocumentAcknowledgementSerializer(many=True, read_only=True)

    class Meta(AckCampaignSerializer.Meta):
        fields = [*AckCampaignSerializer.Meta.fields, "acknowledgements"]
        read_only_fields = fields


class AckCampaignWriteSerializer(serializers.Serializer):
    document = TextField(max_length=20, help_text="The document's reference, e.g. DOC-003.")
    scope = TextField(max_length=20, help_text="all (current staff), department or chosen.")
    department = TextField(required=False, allow_blank=True, max_length=200)
    people = serializers.ListField(
        child=TextField(max_length=254), required=False, help_text="E-mail addresses of people."
    )
    due_date = serializers.DateField()


class AcknowledgeWriteSerializer(serializers.Serializer):
    acknowledged_on = serializers.DateField(required=False, allow_null=True)
    note = TextField(required=False, allow_blank=True, max_length=500)
