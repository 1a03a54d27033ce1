"""The kinds of evidence files connectors and imports produce, and how each is read.

A kind knows how to recognise its files (``detect``), validate a whole file before it is
stored and describe it (``inspect``), and read it back as records for the control tests
(``records``) and as tool findings mapped to Annex A (``findings``). Monitoring reads stored
evidence only through these functions.

A large OCSF file is parsed once, not twice: while ``inspect`` validates it, it hashes the bytes
it reads and spools the compact records to a file under ``ANNEXA_HOME/tmp``; the evaluation of
the stored content with that SHA-256 in the same process reads them back (``prepared``) instead
of parsing the JSON again. Anything else (another process, a spool that is gone) parses.
"""

from __future__ import annotations

import abc
import atexit
import contextlib
import hashlib
import io
import itertools
import marshal
import os
import tempfile
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from annexa.connectors.formats import FormatError, lynis, ocsf, snapshot, tabular, xccdf
from annexa.connectors.formats.jsonstream import kind_of_stream
from annexa.connectors.mapping import Finding, Mapper

if TYPE_CHECKING:
    from annexa.evidence.staging import Prepared

HEAD = 64 * 1024


@dataclass(frozen=True)
class Inspection:
    """What a validated file is: its kind, the system it speaks for, and how to store it."""

    kind: str
    target: str
    stored_name: str
    title: str
    records: int
    # SHA-256 of the bytes inspected, when the kind hashed them while reading ("" otherwise).
    sha256: str = ""
    # From ``inspect_keeping``: the bytes inspected, copied while they were read, for the
    # evidence store to take over (the caller removes it when it does not store it).
    copy: Prepared | None = None


def _with_extension(filename: str, ext: str, allowed: tuple[str, ...] = ()) -> str:
    """``filename`` if it ends in ``.ext`` (or an allowed one), else with ``.ext`` appended."""
    lowered = filename.lower()
    if lowered.endswith(f".{ext}") or any(lowered.endswith(f".{a}") for a in allowed):
        return filename
    return f"{filename}.{ext}"


class FileKind(abc.ABC):
    name: str
    label: str
    records_are_findings = False

    @abc.abstractmethod
    def detect(self, head: bytes, filename: str) -> bool: ...

    @abc.abstractmethod
    def inspect(self, path: Path, filename: str) -> Inspection: ...

    def inspect_keeping(self, path: Path, filename: str) -> Inspection:
        """``inspect``; a kind that reads every byte anyway may also keep a copy of them
        (``Inspection.copy``), so that storing the file reads and hashes it no more."""
        return self.inspect(path, filename)

    @abc.abstractmethod
    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[Any]: ...

    def findings(self, stream: BinaryIO, mapper: Mapper) -> Iterator[Finding]:
        return iter(())

    def prepared(self, sha256: str, mapper: Mapper) -> Iterator[Any] | None:
        """The records of the content with this SHA-256 as ``inspect`` left them in this
        process, to be read instead of parsing the content again; None when there are none.
        An iterator that fails part way raises ``PreparedLost``: parse the content then."""
        return None

    def facts(self, record: Any) -> dict[str, int | str]:
        """What the tool itself says about the run (shown as is, judged by no test)."""
        return {}


class OpenScapKind(FileKind):
    name = "openscap"
    label = "OpenSCAP XCCDF results"
    records_are_findings = True

    def detect(self, head: bytes, filename: str) -> bool:
        return xccdf.looks_like(head)

    def inspect(self, path: Path, filename: str) -> Inspection:
        info = xccdf.ScanInfo()
        with open(path, "rb") as stream:
            count = sum(1 for _ in xccdf.iter_results(stream, info))
        xccdf.require_evaluated(info)
        host = info.target or "unknown host"
        # One stream per host, benchmark and profile: a scan with another profile (or another
        # benchmark) never replaces the results of the first.
        return Inspection(
            kind=self.name,
            target=f"{host}/{info.benchmark_name}/{info.profile_name}",
            stored_name=_with_extension(filename, "xml"),
            title=f"OpenSCAP results: {host} ({info.benchmark_name}, {info.profile_name})",
            records=count,
        )

    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[Finding]:
        for result in xccdf.iter_results(stream):
            if result.status is not None:
                yield mapper.xccdf(result)

    findings = records


class LynisKind(FileKind):
    name = "lynis"
    label = "Lynis report"

    def detect(self, head: bytes, filename: str) -> bool:
        return lynis.looks_like(head)

    def inspect(self, path: Path, filename: str) -> Inspection:
        with open(path, "rb") as stream:
            report = lynis.parse(stream)
        host = report.hostname or "unknown host"
        facts = self.facts(report)
        return Inspection(
            kind=self.name,
            target=host,
            stored_name=_with_extension(filename, "txt", ("log",)),
            title=f"Lynis report: {host} ({facts['warnings']} warnings, "
            f"{facts['suggestions']} suggestions)",
            records=len(report.tests_executed),
        )

    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[lynis.LynisReport]:
        yield lynis.parse(stream)

    def findings(self, stream: BinaryIO, mapper: Mapper) -> Iterator[Finding]:
        return mapper.lynis(lynis.parse(stream))

    def facts(self, record: lynis.LynisReport) -> dict[str, int | str]:
        facts: dict[str, int | str] = {
            "warnings": len(record.warnings),
            "suggestions": len(record.suggestions),
        }
        if record.number("hardening_index") is not None:
            facts["hardening index"] = record.number("hardening_index")
        return facts


class OcsfKind(FileKind):
    name = "ocsf"
    label = "OCSF findings (Prowler and others)"
    records_are_findings = True

    def detect(self, head: bytes, filename: str) -> bool:
        return ocsf.looks_like(head)

    def inspect(self, path: Path, filename: str) -> Inspection:
        return self._inspect(path, filename, keep=False)

    def inspect_keeping(self, path: Path, filename: str) -> Inspection:
        """``inspect``, copying the bytes to a private staging file while they are read and
        hashed. The copy counts as checked text when the parser read every byte (UTF-8, and
        JSON admits no control character but DEL, which is looked for)."""
        return self._inspect(path, filename, keep=True)

    def _inspect(self, path: Path, filename: str, *, keep: bool) -> Inspection:
        accounts: Counter[str] = Counter()
        count = 0
        unnamed = False
        with open(path, "rb") as raw, _Spool() as spool, _Hashing(raw, keep=keep) as stream:
            for finding in ocsf.iter_findings(stream):
                count += 1
                unnamed = unnamed or not finding.account
                if len(accounts) < 50:
                    accounts[":".join(filter(None, (finding.provider, finding.account)))] += 1
                spool.add(finding)
            parsed_whole = stream.drain() == 0
            if count == 0:
                raise FormatError("the OCSF file holds no findings")
            sha256 = stream.hexdigest()
            spool.keep(sha256)
            copy = stream.keep(sha256, text_checked=parsed_whole)
        with open(path, "rb") as handle:
            shape = kind_of_stream(handle)
        target = accounts.most_common(1)[0][0] if len(accounts) == 1 else "several accounts"
        if unnamed and len(accounts) == 1:
            # The findings name no account or cluster (Prowler 5.4 writes none for Kubernetes):
            # a stream of this file's own, never one stream shared by every cluster.
            target = f"{target or 'unknown provider'} (not named in the file: {filename})"
        return Inspection(
            kind=self.name,
            target=target,
            stored_name=self._stored_name(filename, shape),
            title=f"OCSF findings: {target}",
            records=count,
            sha256=sha256,
            copy=copy,
        )

    @staticmethod
    def _stored_name(filename: str, shape: str) -> str:
        # JSON Lines is not one JSON document: it must not be stored under a .json name.
        if shape == "array":
            return _with_extension(filename, "json")
        stem = filename.removesuffix(".json").removesuffix(".jsonl")
        return _with_extension(f"{stem}.jsonl", "txt")

    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[Finding]:
        for finding in ocsf.iter_findings(stream):
            yield mapper.ocsf(finding)

    findings = records

    def prepared(self, sha256: str, mapper: Mapper) -> Iterator[Finding] | None:
        path = _SPOOLS.take(sha256)
        if path is None:
            return None
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the generator below
        except OSError:
            return None
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # the open handle keeps it readable until closed
        return _spooled(handle, mapper)


class PreparedLost(Exception):
    """Records spooled by ``inspect`` could not be read back; parse the content instead."""


SPOOL_BATCH = 4096
SPOOLS_KEPT = 2  # per process: an inspected file whose evaluation runs elsewhere is dropped


class _Hashing:
    """A read-only stream that hashes every byte read through it and, with ``keep``, copies
    them to a private file under ``staging_dir()`` (removed on exit unless ``keep`` was
    called).

    The hashing and the copying run on a helper thread, beside the parsing that reads the
    stream: both release the GIL, so on two cores they cost the import almost no wall time.
    At most ``PENDING`` chunks wait for it; an error it meets is raised in the reader."""

    PENDING = 2

    def __init__(self, stream: BinaryIO, *, keep: bool = False) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0
        self.has_delete = False
        self.copy: BinaryIO | None = None
        self.copy_path: Path | None = None
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="annexa-hash")
        self._pending: deque[Future] = deque()
        if keep:
            from annexa.evidence.staging import staging_file

            fd, self.copy_path = staging_file()
            self.copy = os.fdopen(fd, "wb")

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.size += len(data)
        if self.copy is not None and not self.has_delete:
            self.has_delete = b"\x7f" in data
        self._pending.append(self._helper.submit(self._consume, data))
        while len(self._pending) > self.PENDING:
            self._pending.popleft().result()
        return data

    def _consume(self, data: bytes) -> None:
        self.digest.update(data)
        if self.copy is not None:
            self.copy.write(data)

    def _wait(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def drain(self) -> int:
        """Read what is left; returns how many bytes that was."""
        left = 0
        while data := self.read(1024 * 1024):
            left += len(data)
        return left

    def hexdigest(self) -> str:
        """The SHA-256 of every byte read so far."""
        self._wait()
        return self.digest.hexdigest()

    def keep(self, sha256: str, *, text_checked: bool) -> Prepared | None:
        """The copy, handed over (None without ``keep``)."""
        if self.copy is None or self.copy_path is None:
            return None
        from annexa.evidence.staging import Prepared

        self._wait()
        self.copy.close()
        copy = Prepared(
            path=self.copy_path,
            sha256=sha256,
            size=self.size,
            text_checked=text_checked and not self.has_delete,
        )
        self.copy = self.copy_path = None
        return copy

    def __enter__(self) -> _Hashing:
        return self

    def __exit__(self, *exc_info) -> None:
        self._helper.shutdown(wait=True)
        if self.copy is not None:
            self.copy.close()
        if self.copy_path is not None:
            self.copy_path.unlink(missing_ok=True)


class _Spool:
    """The compact records of one file being inspected, written in batches to a temporary
    file; ``keep`` files it under the content's SHA-256, otherwise it is removed."""

    def __init__(self) -> None:
        from annexa.evidence.staging import temp_root

        folder = temp_root() / "ocsf-records"
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, suffix=".partial")
        self.path = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.batch: list[tuple] = []
        self.kept = False

    def add(self, finding: ocsf.OcsfFinding) -> None:
        self.batch.append(
            (
                finding.check_id,
                finding.title,
                finding.status,
                finding.severity,
                finding.resource,
                finding.provider,
                finding.account,
                finding.region,
                finding.iso2022,
            )
        )
        if len(self.batch) >= SPOOL_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            # Length-prefixed: marshal.load() on a file reads it a few bytes at a time.
            data = marshal.dumps(self.batch)
            self.handle.write(len(data).to_bytes(8, "little"))
            self.handle.write(data)
            self.batch = []

    def keep(self, sha256: str) -> None:
        self._flush()
        self.handle.close()
        kept = self.path.with_name(f"{sha256}.{self.path.stem}.records")
        self.path = self.path.rename(kept)
        _SPOOLS.put(sha256, kept)
        self.kept = True

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.kept:
            self.handle.close()
            with contextlib.suppress(OSError):
                self.path.unlink()


def _spooled(handle: BinaryIO, mapper: Mapper) -> Iterator[Finding]:
    with handle:
        while True:
            try:
                head = handle.read(8)
                if not head:
                    return
                data = handle.read(int.from_bytes(head, "little"))
                batch = marshal.loads(data)  # noqa: S302  # nosec B302 - our own spool file, written above by this process; only tuples of plain values are read from it
            except (OSError, EOFError, ValueError, TypeError) as exc:
                raise PreparedLost(str(exc)) from None
            for fields in batch:
                yield mapper.ocsf(ocsf.OcsfFinding(*fields))


class _Spools:
    """Spooled records by content SHA-256, the newest ``SPOOLS_KEPT`` of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: OrderedDict[str, Path] = OrderedDict()

    def put(self, sha256: str, path: Path) -> None:
        with self.lock:
            dropped = [self.paths.pop(sha256)] if sha256 in self.paths else []
            self.paths[sha256] = path
            while len(self.paths) > SPOOLS_KEPT:
                dropped.append(self.paths.popitem(last=False)[1])
        for old in dropped:
            with contextlib.suppress(OSError):
                old.unlink()

    def take(self, sha256: str) -> Path | None:
        with self.lock:
            return self.paths.pop(sha256, None)

    def clear(self) -> None:
        with self.lock:
            paths, self.paths = list(self.paths.values()), OrderedDict()
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink()


_SPOOLS = _Spools()
atexit.register(_SPOOLS.clear)


class TableKind(FileKind):
    """A CSV/XLSX export of one schema (accounts, assets or training records)."""

    def __init__(self, schema: tabular.TableSchema) -> None:
        self.schema = schema
        self.name = schema.kind
        self.label = f"{schema.label} (CSV or XLSX)"

    def detect(self, head: bytes, filename: str) -> bool:
        # XLSX cannot be judged from its first bytes; ``detect()`` reads those whole.
        if not tabular.looks_like(head, filename) or head.startswith(b"PK"):
            return False
        try:
            complete_lines = head[: head.rfind(b"\n") + 1] or head
            sheet = tabular.read_sheet(io.BytesIO(complete_lines), filename)
        except FormatError:
            return False
        return set(self.schema.required) <= set(sheet.columns)

    def inspect(self, path: Path, filename: str) -> Inspection:
        with open(path, "rb") as stream:
            table = tabular.read_table(stream, filename, self.name)
        return Inspection(
            kind=self.name,
            target=filename,
            stored_name=filename,
            title=f"{self.schema.label}: {filename}",
            records=len(table.rows),
        )

    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[dict[str, Any]]:
        # No file name here: read_sheet tells XLSX from CSV by the zip signature.
        yield from tabular.read_table(stream, "", self.name).rows


class SnapshotKind(FileKind):
    """What an API connector read from one system (``formats.snapshot``)."""

    def __init__(self, name: str, label: str) -> None:
        self.name = name
        self.label = label

    def detect(self, head: bytes, filename: str) -> bool:
        return snapshot.looks_like(head, self.name)

    def inspect(self, path: Path, filename: str) -> Inspection:
        with open(path, "rb") as stream:
            document = snapshot.load(stream, self.name)
        return Inspection(
            kind=self.name,
            target=document.target,
            stored_name=_with_extension(filename, "json"),
            title=f"{self.label}: {document.target}",
            records=len(document.data),
        )

    def records(self, stream: BinaryIO, mapper: Mapper) -> Iterator[snapshot.Snapshot]:
        yield snapshot.load(stream, self.name)


KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in itertools.chain(
        (OpenScapKind(), LynisKind(), OcsfKind()),
        (TableKind(schema) for schema in tabular.SCHEMAS.values()),
        (SnapshotKind(name, label) for name, label in snapshot.KINDS.items()),
    )
}


def get(name: str) -> FileKind:
    try:
        return KINDS[name]
    except KeyError:
        raise FormatError(f"unknown kind {name!r}; use one of {', '.join(KINDS)}") from None


def detect(path: Path, filename: str) -> FileKind:
    """The kind of the file at ``path`` judged from its content; ``FormatError`` if unknown."""
    with open(path, "rb") as stream:
        head = stream.read(HEAD)
    if not head.strip():
        raise FormatError("the file is empty")
    for kind in KINDS.values():
        if kind.detect(head, filename):
            return kind
    if filename.lower().endswith(".xlsx"):
        with open(path, "rb") as stream:
            sheet = tabular.read_sheet(stream, filename)
        return get(tabular.detect_schema(sheet.columns).kind)
    raise FormatError("cannot tell what this file is; give the kind (" + ", ".join(KINDS) + ")")
