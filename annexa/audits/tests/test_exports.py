"""iCalendar (file and token feed) and XLSX exports of a programme."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from annexa.audits import ical
from annexa.audits.models import CalendarFeed
from annexa.audits.services import audits as audit_service
from annexa.audits.services import export, feeds
from annexa.audits.services import programme as programme_service

START = dt.date(2026, 1, 5)


@pytest.fixture
def programme(acme, catalog, isla):
    programme = programme_service.create_programme(isla.ctx, start_date=START)
    audit_service.create_audit(
        isla.ctx,
        programme,
        title="Suppliers; cloud, and people\nsecond line",
        planned_start=dt.date(2026, 2, 2),
        planned_end=dt.date(2026, 2, 4),
        objectives="Check supplier agreements — including the ones signed in Ljubljana, "
        "Zürich and São Paulo — against the policy " * 3,
        scope=audit_service.Scope(controls={"A.5.19": "Chosen"}),
    )
    return programme


def unfold(data: bytes) -> list[str]:
    """Content lines of an iCalendar stream, with folded lines joined again (RFC 5545 3.1)."""
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_it_writes_a_valid_calendar_with_stable_uids(programme):
    first = export.programme_ics(programme)
    lines = unfold(first)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 6  # 1 audit + 5 dates
    assert sum(1 for line in lines if line.startswith("DTSTART;VALUE=DATE:")) == 6
    assert "DTSTART;VALUE=DATE:20260202" in lines and "DTEND;VALUE=DATE:20260205" in lines
    summary = next(line for line in lines if line.startswith("SUMMARY:IA-"))
    assert summary == "SUMMARY:IA-2026-01 Suppliers\\; cloud\\, and people\\nsecond line"
    for raw in first.split(b"\r\n"):
        assert len(raw) <= 75
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 6
    assert [
        line for line in unfold(export.programme_ics(programme)) if line.startswith("UID:")
    ] == uids


def test_it_folds_without_splitting_characters():
    line = "DESCRIPTION:" + "é" * 100
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line


def test_it_exports_the_audits_to_xlsx(programme):
    workbook = load_workbook(io.BytesIO(export.programme_xlsx(programme)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Title", "Type", "Status")
    assert rows[1][0] == "IA-2026-01"
    assert rows[1][12] == "A.5.19"


def test_it_serves_the_feed_with_the_token_and_404_otherwise(programme, isla, client):
    token = feeds.rotate(isla.ctx)
    assert CalendarFeed.objects.get(organization=programme.organization).token_hash != token
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"SUMMARY:IA-2026-01" in response.content
    assert client.get("/feeds/not-the-token.ics").status_code == 404
    newer = feeds.rotate(isla.ctx)
    assert client.get(f"/feeds/{token}.ics").status_code == 404
    assert client.get(f"/feeds/{newer}.ics").status_code == 200
    feeds.revoke(isla.ctx)
    assert client.get(f"/feeds/{newer}.ics").status_code == 404


def test_it_lets_only_managers_rotate_the_feed(acme, colin):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        feeds.rotate(colin.ctx)
