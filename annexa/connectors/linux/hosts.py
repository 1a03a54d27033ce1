"""The machine a Linux collection reads: this server, or a host reached over SSH.

Both kinds answer the same four questions — read a file, list a directory, does a path exist,
run one of the connector's fixed commands — so the collection code does not care where it
runs. Nothing is ever passed through a shell locally; over SSH a command is a fixed string
built from the connector's own argument lists (quoted), and files are read over SFTP, so no
configuration value and no remote file content ever becomes shell syntax.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import glob
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass

from annexa.connectors import netguard
from annexa.connectors.base import CollectError
from annexa.connectors.linux.parsers import quote
from annexa.connectors.schema import Secret

MAX_FILE = 4 * 1024 * 1024
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NOT_FOUND = 127


@dataclass(frozen=True)
class FileRead:
    """A file's text, or why there is none: ``missing``, ``denied`` or ``error``."""

    text: str | None
    status: str = "ok"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None

    def fact(self) -> dict:
        """How the file was (not) read, for the snapshot."""
        if self.ok:
            return {"readable": True}
        if self.status == "missing":
            return {"readable": False, "present": False}
        return {"readable": False, "error": self.detail or self.status}


@dataclass(frozen=True)
class CommandResult:
    """A command's exit status (None when it timed out or was killed) and its output."""

    status: int | None
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def installed(self) -> bool:
        return self.status != NOT_FOUND

    def problem(self, name: str) -> dict:
        """Why the command gave no facts, for the snapshot (``readable: false``)."""
        if not self.installed:
            return {"readable": False, "installed": False, "error": f"{name} is not installed"}
        first = (self.err or self.out).strip().splitlines()
        detail = first[0][:200] if first else f"exit status {self.status}"
        return {"readable": False, "installed": True, "error": f"{name}: {detail}"}


class Host(abc.ABC):
    """What the collection may do on the machine it reads."""

    mode: str

    @abc.abstractmethod
    async def read(self, path: str) -> FileRead: ...

    @abc.abstractmethod
    async def listdir(self, path: str) -> list[str] | None:
        """The names in a directory (sorted), or None when it cannot be listed."""

    @abc.abstractmethod
    async def exists(self, path: str) -> bool: ...

    @abc.abstractmethod
    async def run(self, argv: tuple[str, ...]) -> CommandResult:
        """Run one of the connector's fixed commands."""

    @abc.abstractmethod
    async def process_names(self) -> set[str] | None:
        """The command names of the running processes (``/proc/*/comm``)."""

    async def prefetch(self, commands: list[tuple[str, ...]]) -> None:  # noqa: B027
        """Start ``commands`` ahead of ``run`` where that saves time (nothing by default)."""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class LocalHost(Host):
    """This server, read directly (commands run without a shell, in the C locale)."""

    mode = "local"

    def __init__(self, command_timeout: int) -> None:
        self.command_timeout = command_timeout

    async def read(self, path: str) -> FileRead:
        try:
            with open(path, "rb") as handle:
                return FileRead(_decode(handle.read(MAX_FILE)))
        except (FileNotFoundError, NotADirectoryError):
            return FileRead(None, "missing")
        except PermissionError:
            return FileRead(None, "denied", "permission denied")
        except OSError as exc:
            return FileRead(None, "error", exc.strerror or type(exc).__name__)

    async def listdir(self, path: str) -> list[str] | None:
        try:
            return sorted(os.listdir(path))
        except OSError:
            return None

    async def exists(self, path: str) -> bool:
        return os.path.exists(path)

    async def run(self, argv: tuple[str, ...]) -> CommandResult:
        env = {"PATH": SEARCH_PATH, "LC_ALL": "C", "LANG": "C"}
        try:
            done = subprocess.run(  # noqa: S603 - a fixed argument list, never a shell
                list(argv),
                capture_output=True,
                timeout=self.command_timeout,
                check=False,
                env=env,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            return CommandResult(NOT_FOUND, "", f"{argv[0]}: command not found")
        except subprocess.TimeoutExpired:
            return CommandResult(None, "", f"did not finish within {self.command_timeout} s")
        except OSError as exc:
            return CommandResult(None, "", exc.strerror or type(exc).__name__)
        return CommandResult(done.returncode, _decode(done.stdout), _decode(done.stderr))

    async def process_names(self) -> set[str] | None:
        names = set()
        for path in glob.glob("/proc/[0-9]*/comm"):
            with (
                contextlib.suppress(OSError),
                open(path, encoding="utf-8", errors="replace") as handle,
            ):
                names.add(handle.read().strip())
        return names or None


class SshHost(Host):
    """A host reached over SSH: fixed commands on an exec channel, files over SFTP."""

    mode = "ssh"

    # sshd allows 10 sessions per connection by default (MaxSessions); SFTP holds one.
    PARALLEL = 6

    def __init__(self, connection, sftp, command_timeout: int) -> None:
        self.connection = connection
        self.sftp = sftp
        self.command_timeout = command_timeout
        self.results: dict[tuple[str, ...], CommandResult] = {}

    async def prefetch(self, commands: list[tuple[str, ...]]) -> None:
        """Run the commands a collection will need side by side on the one connection (each
        costs a round trip and a session on the server), keeping their results for ``run``."""
        slots = asyncio.Semaphore(self.PARALLEL)

        async def one(argv: tuple[str, ...]) -> None:
            async with slots:
                self.results[argv] = await self._command(argv)

        await asyncio.gather(*(one(argv) for argv in dict.fromkeys(commands)))

    async def read(self, path: str) -> FileRead:
        import asyncssh

        try:
            async with self.sftp.open(path, "rb") as handle:
                return FileRead(_decode(await handle.read(MAX_FILE)))
        except asyncssh.SFTPNoSuchFile:
            return FileRead(None, "missing")
        except asyncssh.SFTPPermissionDenied:
            return FileRead(None, "denied", "permission denied")
        except asyncssh.SFTPError as exc:
            return FileRead(None, "error", str(exc.reason)[:200])

    async def listdir(self, path: str) -> list[str] | None:
        import asyncssh

        try:
            names = await self.sftp.listdir(path)
        except asyncssh.SFTPError:
            return None
        return sorted(n for n in names if n not in (".", ".."))

    async def exists(self, path: str) -> bool:
        return await self.sftp.exists(path)

    async def _exec(self, command: str) -> CommandResult:
        import asyncssh

        try:
            done = await asyncio.wait_for(
                self.connection.run(command, check=False, stdin=asyncssh.DEVNULL),
                self.command_timeout,
            )
        except TimeoutError:
            return CommandResult(None, "", f"did not finish within {self.command_timeout} s")
        out, err = done.stdout or "", done.stderr or ""
        return CommandResult(
            done.exit_status,
            out if isinstance(out, str) else _decode(out),
            err if isinstance(err, str) else _decode(err),
        )

    async def run(self, argv: tuple[str, ...]) -> CommandResult:
        if argv in self.results:
            return self.results.pop(argv)
        return await self._command(argv)

    async def _command(self, argv: tuple[str, ...]) -> CommandResult:
        # ``env`` works in every login shell; the search path makes sbin tools reachable.
        return await self._exec(f"env LC_ALL=C LANG=C PATH={SEARCH_PATH} {quote(argv)}")

    async def process_names(self) -> set[str] | None:
        # The only command with shell syntax (a glob), and a constant one.
        result = await self._exec("cat /proc/[0-9]*/comm")
        names = {line.strip() for line in result.out.splitlines() if line.strip()}
        return names or None


# --- connecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SshTarget:
    """Where and how to log in; secrets stay ``Secret`` until the moment they are used."""

    host: str
    port: int
    username: str
    password: Secret | None
    private_key: Secret | None
    passphrase: Secret | None
    host_key: str
    connect_timeout: int
    command_timeout: int

    @property
    def shown(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


def load_private_key(text: Secret, passphrase: Secret | None):
    """The asyncssh key from PEM/OpenSSH text; ``ValueError`` with a message safe to show."""
    import asyncssh

    try:
        return asyncssh.import_private_key(
            text.reveal(), passphrase.reveal() if passphrase else None
        )
    except (asyncssh.KeyImportError, ValueError, TypeError) as exc:
        encrypted = "passphrase" in str(exc).lower()
        raise ValueError(
            "the private key is encrypted and the passphrase is missing or wrong"
            if encrypted
            else "not a private key in OpenSSH or PEM format"
        ) from None


def parse_host_key(text: str):
    """A pinned host key: a public key line (``ssh-ed25519 AAAA…``) or a ``SHA256:`` (or
    ``MD5:``) fingerprint. Returns ``(key or None, fingerprint)``; ``ValueError`` otherwise."""
    import asyncssh

    value = text.strip()
    if value.startswith(("SHA256:", "MD5:")) and " " not in value:
        return None, value
    try:
        key = asyncssh.import_public_key(value)
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ValueError(
            "give the server's public host key (a line of /etc/ssh/ssh_host_ed25519_key.pub) "
            f"or its SHA256: fingerprint ({exc})"
        ) from None
    return key, key.get_fingerprint("sha256")


def _fingerprint_matches(key, pinned: str) -> bool:
    algorithm = "md5" if pinned.startswith("MD5:") else "sha256"
    return key.get_fingerprint(algorithm) == pinned


def _client_class(pinned: str, seen: list):
    import asyncssh

    class PinnedClient(asyncssh.SSHClient):
        """Accepts only the pinned host key; remembers what the server offered."""

        def validate_host_public_key(self, host, addr, port, key) -> bool:
            seen.append(key)
            return bool(pinned) and _fingerprint_matches(key, pinned)

    return PinnedClient


def _describe(key) -> str:
    return f"{key.get_fingerprint('sha256')} ({key.get_algorithm()})"


@contextlib.asynccontextmanager
async def ssh_host(target: SshTarget) -> AsyncIterator[SshHost]:
    """Log in to ``target`` and yield the host; ``CollectError`` saying what to fix.

    The address is checked by the outbound guard (private and loopback addresses only when an
    administrator allows them) and the connection goes to the checked address. The server's
    host key must be the pinned one before any credential is sent.
    """
    import asyncssh

    try:
        address = str(netguard.resolve(target.host, target.port)[0])
    except netguard.OutboundRefused as exc:
        raise CollectError(str(exc)) from None
    if target.host_key:
        try:
            pinned_key, pinned = parse_host_key(target.host_key)
        except ValueError as exc:
            raise CollectError(f"host_key: {exc}") from None
    else:
        pinned_key, pinned = None, ""
    keys = []
    if target.private_key:
        try:
            keys = [load_private_key(target.private_key, target.passphrase)]
        except ValueError as exc:
            raise CollectError(f"private_key: {exc}") from None
    seen: list = []
    options = {
        "username": target.username,
        "password": target.password.reveal() if target.password else None,
        "client_keys": keys or None,
        "known_hosts": ([pinned_key] if pinned_key else [], [], []),
        "client_factory": _client_class(pinned, seen),
        "agent_path": None,
        "config": [],
        "connect_timeout": target.connect_timeout,
        "login_timeout": target.connect_timeout,
        "preferred_auth": ",".join(
            m for m, used in (("publickey", keys), ("password", target.password)) if used
        ),
    }
    try:
        connection = await asyncssh.connect(address, target.port, **options)
    except asyncssh.HostKeyNotVerifiable:
        raise CollectError(_host_key_problem(target, pinned, seen)) from None
    except asyncssh.PermissionDenied:
        raise CollectError(
            f"SSH login as {target.username!r} to {target.host}:{target.port} was refused: "
            "check the username and the password or private key (and that the key is in the "
            "user's authorized_keys)"
        ) from None
    except (TimeoutError, asyncssh.ConnectionLost):
        raise CollectError(
            f"{target.host}:{target.port} did not complete an SSH login within "
            f"{target.connect_timeout} s: check the host, the port and the firewall"
        ) from None
    except asyncssh.DisconnectError as exc:
        raise CollectError(
            f"the SSH server at {target.host}:{target.port} closed the connection: {exc.reason}"
        ) from None
    except OSError as exc:
        raise CollectError(
            f"cannot connect to {target.host}:{target.port} ({exc.strerror or exc}): check "
            "the host and port, and that the SSH server runs"
        ) from None
    async with connection:
        try:
            sftp = await connection.start_sftp_client()
        except (asyncssh.Error, OSError):
            raise CollectError(
                f"the SSH server at {target.host}:{target.port} offers no SFTP: enable the "
                "sftp subsystem (Subsystem sftp internal-sftp) so files can be read"
            ) from None
        async with sftp:
            yield SshHost(connection, sftp, target.command_timeout)


def _host_key_problem(target: SshTarget, pinned: str, seen: list) -> str:
    offered = _describe(seen[-1]) if seen else "an unknown key"
    where = f"{target.host}:{target.port}"
    if not pinned:
        return (
            f"no host_key is pinned for {where}; the server presented {offered}. Check that "
            "fingerprint on the server (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) "
            "and set it as the connector's host_key"
        )
    return (
        f"the host key of {where} is not the pinned one: the server presented {offered}, "
        f"the connector expects {pinned}. If the server's key was changed on purpose, update "
        "host_key; otherwise someone may be intercepting the connection"
    )
