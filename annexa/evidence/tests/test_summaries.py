"""Summaries of all the evidence are kept until the evidence changes, and only that long."""

from __future__ import annotations

import datetime as dt

from annexa.evidence import services, summaries


def _add(ctx, name: str, **links):
    """A new piece of evidence (``store`` gives its first version)."""
    return services.store(ctx, chunks=[name.encode()], filename=f"{name}.txt", **links).evidence


def test_the_fingerprint_changes_with_every_change_a_summary_can_see(acme_ctx, controls):
    org = acme_ctx.org
    seen = [summaries.fingerprint(org)]

    def changed() -> bool:
        seen.append(summaries.fingerprint(org))
        return seen[-1] != seen[-2]

    evidence = _add(acme_ctx, "policy", controls=["A.5.15"])
    assert changed()  # a new item
    services.new_version(acme_ctx, evidence, filename="policy.txt", chunks=[b"v2"], valid_days=1)
    assert changed()  # a new current version
    services.link(acme_ctx, evidence, controls=["A.8.2"])
    assert changed()  # a control linked
    services.unlink(acme_ctx, evidence, controls=["A.5.15"])
    assert changed()  # a control unlinked
    services.link(acme_ctx, evidence, requirements=["9.2.2"])
    assert changed()  # a requirement linked
    services.unlink(acme_ctx, evidence, controls=["A.8.2"])
    services.link(acme_ctx, evidence, controls=["A.8.2"])
    assert changed()  # unlinked and linked again: the same count, a new link id
    assert not changed()  # nothing happened


def test_a_summary_is_computed_once_per_state_of_the_evidence(acme_ctx, controls):
    org, today = acme_ctx.org, dt.date(2026, 12, 8)
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert summaries.cached(org, "test", (today,), compute) == {"n": 1}
    assert summaries.cached(org, "test", (today,), compute) == {"n": 1}
    # Other inputs (another day, other subjects) are another result.
    assert summaries.cached(org, "test", (today + dt.timedelta(days=1),), compute) == {"n": 2}
    _add(acme_ctx, "firewall", controls=["A.8.2"])
    assert summaries.cached(org, "test", (today,), compute) == {"n": 3}
    assert len(calls) == 3


def test_the_status_of_a_control_follows_new_uploads(acme_ctx, controls):
    from annexa.monitoring import status

    org = acme_ctx.org
    assert status.derive(org, control_ids=["A.8.2"])["A.8.2"].status == "not_covered"
    _add(acme_ctx, "firewall", controls=["A.8.2"])
    assert status.derive(org, control_ids=["A.8.2"])["A.8.2"].status == "manual_only"
