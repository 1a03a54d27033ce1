"""The identity control tests: PASS, FAIL and empty cases for each, judged on their own and
over snapshots stored through the real ingest path (evidence, test run, results)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from annexa.connectors.formats import snapshot
from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.identity import register
from annexa.monitoring import loader
from annexa.monitoring import services as monitoring
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.tests.cases_identity import (
    ADA,
    AS_OF,
    BO,
    CASES,
    CY,
    NOBODY,
    REFUSED,
    gone,
    identity,
    snap,
    staff,
    stamp,
    user,
)
from annexa.people.choices import PersonSource
from annexa.people.models import Person

IDS = [case[0] for case in CASES]
IDENTITY_TESTS = sorted(
    t for t, cls in loader.all_tests().items() if cls.evidence_kind == "identity"
)
PASS, FAIL, ERROR, NA = (
    ResultStatus.PASS,
    ResultStatus.FAIL,
    ResultStatus.ERROR,
    ResultStatus.NOT_APPLICABLE,
)


def run(test_id: str, records: list, as_of: dt.date = AS_OF):
    return loader.all_tests()[test_id].evaluate(records, as_of=as_of)


def test_every_identity_test_has_cases():
    assert sorted([*IDS, "identity_leavers_disabled"]) == IDENTITY_TESTS


@pytest.mark.parametrize(("test_id", "passing", "failing", "empty"), CASES, ids=IDS)
def test_pass_fail_and_empty(test_id, passing, failing, empty):
    good, bad = run(test_id, passing), run(test_id, failing)
    assert good.status == PASS and good.reason, good.reason
    assert bad.status == FAIL and bad.failing_count >= 1 and bad.resources, bad.reason
    broken = run(test_id, [Snapshot("identity", "empty.example", {})])
    assert broken.status == empty and "does not follow its contract" in broken.reason
    assert run(test_id, []).status == NA


@pytest.mark.parametrize("test_id", IDENTITY_TESTS)
def test_a_provider_without_enabled_users_is_not_applicable(test_id):
    with register.judging_for(_Org(0)):
        for users in ([], NOBODY):
            outcome = run(test_id, snap(users))
            assert outcome.status == NA and "no enabled user" in outcome.reason


class _Org:
    def __init__(self, pk: int) -> None:
        self.pk = pk


def test_mfa_failures_name_the_users_and_unknown_enrolment_errors():
    failing = run("identity_mfa_all_users", snap(staff(user(CY, mfa_enrolled=False))))
    assert failing.resources == ("cy@kestrel.example (Cy)",)
    unknown = staff(user(CY, mfa_enrolled=None))
    refused = {"factors": "GET /api/v1/users/x/factors answered HTTP 403"}
    outcome = run("identity_mfa_all_users", snap(unknown, unreadable=refused))
    assert outcome.status == ERROR and "HTTP 403" in outcome.reason
    # A known failure stays a failure when others are unknown.
    mixed = staff(user(CY, mfa_enrolled=None), user(BO, mfa_enrolled=False))
    assert run("identity_mfa_all_users", snap(mixed)).status == FAIL
    admins_unknown = staff(user(ADA, admin_roles=["Super Administrator"], mfa_enrolled=None))
    assert run("identity_mfa_admins", snap(admins_unknown)).status == ERROR


def test_unreadable_admin_roles_error_instead_of_passing():
    for test_id in ("identity_mfa_admins", "identity_admin_count"):
        outcome = run(test_id, snap(unreadable=REFUSED))
        assert outcome.status == ERROR and "HTTP 403" in outcome.reason


def test_admin_count_fails_without_any_enabled_administrator():
    users = staff(
        user(ADA, admin_roles=[]),
        gone(BO, admin_roles=["Super Administrator"]),
    )
    outcome = run("identity_admin_count", snap(users))
    assert outcome.status == FAIL and "no enabled user" in outcome.reason


def test_inactivity_counts_from_the_creation_of_a_never_used_account():
    users = staff(user("new@kestrel.example", last_sign_in=None, created=stamp(120)))
    outcome = run("identity_inactive_accounts", snap(users))
    assert outcome.status == FAIL
    assert outcome.resources == (
        "new@kestrel.example (New): never signed in, 120 days after creation",
    )
    # Exactly 90 days is still within the limit; the limit is a parameter of the test.
    on_edge = staff(user(CY, last_sign_in=stamp(90)))
    assert run("identity_inactive_accounts", snap(on_edge)).status == PASS
    cls = loader.all_tests()["identity_inactive_accounts"]
    stricter = type("Stricter", (cls,), {"max_idle_days": 30})
    assert stricter.evaluate(snap(staff(user(CY, last_sign_in=stamp(45)))), AS_OF).status == FAIL
    # Sign-in times of disabled users do not count.
    assert run("identity_inactive_accounts", snap(staff(gone("x@k.example")))).status == PASS


# --- through the ingest path, with the people register -------------------------------------


def shifted(data: dict, to: dt.date) -> dict:
    """``data`` with every time moved by the days between the cases' AS_OF and ``to``."""
    delta = to - AS_OF
    moved = copy.deepcopy(data)
    for record in moved["users"]:
        for key in ("last_sign_in", "created"):
            if record[key]:
                when = dt.datetime.fromisoformat(record[key].replace("Z", "+00:00")) + delta
                record[key] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moved


@pytest.fixture
def ctx(isla, catalog):
    return isla.ctx


def ingest(ctx, tmp_path: Path, data: dict) -> dict[str, tuple[str, str]]:
    """Store ``data`` (times moved to today) as an identity snapshot through the ingest path
    and judge it — the evaluation itself holds the organization's register; each test's
    (status, reason)."""
    today = timezone.localdate()
    body = snapshot.dumps("identity", "okta:kestrel.okta.com", shifted(data, today))
    path = tmp_path / f"identity-{len(list(tmp_path.iterdir()))}.json"
    path.write_bytes(body)
    judged = monitoring.ingest(ctx, path)
    summary = judged.as_dict()
    assert summary["kind"] == "identity"
    return {t["id"]: (t["status"], t["reason"]) for t in summary["tests"]}


def leaver(ctx, email: str, days_ago: int, employee_id: str = "") -> Person:
    return Person.objects.create(
        organization=ctx.org,
        name=email.split("@")[0].title(),
        email=email,
        employee_id=employee_id,
        end_date=timezone.localdate() - dt.timedelta(days=days_ago),
        source=PersonSource.MANUAL,
    )


def test_the_ingested_snapshots_pass_and_fail_as_judged_alone(ctx, tmp_path):
    for test_id, passing, failing, _empty in CASES:
        assert ingest(ctx, tmp_path, passing[0].data)[test_id][0] == PASS, test_id
        assert ingest(ctx, tmp_path, failing[0].data)[test_id][0] == FAIL, test_id
    empty = ingest(ctx, tmp_path, identity([]))
    assert {status for status, _reason in empty.values()} == {NA}
    assert set(empty) == set(IDENTITY_TESTS)


def test_leavers_with_enabled_accounts_fail_through_the_ingest_path(ctx, tmp_path):
    # Nobody has left yet: not applicable.
    results = ingest(ctx, tmp_path, identity())
    assert results["identity_leavers_disabled"][0] == NA
    assert "nobody who has left" in results["identity_leavers_disabled"][1]
    # Cy leaves tomorrow: not yet a leaver, and someone who left long ago has no account.
    leaver(ctx, CY, days_ago=-1)
    leaver(ctx, "zed@kestrel.example", days_ago=300)
    results = ingest(ctx, tmp_path, identity(staff(user("dan@kestrel.example"))))
    assert results["identity_leavers_disabled"][0] == PASS
    # Bo left last week (matched by employee id, whatever the address) and is still enabled.
    leaver(ctx, "bo.private@example.org", days_ago=7, employee_id="E2")
    status, reason = ingest(ctx, tmp_path, identity(staff(user("eve@kestrel.example"))))[
        "identity_leavers_disabled"
    ]
    assert status == FAIL and BO in reason and "left " in reason
    # Locked out is not revoked: the lock lifts by itself.
    locked = staff(user(BO, state="locked", enabled=False, employee_id="E2"))
    status, _ = ingest(ctx, tmp_path, identity(locked))["identity_leavers_disabled"]
    assert status == FAIL
    # Once Bo's account is deprovisioned, the test passes again.
    status, _ = ingest(ctx, tmp_path, identity(staff(gone(BO, employee_id="E2"))))[
        "identity_leavers_disabled"
    ]
    assert status == PASS


def test_leavers_cannot_be_judged_without_the_register(ctx, tmp_path):
    leaver(ctx, CY, days_ago=3)
    outcome = run("identity_leavers_disabled", snap())
    assert outcome.status == ERROR and "people register was not available" in outcome.reason
    with register.judging_for(ctx.org):
        assert run("identity_leavers_disabled", snap(), as_of=timezone.localdate()).status == FAIL
    assert register.current() is None  # the register is not left behind for other evaluations


def test_another_organizations_leavers_are_not_seen(ctx, tmp_path, globex):
    Person.objects.create(
        organization=globex,
        name="Cy elsewhere",
        email=CY,
        end_date=timezone.localdate() - dt.timedelta(days=3),
        source=PersonSource.MANUAL,
    )
    with register.judging_for(ctx.org):
        outcome = run("identity_leavers_disabled", snap(), as_of=timezone.localdate())
    assert outcome.status == NA


def test_inactivity_is_not_judged_when_sign_in_times_could_not_be_read():
    """An Entra ID tenant without P1/P2 hides sign-in times: counting from creation dates would
    fail every older account, so the test reports the gap instead of a verdict."""
    users = staff(user("old@kestrel.example", last_sign_in=None, created=stamp(400)))
    hidden = {"last_sign_in": "signInActivity needs an Entra ID P1 or P2 licence"}
    outcome = run("identity_inactive_accounts", snap(users, unreadable=hidden))
    assert outcome.status == ERROR and "when users last signed in" in outcome.reason
