"""Where the SoA is edited and exported, each control shows the risks whose treatment chose it,
the proposals of the risk treatment (a button for managers accepts one) and the conflicts
(a control the SoA excludes although a treatment chose it). The risk register reaches isms
through the provider it registers (``isms.services.soa_links``), never by an import."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from annexa.isms.models import SoAEntry
from annexa.isms.services import (
    export_csv,
    export_xlsx,
    import_soa,
    soa_document,
    soa_links,
    update_soa_entry,
)
from annexa.isms.tests.conftest import ledger_count
from annexa.risks.services import risks as risk_service

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"isms:{name}", kwargs={"org": "acme", **kwargs})


@pytest.fixture
def treated(soa, isla, colin):
    """R-0001 chose A.8.5 (applicable), A.8.7 (undecided) and A.8.23 (excluded)."""
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": True, "justification": "Stolen passwords."})
    update_soa_entry(
        isla.ctx, "A.8.23", {"applicable": False, "justification": "EDR covers web threats."}
    )
    return risk_service.create_risk(
        isla.ctx,
        {
            "title": "Credential phishing of administrators",
            "owner": colin.user,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "treatment": "modify",
            "controls": ["A.8.5", "A.8.7", "A.8.23"],
        },
    )


def row_html(html: str, control_id: str) -> str:
    start = html.index(f'id="soa-{control_id}"')
    return html[start : html.index("</tr>", start)]


def test_the_soa_page_shows_the_risks_proposals_and_conflicts(treated, client_for, isla):
    html = client_for(isla).get(url("soa")).content.decode()
    assert '<th scope="col">Risks treated</th>' in html
    applicable = row_html(html, "A.8.5")
    assert "R-0001" in applicable and "conflict" not in applicable and "proposed" not in applicable
    proposal = row_html(html, "A.8.7")
    assert "proposed" in proposal and "Accept proposal" in proposal
    assert url("soa-accept-proposal", control_id="A.8.7") in proposal
    conflict = row_html(html, "A.8.23")
    assert "conflict" in conflict and "R-0001" in conflict and "Accept proposal" not in conflict
    assert "—" in row_html(html, "A.5.1")  # nothing chose it
    summary = html[html.index('id="soa-risk-flags"') :]
    assert "1 conflict with the risk treatment" in summary and 'href="#soa-A.8.23"' in summary
    assert "1 proposal from the risk treatment" in summary and 'href="#soa-A.8.7"' in summary


def test_the_flags_show_where_the_entry_is_edited(treated, client_for, isla):
    client = client_for(isla)
    form = client.get(url("soa-edit", control_id="A.8.23"), **HTMX).content.decode()
    assert "conflict" in form and "Credential phishing of administrators" in form
    assert "include it, or change the risk treatment" in form
    assert 'colspan="8"' in form  # the form row spans the extra column
    # The row a save returns keeps the column.
    entry = SoAEntry.objects.get(organization=treated.organization, control_id="A.8.23")
    saved = client.post(
        url("soa-edit", control_id="A.8.23"),
        {
            "applicable": "on",
            "justification": "Chosen to treat R-0001.",
            "status": "planned",
            "control_owner": "",
            "notes": "",
            "version": str(entry.version),
        },
        **HTMX,
    ).content.decode()
    assert "R-0001" in saved and "conflict" not in saved  # included now: no conflict


def test_a_manager_accepts_a_proposal_and_a_viewer_may_not(treated, client_for, isla, vera):
    org = treated.organization
    refused = client_for(vera).post(url("soa-accept-proposal", control_id="A.8.7"))
    assert refused.status_code == 403
    assert "Accept proposal" not in client_for(vera).get(url("soa")).content.decode()
    before = ledger_count(org)
    response = client_for(isla).post(url("soa-accept-proposal", control_id="A.8.7"))
    assert response.status_code == 302 and response.url.endswith("#soa-A.8.7")
    entry = SoAEntry.objects.get(organization=org, control_id="A.8.7")
    assert entry.applicable and "R-0001 Credential phishing of administrators" in (
        entry.justification
    )
    assert ledger_count(org) == before + 1
    # Nothing proposes it any more: a second press says so and changes nothing.
    again = client_for(isla).post(url("soa-accept-proposal", control_id="A.8.7"), follow=True)
    assert "Nothing proposes A.8.7 any more" in again.content.decode()
    assert ledger_count(org) == before + 1


def test_the_export_cites_the_risks_per_control_and_still_round_trips(treated, isla):
    org = treated.organization
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(export_xlsx(org))).active]
    header = rows[0]
    cell = {r[0]: r[header.index("risks_treated")] for r in rows[1:]}
    assert cell["A.8.5"] == "R-0001 Credential phishing of administrators"
    assert cell["A.8.23"].endswith("(conflict: the SoA excludes this control)")
    assert cell["A.8.7"].endswith("(proposed as applicable, not decided in the SoA yet)")
    assert cell["A.5.1"] is None
    assert "R-0001 Credential phishing" in export_csv(org).decode()
    before = ledger_count(org)
    report = import_soa(isla.ctx, export_xlsx(org))  # the column is for the reader only
    assert report.ok and report.changed == [] and ledger_count(org) == before


def test_the_soa_document_has_a_risks_treated_column(treated):
    document = soa_document.build(treated.organization)
    assert document.header[-1] == "Risks treated"
    cited = {row[0].split(" ")[0]: row[-1] for row in document.rows}
    assert cited["A.8.5"] == "R-0001"
    assert cited["A.8.23"] == "R-0001 (conflict: excluded)"
    assert cited["A.8.7"] == "R-0001 (proposed)"
    assert cited["A.5.1"] == "—"
    content, _name = soa_document.render(treated.organization, "docx")
    table = Document(io.BytesIO(content)).tables[1]
    assert [c.text for c in table.rows[0].cells][-1] == "Risks treated"


def test_without_a_provider_the_soa_has_no_risk_column(soa, client_for, isla, monkeypatch):
    monkeypatch.setattr(soa_links, "_PROVIDERS", [])
    html = client_for(isla).get(url("soa")).content.decode()
    assert "Risks treated" not in html and 'id="soa-risk-flags"' not in html
    assert soa_document.build(soa).header == soa_document.CONTROL_HEADER
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(export_xlsx(soa))).active]
    assert {r[-1] for r in rows[1:]} == {None}


def imports_of(package, prefix: str) -> list[str]:
    """The modules of ``package`` (tests left out) that import anything under ``prefix``."""
    import ast
    from pathlib import Path

    root = Path(package.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.startswith(prefix)]
    return found


def test_isms_does_not_import_the_risk_register():
    import annexa.isms

    assert imports_of(annexa.isms, "annexa.risks") == []
