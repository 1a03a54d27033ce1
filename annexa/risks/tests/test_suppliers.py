"""The supplier register's services: who may change it, what is checked, what the ledger
records, and what the reports find (expired and expiring certificates, overdue reviews,
counts per criticality)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.evidence.models import Evidence
from annexa.ledger.models import LedgerEntry
from annexa.risks.models import SupplierAssessment
from annexa.risks.services import assets, suppliers

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def payroll(isla, colin, phishing):
    """Colin's high-criticality payroll supplier, linked to the phishing risk."""
    return suppliers.create_supplier(
        isla.ctx,
        {
            "name": "PayFast Ltd",
            "service": "Payroll processing",
            "criticality": "high",
            "data_shared": "Employee names, bank details, salaries",
            "contract": "MSA 2025-14",
            "security_clauses": "ISO 27001 certification kept; breach notice within 24 hours",
            "owner": colin.user,
            "review_date": _today() + dt.timedelta(days=90),
            "risks": [phishing],
        },
    )


def certificate(ctx, supplier, expires: dt.date, assessed: dt.date | None = None, **extra):
    """An ISO/IEC 27001 certificate of ``supplier`` expiring on ``expires``."""
    return suppliers.record_assessment(
        ctx,
        supplier,
        {
            "kind": "iso27001",
            "assessed_on": assessed or _today() - dt.timedelta(days=400),
            "expires_on": expires,
            "result": "satisfactory",
            **extra,
        },
    )


# --- creating and changing -------------------------------------------------------------------


def test_a_manager_creates_a_supplier_and_the_ledger_records_it(payroll):
    assert (payroll.reference, payroll.criticality, payroll.version) == ("SUP-001", "high", 1)
    assert [r.reference for r in payroll.risks.all()] == ["R-0001"]
    entry = LedgerEntry.objects.get(object_type="supplier", action="create")
    assert entry.object_id == str(payroll.uid) and entry.actor == "isla@acme.test"
    after = entry.data_value["after"]
    assert after["owner"] == "colin@acme.test" and after["risks"] == ["R-0001"]
    assert after["review_date"] == (_today() + dt.timedelta(days=90)).isoformat()


def test_an_update_records_only_what_changed_and_bumps_the_version(payroll, isla):
    same = suppliers.update_supplier(isla.ctx, payroll, {"criticality": "high"})
    assert same.version == 1  # nothing differs: nothing recorded
    changed = suppliers.update_supplier(
        isla.ctx,
        payroll,
        {"criticality": "critical", "contract": "MSA 2026-02"},
        expected_version=1,
    )
    assert changed.version == 2
    entry = LedgerEntry.objects.get(object_type="supplier", action="update")
    assert entry.data_value["before"] == {"criticality": "high", "contract": "MSA 2025-14"}
    assert entry.data_value["after"] == {"criticality": "critical", "contract": "MSA 2026-02"}


def test_a_stale_version_is_refused(payroll, isla):
    suppliers.update_supplier(isla.ctx, payroll, {"contract": "MSA 2026-02"})
    with pytest.raises(suppliers.StaleSupplierError, match="now version 2, you edited version 1"):
        suppliers.update_supplier(isla.ctx, payroll, {"contract": "Other"}, expected_version=1)


@pytest.mark.parametrize("persona", ["colin", "audrey", "vera"])
def test_only_managers_change_the_register(payroll, persona, request):
    ctx = request.getfixturevalue(persona).ctx
    with pytest.raises(PermissionDenied):
        suppliers.create_supplier(ctx, {"name": "X", "service": "Y", "criticality": "low"})
    with pytest.raises(PermissionDenied):
        suppliers.update_supplier(ctx, payroll, {"criticality": "low"})
    with pytest.raises(PermissionDenied):
        suppliers.retire_supplier(ctx, payroll, "Contract ended.")
    with pytest.raises(PermissionDenied):
        certificate(ctx, payroll, _today() + dt.timedelta(days=300))


def test_every_problem_is_named_by_its_field(isla, payroll, alice, server):
    with pytest.raises(ValidationError) as caught:
        suppliers.create_supplier(
            isla.ctx,
            {
                "name": "payfast ltd",
                "service": "",
                "criticality": "extreme",
                "owner": object(),
                "review_date": "next week",
                "risks": ["R-0099", "nonsense", "R-99999999999999999"],
                "asset": server,
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "name",
        "service",
        "criticality",
        "owner",
        "review_date",
        "risks",
        "asset",
    }
    assert "already in the register" in errors["name"][0]
    assert "low, medium, high, critical" in errors["criticality"][0]
    assert "R-0099" in errors["risks"][0] and "nonsense" in errors["risks"][0]
    assert "R-99999999999999999" in errors["risks"][0]  # named, not a database overflow
    assert "link an asset of the kind Supplier" in errors["asset"][0]
    with pytest.raises(ValidationError) as caught:
        suppliers.create_supplier(isla.ctx, {"name": "A", "service": "B", "owner": None, "x": 1})
    assert caught.value.message_dict == {"x": ["This field cannot be changed here."]}


def test_an_owner_from_another_organization_is_refused(isla, payroll, oscar):
    with pytest.raises(ValidationError) as caught:
        suppliers.update_supplier(isla.ctx, payroll, {"owner": oscar.user})
    assert "member of the organization" in caught.value.message_dict["owner"][0]


def test_the_supplier_asset_links_once(isla, payroll):
    asset = assets.create_asset(isla.ctx, {"name": "PayFast (supplier)", "kind": "supplier"})
    linked = suppliers.update_supplier(isla.ctx, payroll, {"asset": asset.reference})
    assert linked.asset == asset
    other = suppliers.create_supplier(
        isla.ctx, {"name": "Other Co", "service": "Cleaning", "criticality": "low"}
    )
    with pytest.raises(ValidationError, match="already stands for SUP-001 PayFast Ltd"):
        suppliers.update_supplier(isla.ctx, other, {"asset": asset})
    with pytest.raises(ValidationError, match="AS-99999999999 is not an asset"):
        suppliers.update_supplier(isla.ctx, payroll, {"asset": "AS-99999999999"})
    unlinked = suppliers.update_supplier(isla.ctx, payroll, {"asset": None})
    assert unlinked.asset is None


def test_retiring_needs_a_reason_and_reinstating_undoes_it(isla, payroll):
    with pytest.raises(ValidationError) as caught:
        suppliers.retire_supplier(isla.ctx, payroll, "  ")
    assert "reason" in caught.value.message_dict
    retired = suppliers.retire_supplier(isla.ctx, payroll, "Contract ended in March.")
    assert retired.retired
    with pytest.raises(ValidationError, match="already retired"):
        suppliers.retire_supplier(isla.ctx, retired, "Again.")
    with pytest.raises(ValidationError, match="reinstate it to assess it"):
        certificate(isla.ctx, retired, _today() + dt.timedelta(days=100))
    back = suppliers.reinstate_supplier(isla.ctx, retired)
    assert not back.retired
    actions = list(
        LedgerEntry.objects.filter(object_id=str(payroll.uid)).values_list("action", flat=True)
    )
    assert actions == ["create", "retire", "reinstate"]
    retire = LedgerEntry.objects.get(object_id=str(payroll.uid), action="retire")
    assert retire.data_value["reason"] == "Contract ended in March."


# --- assessments -------------------------------------------------------------------------------


def test_an_assessment_with_its_certificate_stored_as_evidence(isla, payroll):
    expires = _today() + dt.timedelta(days=200)
    assessment = suppliers.record_assessment(
        isla.ctx,
        payroll,
        {
            "kind": "iso27001",
            "assessed_on": _today() - dt.timedelta(days=10),
            "expires_on": expires,
            "result": "satisfactory",
            "notes": "Scope covers payroll operations.",
            "next_review": _today() + dt.timedelta(days=365),
        },
        upload=suppliers.Upload(filename="payfast-iso27001.pdf", chunks=[PDF]),
    )
    evidence = Evidence.objects.get(pk=assessment.evidence_id)
    assert evidence.title.startswith("PayFast Ltd: ISO/IEC 27001 certificate")
    assert [c.id for c in evidence.controls.all()] == ["A.5.22"]
    version = evidence.current_version
    assert version.filename == "payfast-iso27001.pdf"
    assert (
        version.effective_date == _today() - dt.timedelta(days=10)
        and version.valid_until == expires
    )
    payroll.refresh_from_db()
    assert payroll.review_date == _today() + dt.timedelta(days=365) and payroll.version == 2
    entry = LedgerEntry.objects.get(object_type="supplier", action="record_assessment")
    data = entry.data_value
    assert data["assessment"] == str(assessment.uid)
    assert data["after"]["evidence"] == str(evidence.uid) and data["after"]["kind"] == "iso27001"
    assert data["before"] == {"review_date": (_today() + dt.timedelta(days=90)).isoformat()}
    # The evidence's own entry carries the file's hash.
    assert LedgerEntry.objects.get(object_type="evidence").blob_sha256 == version.sha256


def test_a_bad_assessment_names_each_field_and_stores_nothing(isla, payroll):
    with pytest.raises(ValidationError) as caught:
        suppliers.record_assessment(
            isla.ctx,
            payroll,
            {"kind": "soc2", "assessed_on": _today() + dt.timedelta(days=1), "result": "fine"},
            upload=suppliers.Upload(filename="report.pdf", chunks=[PDF]),
        )
    errors = caught.value.message_dict
    assert set(errors) == {"assessed_on", "expires_on", "result"}
    assert "cannot be in the future" in errors["assessed_on"][0]
    assert "SOC 2 report stops counting" in errors["expires_on"][0]
    with pytest.raises(ValidationError) as caught:
        certificate(
            isla.ctx, payroll, _today() - dt.timedelta(days=5), assessed=_today() - dt.timedelta(3)
        )
    assert "after the assessment date" in caught.value.message_dict["expires_on"][0]
    assert not SupplierAssessment.objects.exists() and not Evidence.objects.exists()


def test_a_file_the_evidence_store_refuses_is_named_by_the_file_field(isla, payroll):
    with pytest.raises(ValidationError) as caught:
        suppliers.record_assessment(
            isla.ctx,
            payroll,
            {"kind": "questionnaire", "assessed_on": _today(), "result": "conditions"},
            upload=suppliers.Upload(filename="answers.exe", chunks=[b"MZ\x90\x00"]),
        )
    assert "The file was not stored" in caught.value.message_dict["file"][0]
    assert not SupplierAssessment.objects.exists()


def test_a_questionnaire_needs_no_expiry(isla, payroll):
    assessment = suppliers.record_assessment(
        isla.ctx,
        payroll,
        {"kind": "questionnaire", "assessed_on": _today(), "result": "conditions"},
    )
    assert assessment.expires_on is None and assessment.evidence is None
    assert suppliers.status_of(payroll).state == "none"  # a questionnaire is no certificate


# --- reporting ---------------------------------------------------------------------------------


@pytest.fixture
def register(isla, payroll):
    """Four more suppliers: expired, expiring in 10 days, valid, and one retired with an
    expired certificate; PayFast has none. Two reviews are overdue (one retired)."""
    made = {"payroll": payroll}
    for key, name, criticality, expires, review in (
        (
            "expired",
            "Old Cloud",
            "critical",
            _today() - dt.timedelta(days=3),
            _today() - dt.timedelta(1),
        ),
        ("expiring", "Soon Hosting", "high", _today() + dt.timedelta(days=10), None),
        ("valid", "Good Mail", "medium", _today() + dt.timedelta(days=200), None),
        (
            "retired",
            "Gone Ltd",
            "low",
            _today() - dt.timedelta(days=30),
            _today() - dt.timedelta(9),
        ),
    ):
        supplier = suppliers.create_supplier(
            isla.ctx,
            {"name": name, "service": "Hosting", "criticality": criticality, "review_date": review},
        )
        certificate(isla.ctx, supplier, expires)
        made[key] = supplier
    suppliers.retire_supplier(isla.ctx, made["retired"], "Contract ended.")
    return made


def test_certificates_due_lists_expired_and_expiring_in_use(register, acme):
    due = suppliers.certificates_due(acme)
    assert [(s.name, status.state) for s, status in due] == [
        ("Old Cloud", "expired"),
        ("Soon Hosting", "expiring"),
    ]
    expired = due[0][1]
    assert expired.text == f"ISO/IEC 27001 certificate expired {_today() - dt.timedelta(days=3)}"
    assert due[1][1].text.endswith("(in 10 days)")
    assert [s.name for s, _ in suppliers.certificates_due(acme, days=5)] == ["Old Cloud"]
    later = _today() + dt.timedelta(days=190)
    assert [s.name for s, _ in suppliers.certificates_due(acme, today=later)] == [
        "Old Cloud",
        "Soon Hosting",
        "Good Mail",
    ]


def test_the_latest_certificate_counts(register, isla, acme):
    renewed = certificate(
        isla.ctx, register["expired"], _today() + dt.timedelta(days=365), assessed=_today()
    )
    assert suppliers.status_of(register["expired"]).assessment == renewed
    assert [s.name for s, _ in suppliers.certificates_due(acme)] == ["Soon Hosting"]


def test_overdue_reviews_and_counts_per_criticality(register, acme):
    assert [s.name for s in suppliers.overdue_reviews(acme)] == ["Old Cloud"]
    assert suppliers.by_criticality(acme) == {"low": 0, "medium": 1, "high": 2, "critical": 1}
    summary = suppliers.summary(acme)
    assert (summary["in_use"], summary["certificates_expired"]) == (4, 1)
    assert (summary["certificates_expiring"], summary["reviews_overdue"]) == (1, 1)


def test_the_filters(register, acme, colin):
    def names(**filters) -> list[str]:
        queryset = suppliers.apply_filters(suppliers.register(acme), **filters)
        return sorted(s.name for s in queryset)

    assert names() == ["Good Mail", "Old Cloud", "PayFast Ltd", "Soon Hosting"]
    assert names(retired=True)[0] == "Gone Ltd"
    assert names(criticality="high") == ["PayFast Ltd", "Soon Hosting"]
    assert names(certificate="attention") == ["Old Cloud", "Soon Hosting"]
    assert names(certificate="expired") == ["Old Cloud"]
    assert names(certificate="expiring") == ["Soon Hosting"]
    assert names(certificate="valid") == ["Good Mail"]
    assert names(certificate="none") == ["PayFast Ltd"]
    assert names(review_overdue=True) == ["Old Cloud"]
    assert names(owner=colin.user.email.upper()) == ["PayFast Ltd"]
    assert names(owner="none") == ["Good Mail", "Old Cloud", "Soon Hosting"]
    assert names(q="sup-001") == ["PayFast Ltd"] and names(q="bank details") == ["PayFast Ltd"]
