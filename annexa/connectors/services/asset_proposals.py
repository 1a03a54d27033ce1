"""Assets proposed from what connectors collected (8.1, A.5.9): the AWS account, its S3
buckets and RDS instances; the GitHub organization and its repositories; each Linux host and
PostgreSQL server read. Proposed assets wait for their owner (or an ISMS manager) to confirm
them (``risks.services.assets.confirm_asset``); a name already in the inventory is never
proposed again, so running this after every collection is safe.

Here, not in ``risks``: the connectors' snapshot format is theirs, and connectors may use the
risks services below them (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from annexa.connectors.formats import FormatError
from annexa.connectors.formats import snapshot as snapshots
from annexa.core.tenancy import OrgContext
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.risks.choices import AssetKind, AssetSource
from annexa.risks.models import Asset
from annexa.risks.services import assets
from annexa.risks.services.common import MANAGE

# Snapshot files are named "<kind>-<target>.json" by connectors.base.put_snapshot.
PREFIXES = tuple(f"{kind}-" for kind in snapshots.KINDS)


@dataclass(frozen=True)
class Proposal:
    name: str
    kind: str
    description: str


def _aws(snap: snapshots.Snapshot) -> Iterator[Proposal]:
    yield Proposal(
        f"AWS account {snap.target}",
        AssetKind.SERVICE,
        f"Cloud account; regions read: {', '.join(snap.get('regions', []) or []) or '—'}.",
    )
    for bucket in snap.get("s3.buckets.items", []) or []:
        yield Proposal(
            f"S3 bucket {bucket.get('name')}",
            AssetKind.INFORMATION,
            f"Object storage in {bucket.get('region') or 'an unknown region'} "
            f"(AWS account {snap.target}).",
        )
    for region, section in sorted((snap.get("rds", {}) or {}).items()):
        for db in (section or {}).get("instances", []) or []:
            yield Proposal(
                f"RDS database {db.get('id')}",
                AssetKind.SYSTEM,
                f"{db.get('engine') or 'Database'} instance in {region} (AWS account "
                f"{snap.target}).",
            )


def _github(snap: snapshots.Snapshot) -> Iterator[Proposal]:
    yield Proposal(
        f"GitHub organization {snap.target}",
        AssetKind.SERVICE,
        "Source code hosting and its members.",
    )
    for repo in snap.get("repositories.items", []) or []:
        if repo.get("archived"):
            continue
        full = repo.get("full_name") or f"{snap.target}/{repo.get('name')}"
        yield Proposal(
            f"Repository {full}",
            AssetKind.INFORMATION,
            f"Source code, {repo.get('visibility') or 'private'} repository.",
        )


def _host(snap: snapshots.Snapshot) -> Iterator[Proposal]:
    if snap.kind == "linux":
        os_name = (snap.get("system.os", {}) or {}).get("pretty_name") or "Linux"
        host = snap.get("system.hostname") or snap.target
        yield Proposal(f"Host {host}", AssetKind.SYSTEM, f"{os_name} host read at {snap.target}.")
    else:
        yield Proposal(f"PostgreSQL server {snap.target}", AssetKind.SYSTEM, "Database server.")


READERS = {"aws": _aws, "github": _github, "linux": _host, "postgres": _host}


def _latest_snapshots(org) -> Iterator[tuple[EvidenceVersion, snapshots.Snapshot]]:
    """The current version of each connector-collected snapshot of ``org``, read."""
    from annexa.evidence.storage import get_store

    store = get_store()
    for evidence in (
        Evidence.objects.for_org(org)
        .filter(current_version__source=Source.CONNECTOR)
        .select_related("current_version")
        .order_by("pk")
    ):
        version = evidence.current_version
        if not version.filename.startswith(PREFIXES) or not version.filename.endswith(".json"):
            continue
        try:
            with store.open(version.sha256) as stream:
                yield version, snapshots.load(stream)
        except (FormatError, OSError):
            continue  # not a snapshot after all, or its blob is gone: nothing to propose


def propose(ctx: OrgContext) -> list[Asset]:
    """Propose the assets the latest snapshots show and the inventory lacks; returns them."""
    ctx.require(MANAGE)
    taken = {n.lower() for n in Asset.objects.for_org(ctx.org).values_list("name", flat=True)}
    created = []
    for version, snap in _latest_snapshots(ctx.org):
        for proposal in READERS[snap.kind](snap):
            name = proposal.name[:200]
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            created.append(
                assets.create_asset(
                    ctx,
                    {"name": name, "kind": proposal.kind, "description": proposal.description},
                    source=AssetSource.CONNECTOR,
                    source_reference=(
                        f"{version.evidence.title} v{version.number} ({version.sha256[:12]})"
                    )[:300],
                    confirmed=False,
                )
            )
    return created
