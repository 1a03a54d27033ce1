"""A real OpenSSH server for the Linux connector's tests, started and stopped by the test.

``TestSshd`` runs ``/usr/sbin/sshd -D -e -f CONFIG`` on 127.0.0.1 with a free port, a fresh
host key and its own configuration in a temporary directory; the current user logs in with a
fresh client key listed in an authorized_keys file of that directory. ``restart()`` rewrites
the configuration and starts sshd again on the same port, which is how a test flips a setting.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
START_WAIT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_key(passphrase: str | None = None) -> tuple[str, str]:
    """A fresh ed25519 key pair as (private key text, public key line)."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    # Few KDF rounds: a test key needs no brute-force resistance, only a passphrase.
    private = key.export_private_key("openssh", passphrase, rounds=50).decode()
    return private, key.export_public_key("openssh").decode().strip()


@dataclass
class TestSshd:
    __test__ = False  # not a pytest test class

    directory: Path
    port: int = field(default_factory=free_port)
    username: str = field(default_factory=getpass.getuser)
    options: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.config_path = self.directory / "sshd_config"
        self.log_path = self.directory / "sshd.log"
        self.host_key_path = self.directory / "host_ed25519"
        private, public = new_key()
        self.host_key_path.write_text(private)
        self.host_key_path.chmod(0o600)
        self.host_key = public
        self.client_key, client_public = new_key()
        self.authorized_keys = self.directory / "authorized_keys"
        self.authorized_keys.write_text(client_public + "\n")

    def authorize(self, public_line: str) -> None:
        with open(self.authorized_keys, "a") as handle:
            handle.write(public_line + "\n")

    def write_config(self) -> None:
        settings = {
            "Port": str(self.port),
            "ListenAddress": "127.0.0.1",
            "HostKey": str(self.host_key_path),
            "PidFile": str(self.directory / "sshd.pid"),
            "AuthorizedKeysFile": str(self.authorized_keys),
            "StrictModes": "no",
            "UsePAM": "no",
            "PermitRootLogin": "prohibit-password",
            "PasswordAuthentication": "no",
            "KbdInteractiveAuthentication": "no",
            "PermitEmptyPasswords": "no",
            "MaxAuthTries": "4",
            "LoginGraceTime": "30",
            "Subsystem": "sftp internal-sftp",
            "LogLevel": "ERROR",
        } | self.options
        self.config_path.write_text("".join(f"{k} {v}\n" for k, v in settings.items()))

    def start(self) -> None:
        PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        self.write_config()
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(self.config_path)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        self._log = log
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def restart(self, **options: str) -> None:
        """Stop sshd, change options of its configuration, start it again (same port)."""
        self.stop()
        self.options |= options
        self.start()

    def connector_values(self, **extra) -> dict:
        """The connector settings (not secrets) to read this server."""
        return {
            "mode": "ssh",
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "host_key": self.host_key,
            "sshd_config_path": str(self.config_path),
        } | extra


def can_run_sshd() -> str:
    """Why the sshd tests cannot run here ('' when they can)."""
    if not SSHD.exists():
        return f"{SSHD} is missing (scripts/ensure-system-packages --test installs it)"
    if os.geteuid() != 0 and not PRIVSEP_DIR.is_dir():
        return f"sshd needs {PRIVSEP_DIR}, which only root can create"
    return ""
