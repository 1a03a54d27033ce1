"""A private PostgreSQL cluster for the connector's tests: ``initdb`` into a temporary
directory, started on a free loopback port, with TLS from a throw-away CA, stopped after.

Tests that change settings use this cluster, never the machine's shared server, on which other
tests run. When the tests run as root, the cluster's files belong to the ``postgres`` OS user
and its programs run through ``runuser`` (PostgreSQL refuses to run as root).

Settings that a test flips later (``log_connections``) go into ``postgresql.conf``, not on the
``postgres -c`` command line: a command-line value outranks ``ALTER SYSTEM``, so the flip
would not take effect.
"""

from __future__ import annotations

import datetime as dt
import glob
import ipaddress
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

OWNER = "postgres"
PASSWORD_BYTES = 18
START_ATTEMPTS = 3
LOGGING = {"log_connections": "on", "log_disconnections": "on", "log_statement": "ddl"}


def find_bin() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on PATH, else Debian's versioned one."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for directory in reversed(candidates):
        if (Path(directory) / "initdb").is_file() and (Path(directory) / "pg_ctl").is_file():
            return Path(directory)
    return None


def why_not_available() -> str:
    """Why no private cluster can be started here ('' when one can)."""
    if find_bin() is None:
        return "PostgreSQL server programs (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OWNER)
        except KeyError:
            return f"running as root and there is no {OWNER!r} OS user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is not installed"
    return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost it signed:
    returns (CA certificate, server certificate, server key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Annexa test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = (directory / "ca.crt", directory / "server.crt", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(server.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@dataclass
class Cluster:
    """A running private cluster; ``superuser`` is ``postgres`` with ``password``."""

    bin: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_urlsafe(PASSWORD_BYTES))
    ca_cert: Path | None = None
    running: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OWNER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(OWNER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def init(self, *, tls: bool) -> None:
        self.root.chmod(0o700)
        self._chown(self.root)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._chown(pwfile)
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        lines = [f"{name} = '{value}'" for name, value in LOGGING.items()]
        if tls:
            ca, cert, key = write_tls_files(self.data)
            for path in (cert, key):
                path.chmod(0o600)
                self._chown(path)
            self.ca_cert = ca
            lines += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# Annexa tests\n" + "\n".join(lines) + "\n")

    def start(self) -> None:
        for _attempt in range(START_ATTEMPTS):
            self.port = _free_port()
            options = (
                f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.root}"
            )
            done = self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.root / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            if done.returncode == 0:
                self.running = True
                return
        log = self.root / "server.log"
        tail = log.read_text()[-1500:] if log.exists() else done.stdout + done.stderr
        raise RuntimeError(f"the private PostgreSQL did not start: {tail}")

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection over TCP, in autocommit mode (for ALTER SYSTEM)."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=self.password,
            dbname=dbname,
            sslmode="disable",
            autocommit=True,
        )

    def execute(self, *statements: str) -> None:
        with self.connect() as conn:
            for statement in statements:
                conn.execute(statement)

    def setting(self, name: str) -> str:
        """The value a new session sees (``pg_reload_conf`` only signals the server)."""
        with self.connect() as conn:
            return conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]


def start_cluster(*, tls: bool = True) -> Cluster:
    """Initialise and start a cluster in a new temporary directory (``Cluster.stop`` removes
    it). The directory is not under pytest's ``tmp_path``: as root that path is private to
    root, and PostgreSQL runs as another OS user."""
    bin_dir = find_bin()
    assert bin_dir is not None, why_not_available()
    cluster = Cluster(bin=bin_dir, root=Path(tempfile.mkdtemp(prefix="annexa-pg-")))
    try:
        cluster.init(tls=tls)
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
