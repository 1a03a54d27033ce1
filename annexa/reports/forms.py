"""The report settings form (the "Report guidance" section of an audit's report)."""

from django import forms

from annexa.reports.models import ReportSettings


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = ["intended_readers", "distribution", "classification", "retention", "limitations"]
        widgets = {
            "intended_readers": forms.Textarea(attrs={"rows": 2}),
            "distribution": forms.Textarea(attrs={"rows": 3}),
            "limitations": forms.Textarea(attrs={"rows": 3}),
        }
