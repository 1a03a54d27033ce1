"""Forms of the members and API-key pages. They validate input; services do the work."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

from annexa.core.tenancy import OrgContext
from annexa.orgs.choices import Role
from annexa.orgs.models import User, slug_validator
from annexa.orgs.services import MAX_KEY_DAYS


def assignable_roles(ctx: OrgContext) -> list[tuple[str, str]]:
    """The roles ``ctx`` may hand out: only an owner may make someone an owner."""
    return [(v, label) for v, label in Role.choices if v != Role.OWNER or ctx.can("org.manage")]


class InviteForm(forms.Form):
    """Whom to invite, with which role: they receive a link by e-mail."""

    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(label="Role", initial=Role.VIEWER)

    def __init__(self, *args, ctx: OrgContext, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(ctx)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class APIKeyForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, required=False, help_text="What the key is for."
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=MAX_KEY_DAYS,
        required=False,
        initial=90,
        help_text="Leave empty for the server's default (ANNEXA_API_KEY_DAYS, 90 days).",
    )


class NewAccountForm(forms.Form):
    """The invitee's new account: the address is the invited one, verified by the link."""

    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not a common password.",
    )
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class FirstRunForm(forms.Form):
    """The first organization and its owner, with the setup code the server printed."""

    setup_code = forms.CharField(
        label="Setup code",
        max_length=100,
        help_text="Printed by `annexa serve` when it starts, and kept in ANNEXA_HOME/setup-token.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label="Organization name", max_length=200)
    slug = forms.CharField(
        label="Short name (in web addresses)",
        max_length=50,
        validators=[slug_validator],
        help_text="Lowercase letters, digits and hyphens, e.g. acme: pages live under /o/acme/.",
    )
    full_name = forms.CharField(label="Your full name", max_length=200)
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="You sign in with it, as the organization's owner.",
    )
    password1 = NewAccountForm.base_fields["password1"]
    password2 = NewAccountForm.base_fields["password2"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "An account with this address exists already: choose another address, or add "
                "that account with `annexa org create` and `annexa user create`."
            )
        return email

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and password != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif password:
            user = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                validate_password(password, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
