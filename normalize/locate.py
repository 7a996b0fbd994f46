"""Give every flag the page and box of the value it is about, and key budget flags by row_no.

Flags are made all over the normalisers with `row_ref` = the 0-based position of a budget
item (the mapping counts that way); the datasets key budget items by the 1-based `row_no`,
so this one pass turns the one into the other and looks up where each value was printed:
a reviewer (and `formpipe review`) goes from a flag straight to its crop of the page.
"""
from __future__ import annotations

from dataclasses import replace

from formpipe.extract.record import CellRef, RawForm

from .flags import Flag


def _ref_of(form: RawForm, flag: Flag) -> tuple[CellRef | None, int | None]:
    """The cell the flag is about (or None) and, failing a cell, the row's page."""
    n = flag.row_ref
    if flag.dataset == "budget_items" and n is not None and 0 <= n < len(form.budget):
        b = form.budget[n]
        return b.amount, b.amount.page
    if flag.dataset in ("tasks", "indicators") and n is not None:
        records = form.tasks if flag.dataset == "tasks" else form.indicators
        if 1 <= n <= len(records):
            rec = records[n - 1]
            ref = rec.values.get(flag.field) if flag.field else None
            return ref, rec.page
    if flag.dataset == "documents" and flag.field:
        ref = form.title if flag.field == "title" else form.fields.get(flag.field)
        return ref, ref.page if ref else None
    return None, None


def locate_flags(flags: list[Flag], form: RawForm) -> list[Flag]:
    """`flags` with page/box filled where known and budget_items row_ref made 1-based (row_no)."""
    out = []
    for f in flags:
        ref, page = _ref_of(form, f)
        where: dict = {}
        if ref is not None and ref.box is not None:
            b = ref.box
            where = {"page": ref.page, "x0": b.x0, "y0": b.y0, "x1": b.x1, "y1": b.y1}
        elif page is not None:
            where = {"page": page}
        if f.dataset == "budget_items" and f.row_ref is not None:
            where["row_ref"] = f.row_ref + 1
        out.append(replace(f, **where) if where else f)
    return out
