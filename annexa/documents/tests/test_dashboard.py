"""The readiness dashboard shows documents due and overdue for review and the
acknowledgement completion — page, API and ``annexa dashboard``."""

import datetime as dt
import json

from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.dashboard import services
from annexa.documents.models import Document
from annexa.documents.services import campaigns, register

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


def test_the_panel_counts_reviews_and_acknowledgements(approved, policy, isla, staff):
    register.create_document(isla.ctx, {"title": "Draft one", "kind": "procedure"})
    Document.objects.filter(pk=policy.pk).update(next_review=_today() - dt.timedelta(days=3))
    campaign = campaigns.launch(isla.ctx, policy, due_date=_today(), scope="all")
    campaigns.acknowledge(isla.ctx, campaign.acknowledgements.first())
    panel = services.documents_panel(policy.organization, _today() + dt.timedelta(days=1))
    assert (panel.total, panel.not_approved) == (2, 1)
    assert panel.reviews_overdue == ["DOC-001"] and panel.reviews_due == []
    assert (panel.acknowledged, panel.asked, panel.acknowledgements_overdue) == (1, 3, 2)
    assert panel.percent_acknowledged == 33


def test_page_api_and_cli(approved, policy, isla, client_for, client):
    Document.objects.filter(pk=policy.pk).update(next_review=_today() + dt.timedelta(days=5))
    page = client_for(isla).get("/o/acme/")
    assert b"documents-panel" in page.content and b"DOC-001" in page.content
    data = client_for(isla).get("/api/v1/orgs/acme/dashboard/").json()
    assert data["documents"]["reviews_due"] == ["DOC-001"]
    result = CliRunner().invoke(app, ["dashboard", "--org", "acme"], catch_exceptions=False)
    assert "Documents: 1 (0 not approved yet)" in result.stdout
    as_json = CliRunner().invoke(app, ["dashboard", "--org", "acme", "--format", "json"])
    assert json.loads(as_json.stdout)["documents"]["total"] == 1
