"""Security events on logger ``annexa.security``: exports, key rotations, work on the server.

One line per export (a bundle, a backup, an SoA, checklist or report file), with the actor, the
organization (or the whole instance) and what identifies the file; never its content. The
organization's own record of a bundle export is its ledger entry (``ledger.export_events``).
Key rotations and connectors acting on the Annexa server itself are logged here too (their
per-organization records are the ledger's ``reseal`` and ``collection_run`` entries).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("annexa.security")


def export(actor: str, org: str | None, what: str, **details: object) -> None:
    """Log that ``actor`` exported ``what`` of ``org`` (``None``: the whole instance)."""
    facts = "".join(f" {name}={value}" for name, value in details.items())
    logger.info("export of %s from %s by %s%s", what, org or "the instance", actor, facts)


def export_by(ctx, what: str, **details: object) -> None:
    """``export`` for a request's or command's ``OrgContext``."""
    export(ctx.actor, ctx.org.slug, what, **details)


def event(what: str, **details: object) -> None:
    """Log a security event that is not an export (``what`` in words, facts as name=value)."""
    facts = "".join(f" {name}={value}" for name, value in details.items())
    logger.info("%s%s", what, facts)
