"""The filter on the ledger page."""

from __future__ import annotations

from django import forms

FILTERS = ("object_type", "object_id", "actor")


class EntryFilterForm(forms.Form):
    """Narrow the entry list to one kind of object, one object (its id, as pages link to its
    entries) and/or one actor."""

    object_type = forms.ChoiceField(required=False, label="Object type")
    object_id = forms.CharField(required=False, label="Object id", max_length=128)
    actor = forms.ChoiceField(required=False, label="Actor")

    def __init__(self, *args, object_types: list[str], actors: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "all"), *((t, t) for t in object_types)]
        self.fields["actor"].choices = [("", "all"), *((a, a) for a in actors)]

    def filters_applied(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) for name in FILTERS)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        for name in FILTERS:
            if self.cleaned_data.get(name):
                queryset = queryset.filter(**{name: self.cleaned_data[name]})
        return queryset
