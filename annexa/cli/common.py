"""What several ``annexa`` command groups share: writing a register or the SoA out as a
spreadsheet.

``export_sheet`` takes the face's options (``--output`` and ``--format``), picks the format
(given, else the output file's suffix, else XLSX; anything but xlsx or csv is refused with exit
2), sets Django up, calls the app's own export function, records the export in the security log
when asked to, and writes the bytes to the file or to stdout (``-``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from annexa.cli.bootstrap import err, fail, get_org, setup

FORMATS = ("xlsx", "csv")


def export_format(output: str, output_format: str | None) -> str:
    """The format asked for, else the one the output file's name ends in, else xlsx."""
    if output_format is not None:
        fmt = output_format.lower()
    else:
        suffix = Path(output).suffix.lstrip(".").lower()
        fmt = suffix if suffix in FORMATS else "xlsx"
    if fmt not in FORMATS:
        fail(f"--format must be xlsx or csv, not {fmt!r}", 2)
    return fmt


def export_sheet(
    org: str,
    output: str,
    output_format: str | None,
    export: str,
    *,
    done: str,
    logged_as: str | None = None,
) -> None:
    """Write ``export(organization, fmt)`` to ``output`` (``-``: stdout).

    ``export`` is the dotted path of the app's export function, e.g.
    ``"annexa.people.io.export_people"``, imported once Django is set up. ``logged_as`` names
    what the security log records as exported (``None``: not logged). ``done`` is the line
    printed on stderr after a file is written, formatted with ``org`` (the slug), ``output``,
    ``fmt`` and ``size`` (bytes).
    """
    fmt = export_format(output, output_format)
    setup()
    from django.utils.module_loading import import_string

    from annexa.core import security_log
    from annexa.core.tenancy import OrgContext

    organization = get_org(org)
    data = import_string(export)(organization, fmt)
    if logged_as is not None:
        security_log.export_by(OrgContext.system(organization), logged_as, format=fmt)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err.print(done.format(org=organization.slug, output=output, fmt=fmt, size=len(data)))
