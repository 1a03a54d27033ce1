"""The evidence services: content addressing, versions, links, the ledger, and limits."""

from __future__ import annotations

import datetime
import hashlib
import json
import tracemalloc

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from annexa.evidence import services
from annexa.evidence.choices import Freshness, Source
from annexa.evidence.errors import EvidenceError, Rejected, TooLarge
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.staging import staging_dir
from annexa.evidence.storage import get_store
from annexa.evidence.tests import samples
from annexa.ledger.models import LedgerEntry


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(version: EvidenceVersion) -> bytes:
    with services.open_version(version) as reader:
        return reader.read()


def test_it_stores_content_under_its_sha256(acme_ctx, controls):
    data = samples.pdf()
    version = services.store(
        acme_ctx,
        chunks=[data[:10], data[10:]],
        filename="Access review Q1.pdf",
        controls=["A.5.15"],
        requirements=["9.2.2"],
        effective_date=datetime.date(2025, 3, 31),
        valid_days=90,
    )
    assert version.sha256 == sha(data)
    assert version.size == len(data)
    assert version.media_type == "application/pdf"
    assert version.number == 1
    assert version.source == Source.UPLOAD
    assert version.valid_until == datetime.date(2025, 6, 29)
    assert version.created_by == acme_ctx.user
    evidence = version.evidence
    assert evidence.title == "Access review Q1.pdf"
    assert evidence.current_version == version
    assert [c.id for c in evidence.controls.all()] == ["A.5.15"]
    assert [r.id for r in evidence.requirements.all()] == ["9.2.2"]
    assert read(version) == data


def test_it_stores_identical_content_once(acme_ctx):
    first = services.store(acme_ctx, chunks=[b"same bytes\n"], filename="a.txt")
    second = services.store(acme_ctx, chunks=[b"same bytes\n"], filename="b.txt")
    assert first.evidence != second.evidence
    assert first.sha256 == second.sha256
    assert list(get_store().iter_hashes()) == [first.sha256]


def test_it_keeps_old_versions_retrievable(acme_ctx):
    first = services.store(acme_ctx, chunks=[b"version one\n"], filename="policy.md")
    evidence = first.evidence
    second = services.new_version(
        acme_ctx, evidence, chunks=[b"version two\n"], filename="policy.md", note="reworded"
    )
    evidence.refresh_from_db()
    assert (second.number, evidence.current_version) == (2, second)
    assert read(first) == b"version one\n"
    assert read(second) == b"version two\n"
    assert list(evidence.versions.values_list("number", flat=True)) == [2, 1]


def test_it_keeps_the_validity_period_for_a_new_version(acme_ctx):
    first = services.store(
        acme_ctx,
        chunks=[b"v1\n"],
        filename="scan.txt",
        effective_date=datetime.date(2025, 1, 1),
        valid_days=30,
    )
    second = services.new_version(
        acme_ctx,
        first.evidence,
        chunks=[b"v2\n"],
        filename="scan.txt",
        effective_date=datetime.date(2025, 2, 1),
    )
    assert second.valid_until == datetime.date(2025, 3, 3)


def test_it_stores_a_collected_json_document(acme_ctx):
    version = services.store(
        acme_ctx,
        json_document={"users": [{"name": "alice", "mfa": True}], "count": 1},
        filename="github-users.json",
        source=Source.CONNECTOR,
        source_detail="github 1.0.0",
    )
    assert version.media_type == "application/json"
    assert json.loads(read(version)) == {"users": [{"name": "alice", "mfa": True}], "count": 1}
    again = services.store(
        acme_ctx,
        json_document={"count": 1, "users": [{"mfa": True, "name": "alice"}]},
        filename="github-users.json",
        source=Source.CONNECTOR,
        source_detail="github 1.0.0",
    )
    assert again.sha256 == version.sha256, "equal documents are stored once"


def test_it_stores_a_file_from_a_path(acme_ctx, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"user,last_login\nalice,2025-03-01\n")
    version = services.store(acme_ctx, path=path, filename=path.name)
    assert version.media_type == "text/csv"
    assert read(version) == path.read_bytes()


def test_it_copies_a_file_from_a_path_and_leaves_the_file_as_it_was(acme_ctx, tmp_path):
    """The file given is read once into a private copy, which the store moves into place:
    the caller's file stays where it was, unchanged, and no temporary file is left."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"reviewed the firewall rules\n")
    version = services.store(acme_ctx, path=path, filename=path.name)
    assert path.read_bytes() == b"reviewed the firewall rules\n"
    assert version.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read(version) == path.read_bytes()
    assert not list(staging_dir().iterdir())
    assert not list(get_store().temp_dir.iterdir())


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"log line\n\x00\x01binary", "binary, not text"), (b"caf\xe9\n", "UTF-8")],
)
def test_an_uploaded_file_is_still_scanned_whole(acme_ctx, tmp_path, data, reason):
    """An upload (chunks or a file) is checked byte by byte as before: only content Annexa
    read itself (``Prepared`` with ``text_checked``) skips the text scan."""
    data = b"ok\n" * 100_000 + data  # the bad bytes far past the head
    path = tmp_path / "upload.txt"
    path.write_bytes(data)
    with pytest.raises(Rejected, match=reason):
        services.store(acme_ctx, chunks=[data], filename="a.txt")
    with pytest.raises(Rejected, match=reason):
        services.store(acme_ctx, path=path, filename="a.txt")
    with pytest.raises(services.BatchRefused, match=reason):
        services.store_many(acme_ctx, [services.NewFile(filename="a.txt", path=path)])
    unchecked = staging_dir() / "unchecked.upload"
    unchecked.write_bytes(data)
    prepared = services.Prepared(
        path=unchecked, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
    )
    with pytest.raises(Rejected, match=reason):
        services.store(acme_ctx, prepared=prepared, filename="a.txt")
    assert not unchecked.exists()
    assert not EvidenceVersion.objects.exists()
    assert list(get_store().iter_hashes()) == []
    assert path.read_bytes() == data


def test_prepared_text_is_moved_into_place_without_a_second_scan(acme_ctx, monkeypatch):
    from annexa.evidence import content

    def scanned(path):
        raise AssertionError("text checked by its reader is not scanned again")

    monkeypatch.setattr(content, "_check_utf8_text", scanned)
    data = b'{"a": 1}\n{"b": 2}\n'
    kept = staging_dir() / "findings.upload"
    kept.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    prepared = services.Prepared(path=kept, sha256=digest, size=len(data), text_checked=True)
    version = services.store(acme_ctx, prepared=prepared, filename="findings.jsonl.txt")
    assert (version.sha256, version.size, version.media_type) == (digest, len(data), "text/plain")
    assert read(version) == data
    assert not kept.exists()
    with pytest.raises(Rejected, match="HTML"):  # the checks of the head still run
        page = b"<!doctype html><p>x</p>\n"
        kept.write_bytes(page)
        services.store(
            acme_ctx,
            prepared=services.Prepared(
                kept, hashlib.sha256(page).hexdigest(), len(page), text_checked=True
            ),
            filename="page.txt",
        )


def test_it_records_every_change_in_the_ledger(acme_ctx, controls):
    version = services.store(acme_ctx, chunks=[b"v1\n"], filename="a.txt", controls=["A.5.15"])
    evidence = version.evidence
    second = services.new_version(acme_ctx, evidence, chunks=[b"v2\n"], filename="a.txt")
    services.link(acme_ctx, evidence, controls=["A.8.2"], requirements=["9.2.2"])
    services.link(acme_ctx, evidence, controls=["A.8.2"])  # no change: no entry
    services.unlink(acme_ctx, evidence, controls=["A.5.15"])
    entries = list(LedgerEntry.objects.filter(object_type="evidence", object_id=str(evidence.uid)))
    assert [e.action for e in entries] == ["create", "add_version", "link", "unlink"]
    assert [e.blob_sha256 for e in entries] == [version.sha256, second.sha256, None, None]
    assert entries[0].data_value["version"]["sha256"] == version.sha256
    assert entries[0].data_value["controls"] == ["A.5.15"]
    assert entries[2].data_value == {"controls": ["A.8.2"], "requirements": ["9.2.2"]}
    assert entries[3].data_value == {"controls": ["A.5.15"], "requirements": []}
    assert {e.actor for e in entries} == {"alice@acme.test"}
    assert [c.id for c in evidence.controls.all()] == ["A.8.2"]


def test_it_refuses_unknown_controls_before_storing(acme_ctx):
    with pytest.raises(EvidenceError, match=r"unknown Annex A control: A\.99\.1"):
        services.store(acme_ctx, chunks=[b"x\n"], filename="a.txt", controls=["A.99.1"])
    assert not Evidence.objects.exists()
    assert list(get_store().iter_hashes()) == []


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("../etc/passwd.txt", "path separator"),
        ("dir/report.pdf", "path separator"),
        ("..\\report.pdf", "path separator"),
        ("report\x00.pdf", "NUL"),
        ("line\nbreak.txt", "control characters"),
        ("", "filename is required"),
    ],
)
def test_it_refuses_filenames_that_look_like_paths(acme_ctx, filename, reason):
    with pytest.raises(Rejected, match=reason):
        services.store(acme_ctx, chunks=[samples.pdf()], filename=filename)
    assert not EvidenceVersion.objects.exists()


def test_it_refuses_hostile_content_and_stores_nothing(acme_ctx):
    with pytest.raises(Rejected, match="HTML document"):
        services.store(acme_ctx, chunks=[b"<html><script>x</script></html>"], filename="a.png")
    with pytest.raises(Rejected, match="zip bomb"):
        services.store(acme_ctx, chunks=[samples.zip_bomb()], filename="logs.zip")
    assert not EvidenceVersion.objects.exists()
    assert list(get_store().iter_hashes()) == []


def test_it_refuses_an_oversized_stream_without_reading_it_whole(acme_ctx, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    chunk = b"x" * (64 * 1024)
    total = 64 * 1024 * 1024
    consumed = []

    def stream():
        for _ in range(total // len(chunk)):
            consumed.append(len(chunk))
            yield chunk

    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="upload limit of 1,048,576 bytes"):
            services.store(acme_ctx, chunks=stream(), filename="huge.log")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(consumed) <= settings.UPLOAD_MAX_BYTES + len(chunk), "it stopped at the limit"
    assert peak < 4 * 1024 * 1024, f"peak memory {peak} bytes for a {total}-byte stream"
    assert not EvidenceVersion.objects.exists()


def test_it_refuses_an_oversized_file_on_disk(acme_ctx, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 100
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(TooLarge):
        services.store(acme_ctx, path=path, filename="big.txt")


def test_it_needs_the_evidence_permission(vera, audrey):
    with pytest.raises(PermissionDenied):
        services.store(vera.ctx, chunks=[b"x\n"], filename="a.txt")
    version = services.store(audrey.ctx, chunks=[b"x\n"], filename="a.txt")
    with pytest.raises(PermissionDenied):
        services.new_version(vera.ctx, version.evidence, chunks=[b"y\n"], filename="a.txt")
    with pytest.raises(PermissionDenied):
        services.link(vera.ctx, version.evidence, controls=["A.5.15"])


def test_it_refuses_evidence_of_another_organization(acme_ctx, oscar):
    version = services.store(acme_ctx, chunks=[b"acme only\n"], filename="a.txt")
    with pytest.raises(EvidenceError, match="another organization"):
        services.new_version(oscar.ctx, version.evidence, chunks=[b"x\n"], filename="a.txt")


def test_it_validates_provenance(acme_ctx):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    cases = [
        ({"effective_date": tomorrow}, "future"),
        ({"valid_days": 0}, "valid days"),
        ({"source": "telepathy"}, "unknown source"),
        ({"source": Source.CONNECTOR}, "connector and version"),
    ]
    for kwargs, reason in cases:
        with pytest.raises(EvidenceError, match=reason):
            services.store(acme_ctx, chunks=[b"x\n"], filename="a.txt", **kwargs)


def test_it_tells_stale_from_fresh(acme_ctx):
    today = timezone.localdate()
    old = services.store(
        acme_ctx,
        chunks=[b"old\n"],
        filename="old.txt",
        effective_date=today - datetime.timedelta(days=100),
        valid_days=30,
    )
    new = services.store(acme_ctx, chunks=[b"new\n"], filename="new.txt", valid_days=30)
    forever = services.store(acme_ctx, chunks=[b"policy\n"], filename="policy.txt")
    assert old.freshness() == Freshness.STALE and old.is_stale
    assert new.freshness() == Freshness.FRESH
    assert forever.freshness() == Freshness.NO_EXPIRY


def test_it_never_changes_a_stored_version(acme_ctx):
    version = services.store(acme_ctx, chunks=[b"fixed\n"], filename="a.txt")
    version.filename = "other.txt"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_it_refuses_a_row_without_a_proper_hash(acme_ctx):
    version = services.store(acme_ctx, chunks=[b"x\n"], filename="a.txt")
    for bad in ("", "not-a-hash", "A" * 64, version.sha256[:63]):
        with pytest.raises(IntegrityError), transaction.atomic():
            EvidenceVersion.objects.create(
                organization=version.organization,
                evidence=version.evidence,
                number=EvidenceVersion.objects.count() + 1,
                sha256=bad,
                size=1,
                media_type="text/plain",
                filename="a.txt",
                source=Source.UPLOAD,
                collected_at=timezone.now(),
                effective_date=timezone.localdate(),
            )


def test_it_leaves_no_row_when_storing_the_blob_fails(acme_ctx, monkeypatch):
    store = get_store()

    def broken(files):
        raise OSError("the disk is full")

    monkeypatch.setattr(store, "adopt_files", broken)
    with pytest.raises(OSError, match="disk is full"):
        services.store(acme_ctx, chunks=[b"x\n"], filename="a.txt")
    assert not Evidence.objects.exists()
    assert not LedgerEntry.objects.filter(object_type="evidence").exists()


def test_it_stores_many_files_in_one_batch(acme_ctx, controls, tmp_path):
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.verify import verify_org

    pdf = samples.pdf()
    on_disk = tmp_path / "policy.txt"
    on_disk.write_bytes(b"the access control policy\n")
    files = [
        services.NewFile(
            filename="Access review.pdf",
            chunks=[pdf],
            controls=("A.5.15",),
            requirements=("9.2.2",),
            valid_days=90,
        ),
        services.NewFile(filename="policy.txt", path=on_disk, title="Policy"),
        services.NewFile(filename="copy.txt", chunks=[b"the access control policy\n"]),
    ]
    versions = services.store_many(acme_ctx, files)
    assert [v.filename for v in versions] == ["Access review.pdf", "policy.txt", "copy.txt"]
    assert [v.evidence.title for v in versions] == ["Access review.pdf", "Policy", "copy.txt"]
    assert versions[1].sha256 == versions[2].sha256  # same content, one blob
    first = Evidence.objects.get(pk=versions[0].evidence.pk)
    assert first.current_version == versions[0]
    assert [c.id for c in first.controls.all()] == ["A.5.15"]
    assert [r.id for r in first.requirements.all()] == ["9.2.2"]
    assert versions[0].valid_until == timezone.localdate() + datetime.timedelta(days=90)
    assert read(versions[0]) == pdf and read(versions[2]) == on_disk.read_bytes()
    entries = LedgerEntry.objects.filter(organization=acme_ctx.org).order_by("seq")
    assert [(e.action, e.object_id, e.blob_sha256) for e in entries] == [
        ("create", str(v.evidence.uid), v.sha256) for v in versions
    ]
    assert json.loads(entries[0].data)["controls"] == ["A.5.15"]
    assert verify_org(acme_ctx.org, default_opener()).ok


def test_a_batch_costs_the_same_queries_for_5_files_as_for_50(acme_ctx):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def batch(count: int, tag: str) -> int:
        files = [
            services.NewFile(filename=f"{tag}-{n}.txt", chunks=[f"{tag} {n}\n".encode()])
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            versions = services.store_many(acme_ctx, files)
        current = dict(
            Evidence.objects.filter(pk__in=[v.evidence_id for v in versions]).values_list(
                "pk", "current_version"
            )
        )
        assert current == {v.evidence_id: v.pk for v in versions}
        return len(queries)

    assert batch(5, "few") == batch(50, "many")


def test_a_batch_is_stored_whole_or_not_at_all_with_every_refusal_named(acme_ctx):
    files = [
        services.NewFile(filename="fine.txt", chunks=[b"fine\n"]),
        services.NewFile(filename="page.txt", chunks=[b"<html><body>hi</body></html>"]),
        services.NewFile(filename="tool.exe", chunks=[b"MZ"]),
        services.NewFile(filename="linked.txt", chunks=[b"x\n"], controls=("A.99",)),
    ]
    with pytest.raises(services.BatchRefused) as refused:
        services.store_many(acme_ctx, files)
    assert [name for name, _ in refused.value.problems] == ["tool.exe", "linked.txt", "page.txt"]
    assert isinstance(refused.value, Rejected)
    assert not Evidence.objects.filter(organization=acme_ctx.org).exists()
    assert not LedgerEntry.objects.filter(organization=acme_ctx.org).exists()
    assert not get_store().exists(sha(b"fine\n"))


def test_a_batch_needs_the_evidence_permission(vera):
    with pytest.raises(PermissionDenied):
        services.store_many(vera.ctx, [services.NewFile(filename="a.txt", chunks=[b"a\n"])])
