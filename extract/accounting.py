"""Row accounting: every non-empty cell of every table ends up somewhere, or is reported.

The mapping marks each cell it placed (a field's label or value, a block's label, a header,
a budget item, a record's cell, a heading the template knows). Whatever is left is an
`UNMAPPED_CELL` error naming page, table, row, column and text, on the dataset of the block
it sat in: a row the walk lost is never silent, and a document with such a cell is not `ok`.
"""
from __future__ import annotations

from .flags import Flag, FlagCode
from .model import Table

# the dataset a cell's block feeds; a cell outside every block is the document's
_DATASET = {"budget": "budget_items", "tasks": "tasks", "indicators": "indicators"}
MAX_QUOTE = 40  # characters of the cell's text quoted in the message


def unaccounted(tables: list[Table], used: set[tuple[int, int, int]],
                context: dict[tuple[int, int, int], str | None],
                after_closed: dict[tuple[int, int, int], str] | None = None) -> list[Flag]:
    """`after_closed`: cells met after an unknown label closed a block, before another opened,
    and that block; such a cell is reported on the block's dataset too, since it may be one of
    the block's rows (a reader of `tasks` alone then sees that rows may be missing)."""
    notes = []
    after_closed = after_closed or {}
    for t in tables:
        for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
            key = (t.table_no, c.row, c.col)
            if not c.text.strip() or key in used:
                continue
            datasets = [_DATASET.get(context.get(key) or "", "documents")]
            if key in after_closed:
                datasets.append(_DATASET.get(after_closed[key], "documents"))
            for dataset in dict.fromkeys(datasets):
                notes.append(Flag(dataset, None, None, FlagCode.UNMAPPED_CELL, "error",
                                  message(c.page, t.table_no, c.row, c.col, c.text)))
    return notes


def message(page: int, table_no: int, row: int, col: int, text: str) -> str:
    """The UNMAPPED_CELL sentence: where the cell is (1-based) and what it says."""
    text = " ".join(text.split())
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE] + "…"
    return (f"Page {page}, table {table_no}, row {row + 1}, column {col + 1}: "
            f"“{text}” was not read into any field; check whether a value was lost.")
