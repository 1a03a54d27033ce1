"""SSH offers no weak ciphers, MACs or key exchange methods (linux connector)."""

from __future__ import annotations

import re
from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import SshdTest

WEAK = {
    "ciphers": re.compile(r"(-cbc$|^3des|^arcfour|^blowfish|^cast128|^rijndael)"),
    "macs": re.compile(r"(md5|ripemd160|-96|^umac-64)"),
    "kexalgorithms": re.compile(r"(group1-sha1|group14-sha1|group-exchange-sha1|-sha1-)"),
}


class LinuxSshCrypto(SshdTest):
    """Passes when none of sshd's enabled ciphers, MACs and key exchange algorithms is weak:
    CBC mode, 3DES, RC4 (arcfour), Blowfish or CAST ciphers; MD5, RIPEMD-160, truncated (-96)
    or 64-bit UMAC MACs; SHA-1 Diffie-Hellman key exchange. Fails naming each weak algorithm
    enabled. Not applicable without an SSH daemon; an error when the lists are unknown (sshd
    -T could not run and sshd_config does not set them)."""

    id = "linux_ssh_crypto"
    title = "SSH uses only strong cryptography"
    control_ids = ("A.8.24",)
    severity = "medium"
    remediation = (
        "Set Ciphers, MACs and KexAlgorithms in sshd_config to current algorithms only (for "
        "example chacha20-poly1305, aes-gcm and aes-ctr ciphers, *-etm@openssh.com SHA-2 "
        "MACs, curve25519 and SHA-2 Diffie-Hellman key exchange) and reload sshd."
    )

    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        weak = []
        for key, pattern in WEAK.items():
            algorithms = self.value(snapshot, settings, key)
            if isinstance(algorithms, Outcome):
                return algorithms
            weak.extend(f"{key}: {a}" for a in algorithms if pattern.search(a))
        if weak:
            return failed(
                f"sshd on {snapshot.target} enables {len(weak)} weak algorithm(s): "
                + ", ".join(weak[:5]),
                weak,
                len(weak),
            )
        return passed(f"sshd on {snapshot.target} enables only strong algorithms")
