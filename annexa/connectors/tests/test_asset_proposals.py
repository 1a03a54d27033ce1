"""Assets proposed from collected snapshots: what an AWS account, a GitHub organization and a
Linux host showed becomes unconfirmed assets, once, for their owner to confirm."""

from annexa.connectors.formats import snapshot
from annexa.connectors.services import asset_proposals
from annexa.evidence import services as evidence
from annexa.evidence.choices import Source
from annexa.risks.choices import AssetSource
from annexa.risks.models import Asset
from annexa.risks.services import assets


def _collected(ctx, kind: str, target: str, data: dict) -> None:
    evidence.store(
        ctx,
        filename=f"{kind}-{target}.json",
        chunks=[snapshot.dumps(kind, target, data)],
        title=f"{kind} snapshot of {target}",
        source=Source.CONNECTOR,
        source_detail=f"{kind} connector",
    )


def test_it_proposes_what_connectors_read_once_for_confirmation(db, catalog, isla):
    _collected(
        isla.ctx,
        "aws",
        "123456789012",
        {
            "regions": ["eu-central-1"],
            "s3": {
                "buckets": {
                    "readable": True,
                    "items": [{"name": "acme-backups", "region": "eu-central-1"}],
                }
            },
            "rds": {
                "eu-central-1": {
                    "readable": True,
                    "instances": [{"id": "orders", "engine": "postgres"}],
                }
            },
        },
    )
    _collected(
        isla.ctx,
        "github",
        "acme",
        {
            "repositories": {
                "readable": True,
                "items": [
                    {"name": "shop", "full_name": "acme/shop", "visibility": "private"},
                    {"name": "old", "full_name": "acme/old", "archived": True},
                ],
            }
        },
    )
    _collected(
        isla.ctx,
        "linux",
        "web1.acme.test",
        {"system": {"hostname": "web1", "os": {"pretty_name": "Debian 12"}}},
    )
    made = asset_proposals.propose(isla.ctx)
    names = sorted(a.name for a in made)
    assert names == [
        "AWS account 123456789012",
        "GitHub organization acme",
        "Host web1",
        "RDS database orders",
        "Repository acme/shop",
        "S3 bucket acme-backups",
    ]
    assert all(a.source == AssetSource.CONNECTOR and not a.confirmed for a in made)
    bucket = Asset.objects.get(name="S3 bucket acme-backups")
    assert bucket.source_reference.startswith("aws snapshot of 123456789012 v1 (")
    assert asset_proposals.propose(isla.ctx) == []  # nothing twice
    assert assets.confirm_asset(isla.ctx, bucket).confirmed


def test_uploads_and_other_files_propose_nothing(db, catalog, isla):
    evidence.store(isla.ctx, filename="aws-notes.json", chunks=[b'{"a": 1}'], title="Notes")
    assert asset_proposals.propose(isla.ctx) == []
