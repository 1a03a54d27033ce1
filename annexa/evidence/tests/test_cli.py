"""``annexa evidence add|list|get|gc``: data on stdout, reasons on stderr, exit codes."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.evidence import services
from annexa.evidence.models import Evidence
from annexa.evidence.storage import get_store
from annexa.evidence.tests import samples


def said(result) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(result.stderr.split())


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["evidence", *args], catch_exceptions=False)

    return invoke


def test_it_adds_a_file(run, acme, controls, tmp_path):
    path = tmp_path / "access-review.csv"
    path.write_bytes(b"user,approved\nalice,yes\n")
    result = run(
        "add", str(path), "--org", "acme", "--control", "A.5.15", "--control", "A.8.2",
        "--requirement", "9.2.2", "--title", "Access review", "--effective-date", "2025-01-31",
        "--valid-days", "90",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sha256, uid = result.stdout.split()
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    evidence = Evidence.objects.get(uid=uid)
    assert evidence.title == "Access review"
    assert sorted(c.id for c in evidence.controls.all()) == ["A.5.15", "A.8.2"]
    assert str(evidence.current_version.valid_until) == "2025-05-01"
    assert "stored access-review.csv" in said(result)


def test_it_exits_2_for_a_hostile_file(run, acme, tmp_path):
    path = tmp_path / "invoice.pdf"
    path.write_bytes(samples.png())
    result = run("add", str(path), "--org", "acme")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "refused" in said(result) and "but the name ends in .pdf" in said(result)
    bomb = tmp_path / "logs.zip"
    bomb.write_bytes(samples.zip_bomb())
    result = run("add", str(bomb), "--org", "acme")
    assert result.exit_code == 2
    assert "zip bomb" in said(result)
    odd = tmp_path / "back\\slash.txt"
    odd.write_bytes(b"x\n")
    result = run("add", str(odd), "--org", "acme")
    assert result.exit_code == 2
    assert "path separator" in said(result)
    assert not Evidence.objects.exists()


def test_it_exits_1_for_bad_arguments(run, acme, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"a\n")
    result = run("add", str(path), "--org", "nope")
    assert result.exit_code == 1 and "no organization with slug 'nope'" in said(result)
    result = run("add", str(path), "--org", "acme", "--control", "A.42")
    assert result.exit_code == 1 and "unknown Annex A control: A.42" in said(result)
    result = run("add", str(tmp_path / "missing.txt"), "--org", "acme")
    assert result.exit_code == 1 and "no such file" in said(result)
    result = run("add", str(path), "--org", "acme", "--effective-date", "31/01/2025")
    assert result.exit_code == 1 and "--effective-date must be a date" in said(result)


def test_it_lists_as_json(run, alice, controls):
    services.store(alice.ctx, chunks=[b"one\n"], filename="one.txt", controls=["A.5.15"])
    services.store(alice.ctx, chunks=[b"two\n"], filename="two.txt", controls=["A.8.2"])
    result = run("list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["current_version"]["filename"] for r in rows] == ["one.txt", "two.txt"]
    assert rows[0]["controls"] == ["A.5.15"]
    assert rows[0]["current_version"]["freshness"] == "no_expiry"
    only = json.loads(run("list", "--org", "acme", "--control", "A.8.2", "--format", "json").stdout)
    assert [r["title"] for r in only] == ["two.txt"]
    assert json.loads(run("list", "--org", "acme", "--stale", "--format", "json").stdout) == []
    table = run("list", "--org", "acme")
    assert "one.txt" in table.stdout and "2 item(s)" in said(table)


def test_it_gets_each_version(run, alice, tmp_path):
    first = services.store(alice.ctx, chunks=[b"first\n"], filename="log.txt")
    services.new_version(alice.ctx, first.evidence, chunks=[b"second\n"], filename="log.txt")
    uid = str(first.evidence.uid)
    target = tmp_path / "out.txt"
    assert run("get", uid, "-o", str(target)).exit_code == 0
    assert target.read_bytes() == b"second\n"
    assert run("get", uid, "--version", "1", "-o", str(target)).exit_code == 0
    assert target.read_bytes() == b"first\n"
    to_stdout = run("get", uid, "--version", "1", "-o", "-")
    assert to_stdout.stdout_bytes == b"first\n"
    missing = run("get", uid, "--version", "7", "-o", str(target))
    assert missing.exit_code == 1 and "with version 7" in said(missing)
    assert run("get", "not-a-uid", "-o", str(target)).exit_code == 1


def test_it_refuses_to_write_damaged_content(run, alice, tmp_path):
    version = services.store(alice.ctx, chunks=[b"original\n"], filename="a.txt")
    blob = get_store().path_for(version.sha256)
    os.chmod(blob, 0o640)
    blob.write_bytes(b"tampered\n")
    target = tmp_path / "out.txt"
    result = run("get", str(version.evidence.uid), "-o", str(target))
    assert result.exit_code == 1
    assert "the store is damaged" in said(result)
    assert not target.exists()


def test_it_collects_orphans(run, alice):
    kept = services.store(alice.ctx, chunks=[b"referenced\n"], filename="a.txt")
    orphan, _ = get_store().put_stream([b"nobody refers to me"])
    young = json.loads(run("gc").stdout)
    assert young == {"blobs_deleted": 0, "orphans_kept": 1, "temporary_deleted": 0}
    result = json.loads(run("gc", "--grace-minutes", "0").stdout)
    assert result["blobs_deleted"] == 1
    assert not get_store().exists(orphan)
    assert get_store().exists(kept.sha256)


def test_it_collects_what_killed_uploads_and_runs_left_behind(run, db, tmp_path, settings):
    home = tmp_path / "home"
    settings.HOME = home
    settings.FILE_UPLOAD_TEMP_DIR = str(home / "tmp" / "uploads")
    body = home / "tmp" / "uploads" / "tmpx1.upload.zip"
    scratch = home / "tmp" / "connectors" / "tmpy2"
    scratch.mkdir(parents=True)
    body.parent.mkdir(parents=True)
    body.write_bytes(b"PK" + b"\0" * 1024)
    (scratch / "snapshot.json").write_text("{}")
    assert json.loads(run("gc").stdout)["temporary_deleted"] == 0  # written just now: in flight
    assert body.exists() and scratch.exists()
    result = json.loads(run("gc", "--grace-minutes", "0").stdout)
    assert result["temporary_deleted"] == 2
    assert not body.exists() and not scratch.exists()


def test_it_adds_several_files_as_one_batch(run, acme, controls, tmp_path):
    paths = []
    for number in range(3):
        path = tmp_path / f"export-{number}.log"
        path.write_bytes(f"line {number}\n".encode())
        paths.append(str(path))
    result = run("add", *paths, "--org", "acme", "--control", "A.5.15", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["filename"] for row in rows] == ["export-0.log", "export-1.log", "export-2.log"]
    for row in rows:
        evidence = Evidence.objects.get(uid=row["evidence_uid"])
        assert [c.id for c in evidence.controls.all()] == ["A.5.15"]
    assert "stored 3 files" in said(result)


def test_it_stores_none_of_a_batch_with_a_refused_file_and_names_each(run, acme, tmp_path):
    fine, fake, page = tmp_path / "fine.txt", tmp_path / "invoice.pdf", tmp_path / "page.txt"
    fine.write_bytes(b"fine\n")
    fake.write_bytes(samples.png())
    page.write_bytes(b"<!doctype html><html></html>")
    result = run("add", str(fine), str(fake), str(page), "--org", "acme")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "invoice.pdf: refused" in said(result) and "page.txt: refused" in said(result)
    assert "2 of 3 files refused; nothing stored" in said(result)
    assert not Evidence.objects.exists()
