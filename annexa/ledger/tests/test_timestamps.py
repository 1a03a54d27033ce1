"""RFC 3161 time-stamps of checkpoints (ANNEXA_TSA_URL), against a local ``openssl ts`` TSA:
kept beside each checkpoint, checked by `annexa verify` and `annexa-verify`, retried when the
TSA was down."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import services
from annexa.ledger.bundle_export import export_bundle
from annexa.ledger.models import CheckpointTimestamp
from annexa.ledger.tests.conftest import tamper_sql, words
from annexa.ledger.tests.tsa import LocalTSA, make_ca
from annexa.ledger.verifier import load_tsa_roots, verify_bundle
from annexa.ledger.verify import verify_org

ROOT = Path(__file__).resolve().parents[3]
STANDALONE = (
    "import sys; sys.modules['django'] = None; "
    "from annexa.ledger.verifier import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.fixture
def tsa(settings, tmp_path):
    """A TSA on 127.0.0.1 (no ANNEXA_OUTBOUND_ALLOW needed: the URL is the administrator's)."""
    server = LocalTSA(tmp_path / "tsa").start()
    settings.TSA_URL = server.url
    settings.TSA_CA_FILE = str(server.ca_cert)
    yield server
    server.stop()


def _append(ctx, n: int) -> None:
    for i in range(n):
        services.append(ctx, object_type="note", object_id=str(i), action="create", data={})


def test_each_new_checkpoint_is_time_stamped_and_verified(isla, tsa, opener):
    _append(isla.ctx, 3)
    first = services.create_checkpoint(isla.ctx)
    _append(isla.ctx, 2)
    second = services.create_checkpoint(isla.ctx)
    assert services.create_checkpoint(isla.ctx) == second  # nothing new: no new request
    assert tsa.requests == 2
    stamp = CheckpointTimestamp.objects.get(checkpoint=first)
    assert stamp.tsa_url == tsa.url and stamp.gen_time.endswith("Z")
    report = verify_org(isla.ctx.org, opener)
    assert report.ok, report.summary()
    assert (report.timestamps, report.timestamps_unchecked) == (2, 0)
    assert "RFC 3161 time-stamps verified: 2" in report.summary()


def test_a_time_stamp_of_another_checkpoint_is_named(isla, tsa, opener):
    _append(isla.ctx, 3)
    first = services.create_checkpoint(isla.ctx)
    _append(isla.ctx, 1)
    second = services.create_checkpoint(isla.ctx)
    tamper_sql(
        "UPDATE ledger_checkpointtimestamp SET response = %s WHERE checkpoint_id = %s",
        (first.timestamp.response, second.pk),
    )
    [problem] = verify_org(isla.ctx.org, opener).problems
    assert (problem.kind, problem.ref) == ("timestamp", "at 4")
    assert "is of other data, not of this checkpoint's signed message" in problem.detail


def test_a_time_stamp_from_another_tsa_is_refused(isla, tsa, opener, settings, tmp_path):
    _append(isla.ctx, 2)
    services.create_checkpoint(isla.ctx)
    other_ca, _key = make_ca(tmp_path / "other", "other-ca")
    settings.TSA_CA_FILE = str(other_ca)
    [problem] = verify_org(isla.ctx.org, opener).problems
    assert "does not verify with the TSA certificates given" in problem.detail
    settings.TSA_CA_FILE = None  # no CA: only the imprint is checked, and said so
    report = verify_org(isla.ctx.org, opener)
    assert report.ok and report.timestamps_unchecked == 1
    assert "not checked up to the TSA: 1" in report.summary()


def test_a_tsa_that_is_down_is_retried_on_the_next_run(isla, tsa, opener):
    _append(isla.ctx, 2)
    tsa.down = True
    result = CliRunner().invoke(app, ["checkpoint", "--org", "acme"])
    assert result.exit_code == 1
    message = words(result.stderr)
    assert "the checkpoint of 2 entries is signed but not time-stamped" in message
    assert "answered HTTP 503" in message
    checkpoint = services.latest_checkpoint(isla.ctx.org)
    assert not CheckpointTimestamp.objects.filter(checkpoint=checkpoint).exists()
    tsa.down = False
    created, errors = services.checkpoint_all()
    assert (created, errors) == ([], [])
    assert CheckpointTimestamp.objects.filter(checkpoint=checkpoint).exists()
    assert verify_org(isla.ctx.org, opener).timestamps == 1


def test_the_standalone_verifier_checks_them_in_a_bundle(isla, tsa, opener, tmp_path):
    _append(isla.ctx, 3)
    services.create_checkpoint(isla.ctx)
    bundle = tmp_path / "acme.zip"
    export_bundle(isla.ctx, bundle, opener)
    assert verify_bundle(bundle).timestamps_unchecked == 1
    checked = verify_bundle(bundle, tsa_roots=load_tsa_roots(tsa.ca_cert))
    assert checked.ok and checked.timestamps == 1

    def standalone(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", STANDALONE, str(bundle), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    ok = standalone("--tsa-ca", str(tsa.ca_cert), "--format", "json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["timestamps"] == 1
    other_ca, _key = make_ca(tmp_path / "other", "other-ca")
    refused = standalone("--tsa-ca", str(other_ca))
    assert refused.returncode == 1
    assert "timestamp at 3: its RFC 3161 time-stamp does not verify" in refused.stdout
    unreadable = standalone("--tsa-ca", str(bundle))
    assert unreadable.returncode == 2 and "cannot read --tsa-ca" in unreadable.stderr


def test_the_kept_checkpoint_file_carries_its_time_stamp(isla, tsa, opener, tmp_path):
    _append(isla.ctx, 2)
    kept = tmp_path / "checkpoint.json"
    result = CliRunner().invoke(app, ["checkpoint", "--org", "acme", "-o", str(kept)])
    assert result.exit_code == 0, result.output
    document = json.loads(kept.read_text())
    assert base64.b64decode(document["timestamp"])
    from annexa.ledger.verifier import read_kept_checkpoint

    report = verify_org(isla.ctx.org, opener, kept=read_kept_checkpoint(kept))
    assert report.ok and report.timestamps == 2  # the stored checkpoint's and the kept file's
