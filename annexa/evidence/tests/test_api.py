"""Evidence API: list with filters, upload, retrieve, new version, download, links."""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annexa.evidence import services
from annexa.evidence.models import Evidence
from annexa.evidence.tests import samples
from annexa.orgs.models import APIKey


def api(name: str, org: str = "acme", **kwargs) -> str:
    return reverse(f"evidence-api:{name}", kwargs={"org": org, **kwargs})


def test_it_uploads_through_the_api(client_for, colin, controls):
    data = samples.docx()
    response = client_for(colin).post(
        api("list"),
        {
            "file": SimpleUploadedFile("minutes.docx", data),
            "title": "Management review minutes",
            "controls": ["A.5.15", "A.8.2"],
            "requirements": "9.2.2",
            "effective_date": "2025-02-01",
            "valid_days": "365",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Management review minutes"
    assert body["controls"] == ["A.5.15", "A.8.2"]
    assert body["requirements"] == ["9.2.2"]
    version = body["current_version"]
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    assert version["media_type"].endswith("wordprocessingml.document")
    assert version["valid_until"] == "2026-02-01"
    assert version["created_by"] == "colin@acme.test"
    assert [v["number"] for v in body["versions"]] == [1]


def test_it_uploads_with_an_api_key(client, colin):
    _key, plaintext = APIKey.issue(user=colin.user, organization=colin.membership.organization)
    response = client.post(
        api("list"),
        {"file": SimpleUploadedFile("notes.md", b"# Notes\n")},
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["current_version"]["media_type"] == "text/markdown"


def test_it_explains_refusals(client_for, colin):
    client = client_for(colin)
    response = client.post(api("list"), {"file": SimpleUploadedFile("x.pdf", samples.png())})
    assert response.status_code == 400
    assert response.json()["code"] == "rejected"
    assert "but the name ends in .pdf" in response.json()["detail"]
    response = client.post(
        api("list"),
        {"file": SimpleUploadedFile("a.txt", b"a\n"), "filename": "../../etc/passwd.txt"},
    )
    assert response.status_code == 400
    assert "path separator" in response.json()["detail"]
    response = client.post(
        api("list"), {"file": SimpleUploadedFile("a.txt", b"a\n"), "controls": "A.1.1"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "unknown Annex A control: A.1.1", "code": "invalid"}
    assert not Evidence.objects.exists()


def test_it_answers_400_for_json_nested_too_deeply(client_for, colin):
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client_for(colin).post(api("list"), {"file": SimpleUploadedFile("deep.json", deep)})
    assert response.status_code == 400
    assert response.json()["code"] == "rejected"
    assert "nested too deeply" in response.json()["detail"]
    assert not Evidence.objects.exists()


def test_it_answers_413_for_an_oversized_upload(client_for, colin, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = client_for(colin).post(
        api("list"), {"file": SimpleUploadedFile("big.log", b"x" * 1000)}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_it_lists_with_filters(client_for, alice, controls):
    services.store(alice.ctx, chunks=[b"a\n"], filename="a.txt", controls=["A.5.15"])
    services.store(
        alice.ctx,
        chunks=[b"b\n"],
        filename="b.txt",
        effective_date=timezone.localdate() - datetime.timedelta(days=10),
        valid_days=5,
    )
    client = client_for(alice)
    everything = client.get(api("list")).json()
    assert everything["count"] == 2
    linked = client.get(api("list"), {"control": "A.5.15"}).json()
    assert [e["current_version"]["filename"] for e in linked["results"]] == ["a.txt"]
    stale = client.get(api("list"), {"freshness": "stale"}).json()
    assert [e["current_version"]["freshness"] for e in stale["results"]] == ["stale"]
    assert client.get(api("list"), {"source": "bogus"}).status_code == 400


def test_it_adds_a_version_and_downloads_each(client_for, colin):
    first = services.store(colin.ctx, chunks=[b"first\n"], filename="log.txt")
    client = client_for(colin)
    response = client.post(
        api("versions", pk=first.evidence.pk),
        {"file": SimpleUploadedFile("log.txt", b"second\n"), "note": "rotated"},
    )
    assert response.status_code == 201, response.content
    second = response.json()
    assert second["number"] == 2 and second["note"] == "rotated"
    listed = client.get(api("versions", pk=first.evidence.pk)).json()
    assert listed["count"] == 2 and [v["number"] for v in listed["results"]] == [2, 1]
    old = client.get(api("download", pk=first.pk))
    assert b"".join(old.streaming_content) == b"first\n"
    new = client.get(second["download_url"])
    assert b"".join(new.streaming_content) == b"second\n"
    assert new["Content-Disposition"].startswith('attachment; filename="log.txt"')
    assert new["X-Content-Type-Options"] == "nosniff"
    assert new["Content-Security-Policy"] == "sandbox"


def test_it_links_controls(client_for, colin, controls):
    version = services.store(colin.ctx, chunks=[b"x\n"], filename="x.txt")
    client = client_for(colin)
    links = api("links", pk=version.evidence.pk)
    response = client.post(
        links, {"controls": ["A.5.15", "A.8.2"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["controls"] == ["A.5.15", "A.8.2"]
    response = client.post(
        links, {"action": "unlink", "controls": ["A.8.2"]}, content_type="application/json"
    )
    assert response.json()["controls"] == ["A.5.15"]
    response = client.post(links, {"action": "link"}, content_type="application/json")
    assert response.status_code == 400


def test_it_refuses_viewers_and_outsiders(client_for, alice, vera, oscar):
    version = services.store(alice.ctx, chunks=[b"x\n"], filename="x.txt")
    viewer = client_for(vera)
    assert viewer.get(api("detail", pk=version.evidence.pk)).status_code == 200
    upload = {"file": SimpleUploadedFile("a.txt", b"a\n")}
    assert viewer.post(api("list"), upload).status_code == 403
    outsider = client_for(oscar)
    assert outsider.get(api("detail", pk=version.evidence.pk)).status_code == 404
    assert outsider.get(api("detail", org="globex", pk=version.evidence.pk)).status_code == 404
    assert outsider.get(api("download", org="globex", pk=version.pk)).status_code == 404
