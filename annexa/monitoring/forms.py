"""The monitoring settings form: notifications, the webhook and the draft nonconformity."""

from __future__ import annotations

from django import forms

from annexa.monitoring.services.notifications import MIN_SECRET

KEEP_HELP = "Stored encrypted and never shown. Leave empty to keep the current secret."


class SettingsForm(forms.Form):
    notify_email = forms.BooleanField(
        required=False,
        label="E-mail the control owner and the ISMS managers",
        help_text="When a control that was passing fails its automated tests.",
    )
    notify_recovery = forms.BooleanField(
        required=False,
        label="Also tell them when such a control passes again",
    )
    open_draft_nonconformity = forms.BooleanField(
        required=False,
        label="Open a draft nonconformity by itself",
        help_text="Off: the control page offers a button to raise it.",
    )
    webhook_url = forms.CharField(
        required=False,
        max_length=500,
        label="Webhook URL",
        help_text="Receives a signed JSON POST for each such change. Leave empty for none.",
    )
    webhook_secret = forms.CharField(
        required=False,
        strip=False,
        min_length=MIN_SECRET,
        max_length=500,
        label="Webhook secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=f"Signs each delivery (HMAC-SHA256), at least {MIN_SECRET} characters.",
    )
    clear_secret = forms.BooleanField(required=False, label="Remove the stored secret")

    def __init__(self, *args, has_secret: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if has_secret:
            self.fields["webhook_secret"].help_text = KEEP_HELP
