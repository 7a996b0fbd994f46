"""A table whose outer columns' rules were lost: what stands beside its cells is read and makes
the grid check fail (extract/cellread.outside_regions, extract/gridcheck._text_beside), and a
shaded area's edge stands in for a rule the print lost (extract/shadeedges.py).

Truth is what the tests draw: the rules, the text lines and the shaded rectangles, and where.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from formpipe.extract.cellread import outside_regions, table_holes
from formpipe.extract.grid import page_tables
from formpipe.extract.gridcheck import check_grid
from formpipe.extract.gridrepair import repaired_grid
from formpipe.extract.model import Box, Glyph, PageContent, Segment
from formpipe.extract.prepare import prepare
from formpipe.extract.scangrid import OCR_GRID, scan_grid
from formpipe.extract.shadeedges import shade_segments

LEFT, X1, X2, RIGHT = 60.0, 200.0, 350.0, 500.0  # pt: a name column, then two columns
YS = [100.0, 160.0, 220.0, 280.0]  # three rows
CHAR = 10.0


def _glyphs(text: str, x: float, y: float) -> list[Glyph]:
    return [Glyph(ch, Box(x + i * CHAR, y, x + (i + 1) * CHAR, y + CHAR), CHAR) for i, ch in enumerate(text)]


def _page(left_verticals: bool) -> PageContent:
    """Rows ruled from LEFT to RIGHT; the verticals at LEFT and X1 drawn or lost."""
    xs = [LEFT, X1, X2, RIGHT] if left_verticals else [X2, RIGHT]
    segments = [Segment(LEFT, y, RIGHT, y) for y in YS] + [Segment(x, YS[0], x, YS[-1]) for x in xs]
    glyphs: list[Glyph] = []
    for top in YS[:-1]:
        glyphs += _glyphs("社区治理计划", LEFT + 5, top + 25)  # a task's name
        glyphs += _glyphs("加强队伍建设", X1 + 5, top + 25)  # its content
        glyphs += _glyphs("123.45", X2 + 5, top + 25)  # its amount
    return PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")


def test_text_under_the_rows_rules_beside_the_cells_fails_the_check():
    whole = _page(left_verticals=True)
    tables, lines = page_tables(whole, OCR_GRID)
    assert check_grid(tables, lines, segments=whole.segments).ok
    lost = _page(left_verticals=False)
    tables, lines = page_tables(lost, OCR_GRID)
    assert [round(min(c.box.x0 for c in t.cells)) for t in tables] == [X2]  # the names and contents are loose
    assert check_grid(tables, lines).ok  # without the ruling the check cannot see it
    verdict = check_grid(tables, lines, segments=lost.segments)
    assert not verdict.ok and "beside the table" in verdict.reason


def test_text_beside_a_table_whose_rules_stop_at_its_cells_passes():
    """A note in the margin beside a table is no lost column: no rule runs over it."""
    page = _page(left_verticals=False)
    segments = tuple(s if not s.horizontal else Segment(X2, s.y0, RIGHT, s.y1) for s in page.segments)
    page = PageContent(1, 595.0, 842.0, page.glyphs, segments, "ocr")
    tables, lines = page_tables(page, OCR_GRID)
    assert lines and check_grid(tables, lines, segments=page.segments).ok


def test_a_single_stray_rule_past_the_cells_is_not_enough():
    page = _page(left_verticals=False)
    segments = tuple(s if not s.horizontal or s.y0 == YS[1] else Segment(X2, s.y0, RIGHT, s.y1)
                     for s in page.segments)
    tables, lines = page_tables(PageContent(1, 595.0, 842.0, page.glyphs, segments, "ocr"), OCR_GRID)
    assert check_grid(tables, lines, segments=segments).ok


@pytest.mark.parametrize("boxes, want", [
    # one table in the middle: above, below, and its two sides within its rows
    ([(100, 50, 300, 150)], [(0, 0, 400, 50), (0, 150, 400, 600), (0, 50, 100, 150), (300, 50, 400, 150)]),
    # two tables side by side: each side stops at the other table
    ([(10, 50, 150, 150), (200, 80, 390, 140)],
     [(0, 0, 400, 50), (0, 150, 400, 600), (0, 50, 10, 150), (150, 50, 200, 150), (150, 80, 200, 140),
      (390, 80, 400, 140)]),
])
def test_the_page_outside_the_tables_includes_their_sides(boxes, want):
    assert sorted(outside_regions((600, 400), boxes)) == sorted(want)


@given(st.lists(st.tuples(st.integers(0, 380), st.integers(0, 580), st.integers(5, 200), st.integers(5, 200)),
                min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_no_outside_region_overlaps_a_table(raw):
    boxes = [(x, y, min(400, x + w), min(600, y + h)) for x, y, w, h in raw]
    assume(all(min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])
               for i, a in enumerate(boxes) for b in boxes[i + 1:]))  # a page's tables never overlap
    for r in outside_regions((600, 400), boxes):
        for b in boxes:
            overlap_x = min(r[2], b[2]) - max(r[0], b[0])
            overlap_y = min(r[3], b[3]) - max(r[1], b[1])
            assert overlap_x <= 0 or overlap_y <= 0, (r, b)


def test_text_inside_the_table_s_outline_in_no_cell_fails_the_check():
    """A label whose cell's rules were lost is a loose line inside the table's outline."""
    page = _page(left_verticals=True)
    # the first row's name cell loses its rules: its text is left in no cell
    segments = tuple(s for s in page.segments if not (not s.horizontal and s.x0 == LEFT))
    segments += (Segment(LEFT, YS[1], LEFT, YS[-1]),)
    segments = tuple(s if not (s.horizontal and s.y0 == YS[0]) else Segment(X1, s.y0, RIGHT, s.y1) for s in segments)
    tables, lines = page_tables(PageContent(1, 595.0, 842.0, page.glyphs, segments, "ocr"), OCR_GRID)
    assert [ln.text for ln in lines] == ["社区治理计划"]
    verdict = check_grid(tables, lines, segments=segments)
    assert not verdict.ok and "inside the table's outline" in verdict.reason


def test_holes_are_the_outline_less_its_cells_and_seams_are_none():
    dpi = 200.0
    px = dpi / 72.0
    table = (0, 0, int(300 * px), int(60 * px))
    row_h = int(30 * px)
    cells = [(0, 0, int(100 * px), row_h), (int(100 * px) + 1, 0, int(300 * px), row_h),  # a 1-px seam
             (int(100 * px), row_h, int(300 * px), int(60 * px))]  # the lower left cell is lost
    holes = table_holes((int(80 * px), int(320 * px)), [table], cells, dpi)
    ys, xs = np.nonzero(holes)
    assert xs.min() == 0 and xs.max() == int(100 * px) - 1 and ys.min() == row_h and ys.max() == int(60 * px) - 1
    assert holes.sum() // 255 == int(100 * px) * (int(60 * px) - row_h)


DPI = 200.0
PX = DPI / 72.0


def _shaded_page(fill: int, paper: int = 236, rule: int | None = None) -> np.ndarray:
    """A page as lit: paper, a shaded header band (rows 100-160 pt, columns 60-500 pt) with no
    rule drawn round it unless `rule` (a grey level) is given, and a line of black text under it."""
    img = np.full((int(400 * PX), int(560 * PX)), paper, np.uint8)
    y0, y1, x0, x1 = (int(v * PX) for v in (100, 160, 60, 500))
    img[y0:y1, x0:x1] = fill
    if rule is not None:
        cv2.rectangle(img, (x0, y0), (x1, y1), rule, 1)
    for i in range(20):  # text: 20 glyph-like blocks of strokes
        gx = int((80 + i * 20) * PX)
        cv2.rectangle(img, (gx, int(200 * PX)), (gx + int(12 * PX), int(212 * PX)), 30, 2)
        cv2.line(img, (gx, int(206 * PX)), (gx + int(12 * PX), int(206 * PX)), 30, 2)
    return cv2.GaussianBlur(img, (3, 3), 0)


def _edge_segments(lit: np.ndarray) -> list[Segment]:
    """The page's ruling found again with its shade edges (what a failed page's repair adds),
    less the ruling found without them."""
    rgb = cv2.cvtColor(lit, cv2.COLOR_GRAY2RGB)
    pp = prepare(rgb, DPI, turns=0)
    plain = scan_grid(pp, 1).segments
    return [s for s in shade_segments(rgb, pp, 1) if s not in plain]


@pytest.mark.parametrize("fill", [182, 205])
def test_a_shaded_band_s_edges_are_found_where_no_rule_was_drawn(fill):
    found = _edge_segments(_shaded_page(fill))
    across = sorted(round(s.y0) for s in found if s.horizontal and s.x1 - s.x0 > 300)
    down = sorted(round(s.x0) for s in found if not s.horizontal and s.y1 - s.y0 > 40)
    assert len(across) == 2 and abs(across[0] - 100) <= 2 and abs(across[1] - 160) <= 2
    assert len(down) == 2 and abs(down[0] - 60) <= 2 and abs(down[1] - 500) <= 2
    assert not [s for s in found if s.horizontal and 180 <= s.y0 <= 230]  # the text line makes no edge


def test_no_edge_is_found_on_paper_as_light_as_the_fill_or_beside_a_drawn_rule():
    assert _edge_segments(_shaded_page(232)) == []  # a fill the eye barely sees is no edge
    assert _edge_segments(_shaded_page(182, rule=60)) == []  # the rule is ruling ink already


def test_shade_edges_are_asked_for_only_when_the_other_repairs_fail():
    page = _page(left_verticals=False)
    tables, lines = page_tables(page, OCR_GRID)
    asked: list[int] = []

    def edges() -> list[Segment]:  # the ruling found again: the lost verticals are fills' edges
        asked.append(1)
        return [*page.segments, Segment(LEFT, YS[0], LEFT, YS[-1]), Segment(X1, YS[0], X1, YS[-1])]

    # the check without the ruling passes this page; repaired_grid is given a failed one: the
    # verticals lost, the rows' rules running on over the names
    fixed = repaired_grid(page, tables, OCR_GRID, shaded=edges)
    assert asked == [1] and fixed is not None and fixed.how == "shade edges"
    again, again_lines = page_tables(PageContent(1, 595.0, 842.0, page.glyphs, fixed.segments, "ocr"), OCR_GRID)
    assert check_grid(again, again_lines, segments=fixed.segments).ok
    assert sorted({round(c.box.x0) for t in again for c in t.cells}) == [LEFT, X1, X2]


def test_no_shade_edges_leave_the_page_to_the_anchors_reading():
    page = _page(left_verticals=False)
    tables, _ = page_tables(page, OCR_GRID)
    assert repaired_grid(page, tables, OCR_GRID, shaded=lambda: []) is None
