"""The people API: the register (list with the page's filters, create, PATCH with ``If-Match``),
trainings, the HR import (all or nothing), the joiner and leaver checks and their populations."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from annexa.core.api import (
    IF_MATCH,
    PAGE_PARAMETERS,
    PRECONDITION_RESPONSES,
    OrgAPIMixin,
    VersionedAPIMixin,
    page_of,
    paged,
    stale_response,
    with_etag,
)
from annexa.core.limits import body_limit
from annexa.isms.api.views import service_errors
from annexa.people import io
from annexa.people.api import serializers as s
from annexa.people.filters import GAPS, STATUSES, filter_people
from annexa.people.models import Person
from annexa.people.services import checks, people
from annexa.people.services.people import MANAGE

PERSON_FILTERS = [
    OpenApiParameter("department", OpenApiTypes.STR, description="A department (any case)."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[v for v, _ in STATUSES if v]),
    OpenApiParameter("gaps", OpenApiTypes.STR, enum=[v for v, _ in GAPS if v]),
    OpenApiParameter("q", OpenApiTypes.STR, description="Name, e-mail, employee id or title."),
]
EDITABLE = ("employee_id", "name", "email", "department", "job_title", "manager")
EDITABLE += ("start_date", "end_date", "screened_on", "terms_signed_on", "user")


class PersonViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The people register: list with filters, create, PATCH with optimistic locking
    (``If-Match`` required), and each person's trainings."""

    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    permission_required = MANAGE
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("manager", "user")
            .prefetch_related("trainings")
            .order_by("name", "pk")
        )
        if self.action == "list":
            queryset, form = filter_people(queryset, self.request.query_params, self.ctx.org)
            if not form.is_valid():
                raise ValidationError(form.errors)
        return queryset

    def _fresh(self, person: Person, code: int = status.HTTP_200_OK) -> Response:
        person = self.get_queryset().get(pk=person.pk)
        data = s.PersonSerializer(person, context=self.get_serializer_context()).data
        return with_etag(data, person.version, code)

    @extend_schema(parameters=PERSON_FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs) -> Response:
        person = self.get_object()
        return with_etag(self.get_serializer(person).data, person.version)

    @extend_schema(request=s.PersonSerializer, responses={201: s.PersonSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            person = people.create_person(self.ctx, _data(body.validated_data))
        return self._fresh(person, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        request=s.PersonSerializer,
        responses={200: s.PersonSerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        person = self.get_object()
        body = self.get_serializer(person, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            with service_errors():
                person = people.update_person(
                    self.ctx,
                    person,
                    _data(body.validated_data),
                    expected_version=self.expected_version,
                )
        except people.StalePersonError as exc:
            return stale_response(str(exc), exc.person.version)
        return self._fresh(person)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=page_of(s.TrainingSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="people_trainings_list",
    )
    @extend_schema(
        methods=["POST"], request=s.TrainingSerializer, responses={201: s.TrainingSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def trainings(self, request, **kwargs) -> Response:
        """The person's completed courses; POST records one (``course``, ``completed_on``)."""
        person = self.get_object()
        if request.method == "GET":
            found = person.trainings.order_by("-completed_on", "course")
            return paged(self, found, s.TrainingSerializer)
        body = s.TrainingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            training = people.record_training(
                self.ctx,
                person,
                body.validated_data["course"],
                body.validated_data["completed_on"],
            )
        return Response(s.TrainingSerializer(training).data, status=status.HTTP_201_CREATED)


def _data(validated: dict) -> dict:
    data = {k: v for k, v in validated.items() if k in EDITABLE}
    for name in ("employee_id", "email", "department", "job_title"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


IMPORT_RESPONSES = {
    200: s.PeopleImportResultSerializer,
    400: OpenApiResponse(
        s.ImportErrorsSerializer,
        description="Nothing was imported: every problem, by row and column.",
    ),
}


@body_limit(io.MAX_IMPORT_BYTES)
class ImportView(OrgAPIMixin, generics.GenericAPIView):
    """Upload an HR export (XLSX or CSV): every row valid and saved, or nothing changes (400
    with every problem by row and column)."""

    serializer_class = s.ImportSerializer
    parser_classes = [MultiPartParser]
    permission_required = MANAGE

    @extend_schema(request={"multipart/form-data": s.ImportSerializer}, responses=IMPORT_RESPONSES)
    def post(self, request, **kwargs) -> Response:
        """Import people (the columns of the register's export)."""
        body = self.get_serializer(data=request.data)
        if not body.is_valid():
            errors = [
                {"row": None, "column": field, "message": " ".join(map(str, messages))}
                for field, messages in body.errors.items()
            ]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        upload = body.validated_data["file"]
        report = io.import_people(self.ctx, upload, upload.name)
        if not report.ok:
            errors = [e.as_dict() for e in report.errors]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        result = report.as_dict()
        result.pop("errors")
        return Response(result)


class ChecksView(OrgAPIMixin, generics.GenericAPIView):
    """Joiners and leavers with their checks (``all=true``: everyone in the window, not only
    those with a gap)."""

    serializer_class = s.ChecksSerializer
    pagination_class = None

    @extend_schema(
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL)], responses=s.ChecksSerializer
    )
    def get(self, request, **kwargs) -> Response:
        value = request.query_params.get("all", "false")
        if value not in ("true", "false"):
            raise ValidationError({"all": ["Use true or false."]})
        return Response(checks.as_data(self.ctx.org, gaps_only=value != "true"))


class PopulationView(OrgAPIMixin, generics.GenericAPIView):
    """Store the joiner or leaver list as a CSV evidence item (a sampling population)."""

    serializer_class = s.PopulationSerializer
    permission_required = "evidence.add"

    @extend_schema(
        request=s.PopulationSerializer,
        responses={201: OpenApiResponse(description="The evidence item and its version.")},
    )
    def post(self, request, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            version = checks.save_population(self.ctx, body.validated_data["kind"])
        return Response(
            {
                "evidence": version.evidence_id,
                "evidence_uid": str(version.evidence.uid),
                "version": version.number,
                "filename": version.filename,
                "sha256": version.sha256,
            },
            status=status.HTTP_201_CREATED,
        )
