"""What a connector is: a plugin class with a name, a typed configuration and ``collect()``.

Connectors fetch; control tests judge. ``collect()`` reads a system (a tool's output file, a
tool it runs, an HTTP endpoint) and hands what it read to the ``EvidenceSink``, which stores
it as immutable evidence. A connector writes nothing else and never judges what it read.

Built-in connectors register with ``@registry.register``; third-party ones are packages that
expose their class in the ``annexa.connectors`` entry-point group.
"""

from __future__ import annotations

import abc
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from annexa.connectors.formats import snapshot
from annexa.connectors.schema import ConnectorConfig

TOOL_TIMEOUT = 30 * 60
DOWNLOAD_LIMIT = 1024 * 1024 * 1024
CHUNK = 1024 * 1024


class CollectError(Exception):
    """Collection failed; the message says what happened and what to fix."""


class EvidenceSink(Protocol):
    """Where ``collect()`` puts what it read (implemented by ``connectors.services``)."""

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        """Store the file at ``path`` as evidence of ``kind`` (``openscap``, ``lynis`` …)."""

    def progress(self, message: str) -> None:
        """Report what the connector is doing (shown by ``annexa collect``)."""


@dataclass(frozen=True)
class Environment:
    """What a connector may use: the organization's import directory and a scratch directory.

    Paths in a configuration are relative to ``import_dir`` (``ANNEXA_HOME/imports/<org>/``)
    and may not leave it, so one organization's connector cannot read another's files or the
    server's own.
    """

    import_dir: Path
    scratch: Path

    def resolve_import(self, relative: str) -> Path:
        """``relative`` inside the import directory, symlinks resolved; ``CollectError`` if it
        points elsewhere or does not exist."""
        if Path(relative).is_absolute():
            raise CollectError(
                f"{relative!r} is an absolute path; give a path relative to the organization's "
                f"import directory ({self.import_dir})"
            )
        base = self.import_dir.resolve()
        target = (base / relative).resolve()
        if not target.is_relative_to(base):
            raise CollectError(f"{relative!r} points outside the import directory")
        if not target.exists():
            raise CollectError(f"{relative!r} does not exist in the import directory ({base})")
        return target


class BaseConnector(abc.ABC):
    """Base class of every connector plugin.

    Subclasses set ``name`` (lowercase, unique), ``label``, ``description``, ``config_class``
    (a ``ConnectorConfig`` dataclass; its ``secret()`` fields are encrypted at rest) and
    ``produces`` (the evidence kinds it stores), and implement ``collect``.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    config_class: ClassVar[type[ConnectorConfig]]
    produces: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "1"
    # Templates show plugin classes; without this they would try to instantiate them.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(self, config: ConnectorConfig) -> None:
        if not isinstance(config, self.config_class):
            raise TypeError(f"{self.name} needs a {self.config_class.__name__}")
        self.config = config

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config!r}>"

    @abc.abstractmethod
    def collect(self, env: Environment, sink: EvidenceSink) -> None: ...


def put_snapshot(env: Environment, sink: EvidenceSink, kind: str, target: str, data: dict) -> None:
    """Store what an API connector read from ``target`` as one snapshot document (see
    ``formats.snapshot``): identical readings give identical bytes, hence no new version."""
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in target)[:80].strip("-.")
    path = env.scratch / f"{kind}-{safe or 'target'}.json"
    path.write_bytes(snapshot.dumps(kind, target, data))
    sink.put_file(path, kind=kind, filename=path.name)


def require_server_allowance(doing: str) -> None:
    """``CollectError`` unless the administrator allowed connectors to act on the server Annexa
    runs on. Reading or scanning this server (its hostname, packages, users) is reaching the
    loopback address: the same allow list decides as for every other local destination, so one
    organization's ISMS manager cannot audit the platform every organization shares."""
    import ipaddress

    from annexa.connectors import netguard
    from annexa.core import security_log

    if netguard.refusal(ipaddress.ip_address("127.0.0.1"), netguard.configured_allow_list()):
        security_log.event("connector refused on the Annexa server", doing=repr(doing))
        raise CollectError(
            f"{doing} acts on the server Annexa runs on, which is refused unless an "
            "administrator allows it: add 127.0.0.1/32 to ANNEXA_OUTBOUND_ALLOW"
        )
    security_log.event("connector acting on the Annexa server", doing=repr(doing), pid=os.getpid())


def find_tool(name: str) -> str:
    """The path of an executable on PATH; ``CollectError`` saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise CollectError(f"the {name!r} program is not installed on this server")
    return found


def run_tool(
    argv: list[str], *, ok_codes: tuple[int, ...] = (0,), timeout: int = TOOL_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run a scanner without a shell; ``CollectError`` with the end of its output on failure."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
    try:
        completed = subprocess.run(  # noqa: S603 - argv is a list, never a shell string
            argv, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        raise CollectError(f"{Path(argv[0]).name} did not finish within {timeout} s") from None
    except OSError as exc:
        raise CollectError(f"{Path(argv[0]).name} could not be started: {exc}") from None
    if completed.returncode not in ok_codes:
        tail = (completed.stderr or completed.stdout or "").strip()[-800:]
        raise CollectError(
            f"{Path(argv[0]).name} exited with status {completed.returncode}: {tail}"
        )
    return completed


def download(client, url: str, dest: Path, *, headers: dict[str, str] | None = None) -> Path:
    """Stream ``url`` into ``dest`` with ``client`` (a ``netguard.guarded_client``)."""
    import httpx

    size = 0
    try:
        with client.stream("GET", url, headers=headers or {}) as response:
            if response.status_code != 200:
                raise CollectError(f"GET {_shown(url)} answered HTTP {response.status_code}")
            with open(dest, "wb") as handle:
                for chunk in response.iter_bytes(CHUNK):
                    size += len(chunk)
                    if size > DOWNLOAD_LIMIT:
                        raise CollectError(f"{_shown(url)} is larger than {DOWNLOAD_LIMIT} bytes")
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        raise CollectError(f"GET {_shown(url)} failed: {exc}") from None
    return dest


def _shown(url: str) -> str:
    """A URL without its query string, which may carry a token."""
    return url.split("?", 1)[0]
