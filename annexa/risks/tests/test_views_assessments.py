"""The assessments page: runs with what they changed; managers record one, a bad one is
refused on the form; others only read."""

from django.utils import timezone

from annexa.risks.models import RiskAssessment


def test_a_manager_records_a_run_and_everyone_reads_it(client_for, isla, colin, vera, phishing):
    page = client_for(isla).get("/o/acme/risks/assessments/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 risk was identified or changed: R-0001" in text
    done = client_for(isla).post(
        "/o/acme/risks/assessments/",
        {
            "held_on": timezone.localdate().isoformat(),
            "title": "Annual risk assessment",
            "trigger": "Periodic",
            "participants": [isla.user.pk, colin.user.pk],
        },
    )
    assert done.status_code == 302
    run = RiskAssessment.objects.get()
    assert run.changes[0]["risk"] == "R-0001"
    viewer = client_for(vera).get("/o/acme/risks/assessments/").content.decode()
    assert "RA-0001 Annual risk assessment" in viewer and "Identified" in viewer
    assert "Record the assessment" not in viewer
    assert client_for(vera).post("/o/acme/risks/assessments/", {}).status_code == 403


def test_a_run_reads_its_changes_in_words(client_for, isla, colin, phishing):
    from annexa.risks.services import assessments, risks

    today = timezone.localdate()
    run = {"held_on": today, "title": "First", "participants": [isla.user]}
    assessments.record_assessment(isla.ctx, run)
    risks.update_risk(colin.ctx, phishing, {"inherent_impact": 5}, reason="More customers.")
    assessments.record_assessment(isla.ctx, {**run, "title": "Second"})
    text = " ".join(client_for(isla).get("/o/acme/risks/assessments/").content.decode().split())
    assert "inherent impact: 4 → 5" in text
    assert "inherent level: High → Very high" in text
    assert "More customers." in text


def test_a_bad_run_is_refused_on_the_form(client_for, isla):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    page = client_for(isla).post(
        "/o/acme/risks/assessments/",
        {"held_on": tomorrow.isoformat(), "title": "Too early", "participants": [isla.user.pk]},
    )
    assert page.status_code == 422
    assert "recorded once it has been held" in page.content.decode()
    assert not RiskAssessment.objects.exists()
