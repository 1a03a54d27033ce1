"""Text of Linux configuration files and command output, as facts (pure functions, no I/O).

Every parser returns plain JSON values, sorted where order carries no meaning, so the snapshot
of an unchanged host is byte-for-byte the same. Password hashes are never returned: the shadow
parser keeps only whether a password is set, locked or empty.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Iterable, Iterator

EPOCH = dt.date(1970, 1, 1)
NO_LOGIN_SHELLS = ("nologin", "false", "sync", "shutdown", "halt")


def lines(text: str, comment: str = "#") -> Iterator[str]:
    """Non-empty lines without whole-line comments, backslash continuations joined."""
    pending = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line and not line.startswith(comment):
            yield line
    if pending.strip() and not pending.lstrip().startswith(comment):
        yield pending.strip()


def _number(value: str) -> int | str:
    return int(value) if re.fullmatch(r"-?\d+", value) else value


# --- login.defs, pwquality.conf, faillock.conf, os-release ----------------------------------

LOGIN_DEFS_KEYS = (
    "ENCRYPT_METHOD",
    "PASS_MAX_DAYS",
    "PASS_MIN_DAYS",
    "PASS_MIN_LEN",
    "PASS_WARN_AGE",
    "SHA_CRYPT_MIN_ROUNDS",
    "UID_MAX",
    "UID_MIN",
    "UMASK",
    "YESCRYPT_COST_FACTOR",
)


def login_defs(text: str) -> dict[str, int | str]:
    """The password and account settings of ``/etc/login.defs`` (UMASK stays octal text)."""
    values: dict[str, int | str] = {}
    for line in lines(text):
        key, value = ([*line.split(None, 1), ""])[:2]
        value = value.strip().strip('"')
        if key in LOGIN_DEFS_KEYS and value:
            values[key] = value if key == "UMASK" else _number(value)
    return values


def key_values(text: str) -> dict[str, int | str | bool]:
    """``key = value`` settings (pwquality.conf, faillock.conf); a bare word is a flag."""
    values: dict[str, int | str | bool] = {}
    for line in lines(text):
        key, sep, value = line.partition("=")
        key = key.strip()
        if not key or " " in key:
            continue
        values[key] = _number(value.strip()) if sep else True
    return values


def os_release(text: str) -> dict[str, str]:
    values = {}
    for line in lines(text):
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE", "PRETTY_NAME", "VERSION_ID"):
            values[key.lower()] = value.strip().strip("\"'")
    return values


# --- PAM --------------------------------------------------------------------------------------


def _pam_tokens(line: str) -> list[str]:
    """Split a PAM line, keeping ``[a=b c=d]`` groups (controls and arguments) whole."""
    tokens, current, depth = [], "", 0
    for char in line:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        if char.isspace() and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += char
    if current:
        tokens.append(current)
    return tokens


def pam(text: str) -> list[dict]:
    """The module lines of a ``/etc/pam.d`` file, in order, and its ``@include`` lines."""
    entries: list[dict] = []
    for line in lines(text):
        tokens = _pam_tokens(re.split(r"\s#", line, maxsplit=1)[0])
        if tokens[0] == "@include" and len(tokens) > 1:
            entries.append({"include": tokens[1]})
            continue
        if len(tokens) < 3:
            continue
        kind = tokens[0].lstrip("-").lower()
        module = tokens[2].rsplit("/", 1)[-1]
        entries.append({"type": kind, "control": tokens[1], "module": module, "args": tokens[3:]})
    return entries


def module_args(args: Iterable[str]) -> dict[str, int | str | bool]:
    """``deny=5 even_deny_root`` as ``{"deny": 5, "even_deny_root": True}``."""
    values: dict[str, int | str | bool] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        values[key] = _number(value) if sep else True
    return values


# --- sshd -------------------------------------------------------------------------------------

SSHD_SCALARS = (
    "allowtcpforwarding",
    "challengeresponseauthentication",
    "clientalivecountmax",
    "clientaliveinterval",
    "hostbasedauthentication",
    "ignorerhosts",
    "kbdinteractiveauthentication",
    "logingracetime",
    "loglevel",
    "maxauthtries",
    "maxsessions",
    "passwordauthentication",
    "permitemptypasswords",
    "permitrootlogin",
    "permituserenvironment",
    "pubkeyauthentication",
    "usepam",
    "x11forwarding",
)
SSHD_ALGORITHMS = ("ciphers", "kexalgorithms", "macs")
SSHD_PRINCIPALS = ("allowgroups", "allowusers", "denygroups", "denyusers")
SSHD_INTEGERS = (
    "clientalivecountmax",
    "clientaliveinterval",
    "logingracetime",
    "maxauthtries",
    "maxsessions",
)
# What OpenSSH uses when sshd_config does not set these options (sshd_config(5)); the crypto
# lists change between releases, so they are recorded only when set.
SSHD_DEFAULTS = {
    "clientalivecountmax": "3",
    "clientaliveinterval": "0",
    "hostbasedauthentication": "no",
    "kbdinteractiveauthentication": "yes",
    "logingracetime": "120",
    "maxauthtries": "6",
    "maxsessions": "10",
    "passwordauthentication": "yes",
    "permitemptypasswords": "no",
    "permitrootlogin": "prohibit-password",
    "pubkeyauthentication": "yes",
    "usepam": "no",
    "x11forwarding": "no",
}
_TIME = re.compile(r"(\d+)([smhdw]?)", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def sshd_seconds(value: str) -> int | str:
    """An sshd time value (``90``, ``2m``, ``1h30m``) in seconds; the text if it is none."""
    text = value.strip().lower()
    if not text or _TIME.sub("", text):
        return value
    return sum(int(n) * _UNITS[u] for n, u in _TIME.findall(text))


def sshd_setting(key: str, value: str) -> int | str:
    if key in SSHD_INTEGERS:
        return sshd_seconds(value)
    value = value.lower()
    return "prohibit-password" if value == "without-password" else value


def sshd_effective(pairs: Iterable[tuple[str, str]]) -> dict:
    """The settings we record from ``(keyword, value)`` pairs in sshd's order of precedence:
    the first value of an option wins; principal lists (AllowUsers …) accumulate."""
    settings: dict = {}
    for raw_key, value in pairs:
        key = raw_key.lower()
        if key in SSHD_PRINCIPALS:
            settings.setdefault(key, [])
            settings[key].extend(name for name in value.split() if name not in settings[key])
        elif key in SSHD_ALGORITHMS and key not in settings:
            settings[key] = sorted({a.strip().lower() for a in value.split(",") if a.strip()})
        elif key in SSHD_SCALARS and key not in settings:
            settings[key] = sshd_setting(key, value.strip())
    for key in SSHD_PRINCIPALS:
        if key in settings:
            settings[key] = sorted(settings[key])
    return settings


def sshd_dump(text: str) -> dict:
    """The output of ``sshd -T``: one ``keyword value`` per line, already effective."""
    pairs = []
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            pairs.append((key, value))
    return sshd_effective(pairs)


def sshd_config_line(line: str) -> tuple[str, str]:
    """``Keyword value`` or ``Keyword=value`` as (keyword in lower case, value)."""
    match = re.match(r"\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)$", line)
    if match is None:
        return line.strip().lower(), ""
    return match.group(1).lower(), match.group(2).strip()


def with_sshd_defaults(settings: dict) -> dict:
    """Fill in OpenSSH's defaults for the options sshd_config left unset."""
    filled = dict(settings)
    for key, value in SSHD_DEFAULTS.items():
        if key not in filled and not (
            key == "kbdinteractiveauthentication" and "challengeresponseauthentication" in filled
        ):
            filled[key] = sshd_setting(key, value)
    return filled


# --- firewall ---------------------------------------------------------------------------------

_NFT_TABLE = re.compile(r"^table\s+(\S+)\s+(\S+)\s*\{$")
_NFT_CHAIN = re.compile(r"^chain\s+(\S+)\s*\{$")


def nft_ruleset(text: str) -> dict:
    """``nft -s list ruleset`` (stateless, so no counters) as tables and chains with their
    hook, policy and number of rules."""
    chains: list[dict] = []
    tables: set[str] = set()
    stack: list[tuple] = []
    for line in lines(text):
        table = _NFT_TABLE.match(line)
        chain = _NFT_CHAIN.match(line)
        if table:
            tables.add(f"{table.group(1)} {table.group(2)}")
            stack.append(("table", table.group(1), table.group(2)))
            continue
        if chain and stack and stack[-1][0] == "table":
            _, family, name = stack[-1]
            entry = {"family": family, "table": name, "chain": chain.group(1)}
            entry |= {"hook": None, "policy": None, "rules": 0}
            chains.append(entry)
            stack.append(("chain", entry))
            continue
        balance = line.count("{") - line.count("}")
        if balance > 0:
            stack.extend([("block",)] * balance)
            continue
        if balance < 0:
            del stack[len(stack) + balance :]
            continue
        if stack and stack[-1][0] == "chain":
            entry = stack[-1][1]
            if line.startswith("type "):
                hook = re.search(r"\bhook\s+(\w+)", line)
                policy = re.search(r"\bpolicy\s+(\w+)", line)
                entry["hook"] = hook.group(1) if hook else None
                entry["policy"] = policy.group(1) if policy else None
            elif not line.startswith("comment "):
                entry["rules"] += 1
    chains.sort(key=lambda c: (c["family"], c["table"], c["chain"]))
    return {"tables": sorted(tables), "chains": chains}


def iptables_rules(text: str) -> dict:
    """``iptables -S``: the built-in chains' policies and the number of rules per chain."""
    policies: dict[str, str] = {}
    rules: dict[str, int] = {}
    for line in lines(text):
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "-P":
            policies[parts[1]] = parts[2]
        elif len(parts) >= 2 and parts[0] == "-A":
            rules[parts[1]] = rules.get(parts[1], 0) + 1
    return {"policies": dict(sorted(policies.items())), "rules": dict(sorted(rules.items()))}


def ufw_status(text: str) -> dict:
    """``ufw status verbose``: active or not, and the default incoming policy."""
    status = re.search(r"^Status:\s*(\w+)", text, re.MULTILINE)
    incoming = re.search(r"^Default:\s*(\w+)\s*\(incoming\)", text, re.MULTILINE)
    rules = sum(1 for line in text.splitlines() if re.search(r"\s(ALLOW|DENY|REJECT|LIMIT)", line))
    return {
        "active": bool(status and status.group(1).lower() == "active"),
        "default_incoming": incoming.group(1).lower() if incoming else None,
        "rules": rules,
    }


# --- time, updates, audit ---------------------------------------------------------------------

TIMEDATECTL_KEYS = ("CanNTP", "LocalRTC", "NTP", "NTPSynchronized", "Timezone")


def timedatectl(text: str) -> dict[str, str]:
    """The stable properties of ``timedatectl show`` (never the clock itself)."""
    values = {}
    for line in lines(text):
        key, _, value = line.partition("=")
        if key in TIMEDATECTL_KEYS:
            values[key] = value
    return values


def time_sources(text: str) -> list[str]:
    """The ``server``/``pool``/``peer`` names of chrony.conf or ntp.conf."""
    found = set()
    for line in lines(text):
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("server", "pool", "peer"):
            found.add(parts[1])
    return sorted(found)


def ini_values(text: str, section: str) -> dict[str, str]:
    """``key=value`` lines of one ``[section]`` of an INI-like file (systemd, dnf)."""
    values: dict[str, str] = {}
    current = None
    for line in lines(text, comment="#"):
        if line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current == section and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


_APT_PERIODIC = re.compile(r'APT::Periodic::([\w-]+)\s+"([^"]*)"\s*;')


def apt_periodic(text: str) -> dict[str, str]:
    """``APT::Periodic::Unattended-Upgrade "1";`` settings of an apt.conf.d file."""
    return {key: value for key, value in _APT_PERIODIC.findall(text)}


def audit_rule_count(text: str) -> int:
    """Audit rules in ``auditctl -l`` output or a rules file (watches and syscall rules)."""
    return sum(1 for line in lines(text) if line.split()[0] in ("-a", "-A", "-w"))


# --- accounts ---------------------------------------------------------------------------------


def passwd(text: str) -> list[dict]:
    users = []
    for line in lines(text):
        parts = line.split(":")
        if len(parts) < 7 or not parts[2].lstrip("-").isdigit():
            continue
        users.append(
            {
                "name": parts[0],
                "uid": int(parts[2]),
                "gid": int(parts[3]) if parts[3].isdigit() else None,
                "shell": parts[6],
                # "" in the passwd field means no password at all, even without shadow.
                "passwd_field_empty": parts[1] == "",
            }
        )
    return users


def groups(text: str) -> list[dict]:
    found = []
    for line in lines(text):
        parts = line.split(":")
        if len(parts) < 4 or not parts[2].isdigit():
            continue
        members = sorted({m for m in parts[3].split(",") if m})
        found.append({"name": parts[0], "gid": int(parts[2]), "members": members})
    return found


def _day(value: str) -> str | None:
    if not value.isdigit():
        return None
    return (EPOCH + dt.timedelta(days=int(value))).isoformat()


def shadow(text: str) -> dict[str, dict]:
    """Per account: password status (set, locked, empty), last change, limits — no hashes."""
    accounts = {}
    for line in lines(text):
        parts = (line.split(":") + [""] * 9)[:9]
        name, secret = parts[0], parts[1]
        if not secret:
            status = "empty"
        elif secret[0] in "!*":
            status = "locked"
        else:
            status = "set"
        accounts[name] = {
            "password": status,
            "password_changed": _day(parts[2]) if parts[2] != "0" else None,
            "must_change_password": parts[2] == "0",
            "password_max_days": int(parts[4]) if parts[4].isdigit() else None,
            "account_expires": _day(parts[7]),
        }
    return accounts


def is_login_shell(shell: str) -> bool:
    name = shell.rsplit("/", 1)[-1]
    return bool(name) and name not in NO_LOGIN_SHELLS


_LASTLOG_DATE = re.compile(r"(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d [+-]\d{4} \d{4})\s*$")


def lastlog(text: str) -> dict[str, str | None]:
    """The day (UTC) of each account's last login from ``lastlog`` (day granularity, so a
    second login on the same day does not make a new snapshot); None for never."""
    days: dict[str, str | None] = {}
    for line in text.splitlines()[1:]:
        name = line.split(" ", 1)[0]
        if not name:
            continue
        match = _LASTLOG_DATE.search(line)
        if match is None:
            days[name] = None
            continue
        try:
            when = dt.datetime.strptime(
                re.sub(r" +", " ", match.group(1)), "%a %b %d %H:%M:%S %z %Y"
            )
        except ValueError:
            days[name] = None
            continue
        days[name] = when.astimezone(dt.UTC).date().isoformat()
    return days


# --- sudoers ----------------------------------------------------------------------------------

_INCLUDE = re.compile(r"^[#@](include|includedir)\s+(\S+)")
_ALIAS = re.compile(r"^User_Alias\s+(.*)$")


def sudoers_includes(text: str) -> list[tuple[str, str]]:
    """``(include|includedir, path)`` directives of a sudoers file, in order."""
    found = []
    for raw in text.splitlines():
        match = _INCLUDE.match(raw.strip())
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def sudoers_rules(text: str, source: str) -> dict:
    """User specifications (who, NOPASSWD or not), user aliases and the ``Defaults`` that turn
    authentication off. Only facts about the rules, no judgement."""
    rules, aliases, no_authenticate = [], {}, False
    for line in lines(text):
        if _INCLUDE.match(line):
            continue
        if line.startswith("Defaults"):
            if re.search(r"!\s*authenticate\b", line):
                no_authenticate = True
            continue
        alias = _ALIAS.match(line)
        if alias:
            for definition in alias.group(1).split(":"):
                name, _, members = definition.partition("=")
                aliases[name.strip()] = sorted(m.strip() for m in members.split(",") if m.strip())
            continue
        if re.match(r"^(Runas|Host|Cmnd|Cmd)_Alias\b", line) or "=" not in line:
            continue
        left, _, spec = line.partition("=")
        who = re.sub(r"\s*,\s*", ",", left.strip()).split()
        if len(who) < 2:
            continue
        principals = sorted(p for p in who[0].split(",") if p)
        rules.append(
            {
                "principals": principals,
                "nopasswd": "NOPASSWD:" in spec.replace(" ", ""),
                "all_commands": bool(re.search(r"(^|[:)\s,])ALL\s*$", spec.strip())),
                "source": source,
            }
        )
    return {"rules": rules, "user_aliases": aliases, "authenticate_disabled": no_authenticate}


def quote(argv: Iterable[str]) -> str:
    return " ".join(shlex.quote(arg) for arg in argv)
