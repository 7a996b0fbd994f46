"""A cell holding two labels, split along the rule its neighbours end on between them.

A label column's cells are merged down the rows they name, so the rows' rules end on the
column's edge and only the rule under each label crosses it. Where that stretch of rule fades
out of a scan altogether (no piece of it left for extract/brokenrules.py to mend), the two
labels share one cell and the grid check (extract/gridcheck.py) sends the page to the anchors
reading. On a 200-dpi office scan the rule under 其他需完成的任务（可选填） was lost across the
label column only (42 pt): the label cell took in 绩效指标, and the anchors reading of the page
ran two indicators together and lost a task.

The split needs both kinds of evidence: the cell's text lines fall into two runs, each holding a
label of the templates' vocabulary, and a rule across the table ends on the cell's edge in the
gap between those runs. The split is then the rule carried across the cell.
"""
from __future__ import annotations

from dataclasses import dataclass

from .grid import DEFAULT, GridSettings, glyphs_to_lines, join_line
from .gridcheck import MAX_LABEL_CELL, Vocabulary, vocabulary
from .model import Cell, Glyph, PageContent, Segment, Table
from .template import label_key

# a rule ends on the cell's edge when its end lies this close to it (a scanned rule's end is
# blurred by a point or two; the case above ended 1.1 pt past the edge)
ON_EDGE_PT = 4.0
# ... and clears the labels' lines by this much (a cell's padding: 5.9 pt above the rule in the
# case above; a label's own wrapped lines lie 2-3.4 pt apart, and no rule runs between them)
CLEAR_PT = 2.5
# ... and is a rule of the table, not a stroke: this long at least (the shortest cell width on
# the office forms is about 40 pt)
MIN_RULE_PT = 30.0


def _cell_glyphs(cell: Cell, glyphs: tuple[Glyph, ...]) -> list[Glyph]:
    return [g for g in glyphs if cell.box.contains_point((g.box.x0 + g.box.x1) / 2, (g.box.y0 + g.box.y1) / 2)]


@dataclass(frozen=True)
class _Split:
    lo: float  # the first label's last line ends here
    hi: float  # the second's first line starts here
    first_mid: float  # the middle of each label's lines
    second_mid: float


def _splits(lines: list[list[Glyph]], vocab: Vocabulary, s: GridSettings) -> list[_Split]:
    """The ways the cell's lines fall into two runs that each hold one of the cell's two labels
    (not a shorter label inside one: 其他需完成的任务 of 其他需完成的任务（可选填）)."""
    texts = [join_line(ln, s) for ln in lines]
    held = set(vocab.labels_in("".join(texts)))
    out = []
    for k in range(1, len(lines)):
        top, bottom = vocab.labels_in("".join(texts[:k])), vocab.labels_in("".join(texts[k:]))
        if len(top) == 1 and len(bottom) == 1 and set(top + bottom) == held:
            lo, hi = max(g.box.y1 for g in lines[k - 1]), min(g.box.y0 for g in lines[k])
            first = (min(g.box.y0 for g in lines[0]) + lo) / 2
            second = (hi + max(g.box.y1 for g in lines[-1])) / 2
            out.append(_Split(lo, hi, first, second))
    return out


def _rule_ending_on(cell: Cell, split: _Split, segments: tuple[Segment, ...]) -> float | None:
    """The height of a horizontal rule in the split's gap that ends on the cell's left or right
    edge from outside it. Every row rule of the rows the labels name ends there; the one taken
    is where a label set in the middle of its cell, as a worksheet sets a merged label, puts
    its cell's edge: the first's bottom or the second's top, whichever a rule lies nearer."""
    found = [sg.y0 for sg in segments if sg.horizontal and split.lo + CLEAR_PT <= sg.y0 <= split.hi - CLEAR_PT
             and sg.x1 - sg.x0 >= MIN_RULE_PT
             and (abs(sg.x0 - cell.box.x1) <= ON_EDGE_PT or abs(sg.x1 - cell.box.x0) <= ON_EDGE_PT)]
    if not found:
        return None
    first_bottom = 2 * split.first_mid - cell.box.y0
    second_top = 2 * split.second_mid - cell.box.y1
    return min(found, key=lambda y: min(abs(y - first_bottom), abs(y - second_top)))


def label_splits(content: PageContent, tables: list[Table], vocab: Vocabulary | None = None,
                 s: GridSettings = DEFAULT) -> list[Segment]:
    """Rules to add to the page: one across each short cell holding two labels, where its lines
    and its neighbours' rules say where it splits."""
    vocab = vocab or vocabulary()
    out = []
    for t in tables:
        for c in t.cells:
            if len(label_key(c.text)) > MAX_LABEL_CELL or len(vocab.labels_in(c.text)) != 2:
                continue
            lines = glyphs_to_lines(_cell_glyphs(c, content.glyphs), s)
            # a label wraps over lines set close; between two labels lies a rule and a cell's
            # padding either side of it: the widest gap first
            for split in sorted(_splits(lines, vocab, s), key=lambda sp: sp.lo - sp.hi):
                y = _rule_ending_on(c, split, content.segments)
                if y is not None:
                    out.append(Segment(c.box.x0, y, c.box.x1, y))
                    break
    return out
