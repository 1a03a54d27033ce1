"""``annexa risks report`` and ``annexa assets propose``."""

from __future__ import annotations

from annexa.risks.models import Asset
from annexa.risks.tests.test_cli import run  # noqa: F401 (fixture)


def test_it_writes_the_documents_and_refuses_an_unknown_one(run, phishing, tmp_path):  # noqa: F811
    pdf, docx = tmp_path / "assessment.pdf", tmp_path / "plan.docx"
    done = run("risks", "report", "--org", "acme", "assessment", "-o", str(pdf))
    assert done.exit_code == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and "wrote" in done.stderr
    done = run("risks", "report", "--org", "acme", "treatment", "-o", str(docx))
    assert done.exit_code == 0 and docx.read_bytes().startswith(b"PK")
    bad = run("risks", "report", "--org", "acme", "summary", "-o", str(pdf))
    assert bad.exit_code == 2 and "use one of assessment, treatment" in bad.stderr
    odt = run("risks", "report", "--org", "acme", "assessment", "-o", str(tmp_path / "a.odt"))
    assert odt.exit_code == 2 and "use one of pdf, docx" in odt.stderr


def test_it_proposes_assets_from_collected_snapshots(run, isla):  # noqa: F811
    from annexa.connectors.tests.test_asset_proposals import _collected

    _collected(isla.ctx, "linux", "db1.acme.test", {"system": {"hostname": "db1"}})
    done = run("assets", "propose", "--org", "acme")
    assert done.exit_code == 0, done.stderr
    assert "Host db1" in done.stdout and "1 asset(s) proposed" in done.stderr
    assert not Asset.objects.get(name="Host db1").confirmed
    again = run("assets", "propose", "--org", "acme")
    assert again.stdout == "" and "0 asset(s) proposed" in again.stderr
