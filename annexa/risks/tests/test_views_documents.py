"""The register page offers the risk documents; each downloads for any member, the PDF with
its progress shown."""

import pytest

from annexa.risks.tests.test_documents import treated  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("treated")


@pytest.mark.parametrize(
    ("kind", "fmt", "magic"),
    [("assessment", "pdf", b"%PDF"), ("treatment", "docx", b"PK")],
)
def test_a_viewer_downloads_the_risk_documents(client_for, vera, kind, fmt, magic):
    client = client_for(vera)
    page = client.get("/o/acme/risks/")
    assert f'href="/o/acme/risks/{kind}.{fmt}"' in page.content.decode()
    assert 'data-download-progress="PDF"' in page.content.decode()
    response = client.get(f"/o/acme/risks/{kind}.{fmt}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(magic)
    assert f"acme-risk-{kind}-" in response["Content-Disposition"]


def test_over_the_time_limit_the_page_says_why(client_for, vera, settings):
    settings.REPORT_PDF_SECONDS = 0.01
    response = client_for(vera).get("/o/acme/risks/assessment.pdf")
    assert response.status_code == 503
    assert b"ANNEXA_REPORT_PDF_SECONDS" in response.content
