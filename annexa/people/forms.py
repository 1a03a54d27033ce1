"""Forms of the people pages; the services judge every rule, these only parse."""

from __future__ import annotations

from django import forms

from annexa.isms.forms import MemberChoiceField, VersionField
from annexa.people.models import PeopleSettings, Person

DATE = forms.DateInput(attrs={"type": "date"})


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return (
            f"{obj.name} ({obj.email or obj.employee_id})"
            if obj.email or obj.employee_id
            else obj.name
        )


class PersonForm(forms.ModelForm):
    """One person. ``version`` is the version the editor started from (optimistic locking)."""

    version = VersionField(required=False)
    manager = PersonChoiceField(
        queryset=Person.objects.none(), required=False, empty_label="— none —"
    )
    user = MemberChoiceField(
        queryset=None,
        required=False,
        empty_label="— not a member —",
        label="Annexa member",
        help_text="When this person also signs in here (access reviews refuse self-review so).",
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "employee_id",
            "email",
            "department",
            "job_title",
            "manager",
            "start_date",
            "end_date",
            "screened_on",
            "terms_signed_on",
            "user",
        ]
        labels = {
            "employee_id": "Employee id",
            "email": "E-mail address",
            "screened_on": "Screening done on (A.6.1)",
            "terms_signed_on": "Terms and NDA signed on (A.6.2, A.6.6)",
        }
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "screened_on": DATE,
            "terms_signed_on": DATE,
        }

    def __init__(self, *args, org=None, person=None, **kwargs) -> None:
        super().__init__(*args, instance=person, **kwargs)
        managers = Person.objects.for_org(org).order_by("name")
        if person is not None:
            managers = managers.exclude(pk=person.pk)
            self.fields["version"].initial = person.version
        self.fields["manager"].queryset = managers
        from annexa.orgs.models import User

        self.fields["user"].queryset = User.objects.filter(memberships__organization=org).order_by(
            "email"
        )
        for name in ("employee_id", "email", "department", "job_title"):
            self.fields[name].required = False

    def _post_clean(self) -> None:
        # The service validates (uniqueness, dates, manager); the model's own checks are skipped.
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class TrainingForm(forms.Form):
    course = forms.CharField(max_length=200, initial="Security awareness")
    completed_on = forms.DateField(widget=DATE, label="Completed on")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="HR export (XLSX or CSV)",
        help_text="The columns are described on this page; dates as YYYY-MM-DD.",
    )


class SettingsForm(forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = PeopleSettings
        fields = [
            "screening_days",
            "terms_days",
            "training_days",
            "training_course",
            "joiner_window_days",
        ]
        labels = {
            "screening_days": "Screening due (days after the start; negative: before)",
            "terms_days": "Terms and NDA due (days after the start; negative: before)",
            "training_days": "Awareness training due (days after the start)",
            "training_course": "Awareness course",
            "joiner_window_days": "Joiners and leavers of the last (days)",
        }

    def __init__(self, *args, org=None, current=None, **kwargs) -> None:
        super().__init__(*args, instance=current, **kwargs)
        if current is not None:
            self.fields["version"].initial = current.version

    def _post_clean(self) -> None:
        pass
