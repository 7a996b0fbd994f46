"""Findings about a document, one row each in the `flags` dataset."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Flag:
    dataset: str  # documents | budget_items | tasks | indicators | cells
    row_ref: int | None  # task_no / seq / index of the row it is about
    field: str | None
    code: str  # stable machine code, e.g. AMOUNT_UNPARSEABLE
    severity: str  # error | warning | info
    message: str  # one plain sentence a person can act on

    def row(self) -> dict:
        return asdict(self)
