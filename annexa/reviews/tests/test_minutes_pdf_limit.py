"""The minutes PDF runs in the report's time-limited worker (ANNEXA_REPORT_PDF_SECONDS): over
the limit the download answers 503 saying so, and a sign-off is refused with nothing signed
or stored, instead of a web worker rendering for ever."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annexa.evidence.models import EvidenceVersion
from annexa.reviews import minutes, services
from annexa.reviews.tests.conftest import ready_to_sign


@pytest.fixture
def slow_pdf(settings):
    settings.REPORT_PDF_SECONDS = 0.01  # shorter than starting the worker process


def test_the_minutes_pdf_is_stopped_at_the_limit(review, slow_pdf):
    with pytest.raises(minutes.MinutesError, match="ANNEXA_REPORT_PDF_SECONDS"):
        minutes.render_pdf(review)


def test_the_download_answers_503_over_the_limit(client_for, vera, review, slow_pdf):
    kwargs = {"org": "acme", "pk": review.pk}
    page = client_for(vera).get(reverse("reviews:minutes-pdf", kwargs=kwargs))
    assert page.status_code == 503 and b"ANNEXA_REPORT_PDF_SECONDS" in page.content
    api = client_for(vera).get(reverse("reviews-api:review-minutes-pdf", kwargs=kwargs))
    assert api.status_code == 503 and "ANNEXA_REPORT_PDF_SECONDS" in api.json()["detail"]


def test_a_sign_off_whose_minutes_pdf_is_stopped_changes_nothing(isla, alice, review, settings):
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    review = ready_to_sign(isla.ctx, review, [alice.user])
    stored = EvidenceVersion.objects.count()
    settings.REPORT_PDF_SECONDS = 0.01
    with pytest.raises(ValidationError, match="ANNEXA_REPORT_PDF_SECONDS"):
        services.sign_off(alice.ctx, review)
    review.refresh_from_db()
    assert review.status != "signed_off" and review.minutes_pdf is None
    assert EvidenceVersion.objects.count() == stored


def test_within_the_limit_the_minutes_pdf_is_made_by_the_worker(review):
    assert minutes.render_pdf(review).startswith(b"%PDF")
