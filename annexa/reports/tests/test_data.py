"""The report's data: a bounded number of queries, and the overall conclusion's rules."""

from __future__ import annotations

import pytest

from annexa.audits.choices import ChecklistResult
from annexa.audits.models import ChecklistItem
from annexa.audits.tests.factories import make_audit, sample_control, sample_requirement
from annexa.evidence import services as evidence
from annexa.findings.choices import FindingGrade
from annexa.findings.tests.factories import make_finding
from annexa.reports import data


def _grow(audit, isla, start: int, count: int) -> None:
    """``count`` checklist items, each with its own evidence and a finding citing it."""
    for n in range(start, start + count):
        version = evidence.store(isla.ctx, filename=f"e{n}.txt", chunks=[f"record {n}\n".encode()])
        item = ChecklistItem.objects.create(
            organization=audit.organization,
            audit=audit,
            order=n,
            requirement=sample_requirement(),
            adhoc=True,
            result=ChecklistResult.MINOR_NC,
            notes=f"note {n}",
        )
        item.evidence.add(version)
        finding = make_finding(audit.organization, raised_in=audit)
        finding.evidence.add(version)


def test_it_gathers_a_report_in_a_fixed_number_of_queries(acme, isla, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    audit = make_audit(acme)
    _grow(audit, isla, 1, 2)
    with CaptureQueriesContext(connection) as small:
        data.build(isla.ctx, audit)
    _grow(audit, isla, 3, 20)
    with django_assert_num_queries(len(small.captured_queries)):
        report = data.build(isla.ctx, audit)
    assert len(report.findings) == 22 and len(report.manifest) == 22


def _row(grade: str) -> data.FindingRow:
    subject = data.Subject("control", "A.8.5", "Secure authentication", "Technological")
    return data.FindingRow(
        "u", "F-0001", "t", grade, grade, "open", "Open", subject, "", "s", "", "", [], [], None
    )


def _item(result: str) -> data.ChecklistRow:
    subject = data.Subject("control", "A.8.5", "Secure authentication", "Technological")
    return data.ChecklistRow("u", 1, subject, result, result, [], "", "", False, "", [])


@pytest.mark.parametrize(
    ("grades", "results", "expected"),
    [
        (["major_nc", "minor_nc"], ["major_nc"], "not_conforming"),
        (["minor_nc", "ofi"], ["minor_nc"], "conforming_with_nc"),
        (["observation"], ["conforming"], "conforming"),
        ([], ["conforming"], "conforming"),
        ([], [""], "not_concluded"),
    ],
)
def test_it_concludes_on_conformity_from_the_findings(grades, results, expected):
    conclusion, text = data.conclude([_row(g) for g in grades], [_item(r) for r in results])
    assert conclusion == expected and text


def test_it_lists_the_most_serious_findings_first(acme, isla):
    audit = make_audit(acme)
    make_finding(acme, raised_in=audit, grade=FindingGrade.OFI)
    make_finding(acme, raised_in=audit, grade=FindingGrade.MAJOR_NC, control=sample_control())
    report = data.build(isla.ctx, audit)
    assert [f.grade for f in report.summary.significant] == ["major_nc", "ofi"]
