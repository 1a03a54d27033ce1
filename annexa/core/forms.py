"""Form helpers shared by every app's web views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def attach_errors(
    form: forms.Form, exc: ValidationError, *, name_other_fields: bool = False
) -> None:
    """Show a service's ``ValidationError`` on the form: per field where the form has it.

    Errors about fields the form does not have go on top; ``name_other_fields`` prefixes them
    with the field's name, for forms that edit only part of an object.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
        elif name_other_fields:
            form.add_error(None, [f"{name}: {message}" for message in messages])
        else:
            form.add_error(None, messages)
