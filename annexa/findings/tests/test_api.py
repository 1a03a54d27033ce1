"""The findings API: register, raising, editing and the lifecycle steps."""

from __future__ import annotations

from annexa.findings.models import Finding
from annexa.findings.tests.builders import closed_action
from annexa.findings.tests.factories import make_finding

BASE = "/api/v1/orgs/acme/findings/"


def test_it_lists_the_register_with_filters(client_for, vera, acme, control):
    make_finding(acme, grade="major_nc")
    make_finding(acme, grade="ofi")
    client = client_for(vera)
    body = client.get(BASE, {"grade": "ofi"}).json()
    assert body["count"] == 1 and body["results"][0]["grade"] == "ofi"
    assert body["results"][0]["reference"] == "F-0002"
    assert client.get(BASE, {"status": "nope"}).status_code == 400


def test_it_raises_from_a_checklist_item_once(client_for, audrey, nc_item, version, soa):
    client = client_for(audrey)
    first = client.post(BASE + "from-item/", {"item": nc_item.pk, "nature": "missing"})
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["grade"] == "major_nc" and data["control"] == "A.8.5"
    assert data["evidence"] == [str(version.uid)] and data["raised_in"] == nc_item.audit.reference
    again = client.post(BASE + "from-item/", {"item": nc_item.pk})
    assert again.status_code == 200 and again.json()["id"] == data["id"]


def test_it_raises_and_edits_directly(client_for, audrey, audit, version, colin, control):
    client = client_for(audrey)
    payload = {
        "grade": "minor_nc",
        "control": "A.8.5",
        "statement": "One admin lacks MFA.",
        "evidence": [str(version.uid)],
        "auditees": [colin.user.email],
        "audit": audit.reference,
    }
    created = client.post(BASE, payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    finding = created.json()
    assert finding["raised_in"] == audit.reference and finding["auditees"] == [colin.user.email]
    changed = client.patch(
        f"{BASE}{finding['id']}/", {"nature": "ineffective"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["nature"] == "ineffective"
    bad = client.post(
        BASE,
        {**payload, "evidence": ["00000000-0000-4000-8000-000000000000"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "evidence" in bad.json()
    unknown = client.post(BASE, {**payload, "audit": "IA-1999-01"}, content_type="application/json")
    assert unknown.status_code == 400


def test_it_runs_the_lifecycle_with_independence(client_for, audrey, isla, alice, colin, draft):
    assert client_for(audrey).post(f"{BASE}{draft.pk}/open/").status_code == 403
    opened = client_for(isla).post(f"{BASE}{draft.pk}/open/")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    closing = client_for(alice).post(f"{BASE}{draft.pk}/close/", {"note": "Verified."})
    assert closing.status_code == 400 and "corrective action" in str(closing.json())
    closed_action(Finding.objects.get(pk=draft.pk), colin, audrey, isla)
    assert client_for(colin).post(f"{BASE}{draft.pk}/close/", {"note": "x"}).status_code == 403
    closed = client_for(alice).post(f"{BASE}{draft.pk}/close/", {"note": "Verified."})
    assert closed.status_code == 200 and closed.json()["closed_by"] == alice.user.email
    history = client_for(alice).get(f"{BASE}{draft.pk}/history/").json()["results"]
    assert [h["action"] for h in history][:2] == ["raise", "open"]
    assert history[-1]["action"] == "close"


def test_it_keeps_viewers_read_only(client_for, vera, draft):
    client = client_for(vera)
    assert client.get(f"{BASE}{draft.pk}/").status_code == 200
    assert client.post(f"{BASE}{draft.pk}/open/").status_code == 403
    assert (
        client.patch(f"{BASE}{draft.pk}/", {}, content_type="application/json").status_code == 403
    )
    assert client.get(BASE + "guidance/").json()["grades"][0]["grade"] == "major_nc"


def test_it_hides_findings_of_other_organizations(client_for, oscar, draft):
    assert client_for(oscar).get(f"{BASE}{draft.pk}/").status_code == 404
    assert client_for(oscar).get(f"/api/v1/orgs/globex/findings/{draft.pk}/").status_code == 404
