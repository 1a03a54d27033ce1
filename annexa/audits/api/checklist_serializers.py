"""Serializers of the checklist API (``api.checklist``): items, progress, fieldwork input."""

from __future__ import annotations

from rest_framework import serializers

from annexa.audits.choices import AuditMethod, ChecklistResult
from annexa.evidence.models import EvidenceVersion

# --- serializers -----------------------------------------------------------------------------


class ChecklistOnFileSerializer(serializers.Serializer):
    title = serializers.CharField()
    version = serializers.IntegerField(source="version_number", allow_null=True)
    filename = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    freshness = serializers.CharField()


class ChecklistItemSerializer(serializers.Serializer):
    """One item and what is known about it (``Row`` of ``checklist_rows``), as the checklist
    lists it: the organization's evidence on file for its subject counted, not listed (it grows
    with the evidence locker; ``ChecklistItemDetailSerializer`` lists it for one item)."""

    id = serializers.IntegerField(source="item.pk")
    uid = serializers.UUIDField(source="item.uid")
    order = serializers.IntegerField(source="item.order")
    subject = serializers.CharField(source="item.subject_id")
    adhoc = serializers.BooleanField(source="item.adhoc")
    removed = serializers.BooleanField(source="item.removed")
    removal_reason = serializers.CharField(source="item.removal_reason")
    in_scope = serializers.BooleanField()
    questions = serializers.ListField(child=serializers.CharField(), source="item.questions")
    expected_documents = serializers.ListField(
        child=serializers.CharField(), source="item.expected_documents"
    )
    result = serializers.CharField(source="item.result")
    methods = serializers.ListField(child=serializers.CharField(), source="item.methods")
    examined = serializers.CharField(source="item.examined")
    analysis = serializers.CharField(source="item.analysis")
    verification = serializers.CharField(source="item.verification")
    auditees = serializers.SerializerMethodField()
    auditees_other = serializers.CharField(source="item.auditees_other")
    notes = serializers.CharField(source="item.notes")
    evidence = serializers.SerializerMethodField()
    evidence_on_file_count = serializers.IntegerField(source="on_file_count")
    evidence_on_file_stale = serializers.IntegerField(source="stale_on_file")
    open_requests = serializers.IntegerField()
    overdue_requests = serializers.IntegerField()
    samples = serializers.IntegerField()
    automated_results = serializers.ListField(source="automated", child=serializers.DictField())
    version = serializers.IntegerField(source="item.version")
    updated_by = serializers.EmailField(source="item.updated_by.email", allow_null=True)
    updated_at = serializers.DateTimeField(source="item.updated_at")

    def to_representation(self, row) -> dict:
        """The same document as the declared fields give, written directly: a checklist of
        hundreds of items with thousands of pieces of evidence on file would otherwise cost
        DRF's per-field machinery for each of them (tens of thousands of field calls)."""
        item = row.item
        updated_at = self.fields["updated_at"]
        return {
            "id": item.pk,
            "uid": str(item.uid),
            "order": item.order,
            "subject": item.subject_id,
            "adhoc": item.adhoc,
            "removed": item.removed,
            "removal_reason": item.removal_reason,
            "in_scope": row.in_scope,
            "questions": [str(q) for q in item.questions],
            "expected_documents": [str(d) for d in item.expected_documents],
            "result": item.result,
            "methods": [str(m) for m in item.methods],
            "examined": item.examined,
            "analysis": item.analysis,
            "verification": item.verification,
            "auditees": self.get_auditees(row),
            "auditees_other": item.auditees_other,
            "notes": item.notes,
            "evidence": self.get_evidence(row),
            "evidence_on_file_count": row.on_file_count,
            "evidence_on_file_stale": row.stale_on_file,
            "open_requests": row.open_requests,
            "overdue_requests": row.overdue_requests,
            "samples": row.samples,
            "automated_results": [dict(a) for a in row.automated],
            "version": item.version,
            "updated_by": item.updated_by.email if item.updated_by_id else None,
            "updated_at": updated_at.to_representation(item.updated_at)
            if item.updated_at
            else None,
        }

    def get_auditees(self, row) -> list[str]:
        return sorted(u.email for u in row.item.auditees.all())

    def get_evidence(self, row) -> list[str]:
        """The linked evidence versions by uid (read once for the whole list when the view
        gives them as ``linked_uids``)."""
        linked = self.context.get("linked_uids")
        if linked is not None:
            return linked.get(row.item.pk, [])
        return sorted(str(v.uid) for v in row.item.evidence.all())


class ChecklistItemDetailSerializer(ChecklistItemSerializer):
    """One item with the evidence on file for its subject listed (the item endpoint)."""

    evidence_on_file = ChecklistOnFileSerializer(source="on_file", many=True)

    def to_representation(self, row) -> dict:
        data = super().to_representation(row)
        data["evidence_on_file"] = [
            {
                "title": f.title,
                "version": f.version_number,
                "filename": f.filename,
                "valid_until": f.valid_until.isoformat() if f.valid_until else None,
                "freshness": str(f.freshness),
            }
            for f in row.on_file
        ]
        return data


class ChecklistProgressSerializer(serializers.Serializer):
    assessed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    by_result = serializers.DictField(child=serializers.IntegerField())


class ChecklistSerializer(serializers.Serializer):
    audit = serializers.CharField(source="audit.reference")
    status = serializers.CharField(source="audit.status")
    progress = ChecklistProgressSerializer()
    items = ChecklistItemSerializer(many=True)


class FieldworkSerializer(serializers.Serializer):
    """The fields to change; people by e-mail address, evidence by version uid."""

    result = serializers.ChoiceField(choices=ChecklistResult.choices, required=False)
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=AuditMethod.choices), required=False
    )
    examined = serializers.CharField(required=False, allow_blank=True)
    analysis = serializers.CharField(required=False, allow_blank=True)
    verification = serializers.CharField(required=False, allow_blank=True)
    auditees = serializers.ListField(child=serializers.EmailField(), required=False)
    auditees_other = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.ListField(child=serializers.UUIDField(), required=False)

    def validate_auditees(self, emails: list[str]) -> list:
        from annexa.orgs.models import User

        org = self.context["ctx"].org
        wanted = {e.lower() for e in emails}
        found = list(User.objects.filter(email__in=wanted, memberships__organization=org))
        missing = sorted(wanted - {u.email for u in found})
        if missing:
            raise serializers.ValidationError(f"Not members: {', '.join(missing)}.")
        return found

    def validate_evidence(self, uids: list) -> list:
        org = self.context["ctx"].org
        found = list(EvidenceVersion.objects.for_org(org).filter(uid__in=uids))
        missing = sorted({str(u) for u in uids} - {str(v.uid) for v in found})
        if missing:
            raise serializers.ValidationError(f"Unknown evidence versions: {', '.join(missing)}.")
        return found


class ChecklistAddItemSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="A requirement or control id: 9.2.2, A.5.15.")
    question = serializers.CharField()
    expected_documents = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )


class ChecklistRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ChecklistMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"])


class ChecklistMovedSerializer(serializers.Serializer):
    moved = serializers.BooleanField()


class ChecklistUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    valid_days = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class ChecklistImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ChecklistImportResultSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())


class ChecklistGeneratedSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
