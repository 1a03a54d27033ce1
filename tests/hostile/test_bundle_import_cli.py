"""``annexa import`` (a ledger export bundle) against the hostile corpus and hostile zips.

Every item is refused with a message and a non-zero exit, never a traceback, and nothing is
written: no organization, no ledger entry, no evidence version.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from tests.hostile.conftest import Hostile, corpus, zip_bomb_xlsx

pytestmark = pytest.mark.django_db


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def bundles() -> list[Hostile]:
    """Archives shaped like a bundle: members that escape the folder, or inflate to 200 MB."""
    zip_type = "application/zip"
    return [
        Hostile(
            "traversal-members",
            "bundle.zip",
            zip_type,
            _zip({"../../etc/cron.d/annexa": b"* * * * * id\n", "/tmp/annexa-owned": b"x"}),
        ),
        Hostile("zip-bomb-bundle", "bundle.zip", zip_type, zip_bomb_xlsx()),
        *corpus(1024 * 1024),
    ]


def _counts() -> tuple[int, int, int]:
    from annexa.evidence.models import EvidenceVersion
    from annexa.ledger.models import LedgerEntry
    from annexa.orgs.models import Organization

    return (
        Organization.objects.count(),
        LedgerEntry.objects.count(),
        EvidenceVersion.objects.count(),
    )


@pytest.mark.parametrize("item", bundles(), ids=lambda i: i.name)
def test_hostile_bundles_are_refused(item, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(item.content)
    before = _counts()
    result = CliRunner().invoke(app, ["import", str(path), "--slug", "hostile"])
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error:" in result.stderr
    assert _counts() == before
