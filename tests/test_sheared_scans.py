"""A scan sheared as well as skewed (extract/prepare.py): perspective or a skewed feed turns a
page's rows and columns by different angles, and rotation alone leaves its verticals leaning.
The lean is measured on the ruling, taken out with the skew, and the same turn is given to
every copy of the page (the review image, the page as lit for shade edges)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pageimage import DrawnCell, draw_table

from formpipe.extract.brokenrules import mend_broken_rules
from formpipe.extract.grid import page_tables
from formpipe.extract.model import PageContent, Segment
from formpipe.extract.prepare import DEFAULT, prepare, rule_ink, slant_slope, straighten
from formpipe.extract.scangrid import OCR_GRID, scan_grid
from formpipe.extract.shadeedges import lit_page

DPI = 200
# a label column whose one cell spans ten rows, beside two columns of single cells
CELLS = ([DrawnCell(0, 0, 1, 1, "部门名称"), DrawnCell(0, 1, 1, 2, "某某局")]
         + [DrawnCell(1, 0, 10, 1, "年度任务")]
         + [DrawnCell(r, c, 1, 1, f"任务{r}" if c == 1 else f"{r},234.5{c}") for r in range(1, 11) for c in (1, 2)])


def _page(lean_deg: float, gap_rows: tuple[int, int] | None = None) -> np.ndarray:
    """The table drawn upright, the label column's left rule erased over `gap_rows` (a break),
    then sheared so that its verticals lean by `lean_deg` (x grows with y for a positive lean)."""
    rgb, boxes = draw_table(CELLS, [80, 140, 110], [30] * 11, dpi=DPI, page_pt=(420, 420), origin_pt=(60, 40))
    k = DPI / 72
    if gap_rows is not None:
        x = int(60 * k)
        y0, y1 = int((40 + 30 * gap_rows[0] + 4) * k), int((40 + 30 * gap_rows[1] - 4) * k)
        rgb[y0:y1, x - 3:x + 4] = 255
    slope = float(np.tan(np.deg2rad(lean_deg)))
    # straighten shears by -slope: shearing by -(-slope) leans the page's verticals by +slope
    return straighten(rgb, 0.0, -slope, fill=(255, 255, 255))


def _fitted_lean(line_ink: np.ndarray) -> float:
    return float(np.degrees(np.arctan(slant_slope(line_ink, DPI))))


@pytest.mark.parametrize("lean", [-0.6, -0.3, 0.25, 0.5, 1.0])
def test_the_lean_of_the_verticals_is_measured(lean):
    grey = _page(lean).min(axis=2)
    assert _fitted_lean(rule_ink(grey, DPI)) == pytest.approx(lean, abs=0.05)


def test_an_upright_page_does_not_lean():
    assert _fitted_lean(rule_ink(_page(0.0).min(axis=2), DPI)) == pytest.approx(0.0, abs=0.02)


def test_a_page_with_too_few_long_rules_has_no_lean():
    """Glyph strokes are no evidence: only rules at least slant_rule_pt long are fitted."""
    ink = np.zeros((600, 600), np.uint8)
    for x in (100, 300):  # two rules only
        ink[50:550, x:x + 3] = 255
    ink = straighten(ink, 0.0, -0.01, fill=0)
    assert slant_slope(ink, DPI) == 0.0
    short = np.zeros((600, 600), np.uint8)
    for x in range(50, 550, 40):  # many strokes shorter than a rule
        short[100:100 + int(DEFAULT.slant_rule_pt * DPI / 72) - 8, x:x + 3] = 255
    assert slant_slope(straighten(short, 0.0, -0.01, fill=0), DPI) == 0.0


@pytest.mark.parametrize("lean", [-0.5, 0.45])
def test_prepare_stands_a_sheared_page_s_verticals_upright(lean):
    pp = prepare(_page(lean), DPI)
    assert np.degrees(np.arctan(pp.slant)) == pytest.approx(lean, abs=0.05)
    assert abs(_fitted_lean(pp.line_ink)) < 0.05


def test_a_slight_lean_is_left_alone():
    pp = prepare(_page(0.05), DPI)
    assert pp.slant == 0.0


def test_the_page_as_lit_is_turned_as_prepare_turned_the_page():
    """The shade-edge search reads the page as lit, turned by prepare's skew and slant: its
    rules fall on the prepared page's rules."""
    rgb = _page(0.5)
    pp = prepare(rgb, DPI)
    lit = lit_page(rgb, pp.turns, pp.skew, pp.slant)
    assert abs(_fitted_lean(rule_ink(lit, DPI))) < 0.05
    ours = np.flatnonzero(pp.line_ink[200:700].sum(axis=0) > 0.5 * 255 * 500)
    theirs = np.flatnonzero(rule_ink(lit, DPI)[200:700].sum(axis=0) > 0.5 * 255 * 500)
    assert ours.size and theirs.size and abs(int(ours[0]) - int(theirs[0])) <= 1


def _label_cell(tables) -> bool:
    return any(c.col == 0 and c.rowspan == 10 for t in tables for c in t.cells)


def test_a_broken_label_column_on_a_sheared_page_keeps_its_cell():
    """A 0.7° lean moves the column's left rule 3.5 pt over the block: its pieces either side
    of a break no longer line up within the mend's reach, and the label cell, open on its left,
    was lost (its text sat inside the table in no cell: the page went to the anchors reading)."""
    rgb = _page(0.7, gap_rows=(5, 6))
    grid = scan_grid(prepare(rgb, DPI), 1)
    assert _label_cell(grid.tables)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 2.9), st.floats(8.0, 50.0), st.floats(100.0, 300.0))
def test_pieces_the_grid_snaps_together_are_mended_as_one_rule(offset, gap, at):
    """The mend groups a rule's pieces as the grid does (within its 3-pt snap): a piece offset
    by up to 2.9 pt across, past a gap in a cell, is the same rule and the gap is bridged."""
    segments = [Segment(100.0, 50.0, 300.0, 50.0), Segment(100.0, 450.0, 300.0, 450.0),
                Segment(200.0, 50.0, 200.0, 450.0), Segment(300.0, 50.0, 300.0, 450.0),
                Segment(100.0, 50.0, 100.0, at), Segment(100.0 - offset, at + gap, 100.0 - offset, 450.0)]
    mended = mend_broken_rules(segments)
    tables = page_tables(PageContent(1, 600, 600, (), tuple(mended), "ocr"), OCR_GRID)[0]
    assert any(abs(c.box.x0 - 100.0) <= 3.0 and abs(c.box.x1 - 200.0) <= 1.0 for t in tables for c in t.cells)


def test_straighten_is_one_warp_of_rotation_then_shear():
    img = np.zeros((200, 300), np.uint8)
    img[20:180, 150] = 255
    once = straighten(img, 1.0, 0.01, fill=0)
    m = cv2.getRotationMatrix2D((150, 100), 1.0, 1.0)
    turned = cv2.warpAffine(img, m, (300, 200), flags=cv2.INTER_LINEAR, borderValue=0)
    sheared = cv2.warpAffine(turned, np.float64([[1, -0.01, 0.01 * 100], [0, 1, 0]]), (300, 200),
                             flags=cv2.INTER_LINEAR, borderValue=0)
    ys, xs = np.nonzero(once > 100)
    ys2, xs2 = np.nonzero(sheared > 100)
    assert np.polyfit(ys, xs, 1)[0] == pytest.approx(np.polyfit(ys2, xs2, 1)[0], abs=2e-3)
