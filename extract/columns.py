"""Header columns: which cell of a record row sits under which column, and a header's columns
moved with a continued table.

The mapping (extract/mapping.py) keeps a block's header as (column, x0, x1) ranges in points and
reads each row of the block through them, on its own page or overleaf.
"""
from __future__ import annotations

from .model import Cell
from .template import edit_distance, label_key

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


def distinct_columns(named: list[tuple[str, Cell]], wanted: dict[str, str]) -> tuple[list[tuple[str, Cell]], str | None]:
    """A header row's (column, cell) pairs, each column once, and a note when one was changed.

    A header row names each column once. Where it names one twice and lacks one column of
    `wanted` (label key -> column, in the template's column order), and one of the two cells,
    OCR'd, is a single edit from a label of the lacking column and stands where the template's
    order puts that column, it is that column: at 200 dpi 三级指标 was read 二级指标, two level2
    columns were kept, and every indicator under the header took its 三级指标 for its 二级指标
    (flagged, but lost)."""
    cols = [col for col, _ in named]
    order = list(dict.fromkeys(wanted.values()))
    lacking = [col for col in order if col not in cols]
    if len(set(cols)) == len(cols) or len(lacking) != 1:
        return named, None
    for i, (col, c) in enumerate(named):
        trial = cols[:i] + lacking + cols[i + 1:]
        if cols.count(col) < 2 or len(set(trial)) != len(trial) or c.source != "ocr":
            continue
        ranks = [order.index(x) for x in trial]
        key = label_key(c.text)
        if ranks == sorted(ranks) and any(edit_distance(key, lab) <= 1 for lab, x in wanted.items() if x == lacking[0]):
            return [*named[:i], (lacking[0], c), *named[i + 1:]], (
                f"“{c.text}” (page {c.page}) was read as the header of column {lacking[0]}: "
                f"the row names {col} twice and lacks it.")
    return named, None
