"""From a control that stopped functioning to the proof that its corrective action worked:
pass → fail (draft NC) → NC opened → corrective action implemented → passing runs, which
``actions.services.automated_results`` lists as the effectiveness evidence."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from annexa.actions import services as actions
from annexa.findings import services as findings
from annexa.findings.models import Finding
from annexa.isms.models import SoAEntry
from annexa.monitoring import services
from annexa.monitoring.services import notifications
from annexa.monitoring.tests.test_services import lynis_report


def test_passing_runs_after_the_fix_are_the_effectiveness_evidence(
    isla, colin, audrey, catalog, tmp_path, client_for, django_capture_on_commit_callbacks
):
    ctx = isla.ctx
    SoAEntry.objects.create(
        organization=ctx.org,
        control_id="A.8.7",
        applicable=True,
        justification="Servers run a malware scanner.",
        control_owner=colin.user,
    )
    notifications.update_settings(ctx, open_draft_nonconformity=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest(ctx, lynis_report(tmp_path, "a.dat", malware_scanner_installed=1))
        services.ingest(ctx, lynis_report(tmp_path, "b.dat", malware_scanner_installed=0))
    draft = Finding.objects.get(control_id="A.8.7")
    finding = findings.open_finding(audrey.ctx, draft)
    action = actions.create_action(
        ctx,
        finding=finding,
        plan="Reinstall the malware scanner and alert when it stops.",
        owner=colin.user,
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )
    assert action.control_id == "A.8.7"
    page = reverse("monitoring:control", kwargs={"org": "acme", "control_id": "A.8.7"})
    assert action.reference in client_for(isla).get(page).content.decode()
    actions.set_root_cause(colin.ctx, action, "The scanner package was removed in an upgrade.")
    actions.start_action(colin.ctx, action)
    action = actions.implement_action(colin.ctx, action, "Scanner back, with a health check.")

    before = actions.automated_results(action)
    assert before.has_test and before.results == []  # the failure predates the fix
    for name in ("c.dat", "d.dat"):
        services.ingest(
            ctx, lynis_report(tmp_path, name, malware_scanner_installed=1, scan_day=name)
        )
    check = actions.automated_results(action)
    scanner = [r for r in check.results if r["test_id"] == "lynis_malware_scanner"]
    assert [r["status"] for r in scanner] == ["pass", "pass"]
    assert all(r["observed_at"] >= action.implemented_at.isoformat() for r in check.results)
    assert check.failed == 0 and check.passed >= 2
    review = actions.record_review(
        audrey.ctx,
        action,
        method="automated_test",
        conclusion="effective",
        notes="The scanner test passed on every run since the fix.",
    )
    assert review.automated["passed"] == check.passed
    assert "lynis_malware_scanner" in review.automated["test_ids"]
