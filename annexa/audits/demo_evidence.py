"""The invented files behind the audits demo's nonconformities: exports Kestrel's staff "took".

Every file is built deterministically from ``start`` (the day the audit's fieldwork began), so
the same demo always holds the same bytes. Names and numbers are made up for the demo.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

FIRST = ("Ana", "Luka", "Nina", "Jure", "Eva", "Marko", "Sara", "Matej", "Tina", "Rok", "Petra")
LAST = ("Kovač", "Zupan", "Krajnc", "Mlakar", "Vidic", "Turk", "Kern", "Bizjak", "Hribar", "Oblak")
TEAMS = ("Engineering", "Customer Support", "Sales", "People and Operations", "Finance")
JOINERS = 40
STAFF = 148
# Positions (in the staff list) of the people without a policy acknowledgement in 12 months.
UNACKNOWLEDGED = frozenset({3, 17, 26, 41, 56, 63, 77, 90, 104, 121, 139})


def person(index: int) -> tuple[str, str]:
    """(full name, e-mail) of the demo employee number ``index``."""
    first = FIRST[index % len(FIRST)]
    last = LAST[(index * 7 + index // len(FIRST)) % len(LAST)]
    return f"{first} {last}", f"{first.lower()}.{last.lower()}{index}@kestrel.example"


def joiner_label(index: int, start: dt.date) -> str:
    """The sample record label of one joiner: employee id and first working day."""
    return f"EMP-{1201 + index} (started {joiner_start(index, start):%Y-%m-%d})"


def joiner_start(index: int, start: dt.date) -> dt.date:
    return start - dt.timedelta(days=180 - index * 4)


def joiners_csv(start: dt.date) -> bytes:
    """The HR system's export of everyone who joined in the six months before ``start``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["record", "name", "team", "first_day", "onboarding_ticket"])
    for index in range(JOINERS):
        name, _email = person(100 + index)
        writer.writerow(
            [
                joiner_label(index, start),
                name,
                TEAMS[index % len(TEAMS)],
                f"{joiner_start(index, start):%Y-%m-%d}",
                f"PEOPLE-{3400 + index * 3}",
            ]
        )
    return buffer.getvalue().encode()


def access_review_json(start: dt.date) -> bytes:
    """The production AWS account's IAM users on ``start``, matched with the leavers list."""
    users = []
    for index in range(24):
        _name, email = person(index)
        left = index in (2, 5, 9, 13, 16, 19, 22)
        users.append(
            {
                "user": email.split("@")[0],
                "email": email,
                "groups": ["administrators"] if index in (5, 16) else ["developers"],
                "mfa": index not in (9, 19),
                "last_activity": f"{start - dt.timedelta(days=3 + index * 5):%Y-%m-%d}",
                "hr_status": "left" if left else "employed",
            }
        )
    document = {
        "account": "kestrel-production",
        "exported_on": f"{start:%Y-%m-%d}",
        "last_review_on_file": f"{start - dt.timedelta(days=205):%Y-%m-%d}",
        "users": users,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def training_log_csv(start: dt.date) -> bytes:
    """The learning platform's policy acknowledgement log for every member of staff."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "team", "course", "acknowledged_on"])
    for index in range(STAFF):
        _name, email = person(index)
        done = start - dt.timedelta(days=400 if index in UNACKNOWLEDGED else 20 + index % 300)
        writer.writerow(
            [
                email,
                TEAMS[index % len(TEAMS)],
                "Information security policy and awareness",
                f"{done:%Y-%m-%d}",
            ]
        )
    return buffer.getvalue().encode()


FILES = {
    "access_review": (
        "aws-iam-access-export.json",
        "Production AWS IAM users matched with HR leavers",
        access_review_json,
    ),
    "joiners": ("hr-joiners-export.csv", "HR system export of joiners (6 months)", joiners_csv),
    "training_log": (
        "policy-acknowledgements.csv",
        "Policy acknowledgement log from the learning platform",
        training_log_csv,
    ),
}
