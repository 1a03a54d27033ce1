"""Forms of the members and API-key pages. They validate input; services do the work."""

from __future__ import annotations

from django import forms

from annexa.core.tenancy import OrgContext
from annexa.orgs.choices import Role
from annexa.orgs.services import MAX_KEY_DAYS


def assignable_roles(ctx: OrgContext) -> list[tuple[str, str]]:
    """The roles ``ctx`` may hand out: only an owner may make someone an owner."""
    return [(v, label) for v, label in Role.choices if v != Role.OWNER or ctx.can("org.manage")]


class AddMemberForm(forms.Form):
    """An existing account by e-mail, or a new one (the full name is used only then)."""

    email = forms.EmailField(label="E-mail", max_length=254)
    full_name = forms.CharField(
        label="Full name", max_length=200, required=False, help_text="For a new account."
    )
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
