"""Base classes for organization pages. Thin: resolve context, scope, render."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin

from annexa.core import tenancy


class OrgViewMixin(LoginRequiredMixin):
    """Resolves ``self.ctx`` from ``<slug:org>`` and scopes ``get_queryset`` to it.

    ``permission_required`` names the permission that POST/PUT/PATCH/DELETE need; GET is open
    to every member, viewers included.
    """

    permission_required: str | None = None
    model = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.ctx = tenancy.resolve(request.user, kwargs["org"])
        request.org_ctx = self.ctx
        tenancy.check_method(self.ctx, request.method, self.permission_required)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.for_org(self.ctx.org)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ctx"] = self.ctx
        context["org"] = self.ctx.org
        return context


def home(request):
    """Send a signed-in user to their first organization, everyone else to the login page."""
    from django.shortcuts import redirect, render

    if not request.user.is_authenticated:
        return redirect("account_login")
    memberships = list(request.user.memberships.select_related("organization"))
    if len(memberships) == 1:
        return redirect(f"/o/{memberships[0].organization.slug}/")
    return render(request, "core/home.html", {"memberships": memberships})


def healthz(request):
    """Liveness and database reachability, for load balancers and `make run`."""
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class LifecycleStepMixin:
    """POST one step of ``self.object``'s lifecycle (open, close, implement, review…).

    Mixed into a detail view: validates ``form_class`` (optional) built by ``make_form``, calls
    the subclass's ``change(form)`` — a call to one service — and on success redirects to
    ``detail_url_name`` with a message saying what was ``done``. A service's ``ValidationError``
    is shown on the detail page (400), the form's errors beside its fields.
    """

    http_method_names = ["post"]
    form_class = None
    form_name = ""
    done = ""
    detail_url_name = ""

    def post(self, request, *args, **kwargs):
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect

        from annexa.core.forms import attach_errors

        self.object = self.get_object()
        form = self.make_form(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.invalid(form)
        try:
            self.change(form)
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return self.render_to_response(self.get_context_data(), status=400)
            attach_errors(form, exc, name_other_fields=True)
            for message in form.non_field_errors():  # shown at the top of the page
                messages.error(request, message)
            return self.invalid(form)
        messages.success(request, f"{self.object.reference}: {self.done}.")
        return redirect(self.detail_url_name, org=self.ctx.org.slug, pk=self.object.pk)

    def make_form(self, data):
        return self.form_class(data)

    def invalid(self, form):
        return self.render_to_response(self.get_context_data(**{self.form_name: form}), status=400)
