"""Ruling lines + glyphs -> tables of cells with spans.

A chain of small pure functions, in the manner of pdfplumber's table finder:

    snap_segments -> merge_segments -> find_intersections -> intersections_to_boxes
    -> group_boxes -> boxes_to_grid -> fill_text

then `join_continued` glues a table that runs over a page break into one.
The same chain serves the text layer and OCR: both hand in a `PageContent`.
All tolerances live in `GridSettings`.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace

from .model import Box, Cell, Glyph, PageContent, Segment, Table, TextLine


@dataclass(frozen=True)
class GridSettings:
    snap_tolerance: float = 3.0  # lines this close are the same line
    join_tolerance: float = 3.0  # collinear pieces this close are one line
    intersection_tolerance: float = 3.0  # a line reaching this close to another touches it
    min_segment: float = 4.0  # shorter strokes are not ruling lines
    min_cell: float = 4.0  # thinner boxes are artefacts (double lines)
    line_gap: float = 0.55  # glyphs whose centres differ by < this x size share a line
    latin_space: float = 0.25  # a gap wider than this x size between Latin glyphs is a space
    continue_tolerance: float = 6.0  # outer edges of a continued table match this closely
    # close a merged cell cut by a page break (office exports draw no rule where the page
    # cuts it): vertical rules that end together on no horizontal rule get one there
    close_open_ends: bool = True


DEFAULT = GridSettings()


# -- lines -------------------------------------------------------------------

def _cluster(values: list[float], tol: float) -> dict[float, float]:
    """Map each value to the mean of its cluster (values chained within tol)."""
    out: dict[float, float] = {}
    group: list[float] = []
    for v in sorted(set(values)):
        if group and v - group[-1] > tol:
            mean = sum(group) / len(group)
            out.update((g, mean) for g in group)
            group = []
        group.append(v)
    if group:
        mean = sum(group) / len(group)
        out.update((g, mean) for g in group)
    return out


def snap_segments(segments: list[Segment], s: GridSettings = DEFAULT) -> list[Segment]:
    """Put nearly-equal line positions on one coordinate; drop specks."""
    hs = [g for g in segments if g.horizontal and abs(g.x1 - g.x0) >= s.min_segment]
    vs = [g for g in segments if not g.horizontal and abs(g.y1 - g.y0) >= s.min_segment]
    ys = _cluster([(g.y0 + g.y1) / 2 for g in hs], s.snap_tolerance)
    xs = _cluster([(g.x0 + g.x1) / 2 for g in vs], s.snap_tolerance)
    out = [Segment(min(g.x0, g.x1), ys[(g.y0 + g.y1) / 2], max(g.x0, g.x1), ys[(g.y0 + g.y1) / 2]) for g in hs]
    out += [Segment(xs[(g.x0 + g.x1) / 2], min(g.y0, g.y1), xs[(g.x0 + g.x1) / 2], max(g.y0, g.y1)) for g in vs]
    return out


Runs = dict[float, list[tuple[float, float]]]  # line position -> (start, end) runs along it


def merge_segments(segments: list[Segment], s: GridSettings = DEFAULT) -> tuple[Runs, Runs]:
    """Join collinear overlapping pieces. Returns ({y: [(x0, x1)]}, {x: [(y0, y1)]})."""
    h: dict[float, list[tuple[float, float]]] = defaultdict(list)
    v: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for g in segments:
        if g.horizontal:
            h[g.y0].append((g.x0, g.x1))
        else:
            v[g.x0].append((g.y0, g.y1))
    return _join_runs(h, s.join_tolerance), _join_runs(v, s.join_tolerance)


def _join_runs(lines: dict[float, list[tuple[float, float]]], tol: float) -> dict[float, list[tuple[float, float]]]:
    out = {}
    for pos, runs in lines.items():
        runs.sort()
        joined = [list(runs[0])]
        for a, b in runs[1:]:
            if a <= joined[-1][1] + tol:
                joined[-1][1] = max(joined[-1][1], b)
            else:
                joined.append([a, b])
        out[pos] = [(a, b) for a, b in joined]
    return out


def _covers(runs: list[tuple[float, float]], a: float, b: float, tol: float) -> bool:
    return any(r0 - tol <= a and b <= r1 + tol for r0, r1 in runs)


def close_open_ends(h: dict, v: dict, s: GridSettings = DEFAULT) -> dict:
    """Horizontal rules added where vertical rules end on nothing.

    A worksheet cell merged over a page break is printed with its side rules
    only: it ends at the page's edge of the table with no rule under (or over)
    it, so no box closes and its label is lost as loose text. Where two or more
    vertical rules end at the same height and at least one of them ends on no
    horizontal rule, a rule joining them is what the page implies.
    """
    tol = s.intersection_tolerance
    ends: dict[float, list[tuple[float, bool]]] = defaultdict(list)
    for x, runs in v.items():
        for y0, y1 in runs:
            for y in (y0, y1):
                on_rule = any(abs(y - hy) <= tol and _covers(hr, x, x, tol) for hy, hr in h.items())
                ends[y].append((x, on_rule))
    ys = _cluster(list(ends), s.snap_tolerance)
    grouped: dict[float, list[tuple[float, bool]]] = defaultdict(list)
    for y, lst in ends.items():
        grouped[ys[y]].extend(lst)
    out = {y: list(r) for y, r in h.items()}
    for y, lst in grouped.items():
        if len(lst) < 2 or all(on for _, on in lst):
            continue
        xs = sorted(x for x, _ in lst)
        line = next((hy for hy in out if abs(hy - y) <= tol), y)
        out.setdefault(line, []).append((xs[0], xs[-1]))
    return _join_runs(out, s.join_tolerance)


def find_intersections(h: dict, v: dict, s: GridSettings = DEFAULT) -> set[tuple[float, float]]:
    """Points where a horizontal and a vertical line meet or cross."""
    tol = s.intersection_tolerance
    pts = set()
    for y, hruns in h.items():
        for x, vruns in v.items():
            if _covers(hruns, x, x, tol) and _covers(vruns, y, y, tol):
                pts.add((x, y))
    return pts


def intersections_to_boxes(points: set[tuple[float, float]], h: dict, v: dict, s: GridSettings = DEFAULT) -> list[Box]:
    """Smallest rectangles whose four corners are points joined by lines."""
    tol = s.intersection_tolerance
    by_x: dict[float, list[float]] = defaultdict(list)
    by_y: dict[float, list[float]] = defaultdict(list)
    for x, y in points:
        by_x[x].append(y)
        by_y[y].append(x)
    for lst in (*by_x.values(), *by_y.values()):
        lst.sort()
    boxes = []
    for x, y in sorted(points, key=lambda p: (p[1], p[0])):
        below = [yy for yy in by_x[x] if yy > y]
        right = [xx for xx in by_y[y] if xx > x]
        found = None
        for yb in below:
            if not _covers(v[x], y, yb, tol):
                break
            for xr in right:
                if not _covers(h[y], x, xr, tol):
                    break
                if (xr, yb) in points and _covers(h[yb], x, xr, tol) and _covers(v[xr], y, yb, tol):
                    found = Box(x, y, xr, yb)
                    break
            if found:
                break
        if found and found.width >= s.min_cell and found.height >= s.min_cell:
            boxes.append(found)
    return boxes


def group_boxes(boxes: list[Box]) -> list[list[Box]]:
    """Boxes that share corners belong to one table; tables ordered top to bottom."""
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, b in enumerate(boxes):
        for corner in ((b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)):
            if corner in owner:
                parent[find(i)] = find(owner[corner])
            else:
                owner[corner] = i
    groups: dict[int, list[Box]] = defaultdict(list)
    for i, b in enumerate(boxes):
        groups[find(i)].append(b)
    return sorted(groups.values(), key=lambda g: (min(b.y0 for b in g), min(b.x0 for b in g)))


def boxes_to_grid(boxes: list[Box], page: int, tol: float = 1.0) -> tuple[list[Cell], list[float], list[float]]:
    """Number rows and columns from the distinct box edges; spans follow."""
    xs = sorted(set(_cluster([b.x0 for b in boxes] + [b.x1 for b in boxes], tol).values()))
    ys = sorted(set(_cluster([b.y0 for b in boxes] + [b.y1 for b in boxes], tol).values()))

    def index(edges: list[float], v: float) -> int:
        i = bisect.bisect_left(edges, v - tol)
        return min(i, len(edges) - 1)

    cells = []
    for b in boxes:
        c0, c1 = index(xs, b.x0), index(xs, b.x1)
        r0, r1 = index(ys, b.y0), index(ys, b.y1)
        cells.append(Cell(page=page, row=r0, col=c0, rowspan=max(1, r1 - r0), colspan=max(1, c1 - c0), text="", box=b))
    cells.sort(key=lambda c: (c.row, c.col))
    return cells, xs, ys


# -- text --------------------------------------------------------------------

def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def glyphs_to_lines(glyphs: list[Glyph], s: GridSettings = DEFAULT) -> list[list[Glyph]]:
    """Group glyphs into lines by their vertical centres, each line left to right."""
    lines: list[tuple[float, float, list[Glyph]]] = []  # (centre, size, glyphs)
    for g in sorted(glyphs, key=lambda g: ((g.box.y0 + g.box.y1) / 2, g.box.x0)):
        cy = (g.box.y0 + g.box.y1) / 2
        size = g.size or g.box.height
        if lines and abs(cy - lines[-1][0]) < s.line_gap * max(size, lines[-1][1]):
            lines[-1][2].append(g)
        else:
            lines.append((cy, size, [g]))
    return [sorted(gs, key=lambda g: g.box.x0) for _, _, gs in lines]


def join_line(line: list[Glyph], s: GridSettings = DEFAULT) -> str:
    """Join one line's glyphs: no spaces between Chinese characters, real gaps between Latin words."""
    out: list[str] = []
    prev: Glyph | None = None
    for g in line:
        if prev is not None and prev.text and g.text and prev.text != " " and g.text != " ":
            gap = g.box.x0 - prev.box.x1
            size = g.size or g.box.height
            if gap > s.latin_space * size and _is_latin(prev.text[-1]) and _is_latin(g.text[0]):
                out.append(" ")
        out.append(g.text)
        prev = g
    return "".join(out).strip()


def glyphs_text(glyphs: list[Glyph], s: GridSettings = DEFAULT) -> str:
    return "\n".join(t for t in (join_line(ln, s) for ln in glyphs_to_lines(glyphs, s)) if t)


def fill_text(cells: list[Cell], glyphs: list[Glyph], s: GridSettings = DEFAULT) -> tuple[list[Cell], list[Glyph]]:
    """Give each cell the glyphs whose centre lies inside it; return the glyphs left over."""
    buckets: list[list[Glyph]] = [[] for _ in cells]
    by_row = sorted(range(len(cells)), key=lambda i: cells[i].box.y0)
    tops = [cells[i].box.y0 for i in by_row]
    rest = []
    for g in glyphs:
        cx, cy = (g.box.x0 + g.box.x1) / 2, (g.box.y0 + g.box.y1) / 2
        hit = None
        for k in range(bisect.bisect_right(tops, cy) - 1, -1, -1):
            c = cells[by_row[k]]
            if c.box.contains_point(cx, cy):
                hit = by_row[k]
                break
        if hit is None:
            rest.append(g)
        else:
            buckets[hit].append(g)
    out = []
    for c, gs in zip(cells, buckets):
        conf = min((g.confidence for g in gs), default=1.0)
        out.append(replace(c, text=glyphs_text(gs, s), confidence=conf))
    return out, rest


# -- page and document -------------------------------------------------------

def page_tables(page: PageContent, s: GridSettings = DEFAULT) -> tuple[list[Table], list[TextLine]]:
    """Every ruled table on one page, plus the text lines outside them."""
    h, v = merge_segments(snap_segments(list(page.segments), s), s)
    if s.close_open_ends:
        h = close_open_ends(h, v, s)
    points = find_intersections(h, v, s)
    boxes = intersections_to_boxes(points, h, v, s)
    tables = []
    glyphs = list(page.glyphs)
    for group in group_boxes(boxes):
        cells, xs, ys = boxes_to_grid(group, page.number)
        cells, glyphs = fill_text(cells, glyphs, s)
        cells = [replace(c, source=page.source) for c in cells]
        tables.append(Table(table_no=0, cells=cells, n_rows=len(ys) - 1, n_cols=len(xs) - 1,
                            pages=(page.number,), col_edges=tuple(xs)))
    lines = []
    for ln in glyphs_to_lines(glyphs, s):
        text = join_line(ln, s)
        if text:
            box = Box(min(g.box.x0 for g in ln), min(g.box.y0 for g in ln),
                      max(g.box.x1 for g in ln), max(g.box.y1 for g in ln))
            lines.append(TextLine(page.number, text, box, max(g.size or g.box.height for g in ln),
                                  min(g.confidence for g in ln)))
    return tables, lines


def outer_box(t: Table) -> Box:
    """The box round a table's cells."""
    return Box(min(c.box.x0 for c in t.cells), min(c.box.y0 for c in t.cells),
               max(c.box.x1 for c in t.cells), max(c.box.y1 for c in t.cells))


def continues(prev: Table, nxt: Table, lines_between: list[TextLine], s: GridSettings = DEFAULT) -> bool:
    """Does `nxt` (first table of a page) carry on `prev` (last table of the page before)?

    Same outer left/right edges, and nothing but short furniture (page numbers,
    running heads) printed above it on its page.
    """
    a, b = outer_box(prev), outer_box(nxt)
    if abs(a.x0 - b.x0) > s.continue_tolerance or abs(a.x1 - b.x1) > s.continue_tolerance:
        return False
    return all(len(ln.text) <= 12 or "页" in ln.text for ln in lines_between)


def _row_texts(t: Table, row: int) -> set[str]:
    return {c.text for c in t.cells_covering_row(row) if c.text}


def _repeated_header(t: Table, part_first_row: int) -> bool:
    """Is the first row of a continuation a repeat of an earlier header row?

    A header row has at least two labels and no digits; a repeat carries only
    texts that some earlier header row also carries.
    """
    new = {c.text for c in t.cells if c.row == part_first_row and c.text}
    if len(new) < 2 or any(ch.isdigit() for txt in new for ch in txt):
        return False
    for r in range(part_first_row):
        old = _row_texts(t, r)
        if new <= old and not any(ch.isdigit() for txt in old for ch in txt):
            return True
    return False


def join_continued(parts: list[Table], s: GridSettings = DEFAULT) -> Table:
    """One table from page-parts: rows stacked, columns unified, repeated headers dropped."""
    if len(parts) == 1:
        return parts[0]
    # each part's columns in the first part's frame: a scanned page sits a few points off the one
    # before (`continues` allows continue_tolerance), and its edges, snapped apart from the first
    # page's, made sliver columns; the first page's labels then stood in no column 0
    left = outer_box(parts[0]).x0
    edges = [tuple(x + left - outer_box(p).x0 for x in p.col_edges) for p in parts]
    snap = _cluster([x for e in edges for x in e], s.snap_tolerance)
    xs = sorted(set(snap.values()))

    def col_of(x: float) -> int:
        return xs.index(snap[x]) if x in snap else min(range(len(xs)), key=lambda i: abs(xs[i] - x))

    cells: list[Cell] = []
    offset = 0
    drop_rows: set[int] = set()
    for k, p in enumerate(parts):
        for c in p.cells:
            c0 = col_of(edges[k][c.col])
            c1 = col_of(edges[k][c.col + c.colspan])
            cells.append(replace(c, row=c.row + offset, col=c0, colspan=max(1, c1 - c0)))
        if k:
            probe = Table(0, cells, offset + p.n_rows, len(xs) - 1)
            if _repeated_header(probe, offset):
                drop_rows.add(offset)
        offset += p.n_rows
    if drop_rows:
        cells = _drop_rows(cells, drop_rows)
        offset -= len(drop_rows)
    return Table(table_no=parts[0].table_no, cells=cells, n_rows=offset, n_cols=len(xs) - 1,
                 pages=tuple(pg for p in parts for pg in p.pages), col_edges=tuple(xs))


def _drop_rows(cells: list[Cell], rows: set[int]) -> list[Cell]:
    out = []
    for c in cells:
        if c.row in rows and c.rowspan == 1:
            continue
        shift = sum(1 for r in rows if r < c.row)
        inside = sum(1 for r in rows if c.row <= r <= c.last_row)
        if c.row in rows:  # a merged cell starting on a dropped row keeps its lower part
            out.append(replace(c, row=c.row - shift, rowspan=c.rowspan - inside))
        else:
            out.append(replace(c, row=c.row - shift, rowspan=max(1, c.rowspan - inside)))
    return out


def document_tables(pages: list[tuple[list[Table], list[TextLine]]], s: GridSettings = DEFAULT) -> tuple[list[Table], list[TextLine]]:
    """Join page tables across page breaks and number them in document order."""
    chains: list[list[Table]] = []
    all_lines: list[TextLine] = []
    for tables, lines in pages:
        all_lines.extend(lines)
        for i, t in enumerate(tables):
            if i == 0 and chains and chains[-1][-1].pages[-1] == t.pages[0] - 1:
                top = min(c.box.y0 for c in t.cells)
                above = [ln for ln in lines if ln.box.y1 <= top]
                if continues(chains[-1][-1], t, above, s):
                    chains[-1].append(t)
                    continue
            chains.append([t])
    tables = []
    for n, chain in enumerate(chains, start=1):
        tables.append(replace(join_continued(chain, s), table_no=n))
    return tables, all_lines
