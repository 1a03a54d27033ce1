import io

from openpyxl import load_workbook

from annexa.isms.models import ContextIssue, ScopeStatement, SoAEntry
from annexa.isms.services import save_unit, update_soa_entry
from annexa.isms.tests.conftest import ledger_count, sheet

BASE = "/api/v1/orgs/acme"


def test_it_creates_lists_changes_and_deletes_context_issues(acme, api, isla):
    client = api(isla)
    created = client.post(
        f"{BASE}/context-issues/",
        {"kind": "external", "description": "New customer contracts.", "climate_related": False},
        format="json",
    )
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert client.get(f"{BASE}/context-issues/").data["count"] == 1
    changed = client.patch(f"{BASE}/context-issues/{pk}/", {"effect": "More audits."})
    assert changed.status_code == 200 and changed.data["effect"] == "More audits."
    assert client.delete(f"{BASE}/context-issues/{pk}/").status_code == 204
    assert not ContextIssue.objects.exists()
    assert ledger_count(acme) == 3


def test_it_explains_bad_context_records(acme, api, isla, oscar):
    client = api(isla)
    response = client.post(f"{BASE}/context-issues/", {"kind": "x", "description": ""})
    assert response.status_code == 400
    assert set(response.data) == {"kind", "description"}
    response = client.post(
        f"{BASE}/units/", {"name": "Eng", "kind": "unit", "manager": "oscar@globex.test"}
    )
    assert response.status_code == 400
    assert "not a member" in str(response.data["manager"][0])
    client.post(f"{BASE}/interested-parties/", {"name": "Customers"})
    response = client.post(f"{BASE}/interested-parties/", {"name": "Customers"})
    assert response.status_code == 400 and "already taken" in str(response.data["name"][0])


def test_it_serves_units_with_their_manager(acme, api, isla, colin):
    response = api(isla).post(
        f"{BASE}/units/", {"name": "Engineering", "kind": "unit", "manager": "colin@acme.test"}
    )
    assert response.status_code == 201
    assert response.data["manager"] == "colin@acme.test"


def test_it_refuses_viewers_and_outsiders(acme, api, vera, oscar):
    assert api(vera).post(f"{BASE}/context-issues/", {"kind": "internal"}).status_code == 403
    assert api(vera).get(f"{BASE}/context-issues/").status_code == 200
    assert api(oscar).get(f"{BASE}/context-issues/").status_code == 404
    assert api(oscar).get(f"{BASE}/soa/").status_code == 404


def test_it_shows_and_writes_the_scope(acme, api, isla, alice):
    unit = save_unit(isla.ctx, {"name": "Office Ljubljana", "kind": "location"})
    client = api(isla)
    assert client.get(f"{BASE}/scope/").data == {"current": None, "versions": []}
    response = client.post(
        f"{BASE}/scope/",
        {
            "text": "The platform and its office.",
            "units": [str(unit.uid)],
            "exclusions": [{"item": "Payroll", "reason": "Outsourced."}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["in_scope"][0]["name"] == "Office Ljubljana"
    assert response.data["created_by"] == "isla@acme.test"
    own = client.post(f"{BASE}/scope/approve/", {"version": 1}, format="json")
    assert own.status_code == 400
    assert "you may not approve it" in own.data["approved_by"][0]
    assert "alice@acme.test" in own.data["approved_by"][0]
    approved = api(alice).post(f"{BASE}/scope/approve/", {"version": 1}, format="json")
    assert approved.status_code == 200 and approved.data["approved_by"] == "alice@acme.test"
    overview = client.get(f"{BASE}/scope/").data
    assert overview["current"]["version"] == 1 and len(overview["versions"]) == 1
    assert client.get(f"{BASE}/scope/versions/1/").data["text"] == "The platform and its office."
    again = client.post(f"{BASE}/scope/approve/", {}, format="json")
    assert again.status_code == 400 and "already approved" in str(again.data)


def test_it_explains_a_bad_scope(acme, api, isla, oscar):
    theirs = save_unit(oscar.ctx, {"name": "Globex HQ", "kind": "location"})
    response = api(isla).post(
        f"{BASE}/scope/",
        {"text": "x", "units": [str(theirs.uid)], "exclusions": [{"item": "Payroll"}]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.data) == {"units", "exclusions"}
    assert not ScopeStatement.objects.exists()


def test_it_lists_and_filters_the_soa(soa, api, isla, vera):
    update_soa_entry(
        isla.ctx, "A.8.8", {"applicable": True, "justification": "CVEs.", "status": "planned"}
    )
    client = api(vera)
    assert client.get(f"{BASE}/soa/").data["count"] == 93
    data = client.get(f"{BASE}/soa/", {"applicable": "yes", "theme": "technological"}).data
    assert [e["control_id"] for e in data["results"]] == ["A.8.8"]
    assert data["results"][0]["implementation_status"] == "planned"
    bad = client.get(f"{BASE}/soa/", {"status": "finished"})
    assert bad.status_code == 400 and "status" in bad.data


def test_it_patches_an_entry_with_if_match_and_refuses_stale_versions(soa, api, isla, colin):
    client = api(isla)
    entry = client.get(f"{BASE}/soa/A.5.15/")
    assert entry.status_code == 200 and entry["ETag"] == '"1"'
    body = {
        "applicable": True,
        "justification": "Need-to-know.",
        "control_owner": "colin@acme.test",
    }
    ok = client.patch(f"{BASE}/soa/A.5.15/", body, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.data
    assert ok.data["version"] == 2 and ok["ETag"] == '"2"'
    assert ok.data["control_owner"] == "colin@acme.test"
    stale = client.patch(f"{BASE}/soa/A.5.15/", {"notes": "x"}, format="json", HTTP_IF_MATCH="1")
    assert stale.status_code == 412
    assert stale.data["current_version"] == 2
    assert SoAEntry.objects.get(organization=soa, control_id="A.5.15").notes == ""
    nonsense = client.patch(f"{BASE}/soa/A.5.15/", {"notes": "x"}, HTTP_IF_MATCH="yesterday")
    assert nonsense.status_code == 400


def test_it_requires_if_match_so_the_last_writer_does_not_silently_win(soa, api, isla):
    client = api(isla)
    blind = client.patch(f"{BASE}/soa/A.5.15/", {"notes": "x"}, format="json")
    assert blind.status_code == 428
    assert "If-Match" in blind.data["detail"]
    entry = SoAEntry.objects.get(organization=soa, control_id="A.5.15")
    assert (entry.version, entry.notes) == (1, "")
    assert client.patch(f"{BASE}/soa/A.9.99/", {"notes": "x"}, format="json").status_code == 404


def test_it_validates_patches(soa, api, isla):
    client = api(isla)
    v1 = {"format": "json", "HTTP_IF_MATCH": '"1"'}
    response = client.patch(f"{BASE}/soa/A.5.15/", {"applicable": True}, **v1)
    assert response.status_code == 400
    assert "justification" in response.data
    response = client.patch(f"{BASE}/soa/A.5.15/", {"implementation_status": "done"}, **v1)
    assert response.status_code == 400 and "implementation_status" in response.data
    assert client.put(f"{BASE}/soa/A.5.15/", {}, format="json").status_code == 405
    assert client.get(f"{BASE}/soa/A.9.99/").status_code == 404


def test_it_exports_and_imports_through_the_api(soa, api, isla):
    client = api(isla)
    xlsx = client.get(f"{BASE}/soa/export.xlsx")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0].max_row == 94
    csv = client.get(f"{BASE}/soa/export.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    before = ledger_count(soa)
    upload = io.BytesIO(xlsx.content)
    upload.name = "soa.xlsx"
    result = client.post(f"{BASE}/soa/import", {"file": upload}, format="multipart")
    assert result.status_code == 200, result.data
    assert result.data == {"changed": [], "unchanged": 93}
    assert ledger_count(soa) == before


def test_it_answers_400_with_row_errors_for_a_bad_sheet(soa, api, isla):
    bad = io.BytesIO(sheet([["A.5.99", "", "", "yes", "Why.", "implemented", "", "=1+1"]]))
    bad.name = "bad.xlsx"
    response = api(isla).post(f"{BASE}/soa/import", {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (2, "control_id"),
        (2, "notes"),
    }
    missing = api(isla).post(f"{BASE}/soa/import", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["column"] == "file"


def test_it_answers_errors_of_the_export_as_json(soa, api, oscar):
    response = api(oscar).get(f"{BASE}/soa/export.xlsx")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_it_generates_the_schema_without_warnings_for_isms_views():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()  # the caches are process-wide: start from a clean slate
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/orgs/{org}/soa/{control_id}/" in schema["paths"]
    assert "/api/v1/orgs/{org}/soa/export.xlsx" in schema["paths"]
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not [p for p in problems if "isms" in p], problems
