"""The form record: template fields filled with raw cell texts and their provenance.

Nothing here is normalised yet; `normalize.rows` turns a RawForm into typed rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .flags import Flag
from .model import Box


@dataclass(frozen=True)
class CellRef:
    """A value as printed, and where it came from."""

    text: str
    page: int = 0
    box: Box | None = None
    confidence: float = 1.0
    table_no: int = 0
    row: int = -1
    col: int = -1
    source: str = "text"  # text | ocr: OCR'd amounts may be rebuilt from their digits

    @property
    def cell(self) -> tuple[int, int, int, int] | None:
        """The table cell it was read from (page, table, row, column); None when from none."""
        return (self.page, self.table_no, self.row, self.col) if self.row >= 0 else None


EMPTY = CellRef("")


@dataclass(frozen=True)
class RawBudgetItem:
    section: str
    item: str
    amount: CellRef


@dataclass(frozen=True)
class RawRecord:
    """One row of a records block (a task, an indicator): column -> cell."""

    values: dict[str, CellRef]  # by position under the header
    page: int
    # every non-empty cell of the row in reading order: row repair re-reads
    # these when the positions are implausible (a grid lost in a flat export)
    cells: tuple[CellRef, ...] = ()
    # cells of the row under no column: reported as unmapped unless row repair placed them
    extra: tuple[CellRef, ...] = ()

    def get(self, column: str) -> CellRef:
        return self.values.get(column, EMPTY)


@dataclass
class RawForm:
    form_type: str
    title: CellRef
    fields: dict[str, CellRef] = field(default_factory=dict)
    budget: list[RawBudgetItem] = field(default_factory=list)
    tasks: list[RawRecord] = field(default_factory=list)
    indicators: list[RawRecord] = field(default_factory=list)
    # per-block column names the form actually has (e.g. no period_target column)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # free text outside the tables, for year detection and debugging
    loose_text: list[str] = field(default_factory=list)
    # field -> the texts of its row up to and including its label (units printed there)
    label_rows: dict[str, str] = field(default_factory=dict)
    # (dataset, row_ref, field, code, severity, message) found while mapping
    notes: list[Flag] = field(default_factory=list)
    # the block still open where the form's last table ends (rows on a page after it would be its)
    open_block: str | None = None
