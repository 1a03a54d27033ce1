"""The columns of the risk register and asset inventory sheets, and the limits and words
the export and both imports share."""

from __future__ import annotations

from collections.abc import Callable

from annexa.core import spreadsheets

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {"xlsx": spreadsheets.XLSX_MEDIA_TYPE, "csv": spreadsheets.CSV_MEDIA_TYPE}
MAX_IMPORT_BYTES = spreadsheets.MAX_IMPORT_BYTES
MAX_IMPORT_ROWS = spreadsheets.MAX_IMPORT_ROWS
IMPORT_REASON = "Spreadsheet import."

# progress(stage, done, total): stage is "checking" or "saving".
Progress = Callable[[str, int, int], None]

RISK_COLUMNS = (
    "reference",
    "title",
    "threat",
    "vulnerability",
    "consequence",
    "assets",
    "owner",
    "existing_controls",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_level",
    "treatment",
    "treatment_plan",
    "controls",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "status",
    "accepted_by",
    "accepted_at",
    "acceptance",
    "treatment_actions",
    "review_date",
    "last_assessed",
    "methodology_version",
)
RISK_WIDTHS = (9, 40, 30, 30, 30, 30, 26, 30, 10, 10, 9, 11, 22, 40, 18, 10, 10, 9, 11, 18)
RISK_WIDTHS += (26, 20, 40, 50, 12, 12, 10)
# Derived, or changed only by their own step (acceptance, actions): for the reader only.
RISK_EXPORTED_ONLY = (
    "inherent_score",
    "inherent_level",
    "residual_score",
    "residual_level",
    "status",
    "accepted_by",
    "accepted_at",
    "acceptance",
    "treatment_actions",
    "last_assessed",
    "methodology_version",
)
RISK_IMPORTED = tuple(c for c in RISK_COLUMNS if c not in RISK_EXPORTED_ONLY)
RISK_REQUIRED = ("title", "owner")

ASSET_COLUMNS = (
    "reference",
    "name",
    "kind",
    "description",
    "owner",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "value",
    "location",
    "source",
    "confirmed",
    "retired",
    "risks",
)
ASSET_WIDTHS = (9, 36, 14, 40, 26, 16, 9, 9, 9, 7, 24, 22, 10, 8, 30)
ASSET_EXPORTED_ONLY = ("value", "source", "confirmed", "risks")
ASSET_IMPORTED = tuple(c for c in ASSET_COLUMNS if c not in ASSET_EXPORTED_ONLY)
ASSET_REQUIRED = ("name", "kind")
# The asset's model fields under the sheet's column names.
ASSET_FIELDS = {"confidentiality": "value_c", "integrity": "value_i", "availability": "value_a"}
TREATMENT_SYNONYMS = {"mitigate": "modify", "reduce": "modify", "accept": "retain"}
TREATMENT_SYNONYMS |= {"tolerate": "retain", "transfer": "share", "terminate": "avoid"}
YES = {"yes", "true", "y", "1"}
NO = {"no", "false", "n", "0", ""}
