"""The History panels of findings and corrective actions speak labels: field names, choice
labels, linked objects by their references, people by name with the e-mail on hover, dates as
dates; the linked objects and people are fetched in bulk, not once per entry."""

from __future__ import annotations

import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annexa.evidence.tests.factories import make_version
from annexa.findings import history, services
from annexa.findings.tests.builders import closed_action

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def detail_text(row) -> dict[str, str]:
    return {label: text for label, text in row.details}


def test_a_finding_history_shows_labels_references_and_people(isla, audrey, open_nc, version):
    rows = history.rows(open_nc.organization, services.OBJECT_TYPE, open_nc.uid)
    raised = detail_text(rows[0])
    assert raised["grade"] == "Major nonconformity"
    assert raised["status"] == "Draft"
    assert raised["nature of the gap"] == "Missing (never implemented)"
    assert raised["evidence"] == str(version)  # its title and version, not its uid
    assert raised["checklist item"] == str(open_nc.checklist_item)
    assert raised["auditees"] == "Colin Owner (colin@acme.test)"
    assert rows[0].actor == "audrey@acme.test" and rows[0].actor.name == "Audrey Auditor"
    assert detail_text(rows[1])["status"] == "Open"
    for row in rows:
        for label, text in row.details:
            assert not UUID.search(text), (label, text)


def test_a_regrade_shows_both_labels(isla, draft):
    services.update_finding(isla.ctx, draft, {"grade": "minor_nc"}, reason="Isolated lapse.")
    rows = history.rows(draft.organization, services.OBJECT_TYPE, draft.uid)
    changed = detail_text(rows[-1])
    assert changed["grade"] == "Major nonconformity → Minor nonconformity"
    assert changed["reason"] == "Isolated lapse."


def test_an_action_history_shows_labels_dates_and_the_reviewer(isla, colin, audrey, open_nc):
    from annexa.actions import services as actions

    action = closed_action(open_nc, colin, audrey, isla)
    rows = history.rows(action.organization, actions.OBJECT_TYPE, action.uid)
    by_action = {row.action: detail_text(row) for row in rows}
    assert by_action["create"]["owner"] == "Colin Owner (colin@acme.test)"
    assert by_action["create"]["status"] == "Open"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", by_action["create"]["due date"])
    assert by_action["start"]["status"] == "In progress"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", by_action["implement"]["implemented at"])
    review = by_action["review"]
    assert review["method"] == "Document and record review"
    assert review["conclusion"] == "Effective"
    assert review["reviewer"] == "Audrey Auditor (audrey@acme.test)"
    assert review["status"] == "Verified effective"


def test_the_pages_show_people_by_name_with_the_e_mail_on_hover(
    client_for, isla, colin, audrey, open_nc
):
    action = closed_action(open_nc, colin, audrey, isla)
    for url in (
        reverse("findings:detail", kwargs={"org": "acme", "pk": open_nc.pk}),
        reverse("actions:detail", kwargs={"org": "acme", "pk": action.pk}),
    ):
        page = client_for(isla).get(url)
        assert page.status_code == 200
        history_html = page.text.split("<h2>History</h2>", 1)[1]
        assert '<span class="person" title="audrey@acme.test">Audrey Auditor</span>' in (
            history_html
        )
        text = unescape(re.sub(r"<[^>]+>", " ", history_html))
        assert not UUID.search(text)
        for raw in ("major_nc", "in_progress", "document_review", "verified_effective"):
            assert raw not in text, raw


def test_references_and_people_are_fetched_in_bulk(isla, colin, audrey, acme, open_nc):
    """Adding entries that link more evidence and more people adds no query."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            history.rows(acme, services.OBJECT_TYPE, open_nc.uid)
        return len(captured)

    services.update_finding(isla.ctx, open_nc, {"auditees": [colin.user]})
    before = queries()
    for n in range(3):
        extra = make_version(acme)
        services.update_finding(
            isla.ctx,
            open_nc,
            {
                "evidence": [*open_nc.evidence.all(), extra],
                "auditees": [colin.user, audrey.user] if n % 2 else [colin.user],
            },
        )
    assert len(history.rows(acme, services.OBJECT_TYPE, open_nc.uid)) > 3
    assert queries() == before
