"""Sampling pages and API: draw a sample, see how to re-derive it, record each record."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annexa.audits.models import Sample
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import store_text

HTMX = {"HTTP_HX_REQUEST": "true"}
POPULATION = "".join(f"joiner-{n:03d}\n" for n in range(200))


def url(name: str, pk: int) -> str:
    return reverse(f"audits:{name}", kwargs={"org": "acme", "pk": pk})


def test_it_draws_a_sample_from_pasted_records(items, client_for, audrey):
    client = client_for(audrey)
    item = items["A.8.5"]
    page = client.get(url("checklist-item-sampling", item.pk)).content.decode()
    assert 'id="draw-sample"' in page
    data = {
        "population_text": POPULATION,
        "rule": "statistical",
        "confidence_level": "95",
        "tolerable_deviation_rate": "5",
        "expected_deviation": "0",
        "seed": "annexa-2026",
    }
    response = client.post(url("checklist-item-sampling", item.pk), data)
    assert response.status_code == 302
    sample = Sample.objects.get()
    assert sample.computed_size == 46
    page = client.get(response.url).content.decode()
    assert "annexa sample derive --population population.txt --seed annexa-2026 --size 46" in page
    assert sample.population_sha256 in page
    download = client.get(url("sample-population", sample.pk))
    assert download.content.decode() == POPULATION


def test_it_draws_from_an_uploaded_file_or_evidence(items, client_for, audrey):
    client = client_for(audrey)
    item = items["A.8.5"]
    file = SimpleUploadedFile("joiners.csv", b"id,name\nu1,A\nu2,B\nu3,C\n", "text/csv")
    data = {"population_file": file, "column": "id", "rule": "judgement", "size": "2"}
    data["rationale"] = "Two of three"
    assert client.post(url("checklist-item-sampling", item.pk), data).status_code == 302
    version = store_text(audrey.ctx, "a\nb\nc\nd\n", filename="all.txt", controls=["A.8.5"])
    page = client.get(url("checklist-item-sampling", item.pk)).content.decode()
    assert f'value="{version.pk}"' in page  # offered: on file for A.8.5
    data = {"population_evidence": version.pk, "rule": "judgement", "size": "4", "rationale": "All"}
    assert client.post(url("checklist-item-sampling", item.pk), data).status_code == 302
    assert sorted(s.computed_size for s in Sample.objects.all()) == [2, 4]


def test_it_explains_what_is_wrong_with_the_input(items, client_for, audrey):
    client = client_for(audrey)
    target = url("checklist-item-sampling", items["A.8.5"].pk)
    response = client.post(target, {"rule": "judgement", "size": "2"})
    assert (
        response.status_code == 422 and "Give the population one way" in response.content.decode()
    )
    data = {"population_text": "a\na\n", "rule": "judgement", "size": "1", "rationale": "x"}
    response = client.post(target, data)
    assert response.status_code == 422 and "appears twice" in response.content.decode()


def test_it_records_a_result_per_record_with_htmx(items, client_for, audrey, vera):
    client = client_for(audrey)
    data = {"population_text": "a\nb\nc\n", "rule": "judgement", "size": "3", "rationale": "All"}
    client.post(url("checklist-item-sampling", items["A.8.5"].pk), data)
    record = Sample.objects.get().records.first()
    target = url("sample-record", record.pk)
    refused = client.post(target, {"result": "deviation", "note": ""}, **HTMX)
    assert refused.status_code == 422 and "Describe the deviation" in refused.content.decode()
    saved = client.post(target, {"result": "deviation", "note": "No ticket"}, **HTMX)
    assert saved.status_code == 200
    record.refresh_from_db()
    assert (record.result, record.note) == ("deviation", "No ticket")
    assert client_for(vera).post(target, {"result": "conforming"}).status_code == 403


def test_it_serves_samples_through_the_api(items, client_for, audrey, vera):
    base = "/api/v1/orgs/acme/audits"
    item = items["A.8.5"]
    body = {
        "population": [f"joiner-{n:03d}" for n in range(200)],
        "rule": "statistical",
        "confidence_level": "95",
        "tolerable_deviation_rate": "5",
        "seed": "annexa-2026",
    }
    created = client_for(audrey).post(
        f"{base}/checklist/items/{item.pk}/samples/", body, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    sample = created.json()
    assert sample["computed_size"] == 46 and sample["algorithm"] == "hmac-sha256-counter-v1"
    assert sample["summary"]["pending"] == 46
    record = sample["records"][0]["id"]
    patched = client_for(audrey).patch(
        f"{base}/samples/records/{record}/",
        {"result": "conforming"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["result"] == "conforming"
    size = client_for(vera).get(
        f"{base}/samples/size/",
        {"confidence_level": "95", "tolerable_deviation_rate": "5", "population": "200"},
    )
    assert size.json() == {"infinite": 59, "allowed_deviations": 0, "size": 46}
    bad = client_for(vera).get(f"{base}/samples/size/", {"confidence_level": "95"})
    assert bad.status_code == 400
