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

Side by side the same: a header row's column rule lost between two wrapped headers made one
cell of 拟投入的资金（万元） and 期望达到的目标（概述） (read 拟投入的资金期望达到的目标 /
（万元）|（概述）), no header of the task block was known, and a 200-dpi office scan lost its nine
tasks (flagged). A 16-pt stub of the lost rule stood on the header cell's bottom edge (where the
rows' own rule ends, when they are on the same page), and cut its text into the two labels: the
split is that rule carried up through the cell. The cell holds no label whole, so the grid
check passes the page: column splits are looked for on every page. A label and an amount
side by side are split the same way: on a 200-dpi office scan a column rule faded across one
row only, and 项目支出's amount and the label 其他资金 beside it were read as one cell
("6,620其他资金"), an amount lost (flagged).

So is a first-column label set far off its cell's middle: where the rule under a continued task
block was lost across the label column, 其他需完成的任务（可选填） sat at the foot of a cell that
had taken in the tasks' rows, and the tasks were read as unmapped cells (flagged). The split is
the rule ending on the cell's edge that makes the label sit in the middle of its part.

So are a header over a value of a closed list (the templates' `values`: 一级指标 over 产出指标)
and two such values (社会效益指标 over 可持续影响指标), on a page that passed the check as well:
a rule lost across a shaded level column made one cell of each on a 200-dpi office scan, and
the level1 of ten indicators and the level2 of three were lost. Values are no labels to the
grid check, so only this split sees them, and only on a rule within VALUE_SPLIT_PT of where
centred text puts the cell's edge.
"""
from __future__ import annotations

from dataclasses import dataclass

from .cellread import looks_numeric
from .grid import DEFAULT, GridSettings, glyphs_text, glyphs_to_lines, join_line
from .gridcheck import MAX_LABEL_CELL, MIN_LABEL, Vocabulary, vocabulary
from .model import Box, Cell, Glyph, PageContent, Segment, Table
from .template import label_key

# a rule ends on the cell's edge when its end lies this close to it (a scanned rule's end is
# blurred by a point or two; the case above ended 1.1 pt past the edge)
ON_EDGE_PT = 6.0  # (a rule ran 4.1 pt into a label's cell past its edge)
# a first-column label whose middle lies further than this share of its cell's height from the
# cell's middle is off centre: its cell took in another's rows (a 其他需完成的任务（可选填）
# 318 pt under the top of a 356-pt cell that had taken in a continued task block's rows, whose
# rows then went unread) ...
OFF_CENTRE_SHARE = 0.25
# ... and the part of the cell it sits in the middle of (within this many points, or this share
# of the part's height) is the cell it was printed in (0.5 pt off in that case)
CENTRED_PT = 4.0
CENTRED_SHARE = 0.15
# ... and clears the labels' lines by this much (a cell's padding: 5.9 pt above the rule in the
# case above; a label's own wrapped lines lie 2-3.4 pt apart, and no rule runs between them)
CLEAR_PT = 2.5
# a column's rule cuts a cell's text into two labels at least this far inside the cell (a
# label's cell is wider than 2 characters of 10 pt)
MIN_SIDE_PT = 20.0
# ... by a rule at least this long: in the case above a 16-pt stub of the lost rule stood on the
# header cell's bottom edge (the task rows, with the rule whole, were on the next page)
MIN_STUB_PT = 8.0
# ... and is a rule of the table, not a stroke: this long at least (the shortest cell width on
# the office forms is about 40 pt)
MIN_RULE_PT = 30.0


# a cell holding a header over a column's value, or two values (一级指标 over 产出指标, 社会效益指标
# over 可持续影响指标), is split only on a rule where centred text puts its cell's edge: a merged
# value's column has a rule ending on it at every row, and the nearest was 32 pt off the lost one
# where the lost one's stub was not found (the right ones lay 0.9 and 1.5 pt off)
VALUE_SPLIT_PT = 6.0

# a column header over a row's text, in one cell: the header row's rule lost across one column
# (a 200-dpi office scan read 名称 over the first task's name, and 期望达到的目标（概述） over its
# goal, in two cells whose neighbours' rule under the header row was whole; no header of the
# task block was known and its five tasks went unread, flagged). A header wraps over this
# many lines at most (期望达到的目标 / （概述） in a narrow column)
MAX_HEADER_LINES = 3


def _cell_glyphs(cell: Cell, glyphs: tuple[Glyph, ...]) -> list[Glyph]:
    return [g for g in glyphs if cell.box.contains_point((g.box.x0 + g.box.x1) / 2, (g.box.y0 + g.box.y1) / 2)]


@dataclass(frozen=True)
class _Split:
    lo: float  # the first label's last line ends here
    hi: float  # the second's first line starts here
    first_mid: float  # the middle of each label's lines
    second_mid: float


def _splits(lines: list[list[Glyph]], vocab: Vocabulary, s: GridSettings, with_values: bool = False) -> list[_Split]:
    """The ways the cell's lines fall into two runs that each hold one of the cell's two labels
    (not a shorter label inside one: 其他需完成的任务 of 其他需完成的任务（可选填）); with
    `with_values`, a value of the templates' closed lists counts as a label."""
    texts = [join_line(ln, s) for ln in lines]
    held = set(vocab.labels_in("".join(texts), with_values))
    out = []
    for k in range(1, len(lines)):
        top, bottom = vocab.labels_in("".join(texts[:k]), with_values), vocab.labels_in("".join(texts[k:]), with_values)
        if len(top) == 1 and len(bottom) == 1 and set(top + bottom) == held:
            lo, hi = max(g.box.y1 for g in lines[k - 1]), min(g.box.y0 for g in lines[k])
            first = (min(g.box.y0 for g in lines[0]) + lo) / 2
            second = (hi + max(g.box.y1 for g in lines[-1])) / 2
            out.append(_Split(lo, hi, first, second))
    return out


def _rows_ending_on(cell: Cell, segments: tuple[Segment, ...], into: bool = False) -> list[float]:
    """The heights of the rules across the table that end on the cell's left or right edge
    from outside it, inside its height. With `into` (a value split), also those that run on
    into it and stop short of its other edge: a rule lost across a shaded level column is often
    lost only in part (under a 一级指标 header cell merged with the 产出指标 below it, the
    header's rule came 52 pt into the 73-pt cell from its right edge). Not for the other splits:
    on a phone photo such a rule split 基本支出 from 项目支出 in a budget grid that was broken
    beside them as well, the grid then passed the check, and its block was lost (the anchors
    reading had read it whole)."""
    x0, x1 = cell.box.x0, cell.box.x1

    def ends_on(sg: Segment) -> bool:
        if abs(sg.x0 - x1) <= ON_EDGE_PT or abs(sg.x1 - x0) <= ON_EDGE_PT:
            return True
        return into and ((x0 + ON_EDGE_PT < sg.x0 < x1 and sg.x1 > x1) or (x0 < sg.x1 < x1 - ON_EDGE_PT and sg.x0 < x0))
    return [sg.y0 for sg in segments if sg.horizontal and sg.x1 - sg.x0 >= MIN_RULE_PT
            and cell.box.y0 + CLEAR_PT < sg.y0 < cell.box.y1 - CLEAR_PT and ends_on(sg)]


def _rule_ending_on(cell: Cell, split: _Split, segments: tuple[Segment, ...],
                    within: float | None = None) -> float | None:
    """The height of a horizontal rule in the split's gap that ends on the cell's left or right
    edge from outside it. Every row rule of the rows the labels name ends there; the one taken
    is where a label set in the middle of its cell, as a worksheet sets a merged label, puts
    its cell's edge: the first's bottom or the second's top, whichever a rule lies nearer.
    With `within` (a value split), only a rule that close to one of those two, and rules that
    run into the cell count (_rows_ending_on)."""
    found = [y for y in _rows_ending_on(cell, segments, into=within is not None)
             if split.lo + CLEAR_PT <= y <= split.hi - CLEAR_PT]
    first_bottom = 2 * split.first_mid - cell.box.y0
    second_top = 2 * split.second_mid - cell.box.y1
    miss = {y: min(abs(y - first_bottom), abs(y - second_top)) for y in found}
    found = [y for y in found if within is None or miss[y] <= within]
    return min(found, key=lambda y: miss[y]) if found else None


def _em(ch: str) -> float:
    """A character's width in ems as a form prints it: a hanzi or full-width sign one, a digit,
    Latin letter or half-width sign a half."""
    return 0.5 if ord(ch) < 0x2E80 else 1.0


def _characters(g: Glyph) -> list[Glyph]:
    """A read line's characters, each given its share of the line's box by its width in ems (OCR
    reads a line whole: where within it a character stands is an estimate, good to a
    character's width; "6,620其他资金" given equal shares put the 0 past the rule after it)."""
    text = g.text
    if len(text) <= 1:
        return [g]
    ems = [_em(ch) for ch in text]
    step = (g.box.x1 - g.box.x0) / sum(ems)
    starts = [g.box.x0 + step * sum(ems[:i]) for i in range(len(text) + 1)]
    return [Glyph(ch, Box(starts[i], g.box.y0, starts[i + 1], g.box.y1), g.size, g.confidence)
            for i, ch in enumerate(text)]


def _label_or_amount(text: str, vocab: Vocabulary) -> str | None:
    """"label" for a label of the vocabulary, "short" for one shorter than MIN_LABEL read
    exactly (名称), "amount" for a number, else None."""
    key = label_key(text)
    if len(key) >= MIN_LABEL and vocab.match(text):
        return "label"
    if key and key in vocab.all:
        return "short"
    return "amount" if looks_numeric(text) else None


# the sides a column split may leave: a label beside a label or an amount, or a short label
# (名称, a column header of two characters) beside a label. A short label is no evidence
# of a cell alone (ordinary text holds such words), nor beside a number: it counts only
# read exactly, beside a whole label, across a rule standing on the cell's edge
SPLIT_SIDES = ({"label"}, {"label", "amount"}, {"label", "short"})


def _column_split(cell: Cell, glyphs: list[Glyph], segments: tuple[Segment, ...], vocab: Vocabulary,
                  s: GridSettings) -> float | None:
    """Where a vertical rule ending on the cell's top or bottom edge, from the rows above or
    below, cuts its text into two labels of the vocabulary (left and right), if one does."""
    chars = [c for g in glyphs for c in _characters(g)]
    for sg in segments:
        if sg.horizontal or sg.y1 - sg.y0 < MIN_STUB_PT or not cell.box.x0 + MIN_SIDE_PT < sg.x0 < cell.box.x1 - MIN_SIDE_PT:
            continue
        # ending on the edge from the rows beyond, or a stub of the lost rule standing on it
        if min(abs(sg.y0 - cell.box.y1), abs(sg.y1 - cell.box.y0), abs(sg.y0 - cell.box.y0),
               abs(sg.y1 - cell.box.y1)) > ON_EDGE_PT:
            continue
        a = glyphs_text([c for c in chars if (c.box.x0 + c.box.x1) / 2 < sg.x0], s)
        b = glyphs_text([c for c in chars if (c.box.x0 + c.box.x1) / 2 >= sg.x0], s)
        sides = {_label_or_amount(a, vocab), _label_or_amount(b, vocab)}
        if sides in SPLIT_SIDES:
            return sg.x0
    return None


def _off_centre_split(cell: Cell, glyphs: list[Glyph], segments: tuple[Segment, ...],
                      table_top: float, table_bottom: float) -> float | None:
    """Where a rule ending on the cell's edge cuts off the part of the cell its label sits in the
    middle of, when the label sits far off the cell's own middle (a worksheet centres a merged
    label down the rows it names). Not when it sits off toward a table edge the cell reaches: a
    label merged over rows on two pages is centred on all of them, so on each page it sits
    toward the break (a 年度主要任务 that ran on to the next page sat low in its cell on the
    first, and split there, a task lost its funds)."""
    if not glyphs:
        return None
    top, bottom = min(g.box.y0 for g in glyphs), max(g.box.y1 for g in glyphs)
    mid, height = (top + bottom) / 2, cell.box.y1 - cell.box.y0
    offset = mid - (cell.box.y0 + cell.box.y1) / 2
    if abs(offset) <= OFF_CENTRE_SHARE * height:
        return None
    if (offset > 0 and cell.box.y1 >= table_bottom - ON_EDGE_PT) or (offset < 0 and cell.box.y0 <= table_top + ON_EDGE_PT):
        return None
    best = None
    for y in _rows_ending_on(cell, segments):
        if top - CLEAR_PT < y < bottom + CLEAR_PT:
            continue
        lo, hi = (y, cell.box.y1) if y < top else (cell.box.y0, y)
        miss = abs(mid - (lo + hi) / 2)
        if miss <= max(CENTRED_PT, CENTRED_SHARE * (hi - lo)) and (best is None or miss < best[0]):
            best = (miss, y)
    return best[1] if best else None


def _header_label(text: str, vocab: Vocabulary) -> bool:
    """A column header read whole: one of MIN_LABEL characters or more as match() finds it, or a
    shorter one (名称) read exactly."""
    key = label_key(text)
    if not key:
        return False
    if len(key) < MIN_LABEL:
        return key in vocab.headers
    return vocab.match(text) in vocab.headers


def _opens_with_header(text: str, vocab: Vocabulary) -> bool:
    """Do a cell's first lines (MAX_HEADER_LINES at most, not all of them) make a column header?"""
    lines = text.splitlines()
    return any(_header_label("".join(lines[:k]), vocab) for k in range(1, min(len(lines), MAX_HEADER_LINES + 1)))


def _header_over_text(cell: Cell, glyphs: list[Glyph], segments: tuple[Segment, ...], vocab: Vocabulary,
                      s: GridSettings) -> float | None:
    """Where a header row's rule, ending on the cell's edge from its neighbours or running into
    the cell, parts the cell's first lines, a column header read whole, from the text below
    them (a row's value that holds no label), if it does. A rule running into the cell counts
    here (the header row's rule came 26 pt short of the table's edge under 名称), as it does for
    a value split: a header read whole over text that is none is the evidence a row split of
    two labels lacks."""
    lines = glyphs_to_lines(glyphs, s)
    texts = [join_line(ln, s) for ln in lines]
    if len(lines) < 2 or _header_label("".join(texts), vocab):
        return None  # one header wrapped over lines
    rules = _rows_ending_on(cell, segments, into=True)
    for k in range(1, min(len(lines), MAX_HEADER_LINES + 1)):
        if not _header_label("".join(texts[:k]), vocab):
            continue
        if vocab.labels_in("".join(texts[k:]), with_values=True):
            return None  # a label below: two labels, the row split's case
        lo, hi = max(g.box.y1 for g in lines[k - 1]), min(g.box.y0 for g in lines[k])
        found = [y for y in rules if lo + CLEAR_PT <= y <= hi - CLEAR_PT]
        return min(found, key=lambda y: abs(y - (lo + hi) / 2)) if found else None
    return None


def label_splits(content: PageContent, tables: list[Table], vocab: Vocabulary | None = None,
                 s: GridSettings = DEFAULT, rows: bool = True, values: bool = True,
                 headers: bool = True) -> list[Segment]:
    """Rules to add to the page: one down each short cell whose text a column's rule, ending on
    its edge, cuts into two labels; one across each first-column label's cell where the label
    sits off its middle (_off_centre_split); with `rows`, one across each short cell holding two
    labels, where its lines and its neighbours' rules say where it splits; with `values`, the
    same across a cell holding two values of a closed list, or a label over one; with `headers`,
    one across each cell holding a column header over a row's text (_header_over_text)."""
    vocab = vocab or vocabulary()
    first_column = vocab.blocks | vocab.fields | vocab.headings
    out = []
    for t in tables:
        top, bottom = min(x.box.y0 for x in t.cells), max(x.box.y1 for x in t.cells)
        for c in t.cells:
            key = label_key(c.text)
            if headers and _opens_with_header(c.text, vocab) and (
                    y := _header_over_text(c, _cell_glyphs(c, content.glyphs), content.segments, vocab, s)) is not None:
                out.append(Segment(c.box.x0, y, c.box.x1, y))
                continue
            if len(key) > MAX_LABEL_CELL:
                continue
            held = len(vocab.labels_in(c.text))
            value_split = values and held < 2 and len(vocab.labels_in(c.text, with_values=True)) == 2
            column_split = len(key) > MIN_LABEL and held < 2
            off_centre = vocab.match(c.text) in first_column
            if not (column_split or off_centre or (rows and held == 2) or value_split):
                continue
            glyphs = _cell_glyphs(c, content.glyphs)
            x = _column_split(c, glyphs, content.segments, vocab, s) if column_split else None
            if x is not None:
                out.append(Segment(x, c.box.y0, x, c.box.y1))
                continue
            y = _off_centre_split(c, glyphs, content.segments, top, bottom) if off_centre else None
            if y is not None:
                out.append(Segment(c.box.x0, y, c.box.x1, y))
                continue
            if not ((rows and held == 2) or value_split):
                continue
            lines = glyphs_to_lines(glyphs, s)
            # a label wraps over lines set close; between two labels lies a rule and a cell's
            # padding either side of it: the widest gap first
            for split in sorted(_splits(lines, vocab, s, value_split), key=lambda sp: sp.lo - sp.hi):
                y = _rule_ending_on(c, split, content.segments, VALUE_SPLIT_PT if value_split else None)
                if y is not None:
                    out.append(Segment(c.box.x0, y, c.box.x1, y))
                    break
    return out
