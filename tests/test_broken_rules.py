"""Rules a scan broke, mended (extract/brokenrules.py): a gap in the middle of a cell is bridged,
a rule stopped short reaches the rule it runs to, and a merged cell's missing rule stays missing.

The truth is the grid drawn here: segments for the pure function, an OpenCV page for the
whole scanned-grid search.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from formpipe.extract.brokenrules import DEFAULT, LENIENT, mend_broken_rules
from formpipe.extract.grid import page_tables
from formpipe.extract.model import PageContent, Segment
from formpipe.extract.prepare import prepare
from formpipe.extract.scangrid import OCR_GRID, scan_grid

XS = [100.0, 200.0, 350.0, 500.0]  # pt: three columns
YS = [100.0, 130.0, 160.0, 190.0]  # pt: three rows


def _grid(skip: set[tuple[str, int, int]] = frozenset(), cuts: dict[tuple[str, int, int], tuple[float, float]] | None = None
          ) -> list[Segment]:
    """The 3 x 3 grid's segments, one per cell edge: ("h", row line, col) / ("v", col line, row);
    `skip` leaves edges out (a merged cell), `cuts` opens a gap (from, to) in an edge."""
    cuts = cuts or {}
    out = []
    for kind, lines, spans in (("h", YS, XS), ("v", XS, YS)):
        for i, at in enumerate(lines):
            for c in range(3):
                key = (kind, i, c)
                if key in skip:
                    continue
                pieces = [(spans[c], cuts[key][0]), (cuts[key][1], spans[c + 1])] if key in cuts else [(spans[c], spans[c + 1])]
                out += [Segment(a, at, b, at) if kind == "h" else Segment(at, a, at, b) for a, b in pieces]
    return out


def _spans(segments: list[Segment]) -> set[tuple[int, int, int, int]]:
    tables = page_tables(PageContent(1, 600, 400, (), tuple(segments), "ocr"), OCR_GRID)[0]
    return {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells}


FULL = {(r, c, 1, 1) for r in range(3) for c in range(3)}


@pytest.mark.parametrize("cuts", [
    {("h", 1, 1): (240.0, 265.0)},  # a 25-pt gap in the middle of a cell's bottom rule
    {("h", 2, 2): (380.0, 439.0)},  # 59 pt: a seal's width
    {("h", 1, 0): (130.0, 150.0), ("h", 1, 1): (230.0, 250.0)},  # two gaps in one rule
    {("v", 2, 1): (133.0, 155.0)},  # a vertical broken in its cell
    {("h", 1, 1): (185.0, 215.0)},  # the gap swallows the crossing: one side still ends in a cell
])
def test_a_rule_broken_in_a_cell_is_bridged(cuts):
    broken = _grid(cuts=cuts)
    assert _spans(broken) != FULL  # the break does open two cells into one
    assert _spans(mend_broken_rules(broken)) == FULL


def test_a_merged_cell_keeps_its_span():
    # the middle column's cells of rows 0 and 1 merged: no rule between them, and the rules of the
    # columns either side stop on the verticals the merged cell spans
    merged = _grid(skip={("h", 1, 1)})
    want = (FULL - {(0, 1, 1, 1), (1, 1, 1, 1)}) | {(0, 1, 2, 1)}
    assert _spans(merged) == want
    assert _spans(mend_broken_rules(merged)) == want


def _merged_row(above: float, below: float, floating: tuple[float, float] | None = None) -> list[Segment]:
    """Row 1 merged across the whole table (a goal between two blocks), with the inner verticals
    of the blocks above and below it on the same columns: those above end `above` pt past the
    row's top rule, those below start `below` pt above its bottom rule; `floating` puts a piece
    (a glyph's stroke lined up with column 1) in the row."""
    segments = [s for s in _grid(skip={("v", 1, 1), ("v", 2, 1)}) if s.horizontal or s.x0 in (XS[0], XS[-1])]
    for x in XS[1:-1]:
        segments += [Segment(x, YS[0], x, YS[1] + above), Segment(x, YS[2] - below, x, YS[-1])]
    if floating:
        segments.append(Segment(XS[1] - 0.6, floating[0], XS[1] - 0.6, floating[1]))
    return segments


MERGED_ROW = (FULL - {(1, c, 1, 1) for c in range(3)}) | {(1, 0, 1, 3)}


@pytest.mark.parametrize("above, below, floating", [
    (2.6, 0.5, None),  # blurred: the verticals above end a little past the row's top rule
    (4.7, 0.1, None),
    (0.4, 0.1, (143.0, 147.5)),  # and a glyph's stroke in the row, in line with a column
    (0.0, 4.0, None),  # the other way round
])
def test_a_merged_row_between_blocks_is_not_bridged(above, below, floating):
    segments = _merged_row(above, below, floating)
    assert mend_broken_rules(segments) == segments
    if floating is None:
        assert _spans(segments) == MERGED_ROW


@pytest.mark.parametrize("above, below", [
    (6.1, 0.0),  # the vertical runs on through the rule above and fades in the row
    (3.0, 5.0),  # a break with both ends inside the row
])
def test_a_vertical_broken_across_a_row_is_bridged(above, below):
    assert _spans(mend_broken_rules(_merged_row(above, below))) == FULL


def test_a_cell_edge_faded_between_rules_that_end_on_it_is_bridged():
    """A label cell merged over the three rows, its right edge faded from 4 pt above the first
    row rule to 1.7 pt above the second: both sides stop on rules across, as a merged cell's do,
    but the rows' rules end on the edge (a T-junction), so the edge was there and is mended."""
    segments = [s for s in _grid(skip={("h", 1, 0), ("h", 2, 0)}) if s.horizontal or s.x0 != XS[1]]
    segments += [Segment(XS[1], YS[0], XS[1], YS[1] - 4.0), Segment(XS[1], YS[2] - 1.7, XS[1], YS[3])]
    label = (FULL - {(r, 0, 1, 1) for r in range(3)}) | {(0, 0, 3, 1)}
    assert _spans(mend_broken_rules(segments)) == label


def test_a_gap_wider_than_a_seal_is_left():
    wide = _grid(skip={("h", 1, 1)}, cuts={("h", 1, 0): (120.0, 200.0), ("h", 1, 2): (350.0, 440.0)})
    # pieces 100-120 and 440-500 with a gap of 320 pt: more than max_gap_pt
    assert mend_broken_rules(wide) == wide


def test_a_floating_stroke_is_not_joined_to_a_rule():
    # column 2's cells of rows 0 and 1 merged, and a pen stroke in line with the rule that stops
    # at the merged cell, inside it: the stroke ends on no rule across, so nothing is bridged
    segments = _grid(skip={("h", 1, 2)}) + [Segment(380.0, YS[1], 450.0, YS[1])]
    assert mend_broken_rules(segments) == segments


def test_a_pen_stroke_through_a_cell_is_not_a_rule():
    # a pen line drawn between two lines of a cell's text, in pieces (the glyph test took its
    # stretch through the characters): it starts at the cell's left rule, crosses its right rule
    # and ends 28 pt into the next cell, which a rule's piece never does
    y = (YS[1] + YS[2]) / 2
    segments = _grid() + [Segment(XS[1] + 1.0, y, 290.0, y), Segment(320.0, y, XS[2] + 28.0, y)]
    assert mend_broken_rules(segments) == segments
    # the same pieces stopping on the right rule are a broken rule, and are mended
    rule = _grid() + [Segment(XS[1] + 1.0, y, 290.0, y), Segment(320.0, y, XS[2] + 1.0, y)]
    assert len(mend_broken_rules(rule)) == len(rule) + 1


def test_a_rule_stopped_short_reaches_the_rule_across():
    # the vertical between columns 1 and 2 of row 0 starts 13 pt below the table's top rule
    short = [s for s in _grid() if not (not s.horizontal and s.x0 == XS[2] and s.y0 == YS[0])]
    short.append(Segment(XS[2], YS[0] + 13.0, XS[2], YS[1]))
    assert _spans(short) != FULL
    assert _spans(mend_broken_rules(short)) == FULL


def test_a_title_s_strokes_do_not_reach_the_table():
    # a large title over the table: its strokes (18 pt) stand on a rule closed over their tops, and
    # stop 9 pt above the table's top rule; carried down to it they closed the title into a row
    top = YS[0] - 27.0
    title = [Segment(x, top, x, top + 18.0) for x in (220.0, 260.0, 300.0)] + [Segment(220.0, top, 300.0, top)]
    segments = _grid() + title
    assert mend_broken_rules(segments) == segments


def test_a_pen_underline_does_not_reach():
    # an underline drawn from a cell's left rule under a line of its text, through the next
    # vertical, ending 13 pt short of the one after: carried on, it would cut a row in two
    y = (YS[1] + YS[2]) / 2
    segments = _grid() + [Segment(XS[1], y, XS[3] - 13.0, y)]
    assert mend_broken_rules(segments) == segments


@pytest.mark.parametrize("start, end, settings, reached", [
    (XS[0] + 14.0, XS[3], DEFAULT, (XS[0], XS[0] + 14.0)),  # a row's rule 14 pt short of the table's left edge
    (XS[0], XS[3] - 13.0, DEFAULT, (XS[3] - 13.0, XS[3])),  # ... or of its right edge
    (XS[1] + 14.0, XS[3], DEFAULT, None),  # short of an inner vertical: maybe a merged cell's edge
    (XS[0] + 25.0, XS[3], DEFAULT, None),  # further than a reach
    # leniently (a page whose grid failed the check): further, and to an inner vertical when no
    # rule across lies where the rule stops
    (XS[1] + 14.0, XS[3], LENIENT, (XS[1], XS[1] + 14.0)),
    (XS[0] + 25.0, XS[3], LENIENT, (XS[0], XS[0] + 25.0)),
    (XS[0], XS[3] - 27.0, LENIENT, (XS[3] - 27.0, XS[3])),  # faded 27 pt short of the edge
    (XS[0] + 50.0, XS[3], LENIENT, None),
])
def test_a_rule_across_the_table_reaches_its_edge(start, end, settings, reached):
    """A horizontal passing through two verticals or more is a row's rule, not an underline:
    stopped a little short of the table's edge, it is carried on to it."""
    segments = _grid(skip={("h", 2, c) for c in range(3)}) + [Segment(start, YS[2], end, YS[2])]
    added = [(s.x0, s.x1) for s in mend_broken_rules(segments, settings)[len(segments):] if s.horizontal]
    assert added == ([reached] if reached else [])


def test_a_row_rule_faded_at_its_start_and_broken_in_its_middle_is_mended_whole():
    # a budget row's rule: its first 30 pt faded, and a 16-pt break past its second vertical.
    # Leniently carried on to the table's edge, it starts on a rule, and its break is then bridged
    segments = _grid(skip={("h", 2, c) for c in range(3)}) + [Segment(XS[0] + 30.0, YS[2], 380.0, YS[2]),
                                                               Segment(396.0, YS[2], XS[3], YS[2])]
    added = sorted((s.x0, s.x1) for s in mend_broken_rules(segments, LENIENT)[len(segments):] if s.horizontal)
    assert added == [(XS[0], XS[0] + 30.0), (380.0, 396.0)]
    assert mend_broken_rules(segments) == segments  # every page's mend leaves it


def test_a_rule_stopped_on_a_faded_inner_vertical_does_not_reach():
    # a merged cell's bottom rule stops on a vertical found in the row above but faded beside it:
    # carried on, it would cut the merged cell (a rule across lies where it stops)
    x = XS[1] + 14.0
    segments = _grid(skip={("h", 2, c) for c in range(3)}) + [Segment(x, YS[2], XS[3], YS[2]),
                                                               Segment(x, YS[0], x, YS[1])]
    assert not [s for s in mend_broken_rules(segments, LENIENT)[len(segments):] if s.horizontal]


def test_a_short_stroke_does_not_reach():
    # a glyph's stroke 10 pt long hanging 8 pt under a rule (reach limited to half its length)
    segments = _grid() + [Segment(270.0, YS[1] + 9.0, 270.0, YS[1] + 19.0)]
    assert mend_broken_rules(segments) == segments


def _merged(r0: int, r1: int, c0: int, c1: int) -> set[tuple[str, int, int]]:
    """The edges inside a merged block of rows r0..r1, columns c0..c1."""
    return {("h", i, c) for i in range(r0 + 1, r1 + 1) for c in range(c0, c1 + 1)} | \
        {("v", j, r) for j in range(c0 + 1, c1 + 1) for r in range(r0, r1 + 1)}


@given(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2),
       st.sampled_from([(k, i, c) for k in "hv" for i in (1, 2) for c in range(3)]),
       st.floats(0.15, 0.7), st.floats(13.0, 55.0))
# a merged row's top rule broken 8 pt short of the vertical it crosses: its piece beyond the break
# "ends" on that vertical, which is no T-junction (the rule goes on past it), so the vertical is
# not bridged through the merged row
@example(1, 1, 0, 1, ("h", 1, 0), 0.7, 22.0)
def test_mending_restores_a_broken_edge_and_keeps_merged_cells(ra, rb, ca, cb, edge, at, width):
    """Property: on a table with a merged block, a break in the middle of any kept inner edge is
    mended back to the unbroken table, and mending only adds segments (never moves one)."""
    skip = _merged(min(ra, rb), max(ra, rb), min(ca, cb), max(ca, cb))
    if edge in skip:
        return
    lo, hi = (XS[edge[2]], XS[edge[2] + 1]) if edge[0] == "h" else (YS[edge[2]], YS[edge[2] + 1])
    g0 = lo + at * (hi - lo)
    g1 = g0 + min(width, (hi - lo) * 0.25)
    if g0 - lo <= DEFAULT.overshoot_pt or hi - g1 <= DEFAULT.overshoot_pt:
        return
    broken = _grid(skip=skip, cuts={edge: (g0, g1)})
    mended = mend_broken_rules(broken)
    assert mended[:len(broken)] == broken
    assert _spans(mended) == _spans(_grid(skip=skip))


def _draw(cut: tuple[int, int] | None) -> np.ndarray:
    """RGB 300-dpi page with a 3 x 3 table of 1-pt dark rules; `cut` whitens a stretch of the
    rule under the middle cell of row 0 (a seal's or a pen's wash)."""
    k = 300 / 72
    page = np.full((int(300 * k), int(600 * k)), 245, np.uint8)
    for y in YS:
        cv2.line(page, (int(XS[0] * k), int(y * k)), (int(XS[-1] * k), int(y * k)), 60, 4)
    for x in XS:
        cv2.line(page, (int(x * k), int(YS[0] * k)), (int(x * k), int(YS[-1] * k)), 60, 4)
    if cut is not None:
        cv2.line(page, (int(cut[0] * k), int(YS[1] * k)), (int(cut[1] * k), int(YS[1] * k)), 245, 8)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)


def test_the_scanned_grid_mends_a_cut_rule():
    pp = prepare(_draw((240, 266)), 300)
    tables = scan_grid(pp, 1).tables
    assert {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells} == FULL


def test_settings_bound_what_is_bridged():
    assert DEFAULT.join_pt == OCR_GRID.join_tolerance  # gaps the grid joins itself are not the mender's
    assert DEFAULT.on_rule_pt == OCR_GRID.intersection_tolerance
    assert DEFAULT.min_piece_pt == OCR_GRID.min_segment


@pytest.mark.parametrize("piece, stroke", [
    (Segment(XS[2] + 3.0, 145.0, XS[3] + 14.0, 145.0), True),  # from inside a cell 14 pt past the edge
    (Segment(XS[2] + 3.0, 145.0, XS[3] + 10.0, 145.0), False),  # a rule's end blurred past its edge
    (Segment(XS[2] + 3.0, 145.0, XS[3] + 60.0, 145.0), False),  # a rule of a table whose edge was lost
    (Segment(XS[0], 145.0, XS[3] + 14.0, 145.0), False),  # from the other edge: a rule across
    (Segment(XS[0] - 14.0, 145.0, XS[1] - 20.0, 145.0), True),  # the same on the left
])
def test_a_stroke_past_the_tables_edge_is_no_rule(piece, stroke):
    from formpipe.extract.brokenrules import strokes_past_the_edge
    assert strokes_past_the_edge(_grid() + [piece]) == ([piece] if stroke else [])


def test_a_doubled_stroke_past_the_edge_is_no_rule():
    # a pen stroke drawn twice over, 2.5 pt apart, across a cell from its left rule and 36 pt past
    # the table's edge, with a short piece of one pass beside: all one line, started inside
    y = 145.0
    strokes = [Segment(XS[1], y, XS[3] + 36.0, y), Segment(XS[1] + 20.0, y + 2.5, XS[3] + 36.0, y + 2.5),
               Segment(XS[1] + 5.0, y + 1.0, XS[1] + 15.0, y + 1.0)]
    from formpipe.extract.brokenrules import strokes_past_the_edge
    assert strokes_past_the_edge(_grid() + strokes) == strokes[:2]
    # ... but a rule across the table with a stroke of its own past the edge keeps its pieces
    rule = [Segment(XS[0], y, XS[2], y), Segment(XS[2], y + 1.0, XS[3] + 36.0, y + 1.0)]
    assert strokes_past_the_edge(_grid() + rule) == []


@pytest.mark.parametrize("pieces, split", [
    ([(67.0, 250.0), (264.0, 443.0)], True),  # faded 17 pt short above, 7 pt below, broken 14 pt between
    ([(67.0, 433.0)], True),  # whole, 17 pt short at both ends
    ([(60.0, 150.0)], False),  # 90 pt: shorter than a column's rule left floating may be
    ([(76.0, 433.0)], False),  # 26 pt short above: further than a rule's end is carried
])
def test_a_long_column_rule_faded_at_both_ends_is_carried_to_the_rules_across(pieces, split):
    """A column's rule beside a shaded label column stops short of the rules across at both
    ends, so neither the bridge (which needs a chain from rule to rule) nor the reach (which
    needs one end on a rule) took it, and the two columns were one cell."""
    frame = [Segment(100.0, 50.0, 300.0, 50.0), Segment(100.0, 450.0, 300.0, 450.0),
             Segment(100.0, 50.0, 100.0, 450.0), Segment(300.0, 50.0, 300.0, 450.0)]
    segments = frame + [Segment(200.0, a, 200.0, b) for a, b in pieces]
    tables = page_tables(PageContent(1, 600, 600, (), tuple(mend_broken_rules(segments)), "ocr"), OCR_GRID)[0]
    cells = sorted((round(c.box.x0), round(c.box.x1)) for t in tables for c in t.cells)
    assert cells == ([(100, 200), (200, 300)] if split else [(100, 300)])


def test_a_long_column_rule_is_not_carried_across_a_merged_row():
    """A goal's full-width row between two blocks whose column rules stand on the same x: the
    lower block's rule stops short of the table's foot, but the gap above it runs from one rule
    across to the next (the goal row's own rules), a merged row's inside, and stays open."""
    frame = [Segment(100.0, 50.0, 300.0, 50.0), Segment(100.0, 460.0, 300.0, 460.0),
             Segment(100.0, 200.0, 300.0, 200.0), Segment(100.0, 250.0, 300.0, 250.0),
             Segment(100.0, 50.0, 100.0, 460.0), Segment(300.0, 50.0, 300.0, 460.0)]
    column = [Segment(200.0, 50.0, 200.0, 200.0), Segment(200.0, 250.0, 200.0, 450.0)]
    mended = mend_broken_rules(frame + column)
    assert not any(not s.horizontal and s.x0 == 200.0 and s.y0 < 240.0 and s.y1 > 210.0 for s in mended)
