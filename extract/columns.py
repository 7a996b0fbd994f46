"""Header columns: which cell of a record row sits under which column, and a header's columns
moved with a continued table.

The mapping (extract/mapping.py) keeps a block's header as (column, x0, x1) ranges in points and
reads each row of the block through them, on its own page or overleaf.
"""
from __future__ import annotations

from .model import Cell

# a continued table within this many points of the header's table's right edge has not moved
SAME_EDGE = 3.0


def overlap(c: Cell, x0: float, x1: float) -> float:
    return max(0.0, min(c.box.x1, x1) - max(c.box.x0, x0))


def best_under(cells: list[Cell], x0: float, x1: float) -> Cell | None:
    """The cell that covers most of the column [x0, x1] (at least a third of it)."""
    best, score = None, 0.0
    for c in cells:
        ov = overlap(c, x0, x1)
        if ov > score:
            best, score = c, ov
    return best if best is not None and score >= (x1 - x0) / 3 else None


def under_columns(cells: list[Cell], header: list[tuple[str, float, float]]) -> dict[str, Cell]:
    """Each header column's cell (`best_under`), one column per cell where the columns can spare it:
    a cell that is best for two columns stays with the one it covers the larger share of, and
    the other takes its next best (still a third of it) if it has one. A header laid out from
    text alone (a page read by anchors) is wider or narrower than its printed cells: on a
    200-dpi office scan the funds column's header range lay half over the task's content cell
    of the next page, which covered more of it than the funds cell did, and a task's content
    was read as its funds. A merged cell under two columns, with nothing else under either,
    still serves both."""
    best = {col: best_under(cells, x0, x1) for col, x0, x1 in header}
    width = {col: x1 - x0 for col, x0, x1 in header}
    ranges = {col: (x0, x1) for col, x0, x1 in header}
    out = {col: c for col, c in best.items() if c is not None}
    for col, c in list(out.items()):
        rivals = [o for o, oc in out.items() if o != col and oc is c]
        share = overlap(c, *ranges[col]) / max(width[col], 1e-6)
        if not rivals or all(share >= overlap(c, *ranges[o]) / max(width[o], 1e-6) for o in rivals):
            continue
        taken = [oc for o, oc in out.items() if o != col]
        spare = best_under([x for x in cells if all(x is not t for t in taken)], *ranges[col])
        if spare is not None:
            out[col] = spare
    return out


def followed(header: list[tuple[str, float, float]], was: tuple[float, float],
             now: tuple[float, float]) -> list[tuple[str, float, float]]:
    """A header's column ranges moved with their table from edges `was` to `now`: shifted with
    its right edge if it only moved sideways, edge to edge if it was printed wider or narrower (a
    landscape page after portrait ones; shifted only, a task's content fell under its funds)."""
    (left0, right0), (left, right) = was, now
    if abs(right - right0) <= SAME_EDGE and abs(left - left0) <= SAME_EDGE:
        return header
    if abs((right - left) - (right0 - left0)) > SAME_EDGE and right0 > left0:
        k = (right - left) / (right0 - left0)
        return [(col, left + (x0 - left0) * k, left + (x1 - left0) * k) for col, x0, x1 in header]
    return [(col, x0 + right - right0, x1 + right - right0) for col, x0, x1 in header]
