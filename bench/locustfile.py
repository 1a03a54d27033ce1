"""Simulated Annexa users for the load test (``bench/bench_load.py`` starts the topology, seeds
an audit and runs this file with ``locust --headless``).

- Auditors work the checklist: read an item, save a result with ``If-Match`` (its ETag), read
  it back. A 412 (someone saved first) is the correct refusal, not an error. Every accepted save
  is recorded, so ``bench_load`` can prove afterwards that none was lost.
- Managers read the readiness dashboard, the audit list, the findings register, the evidence
  list and the checklist.
- Uploaders store evidence files (distinct content each time) and list the evidence.

Each simulated user talks to one web process, chosen in turn, as a proxy spreading connections
would. The run's facts come from the JSON file named by ``LOAD_TEST_CONFIG``, including the
pause of each user between its requests (``wait``: seconds, low and high; ``[0, 0]`` sends the
next request as soon as the answer is in, which measures the topology's throughput).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
from pathlib import Path

from locust import HttpUser, between, events, task

CONFIG = json.loads(Path(os.environ["LOAD_TEST_CONFIG"]).read_text())
API = f"/api/v1/orgs/{CONFIG['org']}"
ITEM = API + "/audits/checklist/items/{}/"
SAVES: list[dict] = []  # every save the server accepted: item, version, notes
REFUSED: list[int] = []  # items whose save was refused with 412 (a stale If-Match)
_next_web = itertools.count()


class AnnexaUser(HttpUser):
    abstract = True
    wait_time = between(*CONFIG.get("wait", (0.2, 1.0)))
    role = ""

    def __init__(self, *args, **kwargs) -> None:
        urls = CONFIG["web_urls"]
        self.host = urls[next(_next_web) % len(urls)]
        super().__init__(*args, **kwargs)
        key = random.choice(CONFIG["keys"][self.role])
        self.client.headers["Authorization"] = f"Bearer {key}"


class Auditor(AnnexaUser):
    weight = 6
    role = "auditor"

    @task(5)
    def save_a_result(self) -> None:
        item = random.choice(CONFIG["items"])
        read = self.client.get(ITEM.format(item), name="item: read")
        if read.status_code != 200:
            return
        notes = f"checked {secrets.token_hex(8)}"
        change = {"result": "conforming", "methods": ["interview"], "notes": notes}
        with self.client.patch(
            ITEM.format(item),
            json=change,
            headers={"If-Match": read.headers["ETag"]},
            name="item: save (If-Match)",
            catch_response=True,
        ) as saved:
            if saved.status_code == 412:
                saved.success()  # another auditor saved first: refused, nothing overwritten
                REFUSED.append(item)
                return
            if saved.status_code != 200:
                saved.failure(f"HTTP {saved.status_code}: {saved.text[:200]}")
                return
            version = saved.json()["version"]
            SAVES.append({"item": item, "version": version, "notes": notes})
        with self.client.get(
            ITEM.format(item), name="item: read back", catch_response=True
        ) as back:
            if back.status_code != 200:
                back.failure(f"HTTP {back.status_code}")
                return
            body = back.json()
            if body["version"] < version or (body["version"] == version and body["notes"] != notes):
                back.failure(f"lost update: item {item} version {version} reads {body['notes']!r}")

    @task(2)
    def read_the_checklist(self) -> None:
        self.client.get(f"{API}/audits/{CONFIG['audit']}/checklist/", name="checklist")


class Manager(AnnexaUser):
    weight = 3
    role = "manager"

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"{API}/dashboard/", name="dashboard")

    @task(1)
    def audits(self) -> None:
        self.client.get(f"{API}/audits/", name="audits: list")

    @task(1)
    def findings(self) -> None:
        self.client.get(f"{API}/findings/", name="findings: list")

    @task(1)
    def evidence(self) -> None:
        self.client.get(f"{API}/evidence/", name="evidence: list")

    @task(1)
    def checklist(self) -> None:
        self.client.get(f"{API}/audits/{CONFIG['audit']}/checklist/", name="checklist")


class Uploader(AnnexaUser):
    weight = 1
    role = "manager"

    @task(2)
    def upload(self) -> None:
        body = secrets.token_hex(10 * 1024).encode()  # 20 KB, never the same twice
        with self.client.post(
            f"{API}/evidence/",
            files={"file": ("export.txt", body, "text/plain")},
            data={"title": "Access export"},
            name="evidence: upload",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    @task(1)
    def evidence(self) -> None:
        self.client.get(f"{API}/evidence/", name="evidence: list")


@events.test_stop.add_listener
def _keep_the_saves(environment, **kwargs) -> None:
    Path(CONFIG["saves_path"]).write_text(json.dumps({"saves": SAVES, "refused": len(REFUSED)}))
