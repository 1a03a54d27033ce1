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
