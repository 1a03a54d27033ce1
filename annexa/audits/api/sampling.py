"""The sampling API: draw a sample for an item, read it, record results, compute sizes."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annexa.audits import sampling as rules
from annexa.audits.api.checklist import service_errors
from annexa.audits.choices import SamplingRule
from annexa.audits.models import ChecklistItem, Sample, SampleRecord
from annexa.audits.services import sampling
from annexa.audits.services.common import CONDUCT
from annexa.core.api import PAGE_PARAMETERS, JSONParser, OrgAPIMixin, page_of, paged
from annexa.core.limits import body_limit
from annexa.evidence.models import EvidenceVersion

RATE = {"max_digits": 5, "decimal_places": 2, "required": False, "allow_null": True}


class SampleRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SampleRecord
        fields = ["id", "population_index", "label", "result", "note"]
        read_only_fields = ["id", "population_index", "label"]


class SampleSummarySerializer(serializers.Serializer):
    size = serializers.IntegerField()
    tested = serializers.IntegerField()
    deviations = serializers.IntegerField()
    pending = serializers.IntegerField()
    allowed = serializers.IntegerField(allow_null=True)
    conclusion = serializers.CharField()


class SampleSerializer(serializers.ModelSerializer):
    """A sample as drawn: enough to re-derive it (population, its SHA-256, seed, size)."""

    item = serializers.UUIDField(source="item.uid")
    subject = serializers.CharField(source="item.subject_id")
    population_evidence = serializers.UUIDField(
        source="population_evidence.uid", allow_null=True, default=None
    )
    population_size = serializers.SerializerMethodField()
    algorithm = serializers.SerializerMethodField()
    records = SampleRecordSerializer(many=True)
    summary = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = Sample
        fields = [
            "id",
            "uid",
            "item",
            "subject",
            "population_source",
            "population_evidence",
            "population_size",
            "population",
            "population_sha256",
            "rule",
            "rationale",
            "confidence_level",
            "tolerable_deviation_rate",
            "expected_deviation",
            "computed_size",
            "seed",
            "algorithm",
            "selected_indices",
            "records",
            "summary",
            "created_by",
            "created_at",
        ]

    def get_population_size(self, sample: Sample) -> int:
        return len(sample.population)

    def get_algorithm(self, sample: Sample) -> str:
        return rules.ALGORITHM

    @extend_schema_field(SampleSummarySerializer)
    def get_summary(self, sample: Sample) -> dict:
        return SampleSummarySerializer(sampling.summary(sample, list(sample.records.all()))).data


class SampleDrawSerializer(serializers.Serializer):
    """The population (a list, a file, or an evidence version) and the rule."""

    population = serializers.ListField(child=serializers.CharField(), required=False)
    population_file = serializers.FileField(required=False)
    population_evidence = serializers.UUIDField(required=False)
    column = serializers.CharField(required=False, allow_blank=True, default="")
    rule = serializers.ChoiceField(choices=SamplingRule.choices)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    size = serializers.IntegerField(required=False, min_value=1)
    confidence_level = serializers.DecimalField(**RATE)
    tolerable_deviation_rate = serializers.DecimalField(**RATE)
    expected_deviation = serializers.DecimalField(**RATE)
    seed = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        given = [k for k in ("population", "population_file", "population_evidence") if k in data]
        if len(given) != 1:
            raise ValidationError(
                "Give exactly one of population, population_file, population_evidence."
            )
        return data

    def to_population(self, org) -> sampling.Population:
        data = self.validated_data
        column = data.get("column", "")
        if "population_evidence" in data:
            version = (
                EvidenceVersion.objects.for_org(org).filter(uid=data["population_evidence"]).first()
            )
            if version is None:
                raise ValidationError({"population_evidence": "Unknown evidence version."})
            return sampling.Population(version=version, column=column)
        if "population_file" in data:
            upload = data["population_file"]
            return sampling.Population(data=upload.read(), filename=upload.name, column=column)
        text = "\n".join(data["population"]).encode("utf-8")
        return sampling.Population(data=text, filename="population.txt")

    def to_rule(self) -> sampling.Rule:
        data = self.validated_data
        return sampling.Rule(
            kind=data["rule"],
            rationale=data.get("rationale", ""),
            size=data.get("size"),
            confidence=data.get("confidence_level"),
            tolerable=data.get("tolerable_deviation_rate"),
            expected=data.get("expected_deviation") or 0,
        )


@body_limit(sampling.MAX_POPULATION_BYTES)
class ItemSamplesView(OrgAPIMixin, generics.GenericAPIView):
    """The samples of checklist item ``pk``; POST draws a new one."""

    queryset = ChecklistItem.objects.all()
    serializer_class = SampleDrawSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    permission_required = CONDUCT

    def get_queryset(self):
        return super().get_queryset().select_related("audit")

    @extend_schema(
        operation_id="audits_checklist_items_samples_list",
        responses=page_of(SampleSerializer),
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request, **kwargs) -> Response:
        item = self.get_object()
        samples = item.samples.select_related("item", "population_evidence", "created_by")
        return paged(self, samples.prefetch_related("records"), SampleSerializer)

    @extend_schema(request=SampleDrawSerializer, responses={201: SampleSerializer})
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            sample = sampling.create_sample(
                self.ctx,
                item,
                serializer.to_population(self.ctx.org),
                serializer.to_rule(),
                serializer.validated_data.get("seed", ""),
            )
        return Response(SampleSerializer(sample).data, status=status.HTTP_201_CREATED)


class SampleView(OrgAPIMixin, generics.RetrieveAPIView):
    """One sample with its records and their results."""

    queryset = Sample.objects.all()
    serializer_class = SampleSerializer

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("item", "population_evidence", "created_by")
            .prefetch_related("records")
        )


class RecordView(OrgAPIMixin, generics.GenericAPIView):
    """Record the result of one sampled record (a deviation needs a note)."""

    queryset = SampleRecord.objects.all()
    serializer_class = SampleRecordSerializer
    permission_required = CONDUCT

    def get_queryset(self):
        return super().get_queryset().select_related("sample__item__audit")

    @extend_schema(responses=SampleRecordSerializer)
    def get(self, request, **kwargs) -> Response:
        return Response(SampleRecordSerializer(self.get_object()).data)

    @extend_schema(request=SampleRecordSerializer, responses=SampleRecordSerializer)
    def patch(self, request, **kwargs) -> Response:
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            entry = sampling.record_result(
                self.ctx, entry, data.get("result", entry.result), data.get("note", entry.note)
            )
        return Response(SampleRecordSerializer(entry).data)


class SampleSizeSerializer(serializers.Serializer):
    infinite = serializers.IntegerField()
    allowed_deviations = serializers.IntegerField()
    size = serializers.IntegerField()


class SizeView(OrgAPIMixin, generics.GenericAPIView):
    """The statistical sample size for given rates and population (nothing is stored)."""

    serializer_class = SampleSizeSerializer
    queryset = Sample.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("confidence_level", OpenApiTypes.DECIMAL, required=True),
            OpenApiParameter("tolerable_deviation_rate", OpenApiTypes.DECIMAL, required=True),
            OpenApiParameter("expected_deviation", OpenApiTypes.DECIMAL),
            OpenApiParameter("population", OpenApiTypes.INT, required=True),
        ],
        responses=SampleSizeSerializer,
    )
    def get(self, request, **kwargs) -> Response:
        query = request.query_params
        try:
            population = int(query.get("population", ""))
            result = rules.statistical_size(
                rules.percent(query.get("confidence_level", ""), "confidence_level"),
                rules.percent(query.get("tolerable_deviation_rate", ""), "tolerable"),
                rules.percent(query.get("expected_deviation", "0") or "0", "expected"),
                population,
            )
        except ValueError as exc:  # SamplingError is a ValueError
            raise ValidationError({"detail": str(exc) or "population must be a number"}) from exc
        return Response(SampleSizeSerializer(result).data)
