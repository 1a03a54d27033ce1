"""The S3 store against moto in server mode (a real HTTP S3 endpoint on 127.0.0.1)."""

from __future__ import annotations

import datetime
import hashlib
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from annexa.evidence import services
from annexa.evidence.s3 import S3BlobStore
from annexa.evidence.storage import BlobMissing, StorageError, store_for_url
from annexa.evidence.tests import samples

BUCKET = "annexa-evidence"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield s3_endpoint
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def store(s3_env) -> S3BlobStore:
    store = store_for_url(f"s3://{BUCKET}/evidence", s3_endpoint_url=s3_env)
    assert isinstance(store, S3BlobStore)
    return store


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_it_puts_opens_lists_and_deletes(store):
    digest, size = store.put_stream([b"s3 ", b"content"])
    assert (digest, size) == (sha(b"s3 content"), 10)
    assert store.exists(digest)
    assert store.key_for(digest) == f"evidence/{digest[:2]}/{digest[2:4]}/{digest}"
    with store.open(digest) as reader:
        assert reader.read() == b"s3 content"
    assert list(store.iter_hashes()) == [digest]
    assert store.info(digest).size == 10
    store.delete(digest)
    assert not store.exists(digest)
    with pytest.raises(BlobMissing):
        store.open(digest)


def test_it_stores_identical_content_once(store):
    store.put_stream([b"twice"])
    store.put_stream([b"twi", b"ce"])
    assert list(store.iter_hashes()) == [sha(b"twice")]


def test_it_refuses_a_file_that_does_not_match_its_name(store, tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"actual")
    with pytest.raises(StorageError, match="hashes to"):
        store.put_file(path, sha(b"claimed"))
    assert list(store.iter_hashes()) == []


def test_it_uses_a_multipart_upload_for_large_files(store, tmp_path, monkeypatch):
    monkeypatch.setattr(S3BlobStore, "multipart_threshold", 1)
    path = tmp_path / "large.bin"
    path.write_bytes(b"large enough" * 100)
    store.put_file(path, sha(path.read_bytes()))
    with store.open(sha(path.read_bytes())) as reader:
        assert reader.read() == path.read_bytes()


def test_it_deletes_only_blobs_older_than_the_cutoff(store):
    digest, _ = store.put_stream([b"aging in s3"])
    now = datetime.datetime.now(datetime.UTC)
    assert not store.delete_if_older(digest, now - datetime.timedelta(hours=1))
    assert store.delete_if_older(digest, now + datetime.timedelta(minutes=1))
    assert not store.exists(digest)


def test_it_stores_evidence_through_the_services(store, s3_env, settings, acme_ctx):
    settings.STORAGE_URL = f"s3://{BUCKET}/evidence"
    settings.S3_ENDPOINT_URL = s3_env
    image = samples.png()
    version = services.store(acme_ctx, chunks=[image], filename="diagram.png")
    assert version.sha256 == sha(image)
    assert version.media_type == "image/png"
    with services.open_version(version) as reader:
        assert reader.read() == image
    second = services.new_version(acme_ctx, version.evidence, chunks=[b"v2\n"], filename="v2.txt")
    with services.open_version(version) as reader:
        assert reader.read() == image, "the first version's bytes stay retrievable"
    assert sorted(store.iter_hashes()) == sorted([sha(image), second.sha256])
