"""`make run` twice with a person's edit in between: the second start keeps the edit.

What a new user does: `make run`, log in, change something, stop (Ctrl-C or SIGTERM), `make
run` again. The demo is built on the first start only, its changes are recorded as the system's,
the person's edit survives the restart, and the ledger names nobody for what they did not do.
The run uses the embedded defaults (SQLite, local files), so it is skipped on the PostgreSQL
pass of `make test`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from annexa.core.testing.passes import sqlite_pass_only
from tests.test_run import _free_port, _post_login, _wait_for
from tests.test_run import _fresh_env as _base_env


def _fresh_env(home: Path) -> dict[str, str]:
    """This test edits the SoA through the API as the ISMS manager, signed in with a password:
    two-factor authentication, which the role requires by default (tests/test_run.py shows the
    set-up page the demo manager lands on), is switched off for this run only."""
    env = _base_env(home)
    env["ANNEXA_MFA_REQUIRED_ROLES"] = "none"
    return env


pytestmark = sqlite_pass_only  # its own instances on the embedded defaults
REPOSITORY = Path(__file__).resolve().parents[1]
ANNEXA = str(Path(sys.executable).with_name("annexa"))
DEMO_ACTORS = {"system", "system (demo data)"}


def _make_run(home: Path, port: int) -> tuple[subprocess.Popen, Path]:
    log = home.parent / f"make-run-{port}-{len(list(home.parent.glob('make-run-*')))}.log"
    handle = log.open("wb")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(REPOSITORY), "run", f"PORT={port}"],
        env=_fresh_env(home),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    return proc, log


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _login(base: str, email: str, password: str):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    assert _post_login(opener, base, email, password).geturl().rstrip("/").endswith("/o/kestrel")
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    return opener, csrf


def _soa_entry(opener, base: str, control: str) -> tuple[dict, str]:
    with opener.open(f"{base}/api/v1/orgs/kestrel/soa/{control}/") as response:
        return json.loads(response.read()), response.headers["ETag"]


def _changes(home: Path) -> list[tuple[int, str, str]]:
    """The ledger without sign-ins (a person's logins are recorded as ``account`` entries)."""
    return [entry for entry in _ledger(home) if entry[2] != "account"]


def _ledger(home: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(f"file:{home / 'annexa.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT seq, actor, object_type FROM ledger_ledgerentry").fetchall()


def test_a_second_make_run_keeps_a_persons_edit_and_blames_nobody(tmp_path):
    home = tmp_path / "home"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    first, first_log = _make_run(home, port)
    try:
        _wait_for(f"{base}/healthz", first, timeout=240)
        logins = json.loads(
            subprocess.run(
                [ANNEXA, "demo", "--format", "json"],
                env=_fresh_env(home),
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            ).stdout
        )
        assert logins["created"] is False  # `make run` built it; asking again changes nothing
        manager = next(x for x in logins["logins"] if x["role"] == "isms_manager")
        built = _ledger(home)
        assert {actor for _seq, actor, _type in built} <= DEMO_ACTORS

        opener, csrf = _login(base, manager["email"], manager["password"])
        entry, etag = _soa_entry(opener, base, "A.5.1")
        edited = entry["justification"] + " Reviewed after the 2026 reorganisation."
        request = urllib.request.Request(
            f"{base}/api/v1/orgs/kestrel/soa/A.5.1/",
            data=json.dumps({"justification": edited}).encode(),
            method="PATCH",
            headers={
                "Content-Type": "application/json",
                "If-Match": etag,
                "X-CSRFToken": csrf,
                "Referer": f"{base}/",
            },
        )
        assert opener.open(request).status == 200
        after_edit = _changes(home)
        assert [actor for _s, actor, _t in after_edit[len(built) :]] == [manager["email"]]
    finally:
        _stop(first)
    assert (home / "log" / "worker.log").is_file()  # the worker's log, not the console

    second, second_log = _make_run(home, port)
    try:
        _wait_for(f"{base}/healthz", second, timeout=240)
        busy = subprocess.run(
            ["make", "--no-print-directory", "-C", str(REPOSITORY), "run", f"PORT={port}"],
            env=_fresh_env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert busy.returncode != 0
        assert f"port {port} is in use" in busy.stderr
        assert "make run PORT=" in busy.stderr  # and how to choose another

        opener, _csrf = _login(base, manager["email"], manager["password"])
        entry, _etag = _soa_entry(opener, base, "A.5.1")
        assert entry["justification"] == edited
        assert _changes(home) == after_edit  # the restart wrote nothing
    finally:
        _stop(second)
    output = first_log.read_text() + second_log.read_text()
    assert "exists already: left as it is" in output
    for noise in ("WARNING: ", "Deprecat", "BuildBackendWarning"):
        assert noise not in output, output
