"""What a move or a restore must keep, per organization, as plain JSON: row counts of every
organization-owned model and of its many-to-many links, people, ledger entries (hashes, counts
per object type), the head, checkpoints and the SHA-256 of every referenced blob's content.

Run as ``python -m annexa.ledger.tests.census`` with another ``ANNEXA_HOME`` to take the census
of another instance: it prints ``{slug: census}`` for every organization.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter


def census(org, opener) -> dict:
    from annexa.ledger.models import Checkpoint, LedgerEntry, LedgerHead
    from annexa.ledger.orgdata import m2m_fields, org_models
    from annexa.orgs.models import Membership

    rows, links = {}, {}
    for model in org_models():
        label = model._meta.label_lower
        rows[label] = model._base_manager.filter(organization=org).count()
        for field in m2m_fields(model):
            through = field.remote_field.through
            owner = f"{field.m2m_field_name()}__organization"
            links[f"{label}.{field.name}"] = through._base_manager.filter(**{owner: org}).count()
    entries = LedgerEntry.objects.for_org(org).order_by("seq")
    blob_names = sorted({b for b in entries.values_list("blob_sha256", flat=True) if b})
    head = LedgerHead.objects.filter(organization=org).first()
    return {
        "uid": str(org.uid),
        "rows": rows,
        "links": links,
        "people": sorted(
            [email, role]
            for email, role in Membership.objects.filter(organization=org).values_list(
                "user__email", "role"
            )
        ),
        "entry_hashes": list(entries.values_list("entry_hash", flat=True)),
        "entries_by_type": dict(
            sorted(Counter(entries.values_list("object_type", flat=True)).items())
        ),
        "head": [head.seq, head.head_hash] if head else None,
        "checkpoints": [
            list(c)
            for c in Checkpoint.objects.for_org(org)
            .order_by("tree_size")
            .values_list("tree_size", "root_hash", "signature", "key_id")
        ],
        "blobs": {name: _content_hash(opener, name) for name in blob_names},
    }


def _content_hash(opener, sha256: str) -> str | None:
    """The SHA-256 of what the store holds under ``sha256`` (None when it is missing)."""
    try:
        source = opener(sha256)
    except FileNotFoundError:
        return None
    digest = hashlib.sha256()
    with source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def census_all() -> dict[str, dict]:
    from annexa.ledger.blobs import default_opener
    from annexa.orgs.models import Organization

    opener = default_opener()
    return {org.slug: census(org, opener) for org in Organization.objects.order_by("slug")}


if __name__ == "__main__":
    from annexa.cli.bootstrap import setup

    setup()
    print(json.dumps(census_all(), indent=1))
