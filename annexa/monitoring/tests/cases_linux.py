"""PASS, FAIL and empty-input cases of the linux snapshot tests (see ``cases``).

Each record list holds one ``Snapshot``; the empty case is a snapshot with no data, which
every linux test answers with an error (it cannot judge what the snapshot does not say).
"""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot

ERROR = "error"
ALL_SECTIONS = ["accounts", "audit", "firewall", "login", "sshd", "time", "updates"]


def host(section: str, facts: dict) -> list[Snapshot]:
    """One snapshot of web1 with ``facts`` as its ``section``."""
    return [Snapshot("linux", "web1", {"sections": ALL_SECTIONS, section: facts})]


def sshd(**settings) -> list[Snapshot]:
    base = {
        "permitrootlogin": "no",
        "passwordauthentication": "no",
        "kbdinteractiveauthentication": "no",
        "usepam": "yes",
        "permitemptypasswords": "no",
        "maxauthtries": 3,
        "logingracetime": 30,
        "ciphers": ["aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"],
        "macs": ["hmac-sha2-256-etm@openssh.com"],
        "kexalgorithms": ["curve25519-sha256", "diffie-hellman-group16-sha512"],
    }
    return host("sshd", {"installed": True, "source": "sshd -T", "settings": base | settings})


def pam(path: str, kind: str, module: str, *args: str) -> dict:
    entries = [{"type": kind, "control": "requisite", "module": module, "args": list(args)}]
    return {path: {"readable": True, "entries": entries}}


def login(**facts) -> list[Snapshot]:
    base = {
        "login_defs": {"readable": True, "values": {"PASS_MAX_DAYS": 365}},
        "pam": {},
        "pwquality": {"readable": True, "values": {"minlen": 14}},
        "faillock": {"readable": True, "values": {"deny": 5}},
    }
    return host("login", base | facts)


def firewall(**tools) -> list[Snapshot]:
    missing = {"readable": False, "installed": False, "error": "not installed"}
    base = {"nftables": missing, "iptables": missing, "ip6tables": missing, "ufw": missing}
    return host("firewall", base | tools)


def nft(policy: str, rules: int) -> dict:
    chain = {"family": "inet", "table": "filter", "chain": "input", "hook": "input"}
    return {"readable": True, "installed": True, "tables": ["inet filter"]} | {
        "chains": [chain | {"policy": policy, "rules": rules}]
    }


def time(ntp: str, **running) -> list[Snapshot]:
    return host(
        "time",
        {
            "timedatectl": {"readable": True, "NTP": ntp, "NTPSynchronized": ntp},
            "running": {"readable": True, "chronyd": False, "systemd-timesyncd": False} | running,
        },
    )


def debian_updates(installed: bool, periodic: str) -> list[Snapshot]:
    return host(
        "updates",
        {
            "package_manager": "dpkg",
            "unattended_upgrades": {"readable": True, "installed": installed},
            "apt_periodic": {"readable": True, "values": {"Unattended-Upgrade": periodic}},
        },
    )


def audit(running: bool, rules: int) -> list[Snapshot]:
    return host(
        "audit",
        {
            "auditd": {"installed": True, "rules": rules, "rules_source": "auditctl"},
            "running": {"readable": True, "auditd": running},
        },
    )


def user(name: str, uid: int, password: str = "locked") -> dict:
    return {"name": name, "uid": uid, "password": password, "privileged": uid == 0}


def accounts(users: list[dict], rules: list[dict] | None = None) -> list[Snapshot]:
    return host(
        "accounts",
        {
            "passwd": {"readable": True},
            "shadow": {"readable": True},
            "users": users,
            "uid0": sorted(u["name"] for u in users if u["uid"] == 0),
            "sudoers": {
                "installed": True,
                "readable": True,
                "rules": rules or [],
                "user_aliases": {},
                "authenticate_disabled": False,
            },
        },
    )


def rule(principal: str, nopasswd: bool) -> dict:
    return {
        "principals": [principal],
        "nopasswd": nopasswd,
        "all_commands": True,
        "source": "/etc/sudoers",
    }


PEOPLE = [user("root", 0), user("alice", 1000, "set")]

CASES: list[tuple] = [
    (
        "linux_ssh_root_login",
        sshd(permitrootlogin="prohibit-password"),
        sshd(permitrootlogin="yes"),
        ERROR,
    ),
    ("linux_ssh_password_auth", sshd(), sshd(passwordauthentication="yes"), ERROR),
    ("linux_ssh_empty_passwords", sshd(), sshd(permitemptypasswords="yes"), ERROR),
    ("linux_ssh_crypto", sshd(), sshd(macs=["hmac-md5", "umac-64@openssh.com"]), ERROR),
    ("linux_ssh_auth_limits", sshd(), sshd(maxauthtries=6, logingracetime=120), ERROR),
    (
        "linux_password_aging",
        login(),
        login(login_defs={"readable": True, "values": {"PASS_MAX_DAYS": 99999}}),
        ERROR,
    ),
    (
        "linux_password_quality",
        login(pam=pam("/etc/pam.d/common-password", "password", "pam_pwquality.so", "retry=3")),
        login(pam=pam("/etc/pam.d/common-password", "password", "pam_unix.so", "yescrypt")),
        ERROR,
    ),
    (
        "linux_login_lockout",
        login(pam=pam("/etc/pam.d/common-auth", "auth", "pam_faillock.so", "preauth")),
        login(pam=pam("/etc/pam.d/common-auth", "auth", "pam_unix.so", "nullok")),
        ERROR,
    ),
    (
        "linux_firewall_active",
        firewall(nftables=nft("drop", 2)),
        firewall(nftables=nft("accept", 0)),
        ERROR,
    ),
    ("linux_time_sync", time("yes"), time("no"), ERROR),
    ("linux_auto_updates", debian_updates(True, "1"), debian_updates(True, "0"), ERROR),
    ("linux_audit_logging", audit(True, 12), audit(True, 0), ERROR),
    ("linux_uid0_accounts", accounts(PEOPLE), accounts([*PEOPLE, user("toor", 0)]), ERROR),
    (
        "linux_sudo_nopasswd",
        accounts(PEOPLE, [rule("%sudo", False)]),
        accounts(PEOPLE, [rule("%sudo", False), rule("deploy", True)]),
        ERROR,
    ),
    (
        "linux_accounts_without_password",
        accounts(PEOPLE),
        accounts([*PEOPLE, user("guest", 1001, "empty")]),
        ERROR,
    ),
]
