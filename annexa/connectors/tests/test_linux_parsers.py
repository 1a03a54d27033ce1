"""The Linux connector's parsers on the text real tools and files produce."""

from __future__ import annotations

from annexa.connectors.linux import parsers

NFT = """\
table inet filter {
    set allowed {
        type ipv4_addr
        elements = { 10.0.0.1,
                 10.0.0.2 }
    }
    chain input {
        type filter hook input priority filter; policy drop;
        ct state established,related accept
        iif "lo" accept
        tcp dport 22 accept
    }
    chain output {
        type filter hook output priority filter; policy accept;
    }
}
table ip nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth0" masquerade
    }
}
"""


def test_it_reads_an_nftables_ruleset():
    ruleset = parsers.nft_ruleset(NFT)
    assert ruleset["tables"] == ["inet filter", "ip nat"]
    chains = {(c["table"], c["chain"]): c for c in ruleset["chains"]}
    assert chains[("filter", "input")] | {} == {
        "family": "inet",
        "table": "filter",
        "chain": "input",
        "hook": "input",
        "policy": "drop",
        "rules": 3,
    }
    assert chains[("filter", "output")]["rules"] == 0
    assert chains[("nat", "postrouting")]["rules"] == 1


def test_it_reads_iptables_and_ufw():
    rules = parsers.iptables_rules(
        "-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n"
        "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
    )
    assert rules == {
        "policies": {"FORWARD": "DROP", "INPUT": "DROP", "OUTPUT": "ACCEPT"},
        "rules": {"INPUT": 2},
    }
    ufw = parsers.ufw_status(
        "Status: active\nLogging: on (low)\n"
        "Default: deny (incoming), allow (outgoing), disabled (routed)\n"
        "New profiles: skip\n\nTo                         Action      From\n"
        "--                         ------      ----\n"
        "22/tcp                     ALLOW IN    Anywhere\n"
    )
    assert ufw == {"active": True, "default_incoming": "deny", "rules": 1}
    assert parsers.ufw_status("Status: inactive\n")["active"] is False


def test_it_keeps_password_hashes_out_of_the_shadow_facts():
    text = (
        "root:$y$j9T$abcdefgh$ijklmnopqrstuvwxyz0123456789ABCDEFGHIJK:19800:0:99999:7:::\n"
        "daemon:*:19800:0:99999:7:::\n"
        "guest::19801:0:90:7::20000:\n"
        "alice:!$6$salt$hash:0:1:365:7:::\n"
    )
    accounts = parsers.shadow(text)
    assert accounts["root"]["password"] == "set"
    assert accounts["daemon"]["password"] == "locked"
    assert accounts["guest"] == {
        "password": "empty",
        "password_changed": "2024-03-19",
        "must_change_password": False,
        "password_max_days": 90,
        "account_expires": "2024-10-04",
    }
    assert accounts["alice"]["must_change_password"] is True
    assert "$" not in repr(accounts)


def test_it_reads_sudoers_rules_and_includes():
    text = (
        "Defaults\tenv_reset\n"
        "User_Alias ADMINS = alice, bob\n"
        "root\tALL=(ALL:ALL) ALL\n"
        "%sudo\tALL=(ALL:ALL) ALL\n"
        "ADMINS, carol ALL = (root) NOPASSWD: /usr/bin/systemctl restart nginx\n"
        "@includedir /etc/sudoers.d\n"
        "#includedir /etc/sudoers.old\n"
        "# a comment with = sign\n"
    )
    parsed = parsers.sudoers_rules(text, "/etc/sudoers")
    assert [r["principals"] for r in parsed["rules"]] == [
        ["root"],
        ["%sudo"],
        ["ADMINS", "carol"],
    ]
    assert [r["nopasswd"] for r in parsed["rules"]] == [False, False, True]
    assert parsed["rules"][0]["all_commands"] and not parsed["rules"][2]["all_commands"]
    assert parsed["user_aliases"] == {"ADMINS": ["alice", "bob"]}
    assert not parsed["authenticate_disabled"]
    assert parsers.sudoers_includes(text) == [
        ("includedir", "/etc/sudoers.d"),
        ("includedir", "/etc/sudoers.old"),
    ]
    assert parsers.sudoers_rules("Defaults:deploy !authenticate\n", "x")["authenticate_disabled"]


def test_it_reads_pam_stacks_with_brackets_and_comments():
    entries = parsers.pam(
        "# comment\n"
        "auth\trequisite\t\t\tpam_faillock.so preauth deny=5\n"
        "auth [success=1 default=ignore] pam_unix.so nullok # trailing comment\n"
        "-password optional /usr/lib/x86_64-linux-gnu/security/pam_gnome_keyring.so\n"
        "@include common-account\n"
    )
    assert entries == [
        {
            "type": "auth",
            "control": "requisite",
            "module": "pam_faillock.so",
            "args": ["preauth", "deny=5"],
        },
        {
            "type": "auth",
            "control": "[success=1 default=ignore]",
            "module": "pam_unix.so",
            "args": ["nullok"],
        },
        {"type": "password", "control": "optional", "module": "pam_gnome_keyring.so", "args": []},
        {"include": "common-account"},
    ]
    assert parsers.module_args(["preauth", "deny=5"]) == {"preauth": True, "deny": 5}


def test_it_reads_login_defs_and_sshd_values():
    values = parsers.login_defs("PASS_MAX_DAYS\t90\nPASS_MIN_DAYS 1\nUMASK\t\t027\nMAIL_DIR x\n")
    assert values == {"PASS_MAX_DAYS": 90, "PASS_MIN_DAYS": 1, "UMASK": "027"}
    assert parsers.sshd_seconds("1h30m") == 5400 and parsers.sshd_seconds("90") == 90
    dump = parsers.sshd_dump(
        "permitrootlogin without-password\nciphers aes256-ctr,aes128-cbc\n"
        "allowusers bob\nallowusers alice\nmaxauthtries 3\n"
    )
    assert dump == {
        "permitrootlogin": "prohibit-password",
        "ciphers": ["aes128-cbc", "aes256-ctr"],
        "allowusers": ["alice", "bob"],
        "maxauthtries": 3,
    }


def test_it_keeps_last_logins_to_the_day():
    text = (
        "Username         Port     From             Latest\n"
        "root             pts/0    192.0.2.10       Tue Nov  4 23:30:00 -0200 2025\n"
        "daemon                                     **Never logged in**\n"
    )
    assert parsers.lastlog(text) == {"root": "2025-11-05", "daemon": None}
