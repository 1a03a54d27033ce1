"""Samples for checklist items: population, size rule, seeded selection, per-record results.

The population comes from an uploaded list or from an evidence version in the locker; it is
stored with its SHA-256, the rule (judgement with a rationale, or statistical attribute
sampling), the seed and the selection, so anyone can re-derive the same sample with
``annexa sample derive`` (rules in ``annexa.audits.sampling`` and ``docs/sampling.md``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.audits import sampling as rules
from annexa.audits.choices import AuditStatus, PopulationSource, SampleRecordResult, SamplingRule
from annexa.audits.models import ChecklistItem, Sample, SampleRecord
from annexa.audits.services.common import CONDUCT, clean_text, record
from annexa.audits.services.fieldwork import require_status, require_team
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "sample"
MAX_POPULATION_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Population:
    """Where the records come from: an uploaded file, or an evidence version (``version``)."""

    data: bytes | None = None
    filename: str = ""
    version: Any = None  # an EvidenceVersion of the organization
    column: str = ""


@dataclass(frozen=True)
class Rule:
    """How many records to draw: ``size`` by judgement, or the statistical rates (percent)."""

    kind: str
    rationale: str = ""
    size: int | None = None
    confidence: Decimal | None = None
    tolerable: Decimal | None = None
    expected: Decimal = Decimal("0")


def read_population(ctx: OrgContext, population: Population) -> tuple[list[str], str, Any]:
    """(records, source, evidence version) from ``population``; errors name the field."""
    try:
        if population.version is not None:
            version = population.version
            if version.organization_id != ctx.org.pk:
                raise ValidationError({"population": "Use evidence of this organization."})
            data = _version_bytes(version)
            records = rules.parse_population(data, version.filename, population.column)
            return records, PopulationSource.EVIDENCE_VERSION, version
        if population.data is None:
            raise ValidationError({"population": "Upload the population or pick evidence."})
        if len(population.data) > MAX_POPULATION_BYTES:
            raise ValidationError({"population": "The population file is larger than 5 MiB."})
        records = rules.parse_population(population.data, population.filename, population.column)
        return records, PopulationSource.UPLOADED_LIST, None
    except rules.SamplingError as exc:
        raise ValidationError({"population": str(exc)}) from exc


def _version_bytes(version) -> bytes:
    from annexa.evidence import services as evidence
    from annexa.evidence.storage import BlobMissing

    if version.size > MAX_POPULATION_BYTES:
        raise ValidationError({"population": "That evidence is larger than 5 MiB."})
    try:
        with contextlib.closing(evidence.open_version(version)) as handle:
            return handle.read(MAX_POPULATION_BYTES + 1)
    except BlobMissing as exc:
        raise ValidationError(
            {"population": "The content of that evidence is missing from the store."}
        ) from exc


def sample_size(rule: Rule, population_size: int) -> tuple[int, str]:
    """(size, rationale) for ``rule``; errors name the field to fix."""
    if rule.kind == SamplingRule.JUDGEMENT:
        rationale = clean_text(rule.rationale, "rationale")
        if not rationale:
            raise ValidationError({"rationale": "Explain why this sample size is enough."})
        if rule.size is None or not 1 <= rule.size <= population_size:
            raise ValidationError(
                {"size": f"Choose a size between 1 and the population ({population_size})."}
            )
        return rule.size, rationale
    if rule.kind != SamplingRule.STATISTICAL:
        raise ValidationError({"rule": "Choose a judgement or a statistical rule."})
    if rule.confidence is None or rule.tolerable is None:
        raise ValidationError(
            {"confidence_level": "Give the confidence level and the tolerable deviation rate."}
        )
    try:
        rates = [
            rules.percent(v, n)
            for v, n in (
                (rule.confidence, "the confidence level"),
                (rule.tolerable, "the tolerable deviation rate"),
                (rule.expected, "the expected deviation rate"),
            )
        ]
        result = rules.statistical_size(*rates, population_size)
    except rules.SamplingError as exc:
        raise ValidationError({"confidence_level": str(exc)}) from exc
    explained = result.explain(rule.confidence, rule.tolerable, rule.expected, population_size)
    extra = clean_text(rule.rationale, "rationale")
    return result.size, f"{explained} {extra}".strip()


def create_sample(
    ctx: OrgContext, item: ChecklistItem, population: Population, rule: Rule, seed: str = ""
) -> Sample:
    """Draw a sample for ``item`` and record it with one result row per selected record."""
    require_team(ctx, item.audit, "draw samples")
    require_status(item.audit, [AuditStatus.FIELDWORK], "draw samples")
    if item.removed:
        raise ValidationError({"item": "This item was removed: restore it first."})
    records, source, version = read_population(ctx, population)
    size, rationale = sample_size(rule, len(records))
    try:
        seed = rules.check_seed(seed) if seed.strip() else rules.new_seed()
        chosen = rules.select(seed, len(records), size)
    except rules.SamplingError as exc:
        raise ValidationError({"seed": str(exc)}) from exc
    statistical = rule.kind == SamplingRule.STATISTICAL
    with transaction.atomic():
        sample = Sample.objects.create(
            organization=ctx.org,
            item=item,
            population_source=source,
            population_evidence=version,
            population=records,
            population_sha256=rules.population_sha256(records),
            rule=rule.kind,
            rationale=rationale,
            confidence_level=rule.confidence if statistical else None,
            tolerable_deviation_rate=rule.tolerable if statistical else None,
            expected_deviation=rule.expected if statistical else None,
            computed_size=size,
            seed=seed,
            selected_indices=chosen,
            created_by=ctx.user,
        )
        SampleRecord.objects.bulk_create(
            SampleRecord(organization=ctx.org, sample=sample, population_index=i, label=records[i])
            for i in chosen
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(sample.uid),
            action="draw",
            data=describe(sample),
        )
    return sample


def describe(sample: Sample) -> dict[str, Any]:
    """What makes the sample reproducible, as JSON-safe data (decimals as strings)."""

    def rate(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "item": str(sample.item.uid),
        "subject": sample.item.subject_id,
        "population_source": sample.population_source,
        "population_evidence": (
            str(sample.population_evidence.uid) if sample.population_evidence_id else None
        ),
        "population_size": len(sample.population),
        "population_sha256": sample.population_sha256,
        "rule": sample.rule,
        "rationale": sample.rationale,
        "confidence_level": rate(sample.confidence_level),
        "tolerable_deviation_rate": rate(sample.tolerable_deviation_rate),
        "expected_deviation": rate(sample.expected_deviation),
        "size": sample.computed_size,
        "seed": sample.seed,
        "algorithm": rules.ALGORITHM,
        "selected_indices": list(sample.selected_indices),
    }


def record_result(ctx: OrgContext, entry: SampleRecord, result: str, note: str) -> SampleRecord:
    """What testing one sampled record showed; a deviation needs a note saying what it was."""
    ctx.require(CONDUCT)
    audit = entry.sample.item.audit
    require_team(ctx, audit, "record sample results")
    require_status(audit, [AuditStatus.FIELDWORK], "record sample results")
    result = clean_text(result, "result")
    note = clean_text(note, "note")
    if result not in SampleRecordResult.values:
        allowed = ", ".join(v for v in SampleRecordResult.values if v)
        raise ValidationError({"result": f"Unknown result {result!r}; use {allowed}."})
    if result == SampleRecordResult.DEVIATION and not note:
        raise ValidationError({"note": "Describe the deviation found."})
    with transaction.atomic():
        locked = SampleRecord.objects.select_for_update().get(pk=entry.pk, organization=ctx.org)
        before = {"result": locked.result, "note": locked.note}
        if before == {"result": result, "note": note}:
            return locked
        locked.result, locked.note = result, note
        locked.save(update_fields=["result", "note"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(entry.sample.uid),
            action="record",
            data={
                "index": locked.population_index,
                "label": locked.label,
                "before": before,
                "after": {"result": result, "note": note},
            },
        )
    return locked


@dataclass(frozen=True)
class Summary:
    """The sample's results so far, and what they mean for a statistical rule."""

    size: int
    tested: int
    deviations: int
    pending: int
    allowed: int | None
    conclusion: str


def summary(sample: Sample, records: list[SampleRecord] | None = None) -> Summary:
    """Counts of the records' results and a plain-language conclusion."""
    records = records if records is not None else list(sample.records.all())
    deviations = sum(1 for r in records if r.result == SampleRecordResult.DEVIATION)
    pending = sum(1 for r in records if r.result == SampleRecordResult.PENDING)
    tested = len(records) - pending
    allowed = _allowed(sample)
    if pending:
        conclusion = f"{pending} of {len(records)} record(s) still to test."
    elif allowed is not None and deviations > allowed:
        conclusion = (
            f"{deviations} deviation(s) found, more than the {allowed} the rule allows: the "
            "sample does not support relying on the control at the stated confidence."
        )
    elif deviations:
        conclusion = f"{deviations} deviation(s) found; weigh them in the item's result."
    else:
        conclusion = "Every record tested; no deviation found."
    return Summary(len(records), tested, deviations, pending, allowed, conclusion)


def _allowed(sample: Sample) -> int | None:
    if sample.rule != SamplingRule.STATISTICAL or sample.confidence_level is None:
        return None
    try:
        _, k = rules.infinite_size(
            rules.percent(sample.confidence_level, "confidence"),
            rules.percent(sample.tolerable_deviation_rate, "tolerable"),
            rules.percent(sample.expected_deviation or 0, "expected"),
        )
    except rules.SamplingError:
        return None
    return k
