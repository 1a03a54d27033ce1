"""The S3 backend of the blob store (AWS S3 and S3-compatible servers such as MinIO).

Configured by ``ANNEXA_STORAGE_URL=s3://bucket/prefix``, ``ANNEXA_S3_ENDPOINT_URL`` for a
server other than AWS, and the standard AWS credential chain (environment, profile, role).
"""

from __future__ import annotations

import base64
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar
from urllib.parse import unquote, urlsplit

from annexa.evidence.staging import staging_dir
from annexa.evidence.storage import (
    SHA256_RE,
    BlobInfo,
    BlobMissing,
    BlobStore,
    StorageError,
    check_sha256,
    copy_hashing,
    hash_file,
    register,
)


@register("s3")
class S3BlobStore(BlobStore):
    """Blobs as objects ``prefix/ab/cd/abcd…`` in an S3 bucket.

    An S3 PUT is atomic per object (readers see all of it or nothing), so blobs go straight to
    their final key, sent with ``ChecksumSHA256`` so the server rejects bytes that changed in
    transit. Files above ``multipart_threshold`` use a multipart upload, after the local file
    was hashed and checked against the name.

    S3 has no atomic "delete if older", so ``delete_if_older`` (check, then delete) leaves a
    window of one request in which a writer renewing the same orphan could lose it; the file
    store has no such window.
    """

    multipart_threshold: ClassVar[int] = 4 * 1024**3

    def __init__(self, bucket: str, prefix: str, client) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    @classmethod
    def from_url(cls, url: str, **options: str | None) -> S3BlobStore:
        import boto3
        from botocore.config import Config

        parts = urlsplit(url)
        if not parts.netloc:
            raise StorageError(f"ANNEXA_STORAGE_URL {url!r}: use s3://bucket/prefix")
        client = boto3.client(
            "s3",
            endpoint_url=options.get("s3_endpoint_url") or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )
        return cls(parts.netloc, unquote(parts.path), client)

    def key_for(self, sha256: str) -> str:
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, sha256: str) -> bool:
        try:
            self.info(sha256)
        except BlobMissing:
            return False
        return True

    def info(self, sha256: str) -> BlobInfo:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key_for(sha256))
        except self.client.exceptions.ClientError as exc:
            if _is_not_found(exc):
                raise BlobMissing(sha256) from None
            raise
        return BlobInfo(sha256=sha256, size=head["ContentLength"], modified=head["LastModified"])

    def open(self, sha256: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_for(sha256))
        except self.client.exceptions.ClientError as exc:
            if _is_not_found(exc):
                raise BlobMissing(sha256) from None
            raise
        return response["Body"]

    def put_file(self, path: Path, sha256: str) -> None:
        key = self.key_for(sha256)
        actual, size = hash_file(path)
        if actual != sha256:
            raise StorageError(f"content hashes to {actual}, not {sha256}")
        if self._refresh_existing(key):
            return
        if size >= self.multipart_threshold:
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ChecksumAlgorithm": "SHA256"}
            )
            return
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
        with open(path, "rb") as body:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ChecksumSHA256=checksum)

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        # The name is the hash, known only at the end: spool to a local file first (in the
        # staging folder, where `annexa evidence gc` finds it if the process is killed).
        fd, temp_name = tempfile.mkstemp(dir=staging_dir(), suffix=".part")
        temp = Path(temp_name)
        try:
            sha256, size = copy_hashing(chunks, fd)
            self.put_file(temp, sha256)
        finally:
            temp.unlink(missing_ok=True)
        return sha256, size

    def iter_hashes(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = item["Key"][len(start) :]
                sha256 = name.rsplit("/", 1)[-1]
                if SHA256_RE.match(sha256) and name == f"{sha256[:2]}/{sha256[2:4]}/{sha256}":
                    yield sha256

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key_for(sha256))

    def _refresh_existing(self, key: str) -> bool:
        """True if the object exists; it is copied onto itself so its LastModified is renewed
        and the orphan collector's grace period protects it until its row is committed."""
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
                Metadata={"refreshed": str(int(time.time()))},
            )
        except self.client.exceptions.ClientError as exc:
            if _is_not_found(exc):
                return False
            raise
        return True


def _is_not_found(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in {"404", "NoSuchKey", "NotFound"}
