"""Serializers of the people API: a person (the manager by e-mail address or employee id, the
linked member by e-mail address), trainings, the import's result, the checks."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.core import api
from annexa.isms.api.serializers import MemberEmailField
from annexa.people.models import Person, TrainingCompletion
from annexa.risks.api.serializers import ImportErrorsSerializer, ImportSerializer

__all__ = ["ImportErrorsSerializer", "ImportSerializer"]


@extend_schema_field({"type": "string", "nullable": True})
class ManagerField(serializers.Field):
    """A person of the request's organization, written as their e-mail address or employee
    id (``null`` for none), read as the e-mail address (else the employee id)."""

    default_error_messages = {
        "unknown": "No person with the e-mail address or employee id {value} in the register.",
        "invalid": "Give the manager's e-mail address or employee id.",
    }

    def to_representation(self, value) -> str | None:
        return (value.email or value.employee_id or value.name) if value is not None else None

    def to_internal_value(self, data):
        from django.db.models import Q

        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        key = data.strip()
        found = Person.objects.for_org(self.context["ctx"].org).filter(
            Q(email__iexact=key) | Q(employee_id=key)
        )
        person = found.first()
        if person is None:
            self.fail("unknown", value=key)
        return person


class TrainingSerializer(api.ModelSerializer):
    class Meta:
        model = TrainingCompletion
        fields = ["id", "uid", "course", "completed_on", "recorded_at"]
        read_only_fields = ["id", "uid", "recorded_at"]


class PersonSerializer(api.ModelSerializer):
    """One person. Dates are YYYY-MM-DD; ``manager`` an e-mail address or employee id."""

    manager = ManagerField(required=False, allow_null=True)
    user = MemberEmailField(required=False, allow_null=True)
    has_left = serializers.SerializerMethodField()
    trainings = TrainingSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "uid",
            "employee_id",
            "name",
            "email",
            "department",
            "job_title",
            "manager",
            "start_date",
            "end_date",
            "screened_on",
            "terms_signed_on",
            "user",
            "has_left",
            "trainings",
            "source",
            "source_ref",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "uid", "source", "source_ref", "version"]
        read_only_fields += ["created_at", "updated_at"]
        extra_kwargs = {"name": {"required": True}}

    def get_has_left(self, person: Person) -> bool:
        return person.has_left()

    def run_validators(self, value):
        # The service judges uniqueness and the rules between fields.
        return value


class PeopleImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    trainings = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class CheckSerializer(serializers.Serializer):
    due = serializers.DateField()
    done = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(choices=["done", "pending", "gap"])


class JoinerSerializer(serializers.Serializer):
    person = serializers.CharField(help_text="The population's label for the person.")
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    screening = CheckSerializer()
    terms = CheckSerializer()
    training = CheckSerializer()
    gaps = serializers.ListField(child=serializers.CharField())


class LeaverSerializer(serializers.Serializer):
    person = serializers.CharField(help_text="The population's label for the person.")
    id = serializers.IntegerField()
    end_date = serializers.DateField()
    accounts = serializers.ListField(child=serializers.CharField(), help_text="system: username")


class ChecksSerializer(serializers.Serializer):
    joiners = JoinerSerializer(many=True)
    leavers = LeaverSerializer(many=True)


class PopulationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["joiners", "leavers"])
