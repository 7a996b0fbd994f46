"""Faint ruling completed along its pieces, and a title's strokes not taken for a table.

Pages are drawn here with OpenCV; the truth is the drawn grid (extract/faintrules.py,
extract/scangrid.py, imagegrid.glyph_stroke_tables).
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from formpipe.extract.faintrules import FaintSettings, _kept_stretches, completed_rule_ink, ink_bands
from formpipe.extract.grid import page_tables
from formpipe.extract.imagegrid import MIN_ROW_PT, glyph_stroke_tables, image_segments, without_tables
from formpipe.extract.model import Box, Cell, PageContent, Segment, Table
from formpipe.extract.prepare import prepare
from formpipe.extract.scangrid import OCR_GRID, scan_grid

DPI = 300
PAPER = 240
ROWS = 8
XS = [180, 700, 1400, 2100]  # px: three columns
YS = [300 + 150 * r for r in range(ROWS + 1)]  # px: rows of 36 pt


def _faded_rule(page: np.ndarray, a: tuple[int, int], b: tuple[int, int], rng: np.random.Generator,
                strong: int, weak: int) -> None:
    """A 2-px grey rule whose darkness changes every ~60 px between `strong` and `weak`
    (grey levels below the paper): a worn print of a light office hairline."""
    (x0, y0), (x1, y1) = a, b
    n = max(abs(x1 - x0), abs(y1 - y0))
    step = 60
    for i in range(0, n, step):
        t0, t1 = i / n, min(n, i + step) / n
        p0 = (int(x0 + t0 * (x1 - x0)), int(y0 + t0 * (y1 - y0)))
        p1 = (int(x0 + t1 * (x1 - x0)), int(y0 + t1 * (y1 - y0)))
        level = PAPER - (strong if rng.random() < 0.45 else weak)
        cv2.line(page, p0, p1, level, 2)


def draw_faint_page(seed: int, strong: int = 55, weak: int = 28, text_lines: int = 0) -> np.ndarray:
    """RGB page with a ROWS x 3 grid of faded faint rules, some text, blur and noise."""
    rng = np.random.default_rng(seed)
    h, w = YS[-1] + 400, XS[-1] + 200
    page = np.full((h, w), PAPER, np.uint8)
    for y in YS:
        _faded_rule(page, (XS[0], y), (XS[-1], y), rng, strong, weak)
    for x in XS:
        _faded_rule(page, (x, YS[0]), (x, YS[-1]), rng, strong, weak)
    for r in range(ROWS):
        for c in range(3):
            cv2.putText(page, f"{r}{c} 1,234.56", (XS[c] + 30, YS[r] + 95), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 40, 3)
    page = cv2.GaussianBlur(page, (0, 0), 0.8)
    page = np.clip(page.astype(np.float32) + rng.normal(0, 3.0, page.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)


def _spans(tables: list[Table]) -> set:
    return {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells}


EXPECTED = {(r, c, 1, 1) for r in range(ROWS) for c in range(3)}


def _first_search(pp) -> list[Table]:
    segments, _ = image_segments(pp.line_ink, pp.dpi, text_ink=pp.ink)
    h, w = pp.grey.shape
    return page_tables(PageContent(1, w * 72 / DPI, h * 72 / DPI, (), tuple(segments), "ocr"), OCR_GRID)[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faded_faint_ruling_is_completed_into_every_cell(seed):
    pp = prepare(draw_faint_page(seed), DPI)
    first = _first_search(pp)
    # the case is hard: the first search finds the rules in pieces and misses cells
    assert sum(len(t.cells) for t in first) < len(EXPECTED)
    grid = scan_grid(pp, 1)
    assert grid.completed
    assert _spans(grid.tables) == EXPECTED


def test_a_page_the_first_search_reads_is_left_as_it_was():
    """Dark ruling: completion adds nothing worth taking, the first grid stands."""
    pp = prepare(draw_faint_page(4, strong=150, weak=150), DPI)
    grid = scan_grid(pp, 1)
    assert not grid.completed
    assert _spans(grid.tables) == EXPECTED


def test_a_whole_faint_rule_is_found_and_a_line_of_text_is_not():
    """A rule the first search found no piece of is taken whole when it has paper on both
    sides; a line of text gives ridges with the glyphs on one side, and is not taken."""
    page = np.full((700, 1200), PAPER, np.uint8)
    cv2.line(page, (100, 150), (1100, 150), PAPER - 120, 2)  # a rule the first search finds
    cv2.line(page, (100, 350), (1100, 350), PAPER - 28, 2)  # too faint for it: no piece found
    for x in range(100, 1100, 50):  # a line of dense print, the bottoms of its glyphs run together
        cv2.rectangle(page, (x + 5, 500), (x + 42, 536), PAPER - 150, 3)
    cv2.line(page, (100, 545), (1100, 545), PAPER - 28, 2)  # (blurred into one faint stroke)
    pp = prepare(cv2.cvtColor(page, cv2.COLOR_GRAY2RGB), DPI)
    segments, _ = image_segments(pp.line_ink, DPI, text_ink=pp.ink)
    assert not any(abs(s.y0 * DPI / 72 - 350) < 6 for s in segments if s.horizontal)  # the case is hard
    ink = completed_rule_ink(pp.grey, pp.line_ink, pp.ink, segments, DPI)
    after, _ = image_segments(ink, DPI, text_ink=pp.ink)
    k = DPI / 72

    def rules_at(y_px: int) -> list[Segment]:
        return [s for s in after if s.horizontal and abs(s.y0 * k - y_px) < 8 and (s.x1 - s.x0) * k > 300]
    assert rules_at(350) and max((s.x1 - s.x0) * k for s in rules_at(350)) > 900
    assert not rules_at(545)


@pytest.mark.parametrize("ink_above, ink_below, kept", [
    (False, False, True),  # a rule: paper both sides
    (True, False, True),  # text sitting on a rule over its length
    (True, True, False),  # inside a glyph or a line of text: ink both sides
])
def test_a_stretch_with_ink_on_both_sides_is_not_a_rule(ink_above, ink_below, kept):
    s = FaintSettings()
    added = np.zeros((100, 400), np.uint8)
    added[50, 20:380] = 255
    ink = np.zeros_like(added)
    if ink_above:
        ink[42:47, 20:380] = 255  # 1-4 pt above at 300 dpi is 4-17 px
    if ink_below:
        ink[54:60, 20:380] = 255
    out = _kept_stretches(added, ink_bands(ink, DPI, s)[0], True, DPI, s)
    assert bool(out.any()) is kept


def _table(row_edges_pt: list[float], cols: int = 3) -> Table:
    cells = [Cell(1, r, c, 1, 1, "", Box(100 + 40 * c, y0, 140 + 40 * c, y1))
             for r, (y0, y1) in enumerate(zip(row_edges_pt, row_edges_pt[1:])) for c in range(cols)]
    return Table(0, cells, len(row_edges_pt) - 1, cols)


@pytest.mark.parametrize("rows, glyphs", [
    ([80.0, 89.0], True),  # a title's strokes: one row 9 pt tall
    ([80.0, 80.0 + MIN_ROW_PT - 0.5], True),
    ([80.0, 96.4], False),  # the lowest real row measured: 16.4 pt
    ([80.0, 88.0, 112.0], False),  # a short row among real ones (a double rule) is not a title
    ([80.0, 89.0, 98.0], True),  # a two-line title's strokes
    ([80.0 + 11.1 * i for i in range(12)], False),  # 11 real rows of 8-pt print: no title is that tall
])
def test_glyph_stroke_tables(rows, glyphs):
    t = _table(rows)
    assert (glyph_stroke_tables([t]) == [t]) is glyphs


@pytest.mark.parametrize("widths, glyphs", [
    ([5.5, 55, 5.7, 4.7, 19, 33, 17.7, 8, 12.7, 7.2, 5, 9.9, 6.6, 16, 6.9], True),  # a 22-pt title's strokes
    ([60, 60, 120, 60, 80, 40], False),  # a one-row table of labels
    ([8, 9, 10, 9, 8], False),  # too few columns to say
])
def test_a_tall_title_cut_into_narrow_columns_is_glyph_strokes(widths, glyphs):
    xs = [100.0]
    for w in widths:
        xs.append(xs[-1] + w)
    cells = [Cell(1, 0, c, 1, 1, "", Box(x0, 85.3, x1, 98.05)) for c, (x0, x1) in enumerate(zip(xs, xs[1:]))]
    t = Table(0, cells, 1, len(cells))
    assert (glyph_stroke_tables([t]) == [t]) is glyphs
    assert not glyph_stroke_tables([Table(0, cells + [Cell(1, 1, 0, 1, len(cells), "", Box(100, 98.05, xs[-1], 130))],
                                          2, len(cells))])  # a table with a real row under it stays


def test_without_tables_drops_the_strokes_crossing_a_glyph_table():
    title = _table([80.0, 89.0])  # x 100..220
    segs = [Segment(90, 84, 300, 84),  # a title stroke running on beyond the glyph table
            Segment(150, 78, 150, 91),  # a vertical stroke inside it
            Segment(90, 120, 300, 120),  # the form's rule below
            Segment(100, 120, 100, 400)]
    assert without_tables(segs, [title]) == segs[2:]


@pytest.mark.parametrize("upper, seal_over_gap, bridged", [
    (Segment(200, 100, 200, 150), True, True),  # a cell edge cut by a seal: it goes on under it
    (Segment(200, 100, 200, 150), False, False),  # a gap with no seal over it is a merged cell
    (Segment(200, 80, 200, 150), True, False),  # a glyph's stroke above: its far end meets no rule
])
def test_a_rule_is_bridged_under_a_seal_only(upper, seal_over_gap, bridged):
    from formpipe.extract.scangrid import bridges_under_seals
    rules = [Segment(100, 100, 400, 100), Segment(100, 300, 400, 300)]  # the rows' rules the edge ends on
    lower = Segment(200, 240, 200, 300)
    seals = np.zeros((int(400 * DPI / 72), int(500 * DPI / 72)), bool)
    if seal_over_gap:
        k = DPI / 72
        seals[int(140 * k):int(250 * k), int(150 * k):int(260 * k)] = True
    got = bridges_under_seals([*rules, upper, lower], seals, DPI)
    assert bool(got) is bridged
    if bridged:
        (b,) = got
        assert (b.x0, b.y0, b.x1, b.y1) == (200, 150, 200, 240)


def test_a_rule_found_twice_over_is_still_bridged_under_a_seal():
    """Two pieces of one rule, found a point apart across it, the shorter inside the longer: the
    gap after them is the rule's, and the shorter one's start (on no rule) does not stop the bridge."""
    from formpipe.extract.scangrid import bridges_under_seals
    rules = [Segment(100, 100, 400, 100), Segment(100, 300, 400, 300)]
    upper, inner = Segment(200, 100, 200, 150), Segment(201, 112, 201, 149)
    lower = Segment(200, 240, 200, 300)
    k = DPI / 72
    seals = np.zeros((int(400 * k), int(500 * k)), bool)
    seals[int(140 * k):int(250 * k), int(150 * k):int(260 * k)] = True
    (b,) = bridges_under_seals([*rules, upper, inner, lower], seals, DPI)
    assert (b.y0, b.y1) == (150, 240) and abs(b.x0 - 200) <= 1


@pytest.mark.parametrize("mark, carried", [
    ((350, 392), True),  # a pen's ring drawn round an amount ran along the rule past its end
    (None, False),  # a rule stopped short with no mark there: a merged cell's edge, left alone
    ((300, 358), False),  # a mark that ends before the rule does is not what took it
])
def test_a_rule_is_carried_on_under_a_pen_mark_only(mark, carried):
    from formpipe.extract.scangrid import carried_under_marks
    verticals = [Segment(x, 100, x, 300) for x in (100.0, 300.0, 400.0)]
    rule = Segment(100, 200, 360, 200)  # from the table's left edge, 40 pt short of its right
    k = DPI / 72
    marks = np.zeros((int(400 * k), int(500 * k)), bool)
    if mark:
        marks[int(199 * k):int(202 * k), int(mark[0] * k):int(mark[1] * k)] = True
    got = carried_under_marks([*verticals, rule], marks, DPI)
    assert [(g.x0, g.y0, g.x1, g.y1) for g in got] == ([(360, 200, 400, 200)] if carried else [])


def test_a_pen_underline_ending_on_a_rule_is_not_carried_back():
    """The underline is a mark itself, found as a piece of ruling: nothing lies beyond its start."""
    from formpipe.extract.scangrid import carried_under_marks
    verticals = [Segment(x, 100, x, 300) for x in (100.0, 300.0, 400.0)]
    underline = Segment(330, 180, 398, 180)
    k = DPI / 72
    marks = np.zeros((int(400 * k), int(500 * k)), bool)
    marks[int(179 * k):int(181.5 * k), int(330 * k):int(398 * k)] = True
    assert carried_under_marks([*verticals, underline], marks, DPI) == []


@pytest.mark.parametrize("segment, marked, own_ink, in_seal, pen", [
    (Segment(100, 200, 260, 200), [(100, 258)], False, False, True),  # a pen's underline under a label
    (Segment(100, 200, 260, 200), [(150, 158), (230, 236)], True, False, False),  # a rule a ring crosses twice
    (Segment(100, 200, 260, 200), [], True, False, False),  # a printed rule
    (Segment(100, 200, 400, 200), [(100, 400)], False, False, False),  # longer than a pen's stroke under a word
    (Segment(200, 100, 200, 180), [(100, 176)], False, False, True),  # a pen's stroke down a cell
    (Segment(100, 200, 260, 200), [(100, 258)], True, False, False),  # a pen run along a printed rule: its grey beside
    (Segment(100, 200, 260, 200), [(100, 258)], False, True, False),  # a rule under a seal takes the seal's colour
])
def test_a_found_rule_marked_along_its_length_is_a_pens_stroke(segment, marked, own_ink, in_seal, pen):
    from formpipe.extract.scangrid import pen_stroke
    k = DPI / 72
    shape = (int(400 * k), int(500 * k))
    marks, ink, seals = (np.zeros(shape, np.uint8) for _ in range(3))
    for a, b in marked:  # the mark lies just off the line, 2-4 pt below it
        if segment.horizontal:
            marks[int(201 * k):int(204 * k), int(a * k):int(b * k)] = 255
        else:
            marks[int(a * k):int(b * k), int(201 * k):int(204 * k)] = 255
    ink[marks > 0] = 255  # a dark pen is ruling ink too
    if own_ink:  # the printed rule's own grey, on its line
        x0, y0, x1, y1 = (int(round(v * k)) for v in (segment.x0, segment.y0, segment.x1, segment.y1))
        ink[y0 - 1:y1 + 2, x0 - 1:x1 + 2] = 255
    if in_seal:
        seals[int(150 * k):int(250 * k), int(90 * k):int(270 * k)] = 255
    assert pen_stroke(segment, marks, DPI, ink, seals) is pen


def test_a_dark_red_underline_does_not_cut_its_cell_in_two():
    """Truth: the drawn table. A dark red pen line (darker than the cut that takes a seal's red
    out of the grey) under a label's first line, from one of its cell's rules to the other, as
    the pen ran on two office scans: found as a rule, it cut the cell in two."""
    from pageimage import DrawnCell, draw_table
    cells = [DrawnCell(0, 0, 1, 1, "部门名称"), DrawnCell(0, 1, 1, 1, "某局"),
             DrawnCell(1, 0, 1, 1, "其他事业发展性支出"), DrawnCell(1, 1, 1, 1, "138,837.21")]
    rgb, boxes = draw_table(cells, [150.0, 150.0], [30.0, 40.0], dpi=200)
    clean = scan_grid(prepare(rgb, 200.0), 1)
    k = 200 / 72
    x0, y0, x1, y1 = boxes[(1, 0)]
    ym = int((y0 + y1) / 2 * k) + 14
    marked = rgb.copy()
    marked[ym - 3:ym + 3, int((x0 - 1) * k):int((x1 + 1) * k)] = (150, 25, 30)
    pen = scan_grid(prepare(marked, 200.0), 1)
    n_clean = sum(len(t.cells) for t in clean.tables)
    assert n_clean == 4
    assert sum(len(t.cells) for t in pen.tables) == n_clean
