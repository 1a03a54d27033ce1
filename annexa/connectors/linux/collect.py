"""Read the sections of a Linux host into snapshot data (facts only, deterministic).

Each section is a function of the host; what cannot be read is recorded as
``{"readable": false, "error": …}`` (or ``"present": false`` for a missing file) so the tests
that need it report an error instead of passing.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from annexa.connectors.linux import parsers
from annexa.connectors.linux.hosts import FileRead, Host

SECTIONS = ("login", "sshd", "firewall", "time", "updates", "audit", "accounts")
PAM_FILES = (
    "/etc/pam.d/common-auth",
    "/etc/pam.d/common-password",
    "/etc/pam.d/password-auth",
    "/etc/pam.d/sshd",
    "/etc/pam.d/system-auth",
)
SSHD_BINARY = "/usr/sbin/sshd"
MAX_INCLUDE_DEPTH = 16
PRIVILEGED_GROUPS = ("admin", "sudo", "wheel")
# The fixed commands, by section (never built from configuration, except sshd's file path).
UNAME, ID = ("uname", "-n"), ("id",)
NFT = ("nft", "-s", "list", "ruleset")
IPTABLES, IP6TABLES = ("iptables", "-S"), ("ip6tables", "-S")
UFW = ("ufw", "status", "verbose")
TIMEDATECTL = ("timedatectl", "show")
DPKG_QUERY = ("dpkg-query", "-W", "-f", "${Status}\\n", "unattended-upgrades")
APT_TIMER = ("systemctl", "is-enabled", "apt-daily-upgrade.timer")
RPM_QUERY = ("rpm", "-q", "dnf-automatic")
DNF_TIMERS = ("systemctl", "is-enabled", "dnf-automatic.timer", "dnf-automatic-install.timer")
AUDITCTL = ("auditctl", "-l")
LASTLOG = ("lastlog",)
COMMANDS = {
    "firewall": (NFT, IPTABLES, IP6TABLES, UFW),
    "time": (TIMEDATECTL,),
    "audit": (AUDITCTL,),
    "accounts": (LASTLOG,),
}
# Daemons whose running is a fact some test needs; ``/proc/*/comm`` truncates to 15 chars.
DAEMONS = {
    "auditd": "auditd",
    "chronyd": "chronyd",
    "ntpd": "ntpd",
    "openntpd": "openntpd",
    "rsyslogd": "rsyslogd",
    "syslog-ng": "syslog-ng",
    "systemd-journald": "systemd-journal",
    "systemd-timesyncd": "systemd-timesyn",
}


async def _dir_files(host: Host, directory: str, pattern: str = "*") -> list[str]:
    names = await host.listdir(directory) or []
    return [posixpath.join(directory, n) for n in names if fnmatch.fnmatch(n, pattern)]


async def _values(host: Host, path: str, parse) -> dict:
    read = await host.read(path)
    return read.fact() | ({"values": parse(read.text)} if read.ok else {})


# --- login and password policy ----------------------------------------------------------------


async def login(host: Host) -> dict:
    pam = {}
    for path in PAM_FILES:
        read = await host.read(path)
        if read.status == "missing":
            continue
        pam[path] = read.fact() | ({"entries": parsers.pam(read.text)} if read.ok else {})
    pwquality = await _values(host, "/etc/security/pwquality.conf", parsers.key_values)
    for path in await _dir_files(host, "/etc/security/pwquality.conf.d", "*.conf"):
        read = await host.read(path)
        if read.ok and pwquality.get("readable"):
            pwquality["values"] = pwquality["values"] | parsers.key_values(read.text)
    return {
        "login_defs": await _values(host, "/etc/login.defs", parsers.login_defs),
        "pam": pam,
        "pwquality": pwquality,
        "faillock": await _values(host, "/etc/security/faillock.conf", parsers.key_values),
    }


# --- sshd -------------------------------------------------------------------------------------


def sshd_command(config_path: str) -> tuple[str, ...]:
    return (SSHD_BINARY, "-T", "-f", config_path)


async def sshd(host: Host, config_path: str) -> dict:
    """The effective sshd settings: ``sshd -T -f PATH`` when permitted, else sshd_config and
    its Include files parsed with sshd's rules (the first value wins; Match blocks are not
    evaluated)."""
    installed = await host.exists(SSHD_BINARY)
    facts: dict = {"installed": installed, "config_path": config_path}
    if not installed and not await host.exists(config_path):
        return facts
    dump = await host.run(sshd_command(config_path))
    if dump.ok and dump.out.strip():
        return facts | {"source": "sshd -T", "settings": parsers.sshd_dump(dump.out)}
    pairs: list[tuple[str, str]] = []
    files: list[str] = []
    read = await _sshd_file(host, config_path, pairs, files, 0)
    if not read.ok:
        return facts | read.fact()
    match_blocks = sum(1 for key, _ in pairs if key == "match")
    settings = parsers.with_sshd_defaults(parsers.sshd_effective(_before_match(pairs)))
    return facts | {
        "readable": True,
        "source": "sshd_config",
        "files": files,
        "match_blocks": match_blocks,
        "settings": settings,
        "sshd_t_error": dump.problem("sshd -T")["error"],
    }


def _before_match(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for index, (key, _) in enumerate(pairs):
        if key == "match":
            return pairs[:index]
    return pairs


async def _sshd_file(host: Host, path: str, pairs: list, files: list, depth: int) -> FileRead:
    read = await host.read(path)
    if not read.ok:
        return read
    files.append(path)
    for line in parsers.lines(read.text):
        key, value = parsers.sshd_config_line(line)
        if key != "include":
            pairs.append((key, value))
            continue
        if depth >= MAX_INCLUDE_DEPTH:
            continue
        for pattern in value.split():
            absolute = pattern if pattern.startswith("/") else posixpath.join("/etc/ssh", pattern)
            directory, name = posixpath.split(absolute)
            for included in await _dir_files(host, directory, name):
                await _sshd_file(host, included, pairs, files, depth + 1)
    return read


# --- firewall ---------------------------------------------------------------------------------


async def firewall(host: Host) -> dict:
    facts = {}
    for name, argv, parse in (
        ("nftables", NFT, parsers.nft_ruleset),
        ("iptables", IPTABLES, parsers.iptables_rules),
        ("ip6tables", IP6TABLES, parsers.iptables_rules),
        ("ufw", UFW, parsers.ufw_status),
    ):
        result = await host.run(argv)
        if result.ok:
            facts[name] = {"readable": True, "installed": True} | parse(result.out)
        else:
            facts[name] = result.problem(argv[0])
    return facts


# --- time synchronisation ---------------------------------------------------------------------


def _daemons(names: set[str] | None, wanted: tuple[str, ...]) -> dict:
    if names is None:
        return {"readable": False, "error": "the process list could not be read"}
    return {"readable": True} | {d: DAEMONS[d] in names for d in wanted}


async def time(host: Host, processes: set[str] | None) -> dict:
    result = await host.run(TIMEDATECTL)
    timedatectl = (
        {"readable": True} | parsers.timedatectl(result.out)
        if result.ok
        else result.problem("timedatectl")
    )
    sources: dict[str, list[str]] = {}
    for path in (
        "/etc/chrony/chrony.conf",
        "/etc/chrony.conf",
        "/etc/ntp.conf",
        "/etc/ntpsec/ntp.conf",
    ):
        read = await host.read(path)
        if read.ok:
            sources[path] = parsers.time_sources(read.text)
    for path in [
        *await _dir_files(host, "/etc/chrony/conf.d", "*.conf"),
        *await _dir_files(host, "/etc/chrony/sources.d", "*.sources"),
    ]:
        read = await host.read(path)
        if read.ok:
            sources[path] = parsers.time_sources(read.text)
    timesyncd = await host.read("/etc/systemd/timesyncd.conf")
    if timesyncd.ok:
        values = parsers.ini_values(timesyncd.text, "Time")
        sources["/etc/systemd/timesyncd.conf"] = sorted(
            {s for key in ("NTP", "FallbackNTP") for s in values.get(key, "").split()}
        )
    installed = {
        "chronyd": await host.exists("/usr/sbin/chronyd"),
        "ntpd": await host.exists("/usr/sbin/ntpd"),
        "openntpd": await host.exists("/usr/sbin/openntpd"),
        "systemd-timesyncd": await host.exists("/lib/systemd/systemd-timesyncd")
        or await host.exists("/usr/lib/systemd/systemd-timesyncd"),
    }
    return {
        "timedatectl": timedatectl,
        "installed": installed,
        "running": _daemons(processes, tuple(installed)),
        "sources": sources,
    }


# --- automatic updates ------------------------------------------------------------------------


UPDATE_COMMANDS = {"dpkg": (DPKG_QUERY, APT_TIMER), "rpm": (RPM_QUERY, DNF_TIMERS)}


async def package_manager(host: Host) -> str | None:
    if await host.exists("/usr/bin/dpkg-query"):
        return "dpkg"
    if await host.exists("/usr/bin/rpm"):
        return "rpm"
    return None


async def updates(host: Host, manager: str | None) -> dict:
    if manager == "dpkg":
        return await _debian_updates(host)
    if manager == "rpm":
        return await _rpm_updates(host)
    return {"package_manager": None}


async def _debian_updates(host: Host) -> dict:
    query = await host.run(DPKG_QUERY)
    package = {"readable": True, "installed": "install ok installed" in query.out}
    if not query.ok and query.status != 1:
        package = query.problem("dpkg-query")
    periodic: dict[str, str] = {}
    listed = await host.listdir("/etc/apt/apt.conf.d")
    for path in await _dir_files(host, "/etc/apt/apt.conf.d"):
        read = await host.read(path)
        if read.ok:
            periodic |= parsers.apt_periodic(read.text)  # later files win, as in apt
    timer = await host.run(APT_TIMER)
    return {
        "package_manager": "dpkg",
        "unattended_upgrades": package,
        "apt_periodic": {"readable": listed is not None, "values": periodic},
        "timer_enabled": timer.out.strip() if timer.out.strip() else None,
    }


async def _rpm_updates(host: Host) -> dict:
    query = await host.run(RPM_QUERY)
    package = (
        {"readable": True, "installed": query.ok}
        if query.status in (0, 1)
        else query.problem("rpm")
    )
    config = await _values(
        host, "/etc/dnf/automatic.conf", lambda text: parsers.ini_values(text, "commands")
    )
    timers = await host.run(DNF_TIMERS)
    states = timers.out.split()
    return {
        "package_manager": "rpm",
        "dnf_automatic": package,
        "automatic_conf": config,
        "timers_enabled": {
            name: states[i] if i < len(states) else None
            for i, name in enumerate(("dnf-automatic.timer", "dnf-automatic-install.timer"))
        },
    }


# --- audit logging ----------------------------------------------------------------------------


async def audit(host: Host, processes: set[str] | None) -> dict:
    installed = await host.exists("/sbin/auditd") or await host.exists("/usr/sbin/auditd")
    auditd: dict = {"installed": installed}
    if installed:
        listing = await host.run(AUDITCTL)
        if listing.ok:
            auditd |= {"rules": parsers.audit_rule_count(listing.out), "rules_source": "auditctl"}
        else:
            count, readable = 0, False
            for path in await _dir_files(host, "/etc/audit/rules.d", "*.rules"):
                read = await host.read(path)
                if read.ok:
                    count, readable = count + parsers.audit_rule_count(read.text), True
            auditd |= (
                {"rules": count, "rules_source": "rules.d"}
                if readable
                else {"rules_error": listing.problem("auditctl")["error"]}
            )
    journald = {}
    for path in [
        "/etc/systemd/journald.conf",
        *await _dir_files(host, "/etc/systemd/journald.conf.d", "*.conf"),
    ]:
        read = await host.read(path)
        if read.ok:
            journald |= parsers.ini_values(read.text, "Journal")
    return {
        "auditd": auditd,
        "syslog_installed": {
            "rsyslogd": await host.exists("/usr/sbin/rsyslogd"),
            "syslog-ng": await host.exists("/usr/sbin/syslog-ng"),
        },
        "running": _daemons(processes, ("auditd", "rsyslogd", "syslog-ng", "systemd-journald")),
        "journald": {
            "storage": journald.get("Storage", "auto"),
            "persistent_directory": await host.exists("/var/log/journal"),
        },
    }


# --- accounts ---------------------------------------------------------------------------------


async def accounts(host: Host, uid_range: tuple[int, int]) -> dict:
    """Local accounts in a shape access reviews can use (name, privileged, last login), the
    uid 0 accounts, and the sudo rules. Password hashes are never read into the snapshot."""
    passwd = await host.read("/etc/passwd")
    if not passwd.ok:
        return {"passwd": passwd.fact()}
    group_read = await host.read("/etc/group")
    group_list = parsers.groups(group_read.text) if group_read.ok else []
    shadow_read = await host.read("/etc/shadow")
    shadow = parsers.shadow(shadow_read.text) if shadow_read.ok else {}
    sudo = await sudoers(host)
    last = await host.run(LASTLOG)
    last_login = parsers.lastlog(last.out) if last.ok else {}
    users = parsers.passwd(passwd.text)
    by_gid = {g["gid"]: g["name"] for g in group_list}
    member_of: dict[str, set[str]] = {}
    for group in group_list:
        for member in group["members"]:
            member_of.setdefault(member, set()).add(group["name"])
    sudo_principals = _sudo_principals(sudo)
    records = []
    for user in users:
        names = member_of.get(user["name"], set()) | (
            {by_gid[user["gid"]]} if user["gid"] in by_gid else set()
        )
        privileged = (
            user["uid"] == 0
            or bool(names & set(PRIVILEGED_GROUPS))
            or user["name"] in sudo_principals
            or any(f"%{g}" in sudo_principals for g in names)
        )
        record = {
            "name": user["name"],
            "uid": user["uid"],
            "groups": sorted(names),
            "shell": user["shell"],
            "login_shell": parsers.is_login_shell(user["shell"]),
            "system": user["uid"] != 0 and not uid_range[0] <= user["uid"] <= uid_range[1],
            "privileged": privileged,
            "password": "empty" if user["passwd_field_empty"] else None,
            "last_login": last_login.get(user["name"]),
        }
        if user["name"] in shadow:
            entry = shadow[user["name"]]
            record |= entry | {
                "password": "empty" if user["passwd_field_empty"] else entry["password"]
            }
        records.append(record)
    records.sort(key=lambda r: (r["uid"], r["name"]))
    return {
        "passwd": {"readable": True},
        "shadow": shadow_read.fact(),
        "last_login": {"readable": True, "source": "lastlog"}
        if last.ok
        else last.problem("lastlog"),
        "users": records,
        "uid0": sorted(u["name"] for u in users if u["uid"] == 0),
        "privileged_groups": {
            g["name"]: g["members"] for g in group_list if g["name"] in PRIVILEGED_GROUPS
        },
        "sudoers": sudo,
    }


def _sudo_principals(sudo: dict) -> set[str]:
    aliases = sudo.get("user_aliases", {})
    found = set()
    for rule in sudo.get("rules", []):
        for principal in rule["principals"]:
            found.update(aliases.get(principal, [principal]))
    return found


async def sudoers(host: Host) -> dict:
    """The rules of /etc/sudoers and the files it includes (``sudoers.d`` by default)."""
    main = await host.read("/etc/sudoers")
    if main.status == "missing":
        return {
            "installed": await host.exists("/usr/bin/sudo"),
            "readable": False,
            "present": False,
        }
    if not main.ok:
        return {"installed": True} | main.fact()
    merged: dict = {"rules": [], "user_aliases": {}, "authenticate_disabled": False}
    files: list[str] = []
    unreadable: list[str] = []
    await _sudoers_file(host, "/etc/sudoers", main, merged, files, unreadable, 0)
    return {
        "installed": True,
        "readable": not unreadable,
        "files": files,
        "unreadable_files": unreadable,
        **merged,
    }


async def _sudoers_file(
    host: Host,
    path: str,
    read: FileRead,
    merged: dict,
    files: list[str],
    unreadable: list[str],
    depth: int,
) -> None:
    assert read.text is not None
    files.append(path)
    parsed = parsers.sudoers_rules(read.text, path)
    merged["rules"].extend(parsed["rules"])
    merged["user_aliases"] |= parsed["user_aliases"]
    merged["authenticate_disabled"] |= parsed["authenticate_disabled"]
    if depth >= MAX_INCLUDE_DEPTH:
        return
    for directive, target in parsers.sudoers_includes(read.text):
        target = target if target.startswith("/") else posixpath.join("/etc", target)
        if directive == "include":
            paths = [target]
        else:
            # sudo skips names with a dot or ending in "~" in an included directory.
            paths = [
                p
                for p in await _dir_files(host, target)
                if "." not in posixpath.basename(p) and not p.endswith("~")
            ]
        for included in paths:
            sub = await host.read(included)
            if sub.ok:
                await _sudoers_file(host, included, sub, merged, files, unreadable, depth + 1)
            elif sub.status != "missing":
                unreadable.append(included)


# --- the whole host ---------------------------------------------------------------------------


def _uid_range(login_defs: dict) -> tuple[int, int]:
    """The uids of people's accounts (login.defs UID_MIN..UID_MAX, by default 1000..60000)."""
    low, high = login_defs.get("UID_MIN", 1000), login_defs.get("UID_MAX", 60000)
    return (
        low if isinstance(low, int) else 1000,
        high if isinstance(high, int) else 60000,
    )


async def gather(host: Host, sections: tuple[str, ...], sshd_config_path: str) -> dict:
    """The snapshot data of ``host``: what it is and the chosen sections."""
    commands = [UNAME, ID, *(c for s in sections for c in COMMANDS.get(s, ()))]
    if "sshd" in sections:
        commands.append(sshd_command(sshd_config_path))
    manager = await package_manager(host) if "updates" in sections else None
    commands.extend(UPDATE_COMMANDS.get(manager or "", ()))
    await host.prefetch(commands)
    name = await host.run(UNAME)
    release = await host.read("/etc/os-release")
    identity = await host.run(ID)
    reader = re.search(r"uid=(\d+)\(([^)]*)\)", identity.out) if identity.ok else None
    data: dict = {
        "system": {
            "hostname": name.out.strip() if name.ok else None,
            "os": parsers.os_release(release.text) if release.ok else {},
            "mode": host.mode,
            "read_as": reader.group(2) if reader else None,
            "read_as_root": reader.group(1) == "0" if reader else None,
        },
        "sections": sorted(sections),
    }
    processes = await host.process_names() if {"time", "audit"} & set(sections) else None
    login_defs: dict = {}
    if "login" in sections:
        data["login"] = await login(host)
        login_defs = data["login"]["login_defs"].get("values", {})
    if "sshd" in sections:
        data["sshd"] = await sshd(host, sshd_config_path)
    if "firewall" in sections:
        data["firewall"] = await firewall(host)
    if "time" in sections:
        data["time"] = await time(host, processes)
    if "updates" in sections:
        data["updates"] = await updates(host, manager)
    if "audit" in sections:
        data["audit"] = await audit(host, processes)
    if "accounts" in sections:
        if not login_defs:
            read = await host.read("/etc/login.defs")
            login_defs = parsers.login_defs(read.text) if read.ok else {}
        data["accounts"] = await accounts(host, _uid_range(login_defs))
    return data
