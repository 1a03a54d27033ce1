"""The risk register and the asset inventory as spreadsheets: export to XLSX or CSV, and an
all-or-nothing import of either from XLSX or CSV.

Export
    Every cell goes through ``annexa.core.spreadsheets`` (formula-safe: text a spreadsheet
    program could run starts with an apostrophe; XLSX cells are always text). The register
    holds each risk with its assets, owner, controls, inherent and residual assessment with the
    derived scores and levels, its treatment and tracked actions, the acceptance of its residual
    risk and the methodology version it was judged under.

Import
    The first row names the columns (any case, spaces or underscores). Every row is read and
    checked before anything is written; one bad cell anywhere and nothing is saved: the report
    names every problem by row, column and what to do. Otherwise everything is saved in one
    transaction (new objects in bulk, under the rules of ``services.bulk``; changed ones
    through ``services.risks.update_risk`` and ``services.assets.update_asset``).

    * A row whose ``reference`` names an existing risk (R-0012) or asset (AS-0003) changes it;
      a blank ``reference`` adds a new one — except that an asset row whose name is already in
      the inventory changes that asset (assets are known by their names). Unchanged rows
      change nothing, so importing an export unchanged is a no-op.
    * A column left out of the sheet leaves that field of existing rows as it is; the columns
      a person cannot set (scores, levels, status, acceptance, actions, source, confirmed)
      are exported for the reader and ignored by the import.
    * People are named by e-mail and must be members. Controls are Annex A ids separated by
      commas ("A.8.5, A.5.15"). A risk's assets are names (or references) from the inventory,
      separated by semicolons or line breaks, since names may hold commas.
    * An asset a risk names that is not in the inventory is a problem, not created on the
      fly: an inventory entry needs a kind, an owner and a classification a register row does
      not hold. Import the asset inventory first (its import takes them all).
    * Treatments are given by value or label ("modify", "Modify (apply controls)") or the usual
      synonyms (mitigate, accept, transfer); asset kinds by value or label.

The modules
    ``columns`` (the sheets' columns and shared limits), ``export``, ``reading`` (the rows of
    a sheet read with every problem named by row and column, and the all-or-nothing run both
    imports share), ``risks`` (the register import) and ``assets`` (the inventory import).
"""

from annexa.core.spreadsheets import CellError, ImportReport, describe
from annexa.risks.io.assets import import_assets
from annexa.risks.io.columns import (
    ASSET_COLUMNS,
    ASSET_EXPORTED_ONLY,
    ASSET_FIELDS,
    ASSET_IMPORTED,
    ASSET_REQUIRED,
    ASSET_WIDTHS,
    FORMATS,
    IMPORT_REASON,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MEDIA_TYPES,
    NO,
    RISK_COLUMNS,
    RISK_EXPORTED_ONLY,
    RISK_IMPORTED,
    RISK_REQUIRED,
    RISK_WIDTHS,
    TREATMENT_SYNONYMS,
    YES,
    Progress,
)
from annexa.risks.io.export import (
    assets_for_export,
    export_assets,
    export_risks,
    filename,
    risks_for_export,
)
from annexa.risks.io.risks import import_risks

__all__ = [
    "ASSET_COLUMNS",
    "ASSET_EXPORTED_ONLY",
    "ASSET_FIELDS",
    "ASSET_IMPORTED",
    "ASSET_REQUIRED",
    "ASSET_WIDTHS",
    "FORMATS",
    "IMPORT_REASON",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MEDIA_TYPES",
    "NO",
    "RISK_COLUMNS",
    "RISK_EXPORTED_ONLY",
    "RISK_IMPORTED",
    "RISK_REQUIRED",
    "RISK_WIDTHS",
    "TREATMENT_SYNONYMS",
    "YES",
    "CellError",
    "ImportReport",
    "Progress",
    "assets_for_export",
    "describe",
    "export_assets",
    "export_risks",
    "filename",
    "import_assets",
    "import_risks",
    "risks_for_export",
]
