"""The risks and assets API: the register, treatment actions, acceptance, the methodology, the
heat map, the inventory and the spreadsheets, with permissions, tenancy and If-Match."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from annexa.isms.services import save_unit
from annexa.ledger.models import LedgerEntry
from annexa.risks.models import Asset, Risk
from annexa.risks.services import assets, risks

RISKS = "/api/v1/orgs/acme/risks"
ASSETS = "/api/v1/orgs/acme/assets"


@pytest.fixture
def api():
    """``api(persona)``: an API client signed in as that persona."""

    def login(persona) -> APIClient:
        client = APIClient()
        client.force_authenticate(persona.user)
        return client

    return login


def test_a_manager_creates_a_risk_and_reads_it_with_its_etag(api, isla, colin, server):
    created = api(isla).post(
        f"{RISKS}/",
        {
            "title": "Ransomware on the file server",
            "owner": "colin@acme.test",
            "assets": [server.pk],
            "controls": ["A.8.13"],
            "inherent_likelihood": 3,
            "inherent_impact": 5,
            "treatment": "modify",
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created["ETag"] == '"1"'
    body = created.data
    assert (body["reference"], body["owner"], body["status"]) == (
        "R-0001",
        "colin@acme.test",
        "treatment_planned",
    )
    assert (body["inherent_score"], body["inherent_level"], body["inherent_level_label"]) == (
        15,
        "high",
        "High",
    )
    assert body["asset_references"] == ["AS-0001"] and body["controls"] == ["A.8.13"]
    assert body["above_threshold"] is True and body["methodology"] == 1
    read = api(colin).get(f"{RISKS}/{body['id']}/")
    assert read.status_code == 200 and read["ETag"] == '"1"'


def test_creating_is_refused_with_every_problem(api, isla, colin):
    response = api(isla).post(
        f"{RISKS}/",
        {"title": "", "owner": "oscar@globex.test", "inherent_likelihood": 9, "controls": ["X"]},
        format="json",
    )
    assert response.status_code == 400
    assert {"title", "owner", "controls"} <= set(response.data)
    response = api(isla).post(
        f"{RISKS}/",
        {"title": "Off scale", "owner": "colin@acme.test", "inherent_likelihood": 9},
        format="json",
    )
    assert response.status_code == 400 and "inherent_likelihood" in response.data
    assert api(colin).post(f"{RISKS}/", {"title": "Mine"}, format="json").status_code == 403


def test_changing_a_risk_needs_the_version_read(api, phishing, colin, isla, alice):
    url = f"{RISKS}/{phishing.pk}/"
    change = {"treatment": "modify", "residual_likelihood": 2, "residual_impact": 2}
    assert api(colin).patch(url, change, format="json").status_code == 428
    response = api(colin).patch(url, change, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.data
    assert response["ETag"] == '"2"' and response.data["residual_level"] == "low"
    stale = api(isla).patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.data["current_version"] == 2
    assert "colin@acme.test" in stale.data["detail"]
    bad = api(isla).patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH="latest")
    assert bad.status_code == 400
    # Colin may change only the risks he owns; Alice's risk is not his.
    risks.update_risk(isla.ctx, phishing, {"owner": alice.user})
    refused = api(colin).patch(url, {"title": "Mine now"}, format="json", HTTP_IF_MATCH='"3"')
    assert refused.status_code == 403


def test_the_owner_accepts_the_residual_risk_and_a_manager_closes(api, phishing, colin, isla):
    url = f"{RISKS}/{phishing.pk}"
    early = api(colin).post(f"{url}/accept/", {}, format="json")
    assert early.status_code == 400 and "residual" in str(early.data["acceptance"])
    risks.update_risk(
        colin.ctx,
        phishing,
        {"treatment": "modify", "residual_likelihood": 2, "residual_impact": 2},
    )
    not_owner = api(isla).post(f"{url}/accept/", {}, format="json")
    assert not_owner.status_code == 400 and "only the risk owner" in str(not_owner.data)
    stale = api(colin).post(f"{url}/accept/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    accepted = api(colin).post(f"{url}/accept/", {"reason": "Low enough."}, format="json")
    assert accepted.status_code == 200, accepted.data
    assert accepted.data["accepted_by"] == "colin@acme.test"
    assert accepted.data["acceptance"]["level"] == "low" and accepted.data["status"] == "treated"
    assert api(colin).post(f"{url}/close/", {"reason": "Gone"}, format="json").status_code == 403
    assert api(isla).post(f"{url}/close/", {}, format="json").status_code == 400
    closed = api(isla).post(f"{url}/close/", {"reason": "Consoles retired."}, format="json")
    assert closed.status_code == 200 and closed.data["status"] == "closed"
    actions = LedgerEntry.objects.filter(object_type="risk").values_list("action", flat=True)
    assert {"accept_residual", "close"} <= set(actions)


def test_treatment_actions_are_listed_added_and_worked(api, phishing, colin, isla):
    url = f"{RISKS}/{phishing.pk}/actions/"
    added = api(colin).post(
        url,
        {"title": "Enforce MFA", "owner": "colin@acme.test", "due_date": "2027-01-31"}
        | {"control": "A.8.5"},
        format="json",
    )
    assert added.status_code == 201, added.data
    assert (added.data["reference"], added.data["risk"], added.data["status"]) == (
        "RT-0001",
        "R-0001",
        "open",
    )
    assert [a["reference"] for a in api(isla).get(url).data["results"]] == ["RT-0001"]
    bad = api(colin).post(url, {"title": "", "owner": "x@y.test"}, format="json")
    assert bad.status_code == 400 and {"title", "owner", "due_date"} <= set(bad.data)
    detail = f"{RISKS}/treatment-actions/{added.data['id']}/"
    done = api(colin).patch(detail, {"status": "done"}, format="json")
    assert done.status_code == 200 and done.data["done_at"] is not None
    listed = api(isla).get(f"{RISKS}/treatment-actions/?status=open")
    assert listed.status_code == 200 and listed.data["count"] == 0
    assert api(isla).get(f"{RISKS}/treatment-actions/?overdue=maybe").status_code == 400


def test_the_list_filters_and_pages(api, phishing, isla):
    risks.create_risk(isla.ctx, {"title": "Flood", "owner": isla.user})
    client = api(isla)
    page = client.get(f"{RISKS}/?limit=1")
    assert page.data["count"] == 2 and len(page.data["results"]) == 1
    assert [r["reference"] for r in client.get(f"{RISKS}/?level=high").data["results"]] == [
        "R-0001"
    ]
    found = client.get(f"{RISKS}/?status=identified&owner=isla@acme.test").data["results"]
    assert [r["reference"] for r in found] == ["R-0002"]
    cell = client.get(f"{RISKS}/?likelihood=4&impact=4&above=true").data["results"]
    assert [r["reference"] for r in cell] == ["R-0001"]
    refused = client.get(f"{RISKS}/?status=finished&likelihood=0")
    assert refused.status_code == 400 and {"status", "likelihood"} <= set(refused.data)


def test_the_methodology_is_read_revised_and_versioned(api, phishing, isla, colin):
    current = api(colin).get(f"{RISKS}/methodology/")
    assert current.status_code == 200 and current.data["version"] == 1
    assert current.data["matrix"][3][3] == 16
    assert api(colin).post(f"{RISKS}/methodology/", {}, format="json").status_code == 403
    bands = current.data["bands"]
    bands[2]["max"], bands[3]["min"] = 15, 16  # 16 becomes very high
    revised = api(isla).post(
        f"{RISKS}/methodology/",
        {"bands": bands, "acceptance_threshold": 6, "reason": "The board lowered the bar."},
        format="json",
    )
    assert revised.status_code == 201, revised.data
    assert revised.data["version"] == 2 and revised.data["created_by"] == "isla@acme.test"
    assert Risk.objects.get(pk=phishing.pk).inherent_level == "very_high"
    versions = api(colin).get(f"{RISKS}/methodology/versions/")
    assert [v["version"] for v in versions.data["results"]] == [2, 1]
    broken = api(isla).post(
        f"{RISKS}/methodology/", {"matrix": [[1, 2]], "reason": "Oops"}, format="json"
    )
    assert broken.status_code == 400 and "matrix" in broken.data
    unchanged = api(isla).post(f"{RISKS}/methodology/", {"reason": "Same"}, format="json")
    assert unchanged.status_code == 400


def test_the_heat_map_counts_open_risks_per_cell(api, phishing, colin):
    inherent = api(colin).get(f"{RISKS}/heat-map/")
    assert inherent.status_code == 200
    assert inherent.data["basis"] == "inherent" and inherent.data["total"] == 1
    cell = inherent.data["cells"][3][3]
    assert (cell["likelihood"], cell["impact"], cell["count"], cell["level"]) == (
        4,
        4,
        1,
        "high",
    )
    assert inherent.data["likelihood"][0] == "Rare"
    residual = api(colin).get(f"{RISKS}/heat-map/?basis=residual")
    assert residual.data["total"] == 0 and residual.data["unassessed"] == 1
    assert api(colin).get(f"{RISKS}/heat-map/?basis=both").status_code == 400


def test_viewers_read_only_and_outsiders_see_nothing(api, phishing, vera, oscar):
    assert api(vera).get(f"{RISKS}/{phishing.pk}/").status_code == 200
    assert api(vera).post(f"{RISKS}/{phishing.pk}/close/", {"reason": "x"}).status_code == 403
    assert api(vera).patch(f"{ASSETS}/{phishing.assets.get().pk}/", {}).status_code == 403
    assert api(oscar).get(f"{RISKS}/").status_code == 404
    assert api(oscar).get(f"/api/v1/orgs/globex/risks/{phishing.pk}/").status_code == 404
    assert APIClient().get(f"{RISKS}/").status_code in (401, 403)


# --- assets --------------------------------------------------------------------------------


def test_assets_are_created_changed_with_if_match_and_listed(api, isla, colin):
    created = api(isla).post(
        f"{ASSETS}/",
        {"name": "Payroll export", "kind": "information", "owner": "colin@acme.test"}
        | {"classification": "Confidential", "value_c": 5},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created["ETag"] == '"1"' and created.data["classification"] == "Confidential"
    assert created.data["value"] == 5 and created.data["reference"] == "AS-0001"
    url = f"{ASSETS}/{created.data['id']}/"
    assert api(isla).patch(url, {"location": "HR share"}, format="json").status_code == 428
    changed = api(isla).patch(
        url, {"location": "HR share", "retired": True}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200 and changed["ETag"] == '"2"'
    stale = api(isla).patch(url, {"location": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.data["current_version"] == 2
    assert (
        api(isla).patch(url, {"retired": "yes"}, format="json", HTTP_IF_MATCH='"2"').status_code
        == 400
    )
    bad = api(isla).post(
        f"{ASSETS}/",
        {"name": "Payroll export", "kind": "car", "classification": "Top"},
        format="json",
    )
    assert bad.status_code == 400 and {"kind"} <= set(bad.data)
    clash = api(isla).post(
        f"{ASSETS}/",
        {"name": "payroll EXPORT", "kind": "information", "classification": "Top"},
        format="json",
    )
    assert clash.status_code == 400 and {"name", "classification"} <= set(clash.data)
    listed = api(colin).get(f"{ASSETS}/?retired=true&owner=colin@acme.test")
    assert [a["reference"] for a in listed.data["results"]] == ["AS-0001"]
    assert api(colin).get(f"{ASSETS}/?confirmed=maybe").status_code == 400
    assert api(colin).post(f"{ASSETS}/", {"name": "x", "kind": "system"}).status_code == 403


def test_a_proposed_asset_is_confirmed_by_its_owner(api, isla, colin):
    proposed = assets.create_asset(
        isla.ctx,
        {"name": "eu-west-1 bucket", "kind": "system", "owner": colin.user},
        source="connector",
        confirmed=False,
    )
    url = f"{ASSETS}/{proposed.pk}/confirm/"
    confirmed = api(colin).post(url)
    assert confirmed.status_code == 200 and confirmed.data["confirmed"] is True
    assert api(colin).post(url).status_code == 400  # already confirmed


def test_the_scope_becomes_assets_once(api, isla, colin):
    save_unit(isla.ctx, {"name": "Billing platform", "kind": "system", "manager": colin.user})
    save_unit(isla.ctx, {"name": "Ljubljana office", "kind": "location"})
    added = api(isla).post(f"{ASSETS}/from-scope/")
    assert added.status_code == 201
    assert sorted((a["name"], a["kind"]) for a in added.data) == [
        ("Billing platform", "system"),
        ("Ljubljana office", "location"),
    ]
    assert api(isla).post(f"{ASSETS}/from-scope/").data == []
    assert api(colin).post(f"{ASSETS}/from-scope/").status_code == 403


# --- spreadsheets --------------------------------------------------------------------------


def test_the_register_downloads_and_imports(api, phishing, isla, colin):
    response = api(colin).get(f"{RISKS}/export.xlsx?level=high")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="risk-register-acme')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "R-0001" and sheet.max_row == 2
    csv_response = api(colin).get(f"{RISKS}/export.csv")
    assert csv_response.content.decode("utf-8-sig").startswith("reference,title,")
    assert api(colin).get(f"{RISKS}/export.csv?status=gone").status_code == 400
    upload = io.BytesIO(b"title,owner,inherent_likelihood\nFlood,isla@acme.test,2\n")
    upload.name = "register.csv"
    imported = api(isla).post(f"{RISKS}/import/", {"file": upload}, format="multipart")
    assert imported.status_code == 200, imported.data
    assert imported.data == {"created": ["R-0002"], "updated": [], "unchanged": 0}


def test_a_bad_register_upload_lists_every_problem(api, isla, colin):
    upload = io.BytesIO(
        b"title,owner,inherent_likelihood\nFlood,nobody@x.test,2\n,isla@acme.test,9\n"
    )
    upload.name = "register.csv"
    refused = api(isla).post(f"{RISKS}/import/", {"file": upload}, format="multipart")
    assert refused.status_code == 400
    assert [(e["row"], e["column"]) for e in refused.data["errors"]] == [
        (2, "owner"),
        (3, "title"),
        (3, "inherent_likelihood"),
    ]
    assert not Risk.objects.exists()
    wrong = io.BytesIO(b"%PDF-1.7")
    wrong.name = "register.pdf"
    refused = api(isla).post(f"{RISKS}/import/", {"file": wrong}, format="multipart")
    assert refused.status_code == 400 and "xlsx" in refused.data["errors"][0]["message"]
    missing = api(isla).post(f"{RISKS}/import/", {}, format="multipart")
    assert missing.status_code == 400 and missing.data["errors"][0]["column"] == "file"
    upload.seek(0)
    assert api(colin).post(f"{RISKS}/import/", {"file": upload}).status_code == 403


def test_the_inventory_downloads_and_imports(api, server, isla):
    exported = api(isla).get(f"{ASSETS}/export.csv")
    assert exported.status_code == 200
    upload = io.BytesIO(exported.content)
    upload.name = "inventory.csv"
    again = api(isla).post(f"{ASSETS}/import/", {"file": upload}, format="multipart")
    assert again.status_code == 200 and again.data["unchanged"] == 1
    upload = io.BytesIO(b"name,kind\nHQ,location\nHQ,location\n")
    upload.name = "inventory.csv"
    twice = api(isla).post(f"{ASSETS}/import/", {"file": upload}, format="multipart")
    assert twice.status_code == 400 and twice.data["errors"][0]["row"] == 3
    assert Asset.objects.count() == 1
