"""A page whose grid failed the check in one part only: the rest keeps its ruled reading.

The grid check (extract/gridcheck.py) judges a page as a whole, and a page that fails it is
read by anchors (extract/anchors.py), which reads a ruled grid's blocks less well than their
ruling does. On a 200-dpi office scan a grey seal over the budget block lost two column rules
there (部门预算支出 and 收入来源 in one cell); the anchors reading of the whole page then ran a
task header's two columns into one (拟投入的资 | 期望达到的目标（ read as one line over a faint
rule), no task header was known, and the form's five tasks were lost (flagged), while the
grid had read every task cell right.

So a failed page is cut along rules no cell crosses, into a part read by anchors and parts
that keep the grid's reading: the rows below the highest such rule, and above the lowest, whose
part passes the check alone with no label outside its cells. A part must begin where a block
does (its first row holds a field, block or heading label, or two column headers): cut inside
a block, the rows under its header would be read without it. Its header rows must hold labels
only (clean_headers): the check does not see a header cell that took in other text. The
anchors reading reads the band between the cuts (read_by_anchors' `band`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .gridcheck import Vocabulary, check_grid, loose_labels, vocabulary
from .model import Segment, Table, TextLine

# a part kept from the grid holds at least this many rows (a lone row passes the check too
# easily: the page's last empty row, a footer's cell)
MIN_PART_ROWS = 2
# a loose line lies beside a table when it ends no further than this past the table's left edge
# (a blurred rule's width)
EDGE_PT = 3.0


@dataclass
class GridParts:
    """The band (pt, top and bottom) the anchors read, and the grid's tables and lines above
    and below it."""

    band: tuple[float, float]
    above: tuple[list[Table], list[TextLine]] = field(default_factory=lambda: ([], []))
    below: tuple[list[Table], list[TextLine]] = field(default_factory=lambda: ([], []))


@dataclass(frozen=True)
class _Cut:
    y: float  # the rule's height, pt
    upper: list[Table]
    lower: list[Table]


def _top(t: Table) -> float:
    return min(c.box.y0 for c in t.cells)


def _rows(tables: list[Table]) -> int:
    return sum(t.n_rows for t in tables)


def part_of(t: Table, first: int, end: int) -> Table:
    """Rows [first, end) of a table no cell crosses the edges of, renumbered from 0."""
    cells = [replace(c, row=c.row - first) for c in t.cells if first <= c.row and c.last_row < end]
    return replace(t, cells=cells, n_rows=end - first)


def row_cuts(t: Table) -> list[int]:
    """The rows (1 .. n_rows - 1) a rule no cell crosses runs above."""
    crossed = {r for c in t.cells for r in range(c.row + 1, c.last_row + 1)}
    starts = {c.row for c in t.cells}
    return [r for r in range(1, t.n_rows) if r not in crossed and r in starts]


def _cuts(tables: list[Table]) -> list[_Cut]:
    """Every rule across the page's tables no cell crosses, top to bottom, with the tables above
    and below it."""
    tables = sorted(tables, key=_top)
    out = []
    for i, t in enumerate(tables):
        if i > 0:
            out.append(_Cut(_top(t), tables[:i], tables[i:]))
        for r in row_cuts(t):
            y = sorted(c.box.y0 for c in t.cells if c.row == r)
            out.append(_Cut(y[len(y) // 2], tables[:i] + [part_of(t, 0, r)], [part_of(t, r, t.n_rows)] + tables[i + 1:]))
    return out


def opens_block(t: Table, vocab: Vocabulary) -> bool:
    """Does the table's first row begin a block: a field, block or heading label in it, or two
    column headers?"""
    first = [c for c in t.cells if c.row == 0]
    keys = [vocab.match(c.text) for c in first]
    openers = vocab.fields | vocab.blocks | vocab.headings
    if any(k in openers for k in keys if k):
        return True
    return sum(1 for k in keys if k in vocab.headers) >= 2


def label_beside(t: Table, lines: list[TextLine], vocab: Vocabulary) -> bool:
    """Is a block's label, out of any cell, set left of the table's first row (its label
    cell lost a rule and is no cell, so the label is a loose line beside the block's rows)?"""
    first = [c for c in t.cells if c.row == 0]
    if not first:
        return False
    left, top = min(c.box.x0 for c in first), min(c.box.y0 for c in first)
    return any(vocab.match(ln.text) in vocab.blocks for ln in lines
               if ln.box.x1 <= left + EDGE_PT and ln.box.y1 > top)


def clean_headers(t: Table, vocab: Vocabulary) -> bool:
    """Is every text of each header row (two column headers or more) a label? A header cell
    that took in the text under it (主要实施内容 and a task's content: the rule under the header
    lost) or its neighbour's, interleaved line by line (拟投入的资金期望达到的目标（概（万元）述）),
    holds no label whole, so the check passes it; the anchors reading splits such texts by the
    vocabulary, and read the tasks of two 200-dpi office scans right that such grid parts lost."""
    for r in range(t.n_rows):
        row = [c for c in t.cells if c.row == r and c.text.strip()]
        keys = [vocab.match(c.text) for c in row]
        if sum(1 for k in keys if k in vocab.headers) >= 2 and any(k is None for k in keys):
            return False
    return True


def _passes(tables: list[Table], lines: list[TextLine], segments: tuple[Segment, ...], vocab: Vocabulary) -> bool:
    return (_rows(tables) >= MIN_PART_ROWS and all(clean_headers(t, vocab) for t in tables)
            and check_grid(tables, lines, vocab, segments).ok and not loose_labels(lines, vocab))


def grid_parts(tables: list[Table], lines: list[TextLine], segments: tuple[Segment, ...] = (),
               vocab: Vocabulary | None = None) -> GridParts | None:
    """Parts of a failed page's grid that pass the check alone (see the module's text), and
    the band between them left to the anchors; None when no part does."""
    vocab = vocab or vocabulary()
    cuts = _cuts(tables)

    def mid(ln: TextLine) -> float:
        return (ln.box.y0 + ln.box.y1) / 2

    below = next((c for c in cuts if opens_block(c.lower[0], vocab)
                  and _passes(c.lower, [ln for ln in lines if mid(ln) >= c.y], segments, vocab)), None)
    y_low = below.y if below else float("inf")
    # the part above may end where the page's next block begins with its label out of a cell:
    # a 200-dpi office scan lost the rules round 绩效指标's label cell and under the indicators'
    # header, and the task row and 其他需完成的任务 above them, whose grid was whole, were read
    # by anchors with the rest (a task lost, flagged)
    above = next((c for c in reversed(cuts) if c.y < y_low and c.upper
                  and (opens_block(c.lower[0], vocab) or label_beside(c.lower[0], [ln for ln in lines if mid(ln) >= c.y], vocab))
                  and _passes(c.upper, [ln for ln in lines if mid(ln) < c.y], segments, vocab)), None)
    if below is None and above is None:
        return None
    parts = GridParts((above.y if above else float("-inf"), y_low))
    if above is not None:
        parts.above = (above.upper, [ln for ln in lines if mid(ln) < above.y])
    if below is not None:
        parts.below = (below.lower, [ln for ln in lines if mid(ln) >= below.y])
    return parts
