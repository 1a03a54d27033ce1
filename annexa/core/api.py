"""Base classes for organization-scoped API views (``/api/v1/orgs/<org>/...``)."""

from __future__ import annotations

import functools

from django.db import models
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import metadata, pagination, parsers, permissions, serializers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.response import Response

from annexa.core import tenancy


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested past Python's recursion limit with 400 (DRF
    itself catches only ``ValueError``, so ``[[[[…]]]]`` 100,000 deep answered 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class TextField(serializers.CharField):
    """DRF's CharField, refusing a number or other non-text with 400: DRF stores ``0`` as
    ``"0"``, so a client sending the wrong field or type got a silent success."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only (JSON booleans, or those two words from a form post): DRF's
    BooleanField also takes 0/1 and words such as "off", so a client sending the wrong type got
    a silent success."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with ``TextField`` for the models' text columns."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }


# A JSON array of objects, for views that answer a list without a serializer.
OBJECT_LIST = build_array_type(build_basic_type(OpenApiTypes.OBJECT))


# The most rows one page of an API list holds, whatever ``?limit=`` asks.
MAX_PAGE_SIZE = 500


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's ``?limit=&offset=`` paging, refusing a value that is not a whole number ≥ 0 with
    400 (DRF quietly falls back to the first page, so ``?offset=abc`` looked like it worked).
    A ``limit`` above ``max_limit`` gives ``max_limit`` rows: no request reads a whole table
    (``tests/test_pagination.py``)."""

    max_limit = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self._view = view
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset) -> int:
        """The view's ``known_count()`` where it knows the number of rows without a COUNT
        (``None`` from it, or no such method: counted)."""
        known = getattr(getattr(self, "_view", None), "known_count", None)
        count = known() if known is not None else None
        return super().get_count(queryset) if count is None else count

    def get_limit(self, request):
        self._check_whole_number(request, self.limit_query_param)
        return super().get_limit(request)

    def get_offset(self, request):
        self._check_whole_number(request, self.offset_query_param)
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 0
        return parameters

    @staticmethod
    def _check_whole_number(request, name: str) -> None:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise ValidationError({name: f"Send {name} once."})
        if values and not (values[0].isascii() and values[0].isdigit()):
            raise ValidationError({name: f"{name} must be a whole number (0 or more)."})


def paged(view, rows, serializer_class) -> Response:
    """One page of ``rows`` (a queryset or list) in the shape of every API list
    (``count``, ``next``, ``previous``, ``results``), for a view answering a collection of one
    object (``GET …/<pk>/versions/``) beside its POST."""
    page = view.paginator.paginate_queryset(rows, view.request, view=view)
    return view.paginator.get_paginated_response(serializer_class(page, many=True).data)


# ``?limit=`` and ``?offset=`` of a view answering with ``paged``.
PAGE_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, description="Rows per page (at most 500)."),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip."),
]


@functools.cache
def page_of(serializer_class):
    """The OpenAPI response of ``paged``: a page of ``serializer_class`` (one component per
    serializer, however many views answer it)."""
    return inline_serializer(
        name=f"{serializer_class.__name__.removesuffix('Serializer')}Page",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class Metadata(metadata.SimpleMetadata):
    """OPTIONS answers: DRF's, without the form of a write whose view takes no body (no
    serializer class), which DRF would try to build and answer 500."""

    def determine_actions(self, request, view):
        if hasattr(view, "get_serializer_class") and view.get_serializer_class() is None:
            return {}
        return super().determine_actions(request, view)


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


# --- optimistic locking: ETag = the object's version, writes need If-Match ----------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        'The version you read (the ETag of your GET, e.g. "3"). Without it → 428; '
        "when the object changed since → 412 with its current_version."
    ),
)
PRECONDITION_RESPONSES = {
    412: OpenApiResponse(description="The object changed since you read it (If-Match)."),
    428: OpenApiResponse(description="No If-Match header: send the version you read."),
}


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "Send If-Match with the version you read (the ETag of your GET), e.g. "
        'If-Match: "3", so that you do not overwrite a change made since.'
    )
    default_code = "precondition_required"


def if_match(request, *, required: bool = True) -> int | None:
    """``"3"``, ``3`` or ``W/"3"`` → 3; absent → 428 (``PreconditionRequired``), or ``None``
    when not ``required``; anything else is a 400."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationError({"If-Match": 'Send the version number you read, e.g. If-Match: "3".'})
    return int(value)


def with_etag(data, version: int, code: int = status.HTTP_200_OK) -> Response:
    """``data`` with the object's ``version`` as its ETag."""
    response = Response(data, status=code)
    response["ETag"] = f'"{version}"'
    return response


def stale_response(detail: str, current_version: int) -> Response:
    """412: someone saved the object since the client read ``If-Match``'s version."""
    return Response(
        {"detail": detail, "current_version": current_version},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )


class VersionedAPIMixin:
    """For the API views of an object with a ``version`` (optimistic locking): answer with the
    version as ETag (``with_etag``), and PATCH/PUT must send it back as ``If-Match`` —
    ``get_object`` refuses them with 428 without it, after the lookup (so a wrong id stays a
    404), and leaves the number in ``self.expected_version`` for the service, which answers
    a stale one with its own error (``stale_response``: 412). Decorate the write with
    ``@extend_schema(parameters=[IF_MATCH], responses={200: …, **PRECONDITION_RESPONSES})``
    so the schema says so."""

    expected_version: int | None = None

    def get_object(self):
        instance = super().get_object()
        if self.request.method in ("PATCH", "PUT"):
            self.expected_version = if_match(self.request, required=True)
        return instance
