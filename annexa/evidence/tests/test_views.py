"""Evidence pages: upload, list and filters, detail, versions, links, control page, download."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annexa.evidence import services
from annexa.evidence.models import Evidence
from annexa.evidence.tests import samples


def url(name: str, org: str = "acme", **kwargs) -> str:
    return reverse(f"evidence:{name}", kwargs={"org": org, **kwargs})


def stored(ctx, text: str = "evidence\n", **kwargs):
    kwargs.setdefault("filename", "evidence.txt")
    return services.store(ctx, chunks=[text.encode()], **kwargs)


def test_it_uploads_a_file(client_for, colin, controls):
    client = client_for(colin)
    image = samples.png()
    response = client.post(
        url("upload"),
        {
            "file": SimpleUploadedFile("network diagram.png", image),
            "title": "Network diagram",
            "controls": "A.5.15, A.8.2",
            "requirements": "9.2.2",
            "effective_date": "2025-03-01",
            "valid_days": "365",
        },
    )
    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert response.url == url("detail", pk=evidence.pk)
    version = evidence.current_version
    assert version.sha256 == hashlib.sha256(image).hexdigest()
    assert version.filename == "network diagram.png"
    assert version.created_by == colin.user
    assert sorted(c.id for c in evidence.controls.all()) == ["A.5.15", "A.8.2"]
    assert version.valid_until == datetime.date(2026, 3, 1)


def test_it_shows_the_upload_page_with_a_drop_zone(client_for, colin):
    response = client_for(colin).get(url("upload") + "?control=A.5.15")
    assert response.status_code == 200
    assert b"data-dropzone" in response.content
    assert b'type="file"' in response.content
    assert b'value="A.5.15"' in response.content


def test_it_explains_a_refused_upload(client_for, colin):
    response = client_for(colin).post(
        url("upload"), {"file": SimpleUploadedFile("logo.png", b"<html><script></script>")}
    )
    assert response.status_code == 200
    assert b"HTML document" in response.content
    assert not Evidence.objects.exists()


def test_it_refuses_an_oversized_upload_while_receiving(client_for, colin, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = client_for(colin).post(
        url("upload"), {"file": SimpleUploadedFile("big.txt", b"x" * 5000)}
    )
    assert response.status_code == 200
    assert b"larger than the upload limit of 1,000 bytes" in response.content
    assert not Evidence.objects.exists()


def test_it_tells_viewers_they_cannot_upload(client_for, vera):
    client = client_for(vera)
    page = client.get(url("upload"))
    assert page.status_code == 200
    assert b"can read evidence but not add it" in page.content
    assert b"data-dropzone" not in page.content
    response = client.post(url("upload"), {"file": SimpleUploadedFile("a.txt", b"a\n")})
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_it_hides_evidence_from_other_organizations(client_for, alice, oscar):
    version = stored(alice.ctx)
    client = client_for(oscar)
    assert client.get(url("list")).status_code == 404
    assert client.get(url("detail", org="globex", pk=version.evidence.pk)).status_code == 404
    assert client.get(url("download", org="globex", pk=version.pk)).status_code == 404


def test_it_filters_the_list(client_for, alice, controls):
    today = timezone.localdate()
    stored(alice.ctx, "a\n", title="Firewall rules", controls=["A.8.2"])
    stored(
        alice.ctx,
        "b\n",
        title="Old access review",
        controls=["A.5.15"],
        effective_date=today - datetime.timedelta(days=400),
        valid_days=365,
    )
    services.store(
        alice.ctx,
        json_document={"ok": True},
        filename="github.json",
        title="GitHub members",
        source="connector",
        source_detail="github 1.0",
    )
    client = client_for(alice)

    def titles(query: str) -> list[str]:
        response = client.get(url("list") + query)
        assert response.status_code == 200
        return sorted(e.title for e in response.context["object_list"])

    assert titles("") == ["Firewall rules", "GitHub members", "Old access review"]
    assert titles("?control=A.8.2") == ["Firewall rules"]
    assert titles("?source=connector") == ["GitHub members"]
    assert titles("?freshness=stale") == ["Old access review"]
    assert titles("?freshness=fresh") == ["Firewall rules", "GitHub members"]
    assert titles("?q=firewall") == ["Firewall rules"]
    assert titles("?source=nonsense") == []
    # two versions whose file names both match: the piece is listed once (EXISTS, no join)
    firewall = Evidence.objects.get(title="Firewall rules")
    services.new_version(alice.ctx, firewall, filename="evidence-v2.txt", chunks=[b"c\n"])
    assert titles("?q=evidence") == ["Firewall rules", "Old access review"]
    assert titles("?q=evidence&control=A.8.2") == ["Firewall rules"]


def test_it_hides_issued_reports_until_asked(client_for, alice):
    stored(alice.ctx, title="Firewall rules")
    issued = stored(alice.ctx, title="IA-2026-01 report, version 1 (PDF)", generated=True)
    assert issued.source == "issued"
    client = client_for(alice)

    def titles(query: str) -> list[str]:
        response = client.get(url("list") + query)
        assert response.status_code == 200
        return sorted(e.title for e in response.context["object_list"])

    response = client.get(url("list"))
    assert b"1 issued report file not shown" in response.content
    assert b'name="issued"' in response.content  # the visible toggle
    assert titles("") == ["Firewall rules"]
    assert titles("?issued=on") == ["Firewall rules", "IA-2026-01 report, version 1 (PDF)"]
    assert titles("?source=issued") == ["IA-2026-01 report, version 1 (PDF)"]
    assert titles("?source=upload&issued=on") == ["Firewall rules"]
    assert b"not shown" not in client.get(url("list") + "?issued=on").content


def test_only_annexa_issues_evidence_with_the_issued_source(alice):
    from annexa.evidence.errors import EvidenceError

    with pytest.raises(EvidenceError, match="issued"):
        stored(alice.ctx, title="Looks issued", source="issued")


def test_it_shows_stale_evidence_as_stale(client_for, alice):
    stored(
        alice.ctx,
        title="Old scan",
        effective_date=timezone.localdate() - datetime.timedelta(days=60),
        valid_days=30,
    )
    response = client_for(alice).get(url("list"))
    assert re.search(rb'class="badge bad"[^>]*>stale<', response.content)


def test_it_returns_only_rows_to_htmx(client_for, alice):
    stored(alice.ctx, title="Partial")
    response = client_for(alice).get(url("list"), HTTP_HX_REQUEST="true")
    assert b"<table" in response.content and b"<html" not in response.content
    assert b"Partial" in response.content


def test_it_shows_versions_on_the_detail_page(client_for, alice):
    first = stored(alice.ctx, "one\n")
    services.new_version(alice.ctx, first.evidence, chunks=[b"two\n"], filename="evidence.txt")
    response = client_for(alice).get(url("detail", pk=first.evidence.pk))
    assert response.status_code == 200
    assert [v.number for v in response.context["versions"]] == [2, 1]
    assert first.sha256.encode() in response.content
    assert url("download", pk=first.pk).encode() in response.content


def test_it_adds_a_version(client_for, colin):
    first = stored(colin.ctx, "one\n")
    response = client_for(colin).post(
        url("new-version", pk=first.evidence.pk),
        {"file": SimpleUploadedFile("evidence.txt", b"two\n"), "note": "updated"},
    )
    assert response.status_code == 302
    evidence = first.evidence
    evidence.refresh_from_db()
    assert evidence.current_version.number == 2
    assert evidence.current_version.note == "updated"


def test_it_shows_a_refused_version_on_the_detail_page(client_for, colin):
    first = stored(colin.ctx, "one\n")
    response = client_for(colin).post(
        url("new-version", pk=first.evidence.pk),
        {"file": SimpleUploadedFile("scan.pdf", samples.png())},
    )
    assert response.status_code == 400
    assert b"but the name ends in .pdf" in response.content
    assert first.evidence.versions.count() == 1


def test_it_links_and_unlinks_controls(client_for, colin, controls):
    version = stored(colin.ctx)
    client = client_for(colin)
    links = url("links", pk=version.evidence.pk)
    client.post(links, {"action": "link", "controls": "A.5.15 A.8.2", "requirements": "9.2.2"})
    evidence = version.evidence
    assert sorted(c.id for c in evidence.controls.all()) == ["A.5.15", "A.8.2"]
    client.post(links, {"action": "unlink", "controls": "A.8.2"})
    assert [c.id for c in evidence.controls.all()] == ["A.5.15"]
    response = client.post(links, {"action": "link", "controls": "A.99.9"}, follow=True)
    assert b"unknown Annex A control: A.99.9" in response.content


def test_it_shows_a_controls_evidence_with_freshness(client_for, alice, controls):
    today = timezone.localdate()
    stored(alice.ctx, "fresh\n", title="Fresh review", controls=["A.5.15"], valid_days=90)
    stored(
        alice.ctx,
        "stale\n",
        title="Stale review",
        controls=["A.5.15"],
        effective_date=today - datetime.timedelta(days=200),
        valid_days=90,
    )
    stored(alice.ctx, "other\n", title="Unrelated", controls=["A.8.2"])
    response = client_for(alice).get(url("control", control_id="A.5.15"))
    assert response.status_code == 200
    assert sorted(e.title for e in response.context["items"]) == ["Fresh review", "Stale review"]
    assert response.context["stale_count"] == 1
    assert b"Access control" in response.content
    assert client_for(alice).get(url("control", control_id="A.99.9")).status_code == 404


def test_it_downloads_with_safe_headers(client_for, alice):
    data = samples.pdf()
    version = services.store(alice.ctx, chunks=[data], filename='Prüfbericht "Q1".pdf')
    response = client_for(alice).get(url("download", pk=version.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == (
        'attachment; filename="Prufbericht _Q1_.pdf"; '
        "filename*=UTF-8''Pr%C3%BCfbericht%20%22Q1%22.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert response["ETag"] == f'"{version.sha256}"'


def test_it_downloads_old_versions(client_for, alice):
    first = stored(alice.ctx, "first\n")
    services.new_version(alice.ctx, first.evidence, chunks=[b"second\n"], filename="e.txt")
    response = client_for(alice).get(url("download", pk=first.pk))
    assert b"".join(response.streaming_content) == b"first\n"


@pytest.mark.parametrize("name", ["list", "upload"])
def test_it_asks_anonymous_visitors_to_log_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_it_still_checks_csrf_on_uploads(colin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(colin.user)
    response = client.post(url("upload"), {"file": SimpleUploadedFile("a.txt", b"a\n")})
    assert response.status_code == 403
    assert not Evidence.objects.exists()
    page = client.get(url("upload"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        url("upload"),
        {"file": SimpleUploadedFile("a.txt", b"a\n"), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
