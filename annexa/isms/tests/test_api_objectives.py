import pytest

from annexa.isms.models import Objective
from annexa.ledger.services import history

BASE = "/api/v1/orgs/acme/objectives"
OBJECTIVE = {
    "title": "Fewer staff fall for phishing",
    "measure": "Share of staff who click in the quarterly phishing test.",
    "target": "At most 5% by December.",
    "target_value": "5",
    "unit": "%",
    "direction": "at_most",
    "owner": "colin@acme.test",
    "due_date": "2026-12-31",
    "status": "on_track",
}


@pytest.fixture
def created(acme, api, isla, colin):
    response = api(isla).post(f"{BASE}/", OBJECTIVE, format="json")
    assert response.status_code == 201, response.data
    return response.data


def test_it_creates_and_lists_objectives_with_their_progress(acme, api, isla, created):
    assert created["reference"] == "OBJ-01" and created["version"] == 1
    assert created["owner"] == "colin@acme.test" and created["target_value"] == "5"
    assert created["latest_measurement"] is None and created["trend"] is None
    client = api(isla)
    url = f"{BASE}/{created['id']}/measurements/"
    for day, value in (("2026-01-10", "9"), ("2026-04-10", "4.5")):
        response = client.post(url, {"measured_on": day, "value": value}, format="json")
        assert response.status_code == 201, response.data
    assert response.data["recorded_by"] == "isla@acme.test"
    readings = client.get(url).data["results"]
    assert [(m["measured_on"], m["value"]) for m in readings] == [
        ("2026-01-10", "9"),
        ("2026-04-10", "4.5"),
    ]
    [listed] = client.get(f"{BASE}/").data["results"]
    assert listed["latest_measurement"]["value"] == "4.5"
    assert listed["trend"] == "improving" and listed["target_met"] is True


def test_it_patches_with_if_match_and_refuses_a_stale_version(acme, api, isla, alice, created):
    url = f"{BASE}/{created['id']}/"
    response = api(isla).get(url)
    assert response["ETag"] == '"1"'
    changed = api(alice).patch(url, {"status": "at_risk"}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200 and changed.data["version"] == 2
    assert changed["ETag"] == '"2"' and changed.data["updated_by"] == "alice@acme.test"
    stale = api(isla).patch(url, {"status": "achieved"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.data["current_version"] == 2
    assert Objective.objects.get().status == "at_risk"
    bad = api(isla).patch(url, {"status": "x"}, format="json", HTTP_IF_MATCH="soon")
    assert bad.status_code == 400
    blind = api(isla).patch(url, {"status": "achieved"}, format="json")
    assert blind.status_code == 428 and "If-Match" in blind.data["detail"]
    assert Objective.objects.get().status == "at_risk"


def test_it_explains_bad_input(acme, api, isla, oscar, catalog, created):
    client = api(isla)
    response = client.post(
        f"{BASE}/", {**OBJECTIVE, "owner": "oscar@globex.test", "control": "A.99"}, format="json"
    )
    assert response.status_code == 400
    assert "not a member" in str(response.data["owner"][0])
    assert "Unknown control A.99" in str(response.data["control"][0])
    response = client.post(f"{BASE}/", {"title": "Only a title"}, format="json")
    assert response.status_code == 400
    assert set(response.data) == {"measure", "target", "owner", "due_date"}
    response = client.post(f"{BASE}/", {**OBJECTIVE, "status": "withdrawn"}, format="json")
    assert response.status_code == 400 and "reason" in str(response.data["status"][0])
    url = f"{BASE}/{created['id']}/measurements/"
    response = client.post(url, {"measured_on": "2026-01-10"}, format="json")
    assert response.status_code == 400 and "value" in response.data
    url = f"{BASE}/{created['id']}/"
    linked = client.patch(url, {"control": "A.8.8"}, format="json", HTTP_IF_MATCH='"1"')
    assert linked.status_code == 200 and linked.data["control"] == "A.8.8"


def test_it_withdraws_with_a_reason(acme, api, isla, created):
    url = f"{BASE}/{created['id']}/withdraw/"
    assert api(isla).post(url, {}, format="json").status_code == 400
    stale = api(isla).post(url, {"reason": "Merged."}, format="json", HTTP_IF_MATCH='"5"')
    assert stale.status_code == 412
    response = api(isla).post(url, {"reason": "Merged."}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.data["status"] == "withdrawn"
    assert response.data["withdrawn_reason"] == "Merged."
    again = api(isla).post(
        f"{BASE}/{created['id']}/measurements/",
        {"measured_on": "2026-01-10", "value": 1},
        format="json",
    )
    assert again.status_code == 400 and "withdrawn" in str(again.data)
    assert api(isla).delete(f"{BASE}/{created['id']}/").status_code == 405  # never deleted
    objective = Objective.objects.get()
    assert [r.action for r in history(acme, "objective", str(objective.uid))] == [
        "create",
        "withdraw",
    ]


def test_it_refuses_viewers_and_outsiders(acme, api, vera, oscar, created):
    viewer = api(vera)
    assert viewer.get(f"{BASE}/").status_code == 200
    assert viewer.post(f"{BASE}/", OBJECTIVE, format="json").status_code == 403
    url = f"{BASE}/{created['id']}/"
    assert viewer.patch(url, {"status": "achieved"}, format="json").status_code == 403
    measure = {"measured_on": "2026-01-10", "value": 1}
    assert viewer.post(f"{url}measurements/", measure, format="json").status_code == 403
    assert viewer.get(f"{url}measurements/").status_code == 200
    assert viewer.delete(url).status_code == 403  # viewers are refused before the method
    assert api(oscar).get(url).status_code == 404
    assert api(oscar).get(f"/api/v1/orgs/globex/objectives/{created['id']}/").status_code == 404
