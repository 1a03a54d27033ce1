"""Small helpers the audits pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from annexa.audits.services.common import MANAGE


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def require_manage(view) -> None:
    """Editing forms are not even shown to members who may not save them."""
    if not view.ctx.can(MANAGE):
        raise PermissionDenied(f"your role may not plan audits ({MANAGE})")


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class ObjectMixin:
    """``self.object``: the view's model with ``pk`` in this organization, or 404."""

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


def done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


def failed(request: HttpRequest, url: str, exc: ValidationError) -> HttpResponse:
    """The refusal: for htmx, the message itself (422, shown beside the control by annexa.js;
    a redirect would be followed and its whole page swapped into a table row); otherwise a
    redirect to ``url``, which shows the message."""
    if is_htmx(request):
        return HttpResponse(error_text(exc), status=422, content_type="text/plain; charset=utf-8")
    messages.error(request, error_text(exc))
    return redirect(url)
