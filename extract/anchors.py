"""The anchors reading: a page whose ruling the grid cannot use, read from full-page OCR boxes.

When extract/gridcheck.py finds a page's grid unfit (ruling erased, faint or broken), the
page is read once more with the engine's detection + recognition (`read_region`), and the
boxes are laid out into a synthetic grid of `Cell`s by the templates' anchors:

- lines of one cell are stacked (a wrapped label or text: the boxes of its lines touch);
- the first column is found from the block and field labels printed there (预算整体情况 …);
- a header row (two or more column labels of one block, 一级指标 | 二级指标 …) starts a
  region whose columns are the x-ranges its texts occupy, each header over its column;
- rows are the vertical bands of a region's texts; a text in a merged column (一级/二级,
  the first column) spans the rows it is centred on, as the merged cell it was printed in;
- above the first label (title, 填报单位) and after a wide gap at the foot (page number) the
  text stays outside the table.

The cells carry boxes like a ruled grid's, so the same mapping (extract/mapping.py) decides
what is what. A value placed this way is less sure than one inside ruling: amounts and
spanning guesses get a confidence below review's threshold, and so does any text read below
CLEAN_CONFIDENCE; cells are marked `located_by="anchors"`.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .anchor_pieces import Piece, split_piece, stack
from .cellread import cjk_punctuation
from .grid import boxes_to_grid
from .gridcheck import MIN_LABEL, Vocabulary, vocabulary
from .model import Box, Table, TextLine
from .template import label_key

# normalize/rows.py sends values read below 0.80 to review: an anchored amount, or a text
# whose place was guessed (a merged cell's span), is capped just under it
REVIEW_CONFIDENCE = 0.79
CLEAN_CONFIDENCE = 0.95  # a text read at least this sure, placed without a guess, keeps its confidence
CHAIN_OVERLAP = 0.3  # see _columns: texts of one column overlap by far more (same left edge or centre)
SHRINK_EM = 0.15  # detection pads its boxes by about this much of a line on each side
FOOT_GAP_EM = 4.0  # text this many line heights below the table is page furniture (第1页)
LEFT_COLUMN_EM = 2.0
CRUMB_CHARS = 2  # see _crumb: a text this short, with no digit, ...
CRUMB_CONFIDENCE = 0.5  # ... read below this (as extract/scanned.py's RESIDUE_CONFIDENCE) is a mark's
# a page carries on the table of the page before when this share of its texts fits inside that
# table's columns (a continuation page's cells do; a page of prose runs across them)
CONTINUED_FIT = 0.6  # labels starting this close to the page's leftmost text are first-column labels


# -- bands and columns ---------------------------------------------------------

def _bands(pieces: list[Piece], shrink: float) -> list[tuple[float, float]]:
    """Vertical extents of rows: pieces whose (shrunk) extents overlap share a row."""
    spans = sorted((p.y0 + shrink, p.y1 - shrink) for p in pieces)
    out: list[list[float]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, max(b, a)])
    return [(a, b) for a, b in out]


def _columns(pieces: list[Piece], headers: list[Piece], shrink: float) -> list[list[float]]:
    """x-ranges of a region's columns: its texts chained where their shrunk extents overlap;
    a text that crosses two headers (an unsplit box) does not join columns."""
    def crosses(p: Piece) -> bool:
        return sum(1 for hd in headers if min(p.x1, hd.x1) - max(p.x0, hd.x0) > shrink) >= 2
    spans = sorted((p.x0 + shrink, p.x1 - shrink, any(p is hd for hd in headers))
                   for p in pieces if not crosses(p) or any(p is hd for hd in headers))
    cols: list[list] = []  # [x0, x1, holds a header, holds a value]
    for a, b, head in spans:
        # a piece joins the column it overlaps by a fair share of the narrower of the two; a
        # sliver is a detection box padded into the next column (89,444.62 reaching 拟用于…)
        if cols and min(b, cols[-1][1]) - a >= CHAIN_OVERLAP * min(b - a, cols[-1][1] - cols[-1][0]) and a < cols[-1][1]:
            cols[-1][1] = max(cols[-1][1], b)
        else:
            cols.append([a, max(a, b), False, False])
        cols[-1][2 if head else 3] = True
    # a section name centred over its items' column, the items printed from the cell's left
    # (收入来源 over 财政拨款 …): a header with nothing under it takes the nearer header-less column
    i = 0
    while i < len(cols):
        a, b, head, value = cols[i]
        if head and not value:
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(cols) and cols[j][3] and not cols[j][2]]
            if near:
                j = min(near, key=lambda n: max(cols[n][0] - b, a - cols[n][1]))
                lo, hi = min(i, j), max(i, j)
                cols[lo:hi + 1] = [[cols[lo][0], cols[hi][1], True, True]]
                continue
        i += 1
    return [[a, b] for a, b, _, _ in cols]


def _bounds(cols: list[list[float]], left: float, right: float) -> list[float]:
    """Column edges: the midpoints of the gaps, the outer edges given."""
    edges = [left]
    for (_, b), (a, _) in zip(cols, cols[1:]):
        edges.append((b + a) / 2)
    edges.append(max(right, edges[-1] + 1.0))
    return edges


def _index(edges: list[float], x: float) -> int:
    for i in range(len(edges) - 1):
        if x < edges[i + 1]:
            return i
    return len(edges) - 2


# -- the layout ------------------------------------------------------------------

@dataclass
class _Slot:
    """A synthetic cell before numbering: its box, texts, and whether its place was guessed."""

    x0: float
    x1: float
    band0: int
    band1: int
    pieces: list[Piece]
    guessed: bool = False
    region: int = -1  # the region and column it sits in, if any
    col: int = -1


def _spans(centres: list[tuple[float, int]], bands: list[tuple[float, float]], first: int, last: int,
           open_start: bool = False, own: list[bool] | None = None) -> list[tuple[int, int]]:
    """The rows each merged text spans: from after the previous one's span, down to the row
    that puts the text nearest the middle of its span (merged cells are printed centred).
    `own[i]`: the i-th text spans its own row only.
    `open_start`: the rows above the first text may belong to a cell begun on the page before
    (a continuation page), so its span is centred on it from both ends."""
    out = []
    start = first
    for i, (cy, c) in enumerate(centres):
        if own and own[i]:
            out.append((c, c))
            start = c + 1
            continue
        stop = centres[i + 1][1] - 1 if i + 1 < len(centres) else last
        starts = range(min(start, c), c + 1) if open_start and i == 0 else [min(start, c)]
        best, span = None, (c, c)
        for a in starts:
            for end in range(c, max(c, stop) + 1):
                d = abs((bands[a][0] + bands[end][1]) / 2 - cy)
                if best is None or d < best - 1e-6:
                    best, span = d, (a, end)
        out.append(span)
        start = span[1] + 1
    return out


def _band_of(p: Piece, bands: list[tuple[float, float]]) -> int | None:
    inside = [i for i, (a, b) in enumerate(bands) if a <= p.cy <= b]
    if inside:
        return inside[0]
    touching = [i for i, (a, b) in enumerate(bands) if a < p.y1 and p.y0 < b]
    if touching:
        return min(touching, key=lambda i: abs((bands[i][0] + bands[i][1]) / 2 - p.cy))
    return None


def _header_rows(pieces: list[Piece], vocab: Vocabulary) -> list[list[Piece]]:
    """Rows of two or more header labels of one block, top to bottom."""
    heads = [p for p in pieces if p.key in vocab.headers]
    rows: list[list[Piece]] = []
    for p in sorted(heads, key=lambda q: q.y0):
        row = next((r for r in rows if any(q.y0 < p.y1 and p.y0 < q.y1 for q in r)), None)
        if row is None:
            rows.append([p])
        else:
            row.append(p)
    out = []
    for row in rows:
        groups: dict[str, int] = {}
        for p in row:
            for g in {hl.group for hl in vocab.headers[p.key or ""]}:
                groups[g] = groups.get(g, 0) + 1
        if max(groups.values(), default=0) >= 2:
            out.append(sorted(row, key=lambda q: q.x0))
    return out


@dataclass
class _Region:
    """Rows under a header row (or carried over from the page before), with its columns."""

    header: list[Piece]
    members: list[Piece]
    edges: list[float]
    fill: set[int]  # indexes of the merged (fill-down) columns


@dataclass
class Carry:
    """The columns the last anchors-read page's table ended in: a page that carries on the
    table without its header row (a continuation page) is laid out in them."""

    edges: list[float]
    fill: set[int]
    left: float
    lc_right: float


class AnchorContext:
    """Per document, page to page: the columns of the last anchors-read page, if it ended in a block."""

    def __init__(self) -> None:
        self.carry: Carry | None = None


def _is_note(p: Piece, vocab: Vocabulary) -> bool:
    """Page furniture above a table: a title (…绩效目标申报表) or a note (金额单位：万元)."""
    key = label_key(p.text)
    return any(k in key for k in vocab.titles) or "单位" in key[:6] and ("：" in p.text or ":" in p.text)


def _table_top(pieces: list[Piece], vocab: Vocabulary, carry: Carry | None, shrink: float) -> float | None:
    tops = [p.y0 - shrink for p in pieces if p.key is not None]
    if carry is not None:  # a continuation page: its table starts with its first row
        inside = [p for p in pieces if carry.edges[0] <= p.cx <= carry.edges[-1] and not _is_note(p, vocab)]
        fit = [p for p in inside if _index(carry.edges, p.x0 + shrink) == _index(carry.edges, p.x1 - shrink)]
        if len(fit) >= CONTINUED_FIT * len(inside):  # prose runs across the columns: not the table
            tops += [p.y0 for p in inside]
    return min(tops, default=None)


def _regions(rest: list[Piece], body: list[Piece], vocab: Vocabulary, carry: Carry | None, top: float,
             lc_right: float, right: float, shrink: float) -> list[_Region]:
    """Header rows down to the next header row or field label; a carried region above the first."""
    heads = _header_rows(rest, vocab)
    stops = sorted([r[0].y0 for r in heads] + [p.y0 for p in body if p.key in vocab.fields and len(p.key) >= MIN_LABEL
                                                 and p.key not in vocab.items and p.key not in vocab.headers])
    taken: set[int] = set()
    out = []
    if carry is not None:
        end = next((s for s in stops if s > top + shrink), float("inf"))
        members = [p for p in rest if p.cy < end]
        taken |= {id(p) for p in members}
        out.append(_Region([], members, carry.edges, carry.fill))
    for row in heads:
        y_top = min(p.y0 for p in row)
        y_end = next((s for s in stops if s > y_top + shrink and s >= max(p.y1 for p in row) - shrink), float("inf"))
        members = [p for p in rest if y_top - shrink <= p.cy < y_end and id(p) not in taken]
        taken |= {id(p) for p in members}
        edges = _bounds(_columns(members, row, shrink), lc_right, right)
        fill = {_index(edges, hd.cx) for hd in row if any(hl.fill_down for hl in vocab.headers[hd.key or ""])}
        out.append(_Region(row, members, edges, fill))
    return out


def layout(pieces: list[Piece], h: float, page: int, vocab: Vocabulary,
           context: AnchorContext | None = None, ruled_foot: float | None = None) -> tuple[list[Table], list[TextLine]]:
    """Stacked pieces of one page -> one synthetic table and the lines outside it. `ruled_foot`: where
    the page's ruling says its table ends (pt), if it does; text below it stays outside."""
    context = context or AnchorContext()
    carry, context.carry = context.carry, None
    shrink = SHRINK_EM * h
    top = _table_top(pieces, vocab, carry, shrink)
    if top is None:
        return [], [_line(p, page) for p in pieces]
    body = sorted((p for p in pieces if p.cy >= top and not (carry and _is_note(p, vocab))
                   and (ruled_foot is None or p.y0 < ruled_foot)), key=lambda p: p.y0)
    outside = [p for p in pieces if all(p is not q for q in body)]
    foot = next((i for i in range(1, len(body)) if body[i].y0 - max(q.y1 for q in body[:i]) > FOOT_GAP_EM * h), None)
    if foot is not None:
        outside += body[foot:]
        body = body[:foot]
    if not body:
        return [], [_line(p, page) for p in pieces]
    left = min(p.x0 for p in body)
    firsts = [p for p in body if p.key in vocab.blocks | vocab.fields | vocab.headings and p.x0 <= left + LEFT_COLUMN_EM * h]
    if carry is not None:  # the page before's first column: the columns must agree
        left, lc_right = min(left, carry.left), carry.lc_right
    elif firsts:
        lc_right = max(p.x1 for p in firsts) + shrink
    else:
        lc_right = left
    right = carry.edges[-1] if carry is not None else max(p.x1 for p in body) + shrink
    col0 = [p for p in body if p.cx < lc_right]
    rest = [p for p in body if p.cx >= lc_right]
    regions = _regions(rest, body, vocab, carry, top, lc_right, right, shrink)

    slots: list[_Slot] = []
    spanning: list[tuple[Piece, int, int]] = []  # merged-column pieces: region, column
    for n, reg in enumerate(regions):
        for p in reg.members:
            j = _index(reg.edges, p.cx)
            if j in reg.fill and all(p is not q for q in reg.header):
                spanning.append((p, n, j))
            else:
                slots.append(_Slot(reg.edges[j], reg.edges[j + 1], -1, -1, [p], region=n, col=j))
    placed = {id(p) for reg in regions for p in reg.members}
    free = [p for p in rest if id(p) not in placed]
    bands = _bands([s.pieces[0] for s in slots] + free, shrink)
    for p in [q for q, _, _ in spanning] + col0:
        if _band_of(p, bands) is None:  # a merged text alone in its rows (成本指标 with nothing beside it)
            bands = sorted(bands + [(p.y0 + shrink, max(p.y0 + shrink, p.y1 - shrink))])
    if not bands:
        return [], [_line(p, page) for p in pieces]
    for s in slots:
        s.band0 = s.band1 = _band_of(s.pieces[0], bands) or 0
    slots += _free_slots(free, bands, lc_right, right, shrink)
    slots += _merged_slots(spanning, regions, bands)
    slots += _blank_slots(slots, regions, bands)
    slots += _first_column(col0, bands, left - shrink, lc_right, vocab.fields - vocab.blocks)
    last = regions[-1] if regions else None
    if last is not None and last.members and max(p.y1 for p in last.members) >= max(p.y1 for p in body) - h:
        context.carry = Carry(last.edges, last.fill, left, lc_right)
    return [_table(_merge(slots), bands, page)], [_line(p, page) for p in outside]


def _free_slots(free: list[Piece], bands: list[tuple[float, float]], lc_right: float, right: float,
                shrink: float) -> list[_Slot]:
    """Pieces outside any region (field rows): cells from their left edge to the next piece's."""
    by_band: dict[int, list[Piece]] = {}
    for p in free:
        by_band.setdefault(_band_of(p, bands) or 0, []).append(p)
    out = []
    for b, ps in by_band.items():
        ps.sort(key=lambda q: q.x0)
        for i, p in enumerate(ps):
            x0 = max(lc_right, p.x0 - shrink) if i else lc_right
            x1 = ps[i + 1].x0 - shrink if i + 1 < len(ps) else right
            out.append(_Slot(x0, max(x1, x0 + 1.0), b, b, [p]))
    return out


def _merged_slots(spanning: list[tuple[Piece, int, int]], regions: list[_Region],
                  bands: list[tuple[float, float]]) -> list[_Slot]:
    """Each region's merged columns: every text spans the rows it is centred on."""
    by_col: dict[tuple[int, int], list[Piece]] = {}
    for p, n, j in spanning:
        by_col.setdefault((n, j), []).append(p)
    out = []
    for (n, j), ps in by_col.items():
        reg = regions[n]
        last = max(_band_of(q, bands) or 0 for q in reg.members)
        # rows under the header; a header on the region's lowest band (its rows read on the
        # next page, or its members all beside it) leaves none, and its texts keep their own rows
        first = min(last, max((_band_of(q, bands) or 0 for q in reg.header), default=-1) + 1)
        ps.sort(key=lambda q: q.cy)
        ys = [max(first, min(last, _band_of(p, bands) or 0)) for p in ps]
        for p, (a, b) in zip(ps, _spans([(p.cy, y) for p, y in zip(ps, ys)], bands, first, last, not reg.header)):
            out.append(_Slot(reg.edges[j], reg.edges[j + 1], a, b, [p], guessed=a != b, region=n, col=j))
    return out


def _blank_slots(slots: list[_Slot], regions: list[_Region], bands: list[tuple[float, float]]) -> list[_Slot]:
    """Every column of a region's row has a cell, as in a ruled grid: an amount column left
    blank is a blank cell (which says so: AMOUNT_MISSING), not a cell missing from the row."""
    taken = {(s.region, s.col, b) for s in slots if s.region >= 0 for b in range(s.band0, s.band1 + 1)}
    out = []
    for n, reg in enumerate(regions):
        heads = {_band_of(q, bands) for q in reg.header}
        rows = {b for s in slots if s.region == n for b in range(s.band0, s.band1 + 1)} - heads
        for b in sorted(rows):
            out += [_Slot(reg.edges[j], reg.edges[j + 1], b, b, [], region=n, col=j)
                    for j in range(len(reg.edges) - 1) if (n, j, b) not in taken]
    return out


def _first_column(col0: list[Piece], bands: list[tuple[float, float]], x0: float, x1: float,
                  fields: frozenset[str] = frozenset()) -> list[_Slot]:
    """The label column: each label spans the rows it is centred on; every row has a cell there,
    as in a ruled grid (an empty one keeps an open block open)."""
    col0 = sorted(col0, key=lambda q: q.cy)
    ys = [_band_of(p, bands) or 0 for p in col0]
    # a field's label (总体绩效目标) is its value's row's: only a block's label spans rows. Centred
    # spans took the last row of the budget block above a goal on a photo (the block's label
    # sat 14 pt above its merged cell's middle), and the goal's value was left in a row of its own
    own = [p.key in fields for p in col0]
    out, covered = [], set()
    for p, (a, b) in zip(col0, _spans([(p.cy, y) for p, y in zip(col0, ys)], bands, 0, len(bands) - 1, own=own)):
        out.append(_Slot(x0, x1, a, b, [p], guessed=a != b and p.key is None))
        covered |= set(range(a, b + 1))
    out += [_Slot(x0, x1, b, b, []) for b in range(len(bands)) if b not in covered]
    return out


def _merge(slots: list[_Slot]) -> list[_Slot]:
    """Pieces that landed in one cell (the same column and row) are one cell's stacked text."""
    out: dict[tuple[float, float, int, int], _Slot] = {}
    for s in slots:
        key = (round(s.x0, 2), round(s.x1, 2), s.band0, s.band1)
        if key in out:
            out[key].pieces += s.pieces
            out[key].guessed |= s.guessed
        else:
            out[key] = s
    return list(out.values())


def _confidence(s: _Slot) -> float:
    conf = min((p.confidence for p in s.pieces), default=1.0)
    text = "".join(p.text for p in s.pieces)
    sure = conf >= CLEAN_CONFIDENCE and not s.guessed and not any(ch.isdigit() for ch in text)
    return conf if sure else min(conf, REVIEW_CONFIDENCE)


def _table(slots: list[_Slot], bands: list[tuple[float, float]], page: int) -> Table:
    """Number the slots into a grid (the ruled grid's own numbering) with row edges between bands."""
    cuts = [bands[0][0] - 1.0] + [(a1 + b0) / 2 for (_, a1), (b0, _) in zip(bands, bands[1:])] + [bands[-1][1] + 1.0]
    boxes = {}
    for s in slots:
        boxes[Box(round(s.x0, 2), round(cuts[s.band0], 2), round(s.x1, 2), round(cuts[s.band1 + 1], 2))] = s
    cells, xs, ys = boxes_to_grid(list(boxes), page, tol=0.5)
    out = []
    for c in cells:
        s = boxes[c.box]
        pieces = sorted(s.pieces, key=lambda p: (p.y0, p.x0))
        text = "\n".join(p.text for p in pieces)
        out.append(replace(c, text=text, confidence=_confidence(s) if pieces else 1.0, source="ocr",
                           located_by="anchors"))
    return Table(0, out, n_rows=len(ys) - 1, n_cols=len(xs) - 1, pages=(page,), col_edges=tuple(xs))


def _line(p: Piece, page: int) -> TextLine:
    return TextLine(page, p.text.replace("\n", ""), Box(p.x0, p.y0, p.x1, p.y1), p.y1 - p.y0, p.confidence)


def read_by_anchors(grey: np.ndarray, dpi: float, page: int, engine, context: AnchorContext | None = None,
                    cap: Callable[[tuple[int, int, int, int], float], float] | None = None,
                    vocab: Vocabulary | None = None, ruled_foot: float | None = None,
                    band: tuple[float, float] | None = None) -> tuple[list[Table], list[TextLine]]:
    """A prepared page (grey, straightened) read by full-page OCR and laid out by anchors.
    `cap(box_px, confidence)`: the caller's lowering of a reading's confidence (under a seal);
    `ruled_foot`: the table's foot from the page's ruling (gridcheck.ruled_foot), if known;
    `band`: the page's stretch (pt, top and bottom) to read, the rest being the grid's
    (extract/gridpart.py): the page is read whole (detection sees its whole context) and the
    texts whose middles lie outside the band are left out."""
    vocab = vocab or vocabulary()
    k = 72.0 / dpi
    pieces = []
    for r in engine.read_region(grey):
        text = cjk_punctuation(r.text.strip())
        if text:
            x0, y0, x1, y1 = r.box
            conf = float(r.confidence)
            if cap is not None:
                conf = cap((int(x0), int(y0), int(x1) + 1, int(y1) + 1), conf)
            pieces += split_piece(Piece(text, x0 * k, y0 * k, x1 * k, y1 * k, conf), vocab)
    if not pieces:
        if context is not None:
            context.carry = None
        return [], []
    for p in pieces:
        p.key = vocab.match(p.text)
    pieces = [p for p in pieces if not _crumb(p)] or pieces
    h = statistics.median(p.y1 - p.y0 for p in pieces)
    if band is None:
        return layout(stack(pieces, h, vocab), h, page, vocab, context, ruled_foot)
    # The page laid out whole says what goes on to the next page, as it did before the band: a
    # photo's task block ended in the grid's part of its first page and went on overleaf, where
    # no grid was found, and the next page, read without the columns carried, lost a task
    context = context if context is not None else AnchorContext()
    incoming = context.carry
    layout(stack(pieces, h, vocab), h, page, vocab, context, ruled_foot)
    inside = [p for p in pieces if band[0] <= p.cy < band[1]]
    if not inside:
        return [], []
    own = AnchorContext()
    own.carry = incoming if band[0] == float("-inf") else None  # the page before goes on at the top only
    return layout(stack(inside, h, vocab), h, page, vocab, own, ruled_foot)


def _crumb(p: Piece) -> bool:
    """A seal's or a pen's crumb read as a character or two: no digit, no label, read unsurely.
    As a text of its own it made a column: a 新 read at 0.17 from a seal's ring between 收入来源
    and its 预算金额（万元） opened a column between them, and the source's two amounts, in the
    column after it, were no longer beside their items (unmapped, flagged). The residue rule
    of the grid's reading (extract/scanned.py `_is_residue`), without its need for a hanzi-free
    text: a seal's ring reads as hanzi as often as not."""
    text = "".join(p.text.split())
    return (len(text) <= CRUMB_CHARS and p.confidence < CRUMB_CONFIDENCE and p.key is None
            and not any(ch.isdigit() for ch in text))
