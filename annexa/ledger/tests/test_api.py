"""The ledger API: entries, checkpoints, verification and inclusion proofs."""

from __future__ import annotations

from annexa.ledger import merkle, services
from annexa.ledger.verifier import key_id_of
from annexa.ledger.verify import instance_public_key

API = "/api/v1/orgs/acme/ledger"


def _append(ctx, n: int) -> None:
    for i in range(n):
        services.append(
            ctx, object_type="soa", object_id=f"A.5.{i}", action="update", data={"i": i}
        )


def test_it_lists_and_filters_entries(isla, vera, client_for):
    _append(isla.ctx, 3)
    client = client_for(vera)
    listing = client.get(f"{API}/entries/").json()
    assert listing["count"] == 3
    assert [e["seq"] for e in listing["results"]] == [3, 2, 1]
    assert listing["results"][0]["data"] == {"i": 2}
    filtered = client.get(f"{API}/entries/", {"object_id": "A.5.1"}).json()
    assert [e["seq"] for e in filtered["results"]] == [2]
    assert client.get(f"{API}/entries/2/").json()["object_id"] == "A.5.1"
    assert client.get(f"{API}/entries/99/").status_code == 404


def test_it_creates_checkpoints_for_managers_only(isla, vera, client_for):
    assert client_for(isla).post(f"{API}/checkpoints/").status_code == 409  # empty ledger
    _append(isla.ctx, 2)
    assert client_for(vera).post(f"{API}/checkpoints/").status_code == 403
    created = client_for(isla).post(f"{API}/checkpoints/")
    assert created.status_code == 201
    assert created.json()["tree_size"] == 2
    assert created.json()["key_id"] == key_id_of(instance_public_key())
    assert client_for(isla).post(f"{API}/checkpoints/").status_code == 200
    assert [
        c["tree_size"] for c in client_for(vera).get(f"{API}/checkpoints/").json()["results"]
    ] == [2]


def test_it_proves_inclusion_under_the_latest_checkpoint(isla, vera, client_for):
    _append(isla.ctx, 7)
    services.create_checkpoint(isla.ctx)
    _append(isla.ctx, 1)
    client = client_for(vera)
    proof = client.get(f"{API}/entries/5/proof/").json()
    assert proof["checkpoint"]["tree_size"] == 7
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["checkpoint"]["tree_size"],
        [bytes.fromhex(node) for node in proof["path"]],
        bytes.fromhex(proof["checkpoint"]["root_hash"]),
    )
    assert client.get(f"{API}/entries/8/proof/").status_code == 409
    assert client.get(f"{API}/entries/80/proof/").status_code == 404


def test_it_reports_verification(isla, vera, client_for, store):
    _append(isla.ctx, 2)
    report = client_for(vera).get(f"{API}/verify/").json()
    assert report["ok"] is True and report["entries"] == 2


def test_it_serves_the_public_key(vera, client_for, signing_key):
    data = client_for(vera).get(f"{API}/public-key/").json()
    assert data["key_id"] == key_id_of(instance_public_key())
    assert data["pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_it_hides_everything_from_outsiders(isla, oscar, client_for):
    _append(isla.ctx, 1)
    client = client_for(oscar)
    for path in (
        "entries/",
        "entries/1/",
        "entries/1/proof/",
        "checkpoints/",
        "verify/",
        "public-key/",
    ):
        assert client.get(f"{API}/{path}").status_code == 404, path
    assert client.post(f"{API}/checkpoints/").status_code == 404


def test_the_entry_count_comes_from_the_head_unless_filtered(isla, vera, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _append(isla.ctx, 4)
    services.append(isla.ctx, object_type="risk", object_id="R1", action="create", data={})
    client = client_for(vera)
    with CaptureQueriesContext(connection) as queries:
        listing = client.get(f"{API}/entries/", {"limit": 2}).json()
    assert listing["count"] == 5 and len(listing["results"]) == 2 and listing["next"]
    assert not [q for q in queries if "COUNT(" in q["sql"] and "ledger_ledgerentry" in q["sql"]]
    assert client.get(f"{API}/entries/", {"object_type": "risk"}).json()["count"] == 1
    assert services.entry_count(isla.ctx.org) == 5
