"""The scale-out topology on one machine (docs/deploy.md, "Scale-out"): two gunicorn processes
on two ports, two huey workers on Redis, PostgreSQL, evidence in S3 (a moto server), one shared
configuration. An audit runs through the API against both web processes alternately, a
collection runs through the workers, and the result is one consistent record: `annexa verify`
passes, every blob is in the bucket, both web processes answered.

It needs PostgreSQL and Redis on this machine, so it runs in the PostgreSQL pass of `make test`
only (the SQLite pass has nothing different to prove here).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import time

import boto3
import httpx
import pytest

from tests.integration import topology as topo
from tests.integration.topology import expect

pytestmark = pytest.mark.skipif(
    not os.environ.get("ANNEXA_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="runs in the PostgreSQL pass of make test (needs PostgreSQL and Redis)",
)

OWNER = "owner@topology.test"
AUDITOR = "auditor@topology.test"
API = f"/api/v1/orgs/{topo.ORG}"
ACCOUNTS_CSV = (
    "account,system,person,account_status,mfa,privileged\n"
    "alice,vpn,alice@topology.test,enabled,true,false\n"
    "backup-admin,vpn,,enabled,false,true\n"
)


@pytest.fixture(scope="module")
def topology():
    try:
        running = topo.start_topology(web=2, workers=2, roles={OWNER: "owner", AUDITOR: "auditor"})
    except topo.Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield running
    finally:
        running.stop()


class Alternating:
    """An API client for one member that sends each request to the next web process."""

    def __init__(self, topology: topo.Topology, email: str) -> None:
        headers = {"Authorization": f"Bearer {topology.members[email].key}"}
        self.clients = [
            httpx.Client(base_url=url, headers=headers, timeout=60) for url in topology.web_urls
        ]
        self.turn = itertools.cycle(self.clients)

    def __getattr__(self, method: str):
        return getattr(next(self.turn), method)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def run_audit(owner: Alternating, auditor: Alternating) -> dict:
    """Plan an audit as the owner, work its checklist as the lead auditor, raise a finding."""
    audit = topo.audit_in_fieldwork(owner, ["A.5.15", "A.8.5"], [(AUDITOR, "lead")])
    generated = expect(auditor.post(f"{API}/audits/{audit['id']}/checklist/generate/"), 201)
    assert generated["added"] == ["A.5.15", "A.8.5"]
    items = {
        i["subject"]: i
        for i in expect(auditor.get(f"{API}/audits/{audit['id']}/checklist/"))["items"]
    }
    mfa, access = items["A.8.5"], items["A.5.15"]

    report = b"MFA enrolment report\nadmin-1: enrolled\nadmin-2: not enrolled\n"
    uploaded = auditor.post(
        f"{API}/audits/checklist/items/{mfa['id']}/evidence/",
        files={"file": ("mfa-report.txt", report, "text/plain")},
        data={"title": "MFA enrolment report"},
        headers=if_match(mfa["version"]),
    )
    mfa = expect(uploaded, 201)
    assert len(mfa["evidence"]) == 1
    saved = expect(
        auditor.patch(
            f"{API}/audits/checklist/items/{mfa['id']}/",
            json={
                "result": "major_nc",
                "methods": ["document_review", "technical_test"],
                "examined": "The identity provider's enrolment report",
                "verification": "One of two administrators has no second factor.",
                "evidence": mfa["evidence"],
            },
            headers=if_match(mfa["version"]),
        )
    )
    assert saved["version"] == mfa["version"] + 1
    # The other web process refuses the version both clients read before the save.
    stale = auditor.patch(
        f"{API}/audits/checklist/items/{mfa['id']}/",
        json={"notes": "written from an old copy"},
        headers=if_match(mfa["version"]),
    )
    assert stale.status_code == 412, stale.text
    expect(
        auditor.patch(
            f"{API}/audits/checklist/items/{access['id']}/",
            json={"result": "conforming", "methods": ["interview"]},
            headers=if_match(access["version"]),
        )
    )
    finding = expect(auditor.post(f"{API}/findings/from-item/", json={"item": mfa["id"]}), 201)
    assert finding["grade"] == "major_nc" and finding["control"] == "A.8.5"
    assert (
        expect(auditor.get(f"{API}/findings/{finding['id']}/"))["raised_in"] == audit["reference"]
    )
    progress = expect(auditor.get(f"{API}/audits/{audit['id']}/checklist/"))["progress"]
    assert progress["assessed"] == 2
    return {"report_sha256": hashlib.sha256(report).hexdigest(), "finding": finding}


def collect(topology: topo.Topology, owner: Alternating) -> dict:
    """A spreadsheet connector's "Run now": queued by a web process, run by a worker."""
    imports = topology.home / "imports" / topo.ORG
    imports.mkdir(parents=True)
    (imports / "vpn-accounts.csv").write_text(ACCOUNTS_CSV)
    connector = expect(
        owner.post(
            f"{API}/connectors/",
            json={
                "name": "VPN accounts",
                "kind": "spreadsheet",
                "config": {"dataset": "accounts", "path": "vpn-accounts.csv"},
            },
        ),
        201,
    )
    run = expect(owner.post(f"{API}/connectors/{connector['id']}/run/"), 202)
    assert run["status"] == "queued"
    deadline = time.monotonic() + 45
    while run["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        run = expect(owner.get(f"{API}/connectors/runs/{run['id']}/"))
    assert run["status"] == "succeeded", (run, topology.log("worker1"), topology.log("worker2"))
    assert run["heartbeat_at"]  # held by a worker's lease, not run inline by the web process
    assert [item["records"] for item in run["items"]] == [2]
    return run


def concurrent_uploads(topology: topo.Topology, count: int = 12) -> list[str]:
    """Evidence uploaded by six threads at once across both web processes: the ledger entries
    of concurrent writers still form one chain."""
    shas: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def upload(number: int) -> None:
        url = topology.web_urls[number % len(topology.web_urls)]
        body = f"access review evidence {number}\n".encode() * 50
        headers = {"Authorization": f"Bearer {topology.members[OWNER].key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            response = client.post(
                f"{API}/evidence/",
                files={"file": (f"review-{number}.txt", body, "text/plain")},
                data={"title": f"Access review {number}"},
            )
        with lock:
            if response.status_code == 201:
                shas.append(hashlib.sha256(body).hexdigest())
            else:
                failures.append(f"{response.status_code}: {response.text[:500]}")

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(count)]
    for batch in (threads[:6], threads[6:]):
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join()
    assert not failures, failures
    return shas


def test_two_web_processes_and_two_workers_keep_one_consistent_record(topology):
    owner, auditor = Alternating(topology, OWNER), Alternating(topology, AUDITOR)
    try:
        audit = run_audit(owner, auditor)
        run = collect(topology, owner)
        uploaded = concurrent_uploads(topology)
    finally:
        owner.close()
        auditor.close()

    # One ledger chain: every entry, link, checkpoint and blob verifies.
    # `annexa verify` exits 0 only when nothing failed and the database enforces append-only.
    [report] = json.loads(topology.annexa("verify", "--org", topo.ORG, "--format", "json"))
    assert report["ok"] and not report["bad_entries"], report
    # The SoA, programme, audit, team, checklist, results, finding, collection and uploads.
    assert report["entries"] >= 20, report
    assert report["blobs"] >= len(uploaded) + 2, report

    # Every blob is in the bucket, none on the machine's disk.
    s3 = boto3.client(
        "s3",
        endpoint_url=topology.s3_endpoint,
        aws_access_key_id=topology.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=topology.env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    listed = s3.list_objects_v2(Bucket=topo.BUCKET, Prefix="evidence/")
    keys = {item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", [])}
    expected = {audit["report_sha256"], run["items"][0]["sha256"], *uploaded}
    assert expected <= keys, expected - keys
    assert not (topology.home / "blobs").exists()

    # Both web processes answered API requests, and the workers are still up.
    for name in ("web1", "web2"):
        assert f"/api/v1/orgs/{topo.ORG}/" in topology.log(name), name
    for name in ("worker1", "worker2"):
        assert topology.processes[name].poll() is None, topology.log(name)
