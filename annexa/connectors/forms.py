"""Forms of the connector pages, built from each plugin's configuration schema.

Secret fields are password inputs that are never filled in: leaving one empty keeps the
stored secret, and an optional secret can be removed with its "clear" box.
"""

from __future__ import annotations

from typing import Any

from django import forms

from annexa.connectors.formats.tabular import SCHEMAS
from annexa.connectors.kinds import KINDS
from annexa.connectors.schema import FieldSpec, describe

KEEP_HELP = "Stored encrypted and never shown. Leave empty to keep the current value."


class SecretTextarea(forms.Textarea):
    """A text area for a long secret (a key file) that, like a password input, never shows
    what was typed, not even when the form comes back with an error."""

    def format_value(self, value: Any) -> None:
        return None


def _field(spec: FieldSpec, has_secret: bool) -> forms.Field:
    required = spec.required and not (spec.secret and has_secret)
    help_text = spec.help
    if spec.secret:
        if spec.multiline:
            widget = SecretTextarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"})
        else:
            widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        return forms.CharField(
            required=required,
            widget=widget,
            strip=False,
            help_text=f"{help_text}. {KEEP_HELP}" if has_secret else help_text,
        )
    if spec.type == "bool":
        return forms.BooleanField(required=False, help_text=help_text)
    if spec.type == "int":
        return forms.IntegerField(
            required=required, min_value=spec.minimum, max_value=spec.maximum, help_text=help_text
        )
    if spec.choices:
        choices = [(c, c) for c in spec.choices]
        return forms.ChoiceField(choices=choices, required=required, help_text=help_text)
    if spec.type == "list":
        return forms.CharField(required=required, help_text=f"{help_text} (comma separated)")
    return forms.CharField(required=required, max_length=2000, help_text=help_text)


class ConnectorForm(forms.Form):
    """Name, schedule and the plugin's own fields (``cfg_<name>``, ``secret_<name>``)."""

    name = forms.CharField(max_length=100)
    enabled = forms.BooleanField(required=False, initial=True)
    interval_minutes = forms.IntegerField(
        min_value=5, max_value=7 * 24 * 60, initial=60, help_text="How often it runs."
    )
    valid_days = forms.IntegerField(
        min_value=1, max_value=366, initial=7, help_text="How long what it collects stays fresh."
    )

    def __init__(self, *args, config_class, set_secrets=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.specs = describe(config_class)
        self.set_secrets = set(set_secrets)
        for spec in self.specs:
            has_secret = spec.name in self.set_secrets
            prefix = "secret_" if spec.secret else "cfg_"
            field = _field(spec, has_secret)
            field.label = spec.name.replace("_", " ").capitalize()
            if not spec.secret and spec.default not in (None, ""):
                default = spec.default
                field.initial = ", ".join(default) if isinstance(default, list) else default
            self.fields[prefix + spec.name] = field
            if spec.secret and has_secret and not spec.required:
                self.fields[f"clear_{spec.name}"] = forms.BooleanField(
                    required=False, label=f"Remove the stored {spec.name}"
                )

    def config_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {s.name: data.get(f"cfg_{s.name}") for s in self.specs if not s.secret}

    def secret_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {s.name: data.get(f"secret_{s.name}") or "" for s in self.specs if s.secret}

    def cleared(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs if self.cleaned_data.get(f"clear_{s.name}"))

    def add_config_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            spec = next((s for s in self.specs if s.name == name), None)
            key = None if spec is None else ("secret_" if spec.secret else "cfg_") + name
            self.add_error(key if key in self.fields else None, message)

    def plugin_fields(self):
        return [f for f in self if f.name.startswith(("cfg_", "secret_", "clear_"))]

    def common_fields(self):
        return [f for f in self if not f.name.startswith(("cfg_", "secret_", "clear_"))]


def initial_for(connector) -> dict[str, Any]:
    initial = {
        "name": connector.name,
        "enabled": connector.enabled,
        "interval_minutes": connector.interval_minutes,
        "valid_days": connector.valid_days,
    }
    for name, value in connector.config.items():
        initial[f"cfg_{name}"] = ", ".join(value) if isinstance(value, list) else value
    return initial


class ImportForm(forms.Form):
    """Upload one tool output file to import as evidence."""

    file = forms.FileField()
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "detect from the content")] + [(k, v.label) for k, v in KINDS.items()],
    )
    valid_days = forms.IntegerField(min_value=1, max_value=366, initial=30)

    def kinds_help(self) -> dict[str, list[str]]:
        """Required columns of each spreadsheet kind (shown next to the form)."""
        return {kind: schema.required for kind, schema in SCHEMAS.items()}
