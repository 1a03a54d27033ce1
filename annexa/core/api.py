"""Base classes for organization-scoped API views (``/api/v1/orgs/<org>/...``)."""

from __future__ import annotations

from rest_framework import permissions

from annexa.core import tenancy


class OrgPermission(permissions.BasePermission):
    """Membership (404 otherwise) and the view's ``permission_required`` for unsafe methods."""

    def has_permission(self, request, view) -> bool:
        return True  # decided in OrgAPIMixin.initial, which runs after authentication


class OrgAPIMixin:
    """For DRF views: sets ``self.ctx`` and scopes ``get_queryset`` to the organization."""

    permission_required: str | None = None
    permission_classes = [permissions.IsAuthenticated, OrgPermission]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        api_key = getattr(request, "auth", None)
        from annexa.orgs.models import APIKey

        self.ctx = tenancy.resolve(
            request.user,
            kwargs["org"],
            api_key=api_key if isinstance(api_key, APIKey) else None,
        )
        tenancy.check_method(self.ctx, request.method, self.permission_required)

    def get_queryset(self):
        return self.queryset.model.objects.for_org(self.ctx.org)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ctx"] = getattr(self, "ctx", None)
        return context
