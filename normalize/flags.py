"""Findings about a document, one row each in the `flags` dataset."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Flag:
    dataset: str  # documents | budget_items | tasks | indicators | cells
    row_ref: int | None  # task_no / seq / row_no (budget_items: the 0-based index until locate_flags)
    field: str | None
    code: str  # stable machine code, e.g. AMOUNT_UNPARSEABLE
    severity: str  # error | warning | info
    message: str  # one plain sentence a person can act on
    # where the value is: page and box (same coordinates as the row datasets); see normalize/locate.py
    page: int | None = None
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    y1: float | None = None

    def row(self) -> dict:
        return asdict(self)
