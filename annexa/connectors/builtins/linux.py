"""Linux host: password and login policy, sshd, firewall, time, updates, audit, accounts.

Reads this server (``local``) or a host over SSH (``ssh``, asyncssh) with a fixed set of
read-only commands and file reads, and stores one snapshot per host. Over SSH the server's
host key must match the pinned ``host_key`` before any credential is sent, and the address
passes the outbound guard like every other connection a connector makes.
"""

from __future__ import annotations

import asyncio
import re

from annexa.connectors import netguard
from annexa.connectors.base import (
    BaseConnector,
    Environment,
    EvidenceSink,
    put_snapshot,
    require_server_allowance,
)
from annexa.connectors.linux import collect as sections
from annexa.connectors.linux import hosts
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

KIND = "linux"
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._+/-]+$")


@connector_config
class LinuxConfig(ConnectorConfig):
    mode: str = setting(
        "ssh: read a host over SSH; local: read the server Annexa runs on",
        default="ssh",
        choices=("ssh", "local"),
    )
    host: str = setting("ssh: the host name or address", default="")
    port: int = setting("ssh: the SSH port", default=22, minimum=1, maximum=65535)
    username: str = setting("ssh: the account to log in as (read-only use)", default="")
    password: Secret | None = secret("ssh: the account's password", required=False)
    private_key: Secret | None = secret(
        "ssh: a private key (OpenSSH or PEM text) authorised for the account", required=False
    )
    passphrase: Secret | None = secret("ssh: the private key's passphrase", required=False)
    host_key: str = setting(
        "ssh: the server's public host key (a line of ssh_host_ed25519_key.pub) or its "
        "SHA256: fingerprint; other keys are refused",
        default="",
    )
    sshd_config_path: str = setting(
        "the sshd configuration file to evaluate", default="/etc/ssh/sshd_config"
    )
    sections: list[str] = setting(
        f"what to read: {', '.join(sections.SECTIONS)} (all when empty)", default=[]
    )
    connect_timeout: int = setting(
        "ssh: seconds to wait for the login", default=15, minimum=1, maximum=300
    )
    command_timeout: int = setting(
        "seconds one command may take", default=60, minimum=1, maximum=3600
    )

    def check(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        unknown = sorted(set(self.sections) - set(sections.SECTIONS))
        if unknown:
            problems["sections"] = (
                f"unknown: {', '.join(unknown)}; use {', '.join(sections.SECTIONS)}"
            )
        if not SAFE_PATH.match(self.sshd_config_path) or ".." in self.sshd_config_path:
            problems["sshd_config_path"] = "give an absolute path of letters, digits and . _ + - /"
        if self.mode == "ssh":
            problems |= self._check_ssh()
        return problems

    def _check_ssh(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not self.host:
            problems["host"] = "ssh mode needs the host"
        else:
            if problem := netguard.literal_problem(f"https://{_bracketed(self.host)}/"):
                problems["host"] = problem
        if not self.username:
            problems["username"] = "ssh mode needs the account to log in as"
        if not self.password and not self.private_key:
            problems["password"] = "give a password or a private key"  # noqa: S105
        if self.passphrase and not self.private_key:
            problems["passphrase"] = "a passphrase needs a private key"  # noqa: S105
        if self.private_key:
            try:
                hosts.load_private_key(self.private_key, self.passphrase)
            except ValueError as exc:
                problems["private_key"] = str(exc)
        if self.host_key:
            try:
                hosts.parse_host_key(self.host_key)
            except ValueError as exc:
                problems["host_key"] = str(exc)
        return problems

    @property
    def chosen_sections(self) -> tuple[str, ...]:
        return tuple(s for s in sections.SECTIONS if not self.sections or s in self.sections)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@register
class LinuxConnector(BaseConnector):
    name = KIND
    label = "Linux host"
    description = (
        "Password and login policy, SSH daemon settings, firewall, time synchronisation, "
        "automatic updates, audit logging and local accounts of a Linux host, read locally "
        "or over SSH."
    )
    config_class = LinuxConfig
    produces = (KIND,)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, LinuxConfig)
        if config.mode == "local":
            target = self._local_target()
            sink.progress("reading this server")
            data = asyncio.run(self._read_local(config))
        else:
            target = config.host if config.port == 22 else f"{config.host}:{config.port}"
            sink.progress(f"reading {target} over SSH")
            data = asyncio.run(self._read_ssh(config))
        put_snapshot(env, sink, KIND, target, data)

    @staticmethod
    def _local_target() -> str:
        require_server_allowance("local mode")
        import socket

        return socket.gethostname()

    @staticmethod
    async def _read_local(config: LinuxConfig) -> dict:
        host = hosts.LocalHost(config.command_timeout)
        return await sections.gather(host, config.chosen_sections, config.sshd_config_path)

    @staticmethod
    async def _read_ssh(config: LinuxConfig) -> dict:
        target = hosts.SshTarget(
            host=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            private_key=config.private_key,
            passphrase=config.passphrase,
            host_key=config.host_key,
            connect_timeout=config.connect_timeout,
            command_timeout=config.command_timeout,
        )
        async with hosts.ssh_host(target) as host:
            return await sections.gather(host, config.chosen_sections, config.sshd_config_path)
