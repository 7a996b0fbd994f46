"""Findings about a document: the `flags` dataset's rows, as typed objects from end to end.

Every stage that finds something (the grid, the mapping, the normalisers, a person's
correction) makes a `Flag` with a `FlagCode`; the codes are this one enum, and the README's
flag table is checked against it (tests/test_flags.py). This module imports nothing of the
project, so every stage can use it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

ERROR, WARNING, INFO = "error", "warning", "info"


class FlagCode(StrEnum):
    """Stable machine codes; a code is never renamed (readers filter on them)."""

    AMOUNT_UNPARSEABLE = "AMOUNT_UNPARSEABLE"  # an amount cell whose text is no number
    AMOUNT_REPAIRED = "AMOUNT_REPAIRED"  # an amount read after a repair (separators, OCR swaps)
    AMOUNT_MISSING = "AMOUNT_MISSING"  # a budget row printed with no amount
    LOW_CONFIDENCE = "LOW_CONFIDENCE"  # an OCR reading below the engine's trust level
    SUM_MISMATCH = "SUM_MISMATCH"  # an arithmetic rule of the template does not hold
    MISSING_FIELD = "MISSING_FIELD"  # a required field, block or template item not found
    TARGET_UNPARSEABLE = "TARGET_UNPARSEABLE"  # an indicator target that is no comparison
    LABEL_SNAPPED = "LABEL_SNAPPED"  # an OCR'd label read as the template label within an edit
    VOCAB_SNAPPED = "VOCAB_SNAPPED"  # a 一级/二级 or item name snapped to the vocabulary
    VOCAB_UNKNOWN = "VOCAB_UNKNOWN"  # a name outside the vocabulary, kept as printed
    FILLED_DOWN = "FILLED_DOWN"  # a merged 一级/二级 cell's text taken from the row above
    TEXT_SPILLED = "TEXT_SPILLED"  # lines of a 一级/二级 label printed over a rule into the next cell
    ROW_REALIGNED = "ROW_REALIGNED"  # an indicator row whose cells slid, put back in their columns
    ROW_UNREADABLE = "ROW_UNREADABLE"  # an indicator row that could not be put together
    CELL_SHARED = "CELL_SHARED"  # one OCR'd cell read into two columns of a record (a rule lost between them)
    UNMAPPED_CELL = "UNMAPPED_CELL"  # a non-empty table cell read into no field (or a page left out after a form)
    NO_TABLE = "NO_TABLE"  # an OCR'd page with text on it but no ruled table
    YEAR_CONFLICT = "YEAR_CONFLICT"  # a form's year differs from its file's
    UNIT_UNKNOWN = "UNIT_UNKNOWN"  # a project form that states no money unit
    DATE_UNREADABLE = "DATE_UNREADABLE"  # a project date that is no date
    CORRECTED = "CORRECTED"  # a person's correction or acceptance, applied
    DOCUMENT_FAILED = "DOCUMENT_FAILED"  # the file could not be read: none of its rows are there


@dataclass(frozen=True)
class Flag:
    dataset: str  # documents | budget_items | tasks | indicators | projects | cells
    row_ref: int | None  # task_no / seq / row_no (budget_items: the 0-based index until locate_flags)
    field: str | None
    code: FlagCode
    severity: str  # error | warning | info
    message: str  # one plain sentence a person can act on
    # where the value is: page and box (same coordinates as the row datasets); see normalize/locate.py
    page: int | None = None
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    y1: float | None = None

    def row(self) -> dict:
        out = asdict(self)
        out["code"] = str(self.code)  # plain text in Parquet
        return out
