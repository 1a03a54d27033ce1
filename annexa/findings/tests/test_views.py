"""The findings pages: register, detail, raising from a checklist item, transitions."""

from __future__ import annotations

from django.urls import reverse

from annexa.findings.models import Finding
from annexa.findings.tests.builders import closed_action
from annexa.findings.tests.factories import make_finding


def url(name: str, **kwargs) -> str:
    return reverse(f"findings:{name}", kwargs={"org": "acme", **kwargs})


def test_it_lists_and_filters_the_register(client_for, vera, acme, control):
    make_finding(acme, grade="major_nc", title="No MFA for admins")
    make_finding(acme, grade="ofi", title="Automate the export")
    client = client_for(vera)
    page = client.get(url("list"))
    assert page.status_code == 200
    assert "No MFA for admins" in page.text and "Automate the export" in page.text
    assert "Raise a finding" not in page.text  # viewers read only
    rows = client.get(url("list"), {"grade": "ofi"}, headers={"HX-Request": "true"})
    assert "<html" not in rows.text
    assert "Automate the export" in rows.text and "No MFA for admins" not in rows.text


def test_it_shows_the_grading_guidance_evidence_and_history(client_for, vera, open_nc, version):
    page = client_for(vera).get(url("detail", pk=open_nc.pk))
    assert page.status_code == 200
    assert "Grading guidance" in page.text and "isolated lapse" in page.text
    assert version.sha256[:17] in page.text
    assert "raise" in page.text and "open" in page.text  # the ledger history
    assert "Open this finding" not in page.text


def test_it_prefills_the_raise_form_from_a_checklist_item(client_for, audrey, nc_item, soa):
    client = client_for(audrey)
    page = client.get(url("raise-from-item", item_pk=nc_item.pk))
    assert page.status_code == 200
    assert "Two administrator accounts sign in with a password only." in page.text
    assert "Major nonconformity" in page.text
    response = client.post(
        url("raise-from-item", item_pk=nc_item.pk),
        {"title": "MFA not enforced", "statement": "Two admins lack MFA.", "nature": "missing"},
    )
    finding = Finding.objects.get(checklist_item=nc_item)
    assert response.status_code == 302 and response.url == url("detail", pk=finding.pk)
    assert (finding.grade, finding.title, finding.raised_by) == (
        "major_nc",
        "MFA not enforced",
        audrey.user,
    )
    assert finding.nature == "missing"
    again = client.get(url("raise-from-item", item_pk=nc_item.pk))
    assert again.status_code == 302 and again.url == url("detail", pk=finding.pk)


def test_it_explains_why_a_conforming_item_raises_nothing(client_for, audrey, audit, soa):
    from annexa.findings.tests.conftest import make_item

    item = make_item(audit, "conforming")
    client = client_for(audrey)
    page = client.get(url("raise-from-item", item_pk=item.pk))
    assert page.status_code == 200 and "Conformities stay on the checklist" in page.text
    response = client.post(url("raise-from-item", item_pk=item.pk), {"statement": "x"})
    assert response.status_code == 400 and not Finding.objects.exists()


def test_it_offers_the_nature_of_the_gap_only_for_a_nonconformity(client_for, audrey, audit, soa):
    from annexa.findings.tests.conftest import make_item

    client = client_for(audrey)
    form = client.get(url("create")).text
    # annexa.js shows the field only while the grade is a nonconformity.
    assert 'data-show-when="grade=major_nc minor_nc"' in form and 'name="nature"' in form
    # A nature left from an earlier grade is dropped for an observation, not refused.
    response = client.post(
        url("create"),
        {"grade": "observation", "control": "A.8.5", "statement": "A risk.", "nature": "missing"},
    )
    assert response.status_code == 302
    assert Finding.objects.get().nature == ""
    # Raised from an observation on the checklist: the field is not there at all.
    item = make_item(audit, "observation")
    page = client.get(url("raise-from-item", item_pk=item.pk))
    assert page.status_code == 200 and 'name="nature"' not in page.text


def test_it_raises_and_edits_a_finding_directly(client_for, audrey, control):
    client = client_for(audrey)
    assert client.get(url("create")).status_code == 200
    bad = client.post(url("create"), {"grade": "minor_nc", "control": "A.99.9", "statement": "x"})
    assert bad.status_code == 400 and "Unknown Annex A control" in bad.text
    response = client.post(
        url("create"), {"grade": "minor_nc", "control": "A.8.5", "statement": "One gap."}
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    edit = client.post(
        url("edit", pk=finding.pk),
        {"grade": "observation", "control": "A.8.5", "statement": "One gap.", "title": "Gap"},
    )
    assert edit.status_code == 302
    finding.refresh_from_db()
    assert (finding.grade, finding.title) == ("observation", "Gap")


def test_it_keeps_viewers_and_control_owners_out_of_the_forms(client_for, vera, colin, draft):
    for persona in (vera, colin):
        client = client_for(persona)
        assert client.get(url("create")).status_code == 403
        assert client.get(url("edit", pk=draft.pk)).status_code == 403
        assert client.post(url("open", pk=draft.pk)).status_code == 403


def test_it_opens_a_draft_but_not_for_its_raiser(client_for, audrey, isla, draft):
    refused = client_for(audrey).post(url("open", pk=draft.pk))
    assert refused.status_code == 403
    response = client_for(isla).post(url("open", pk=draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "open"


def test_it_shows_why_a_finding_cannot_close_yet(client_for, alice, open_nc):
    client = client_for(alice)
    page = client.get(url("detail", pk=open_nc.pk))
    assert "Raise a corrective action first" in page.text
    response = client.post(url("close", pk=open_nc.pk), {"note": "Verified."})
    assert response.status_code == 400 and "Raise a corrective action first" in response.text


def test_it_closes_a_finding_with_the_independence_check(
    client_for, audrey, alice, colin, isla, open_nc
):
    closed_action(open_nc, colin, audrey, isla)
    assert client_for(audrey).post(url("close", pk=open_nc.pk), {"note": "x"}).status_code == 403
    response = client_for(alice).post(url("close", pk=open_nc.pk), {"note": "Verified."})
    assert response.status_code == 302
    open_nc.refresh_from_db()
    assert open_nc.status == "closed" and open_nc.closed_by == alice.user


def test_it_acknowledges_and_withdraws(client_for, audrey, colin, isla, control):
    from annexa.findings import services

    observation = services.raise_finding(
        audrey.ctx,
        grade="observation",
        control="A.8.5",
        requirement_statement="x",
        statement="One person only.",
    )
    services.open_finding(isla.ctx, observation)
    response = client_for(colin).post(url("acknowledge", pk=observation.pk), {"note": "Noted."})
    assert response.status_code == 302
    draft = services.raise_finding(audrey.ctx, grade="ofi", control="A.8.5", statement="y")
    client = client_for(audrey)
    assert client.post(url("withdraw", pk=draft.pk), {"reason": ""}).status_code == 400
    assert client.post(url("withdraw", pk=draft.pk), {"reason": "Dup."}).status_code == 302
    observation.refresh_from_db()
    draft.refresh_from_db()
    assert (observation.status, draft.status) == ("acknowledged", "withdrawn")


def test_a_grade_has_the_same_badge_and_colour_on_every_screen():
    from django.template import Context, Template

    from annexa.audits.templatetags.checklist import result_badge
    from annexa.dashboard import charts as dashboard_charts
    from annexa.findings.choices import GRADE_BADGES, GRADE_COLORS, FindingGrade
    from annexa.reports.render import charts as report_charts

    tag = Template("{% load grades %}{% grade_badge grade %}")
    for grade in FindingGrade:
        badge = tag.render(Context({"grade": grade.value}))
        assert badge == f'<span class="badge grade-{grade.value}">{grade.label}</span>'
        # The checklist's result of the same value wears the same class.
        assert result_badge(grade.value) == GRADE_BADGES[grade] == f"grade-{grade.value}"
        # The dashboard's and the report's charts draw it in one colour.
        assert dashboard_charts.GRADE_COLORS[grade] == GRADE_COLORS[grade]
        assert report_charts.RESULT_COLORS[grade.value] == GRADE_COLORS[grade]
    assert result_badge("conforming") == "ok"
    assert len(set(GRADE_COLORS.values())) == 4
    # annexa.css styles each class.
    from django.contrib.staticfiles import finders

    with open(finders.find("annexa/annexa.css"), encoding="utf-8") as css:
        text = css.read()
    assert all(f".badge.{name} " in text for name in GRADE_BADGES.values())


def test_every_screen_that_shows_a_grade_uses_the_grade_badge():
    """No template spells a grade's look itself: each goes through ``grade_badge`` (or, on the
    checklist, ``result_badge``, which maps the same values onto the same classes)."""
    import re
    from pathlib import Path

    import annexa

    root = Path(annexa.__file__).parent
    spelled = re.compile(r"get_grade_display|grade == '|grade == \"|_grade\.html")
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if "reports/" not in str(path) and spelled.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
