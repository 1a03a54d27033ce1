"""Snapshots: deterministic bytes, detection by kind, strict loading, dotted reads."""

import io

import pytest

from annexa.connectors import kinds
from annexa.connectors.formats import FormatError, snapshot
from annexa.monitoring.families import SnapshotTest
from annexa.monitoring.framework import Outcome


def test_equal_readings_give_equal_bytes_whatever_the_key_order():
    one = snapshot.dumps("linux", "web1", {"b": {"y": 2, "x": 1}, "a": {3, 1}})
    two = snapshot.dumps("linux", "web1", {"a": [1, 3], "b": {"x": 1, "y": 2}})
    assert one == two
    assert one.startswith(b'{"annexa_snapshot":1,"kind":"linux","target":"web1",')


def test_detection_reads_the_kind_from_the_head_of_a_large_snapshot(tmp_path):
    data = {"users": [{"name": f"u{i}", "mfa": True} for i in range(20_000)]}
    path = tmp_path / "aws.json"
    path.write_bytes(snapshot.dumps("aws", "123456789012", data))
    assert path.stat().st_size > kinds.HEAD
    assert kinds.detect(path, "x.json").name == "aws"
    inspection = kinds.get("aws").inspect(path, "aws-account")
    assert (inspection.target, inspection.stored_name) == ("123456789012", "aws-account.json")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"annexa_snapshot":2,"kind":"aws","target":"x","data":{}}', "format version 1"),
        (b'{"annexa_snapshot":1,"kind":"vms","target":"x","data":{}}', "unknown snapshot kind"),
        (b'{"annexa_snapshot":1,"kind":"aws","target":"","data":{}}', "no target"),
        (b'{"annexa_snapshot":1,"kind":"aws","target":"x","data":[]}', "not an object"),
        (b'{"annexa_snapshot":1,"kind":"github","target":"x","data":{}}', "not a aws"),
    ],
)
def test_loading_refuses_what_is_not_a_snapshot_of_the_kind(raw, message):
    with pytest.raises(FormatError, match=message):
        snapshot.load(io.BytesIO(raw), "aws")


def test_dotted_reads_tell_absent_from_false():
    snap = snapshot.Snapshot("linux", "h", {"sshd": {"permitrootlogin": "no", "x11": False}})
    assert snap.get("sshd.permitrootlogin") == "no"
    assert snap.get("sshd.x11") is False and snap.has("sshd.x11")
    assert snap.get("sshd.missing", "d") == "d" and not snap.has("sshd.permitrootlogin.deeper")


def test_each_passes_fails_and_is_not_applicable_on_nothing():
    each = SnapshotTest.each
    ok = each([1, 2], lambda n: n > 5, str, noun="users", where="h")
    bad = each([1, 7, 9], lambda n: n > 5, str, noun="users", where="h")
    none = each([], lambda n: True, str, noun="users", where="h")
    assert (ok.status, bad.status, none.status) == ("pass", "fail", "not_applicable")
    assert isinstance(bad, Outcome) and bad.resources == ("7", "9") and bad.failing_count == 2
