"""Issue 12: the report never contradicts itself. Audits are built with every combination of
not-audited items, removed items, items without a result, samples with deviations (within and
over what the rule allows), findings of each grade (from items, raised directly, withdrawn) and a
nonconformity not raised yet; every count the summary states is then read back from the
Markdown, HTML, DOCX and OSCAL renderings and compared with what was built, and with the
annexes of the same rendering.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass

import docx
import pytest
from lxml import html as lxml_html

from annexa.audits.choices import PopulationSource, SamplingRule
from annexa.audits.models import Audit, ChecklistItem, Sample, SampleRecord
from annexa.audits.tests.factories import make_audit, sample_control, sample_requirement
from annexa.findings.choices import FindingGrade, FindingStatus, GapNature
from annexa.findings.tests.factories import make_finding
from annexa.reports import data, render

GRADES = tuple(FindingGrade.values)
FIELDWORK = (dt.date(2026, 3, 2), dt.date(2026, 3, 6))


@dataclass(frozen=True)
class Combo:
    not_audited: int
    removed: int
    pending: int
    deviations: int  # in a statistical sample that allows none
    grades: tuple[str, ...]  # one item of each, with its finding
    unraised: bool  # a minor nonconformity on the checklist without its finding

    @property
    def live(self) -> int:
        return 2 + self.not_audited + self.pending + len(self.grades) + self.unraised + 1

    @property
    def assessed(self) -> int:
        return self.live - self.not_audited - self.pending

    def items_of(self, result: str) -> int:
        return self.grades.count(result) + (self.unraised and result == FindingGrade.MINOR_NC)

    def findings_of(self, grade: str) -> int:
        # Every combination also carries one observation raised without a checklist item.
        return self.grades.count(grade) + (grade == FindingGrade.OBSERVATION)

    @property
    def without_finding(self) -> int:
        return int(self.unraised) + int(self.deviations > 0)


COMBOS = [
    Combo(*values)
    for values in itertools.product(
        (0, 2),
        (0, 1),
        (0, 1),
        (0, 2),
        ((), GRADES, (FindingGrade.MINOR_NC, FindingGrade.OBSERVATION)),
        (False, True),
    )
]


def _item(audit: Audit, order: int, result: str, **fields) -> ChecklistItem:
    subject = {"control": sample_control()} if order % 2 else {"requirement": sample_requirement()}
    return ChecklistItem.objects.create(
        organization=audit.organization,
        audit=audit,
        order=order,
        adhoc=True,
        result=result,
        methods=["document_review"] if result not in ("", "not_audited") else [],
        examined="The records of March." if result not in ("", "not_audited") else "",
        **subject,
        **fields,
    )


def _sample(item: ChecklistItem, deviations: int) -> Sample:
    population = [f"record-{n}" for n in range(10)]
    sample = Sample.objects.create(
        organization=item.organization,
        item=item,
        population_source=PopulationSource.UPLOADED_LIST,
        population=population,
        population_sha256="0" * 64,
        rule=SamplingRule.STATISTICAL,
        rationale="Every record of the period.",
        confidence_level=90,
        tolerable_deviation_rate=20,
        computed_size=5,
        seed="consistency",
        selected_indices=[0, 2, 4, 6, 8],
    )
    for number, index in enumerate(sample.selected_indices):
        SampleRecord.objects.create(
            organization=item.organization,
            sample=sample,
            population_index=index,
            label=population[index],
            result="deviation" if number < deviations else "conforming",
        )
    return sample


def build_audit(org, combo: Combo, version, late_version) -> Audit:
    audit = make_audit(org)
    Audit.objects.filter(pk=audit.pk).update(actual_start=FIELDWORK[0], actual_end=FIELDWORK[1])
    order = itertools.count(1)
    conforming = _item(audit, next(order), "conforming")
    conforming.evidence.add(version, late_version)
    _sample(_item(audit, next(order), "conforming"), combo.deviations)
    for _ in range(combo.not_audited):
        _item(audit, next(order), "not_audited", notes="The owner was on leave.")
    for _ in range(combo.pending):
        _item(audit, next(order), "")
    for _ in range(combo.removed):
        _item(audit, next(order), "conforming", removed=True, removal_reason="Out of scope.")
    for grade in combo.grades:
        item = _item(audit, next(order), grade, analysis=f"What the {grade} is.")
        nature = GapNature.INEFFECTIVE if grade.endswith("_nc") else ""
        finding = make_finding(
            org,
            raised_in=audit,
            checklist_item=item,
            grade=grade,
            control=item.control,
            requirement=item.requirement,
            nature=nature,
        )
        finding.evidence.add(version)
    if combo.unraised:
        _item(audit, next(order), FindingGrade.MINOR_NC)
    # Raised directly (no checklist item), and one withdrawn that no count may include.
    make_finding(org, raised_in=audit, grade=FindingGrade.OBSERVATION, nature="")
    make_finding(org, raised_in=audit, status=FindingStatus.WITHDRAWN)
    # The report's own item: conforming, so that every audit has an assessed item.
    _item(audit, next(order), "conforming")
    return audit


# --- reading the counts back from each format --------------------------------------------------


@dataclass
class Read:
    """What one rendering says: its summary sentence and grade table, and its annexes."""

    sentence: str
    table: dict[str, tuple[int, int]]  # grade label -> (findings, checklist items)
    findings: Counter  # grade label -> finding sections
    checklist: Counter  # result label (or "Removed") -> annex rows


def _grade_table(rows_: list[list[str]]) -> dict[str, tuple[int, int]]:
    return {label: (int(f), int(i)) for label, f, i in rows_}


def read_markdown(body: bytes) -> Read:
    lines = body.decode().splitlines()
    summary = lines.index("## Executive summary")
    sentence = lines[summary + 4].replace("\\", "")
    header = lines.index("| Grade | Findings | Checklist items |")
    table = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        table.append([c.strip() for c in line.strip("|").split("|")])
    findings = Counter(
        m.group(1) for line in lines if (m := re.match(r"### F-\d+ · (.+?) — ", line))
    )
    start, end = (
        lines.index("## Annex 1: Checklist results"),
        lines.index("## Annex 2: Sampling records"),
    )
    checklist = Counter(
        [c.strip() for c in line.strip("|").split("|")][2]
        for line in lines[start + 4 : end]
        if line.startswith("|")
    )
    return Read(sentence, _grade_table(table), findings, checklist)


def read_html(body: bytes) -> Read:
    page = lxml_html.fromstring(body)
    summary = page.get_element_by_id("executive-summary")
    sentence = summary.xpath("./p")[0].text_content()
    table = [
        [td.text_content() for td in tr.xpath("./td")] for tr in summary.xpath(".//table//tbody/tr")
    ]
    findings = Counter(
        span.text_content().split(" · ", 1)[1]
        for span in page.get_element_by_id("audit-findings").xpath(".//h3/span")
    )
    annex = page.get_element_by_id("annex-checklist")
    checklist = Counter(tr.xpath("./td")[2].text_content() for tr in annex.xpath(".//tbody/tr"))
    return Read(sentence, _grade_table(table), findings, checklist)


def read_docx(body: bytes) -> Read:
    document = docx.Document(io.BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    sentence = paragraphs[paragraphs.index("Executive summary") + 2]
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    grades = tables[("Grade", "Findings", "Checklist items")]
    table = [[c.text for c in row.cells] for row in grades.rows[1:]]
    findings = Counter(m.group(1) for p in paragraphs if (m := re.match(r"F-\d+ · (.+?) — ", p)))
    annex = tables[("#", "Requirement or control", "Result", "Notes")]
    checklist = Counter(row.cells[2].text for row in annex.rows[1:])
    return Read(sentence, _grade_table(table), findings, checklist)


def _numbers(sentence: str) -> dict[str, int]:
    """The counts the summary sentence states (0 for what it does not mention)."""
    patterns = {
        "assessed": r"(\d+) of \d+ checklist items? (?:was|were) assessed",
        "total": r"\d+ of (\d+) checklist items? (?:was|were) assessed",
        "not_audited": r"(\d+) items? (?:was|were) not audited",
        "pending": r"(\d+) items? ha(?:s|ve) no result yet",
        "removed": r"(\d+) items? (?:was|were) removed",
        "unraised": r"(\d+) nonconformit(?:y|ies) recorded on the checklist",
    }
    return {
        key: int(m.group(1)) if (m := re.search(pattern, sentence)) else 0
        for key, pattern in patterns.items()
    }


@pytest.fixture
def evidence_pair(acme):
    """An evidence version collected during fieldwork and one collected after it ended."""
    from annexa.core.tenancy import OrgContext
    from annexa.evidence import services as evidence

    ctx = OrgContext.system(acme)
    during = dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    after = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)
    return (
        evidence.store(ctx, filename="a.txt", chunks=[b"during\n"], collected_at=during),
        evidence.store(ctx, filename="b.txt", chunks=[b"after\n"], collected_at=after),
    )


def test_every_count_agrees_in_every_format(acme, isla, evidence_pair):
    """One build per combination; every format's counts equal what was built."""
    from annexa.actions.poam import stable_uuid
    from annexa.reports.oscal import NS

    version, late = evidence_pair
    for combo in COMBOS:
        audit = build_audit(acme, combo, version, late)
        report = data.build(isla.ctx, audit)
        expected = {
            "assessed": combo.assessed,
            "total": combo.live,
            "not_audited": combo.not_audited,
            "pending": combo.pending,
            "removed": combo.removed,
            "unraised": combo.without_finding,
        }
        table = {FindingGrade(g).label: (combo.findings_of(g), combo.items_of(g)) for g in GRADES}
        for name, body in (
            ("md", render.render(report, "md")),
            ("html", render.render(report, "html")),
            ("docx", render.render(report, "docx")),
        ):
            read = {"md": read_markdown, "html": read_html, "docx": read_docx}[name](body)
            where = f"{name} {combo}"
            assert _numbers(read.sentence) == expected, where
            assert read.table == table, where
            # The summary agrees with the annexes and sections of the same document.
            for label, (findings, items) in read.table.items():
                assert read.findings[label] == findings, where
                assert read.checklist[label] == items, where
            assert read.checklist["Not audited"] == combo.not_audited, where
            assert read.checklist["Not yet assessed"] == combo.pending, where
            assert read.checklist["Removed"] == combo.removed, where
            assert sum(read.checklist.values()) == combo.live + combo.removed, where
        limits = Counter(lim.kind for lim in report.limitations)
        assert limits["not examined"] == combo.not_audited + combo.pending + combo.removed
        assert [e.after_fieldwork for e in report.manifest].count(True) == 1

        document = json.loads(render.render(report, "oscal"))
        [result] = document["assessment-results"]["results"]
        props = {p["name"]: p["value"] for p in result["props"] if p.get("ns") == NS}
        assert props["items-assessed"] == f"{combo.assessed} of {combo.live}", combo
        assert props["items-not-audited"] == str(combo.not_audited), combo
        assert props["items-without-result"] == str(combo.pending), combo
        results = Counter(
            p["value"]
            for o in result["observations"]
            for p in o.get("props", [])
            if p["name"] == "checklist-result"
        )
        # Not-audited, pending and removed items are never presented as assessed.
        assert sum(results.values()) == combo.assessed, combo
        assert "not_audited" not in results and "" not in results
        findings = result.get("findings", [])
        assert len(findings) == sum(combo.findings_of(g) for g in GRADES), combo
        failed = [f for f in findings if f["target"]["status"]["state"] == "not-satisfied"]
        assert len(failed) == combo.findings_of("major_nc") + combo.findings_of("minor_nc")
        marked = [
            e["href"]
            for o in result["observations"]
            for e in o.get("relevant-evidence", [])
            for p in e.get("props", [])
            if p["name"] == "received-after-fieldwork"
        ]
        assert marked == [f"#{stable_uuid('resource', late.uid)}"], combo


def test_the_demo_report_agrees_with_itself_and_raises_every_nonconformity(demo):
    """The acceptance of issue 12 on the demo: every nonconformity on the checklist has a
    finding and a corrective action, and the formats state the same counts."""
    from annexa.findings.models import Finding

    personas, audit = demo
    report = data.build(personas["isms_manager"].ctx, audit)
    assert report.summary.unraised == []
    for row in report.checklist:
        if row.result in ("major_nc", "minor_nc") and not row.removed:
            finding = Finding.objects.get(checklist_item__uid=row.uid)
            assert finding.corrective_actions.exists(), row.subject.id
    counts = {g.grade: (g.count, g.items) for g in report.summary.counts}
    assert counts == {"major_nc": (1, 1), "minor_nc": (2, 2), "observation": (2, 2), "ofi": (2, 2)}
    assert report.summary.items_not_audited == 2
    assert report.summary.items_assessed == report.summary.items_total - 2
    assert not any(e.after_fieldwork for e in report.manifest)
    reads = [
        read_markdown(render.render(report, "md")),
        read_html(render.render(report, "html")),
        read_docx(render.render(report, "docx")),
    ]
    assert all(r.sentence == reads[0].sentence for r in reads)
    assert all(r.table == reads[0].table for r in reads)
    assert all(r.checklist == reads[0].checklist for r in reads)
    numbers = _numbers(reads[0].sentence)
    assert numbers["not_audited"] == 2 and numbers["assessed"] == numbers["total"] - 2
    assert "not audited" in reads[0].sentence
