"""Base classes for organization-scoped API views (``/api/v1/orgs/<org>/...``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import parsers, permissions, status
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
