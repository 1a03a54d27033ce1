"""Read-only catalog API. Catalog data is global: any authenticated caller may read it."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from annexa.catalog.api.serializers import (
    ControlSerializer,
    LegacyControlSerializer,
    RequirementSerializer,
)
from annexa.catalog.choices import Theme
from annexa.catalog.models import Control, LegacyControl, Requirement

ID_PATH = r"[^/]+"


def _bool_param(request: Request, name: str) -> bool | None:
    """``true`` or ``false``; anything else is refused rather than read as a guess."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    raise ValidationError({name: f"must be 'true' or 'false', got {raw!r}"})


def _bool_filter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.BOOL, description=description)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("theme", OpenApiTypes.STR, enum=Theme.values, description="Theme."),
            _bool_filter("new_in_2022", "Only controls new (true) or not new (false) in 2022."),
        ]
    )
)
class ControlViewSet(viewsets.ReadOnlyModelViewSet):
    """ISO/IEC 27001:2022 Annex A controls with attributes, questions, evidence, 2013 sources."""

    serializer_class = ControlSerializer
    queryset = Control.objects.prefetch_related("legacy_controls")
    permission_classes = [IsAuthenticated]
    lookup_field = "id"
    lookup_value_regex = ID_PATH

    def get_queryset(self) -> QuerySet[Control]:
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        theme = self.request.query_params.get("theme")
        if theme:
            if theme not in Theme.values:
                raise ValidationError({"theme": f"must be one of {', '.join(Theme.values)}"})
            queryset = queryset.filter(theme=theme)
        new = _bool_param(self.request, "new_in_2022")
        return queryset if new is None else queryset.filter(new_in_2022=new)


@extend_schema_view(
    list=extend_schema(
        parameters=[_bool_filter("auditable", "Only requirements a checklist asks about.")]
    )
)
class RequirementViewSet(viewsets.ReadOnlyModelViewSet):
    """ISO/IEC 27001:2022 clauses 4–10, sub-clauses and lettered requirements."""

    serializer_class = RequirementSerializer
    queryset = Requirement.objects.select_related("parent")
    permission_classes = [IsAuthenticated]
    lookup_field = "id"
    lookup_value_regex = ID_PATH

    def get_queryset(self) -> QuerySet[Requirement]:
        queryset = super().get_queryset()
        auditable = _bool_param(self.request, "auditable") if self.action == "list" else None
        return queryset if auditable is None else queryset.filter(auditable=auditable)


class LegacyControlViewSet(viewsets.ReadOnlyModelViewSet):
    """ISO/IEC 27001:2013 Annex A controls and the 2022 controls each maps to."""

    serializer_class = LegacyControlSerializer
    queryset = LegacyControl.objects.prefetch_related("controls")
    permission_classes = [IsAuthenticated]
    lookup_field = "id"
    lookup_value_regex = ID_PATH
