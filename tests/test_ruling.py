"""Ruling found on scans as they come: faint, broken, shaded, slanted, cut by the page.

Pages are drawn here with OpenCV; the truth is the drawn grid.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from formpipe.extract.grid import page_tables
from formpipe.extract.imagegrid import close_open_ends, image_segments
from formpipe.extract.model import PageContent, Segment
from formpipe.extract.prepare import prepare
from formpipe.extract.scanned import OCR_GRID

DPI = 200
ROWS, COLS = 6, 3
X0, Y0, COL_W, ROW_H = 150, 200, (260, 420, 380), 260  # px


def _edges():
    xs = [X0]
    for w in COL_W:
        xs.append(xs[-1] + w)
    return xs, [Y0 + r * ROW_H for r in range(ROWS + 1)]


def expected_spans(open_bottom: bool) -> set:
    """Column 0 is one merged cell over every row; the others one cell a row."""
    return {(0, 0, ROWS, 1)} | {(r, c, 1, 1) for r in range(ROWS) for c in (1, 2)}


def draw_page(ink: int = 60, gaps: bool = False, shade: int | None = None, open_bottom: bool = False,
              slant_px: float = 0.0, thickness: int = 2) -> np.ndarray:
    """RGB page with the grid drawn; `slant_px` moves the bottom corners sideways (perspective)."""
    xs, ys = _edges()
    h, w = ys[-1] + 300, xs[-1] + 150
    page = np.full((h, w), 250, np.uint8)
    if shade is not None:  # a grey header fill over the merged label column
        page[ys[0]:ys[-1], xs[0]:xs[1]] = shade
    rules = [((xs[0], y), (xs[-1], y)) for y in ys[:-1]]  # every horizontal but the last ...
    rules += [((xs[1], ys[-1]), (xs[-1], ys[-1]))] if open_bottom else [((xs[0], ys[-1]), (xs[-1], ys[-1]))]
    rules += [((xs[1], y), (xs[-1], y)) for y in ys[1:-1]]  # (column 0 is merged: no rules across it)
    rules = [r for r in rules if not (r[0][0] == xs[0] and ys[0] < r[0][1] < ys[-1])]
    rules += [((x, ys[0]), (x, ys[-1])) for x in xs]
    for a, b in rules:
        cv2.line(page, a, b, ink, thickness)
    if gaps:  # a worn ribbon: short breaks every 90 px along every rule
        for a, b in rules:
            n = int(max(abs(b[0] - a[0]), abs(b[1] - a[1])) // 90)
            for i in range(1, n):
                t = i / n
                x, y = int(a[0] + t * (b[0] - a[0])), int(a[1] + t * (b[1] - a[1]))
                cv2.rectangle(page, (x - 1, y - 1), (x + 1, y + 1), int(page[max(0, y - 6), max(0, x - 6)]), -1)
    for r in range(ROWS):  # some text, so the page has print like a form
        for c in (1, 2):
            cv2.putText(page, f"{r}{c} 12.34", (xs[c] + 20, ys[r] + ROW_H // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)
    if slant_px:
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[0, 0], [w, 0], [w + slant_px, h], [slant_px, h]])
        page = cv2.warpPerspective(page, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=250)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)


def spans_of(rgb: np.ndarray, dpi: float = DPI) -> set:
    pp = prepare(rgb, dpi)
    segments, _ = image_segments(pp.line_ink, dpi, text_ink=pp.ink)
    h, w = pp.grey.shape
    tables, _ = page_tables(PageContent(1, w * 72 / dpi, h * 72 / dpi, (), tuple(segments), "ocr"), OCR_GRID)
    return {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells}


@pytest.mark.parametrize("case", [
    dict(),
    dict(ink=170, thickness=1),  # faint, thin ruling
    dict(gaps=True),  # broken ruling
    dict(shade=205),  # grey header fill: shading is not ink
    dict(open_bottom=True),  # the table is cut by the page: its merged column has no bottom rule
    dict(slant_px=22),  # perspective: verticals lean 0.5°, their box 4x their thickness
    dict(ink=150, gaps=True, shade=210, open_bottom=True, slant_px=18),
], ids=["plain", "faint", "broken", "shaded", "cut", "slanted", "all"])
def test_grid_survives_real_ruling(case):
    assert spans_of(draw_page(**case)) == expected_spans(case.get("open_bottom", False))


def test_a_slanted_thin_line_is_kept_and_a_blob_is_not():
    from formpipe.extract.imagegrid import mask_segments
    mask = np.zeros((900, 200), np.uint8)
    cv2.line(mask, (50, 20), (62, 880), 255, 3)  # 0.8° lean, 3 px thick
    cv2.rectangle(mask, (120, 100), (150, 800), 255, -1)  # 30 px wide: a smear, not a rule
    segs = mask_segments(mask, horizontal=False, dpi=DPI)
    assert len(segs) == 1 and abs(segs[0].x0 * DPI / 72 - 56) < 2


def test_close_open_ends_draws_a_rule_only_where_one_is_missing():
    v = [Segment(10, 0, 10, 100), Segment(50, 0, 50, 97), Segment(90, 0, 90, 100)]
    top = Segment(10, 0, 90, 0)
    closed = v + [top, Segment(10, 100, 90, 100)]
    assert close_open_ends(closed) == closed
    partial = v + [top, Segment(50, 100, 90, 100)]  # the merged first column goes on overleaf
    added = close_open_ends(partial)[len(partial):]
    assert added == [Segment(10, 100, 50, 100)]  # to the partial edge, which the grid chain joins
    strokes = [Segment(200, 300, 200, 320), Segment(230, 301, 230, 321)]  # a title's strokes: no rule near
    assert close_open_ends(closed + strokes) == closed + strokes


def _glyph_column(ink: np.ndarray, x: int, y0: int, lines: int, line_px: int = 30) -> None:
    """Characters stacked line over line, their middle strokes at the same x (CJK set on a grid): like
    重 or 量, a middle vertical stroke crossed by five horizontal ones."""
    for i in range(lines):
        top = y0 + i * line_px
        ink[top:top + line_px - 4, x:x + 2] = 255
        for dy in (2, 7, 12, 17, 22):
            ink[top + dy:top + dy + 2, x - 10:x + 12] = 255


def test_glyph_runs_are_not_rules_but_a_rule_with_text_against_it_is():
    """Hand-drawn at 200 dpi: a run of aligned glyph strokes 28 pt long (blur joined it into one line
    in the vertical mask) has print on both sides; a rule beside a column of text touching it on one
    side, and a long rule through a table, have print on at most one side."""
    from formpipe.extract.imagegrid import without_glyph_strokes
    ink = np.zeros((900, 600), np.uint8)
    _glyph_column(ink, 100, 100, 3)                     # the glyph run: x 100-101, y 100-186
    ink[100:400, 300:302] = 255                         # a rule ...
    for i in range(10):                                 # ... with text set tight against its right side
        ink[100 + i * 30:120 + i * 30, 305:330] = 255
    ink[450:880, 500:502] = 255                         # a long rule crossed by rows' rules, both sides
    for y in range(460, 880, 40):
        ink[y:y + 2, 420:580] = 255
    mask = np.zeros_like(ink)
    mask[100:186, 100:102] = 255
    mask[100:400, 300:302] = 255
    mask[450:880, 500:502] = 255
    kept = without_glyph_strokes(mask, ink, 200.0, horizontal=False)
    assert not kept[100:186, 100:102].any()
    assert kept[100:400, 300:302].all() and kept[450:880, 500:502].all()
    # the same, turned: a bold label's horizontal strokes closed into a line
    kept_h = without_glyph_strokes(mask.T.copy(), ink.T.copy(), 200.0, horizontal=True)
    assert not kept_h[100:102, 100:186].any() and kept_h[300:302, 100:400].all()


def test_a_long_rule_thickened_by_blur_is_ruling_a_short_thick_stroke_is_not():
    """At 200 dpi: a 300 pt rule 7 px (2.5 pt) thick, as a phone photo's blur leaves a 1 pt rule, is
    found; a 40 pt stroke as thick (a smear, a bold glyph's run) is not."""
    from formpipe.extract.imagegrid import line_masks, mask_segments
    ink = np.zeros((1200, 1200), np.uint8)
    ink[100:934, 200:207] = 255   # 834 px = 300 pt long
    ink[100:211, 600:607] = 255   # 111 px = 40 pt long
    _, v = line_masks(ink, 200.0)
    found = mask_segments(v, False, 200.0)
    assert [round(s.x0) for s in found] == [73]  # 203.5 px in points: the long one only


def test_a_short_rule_thickened_by_blur_between_two_rules_is_ruling():
    """At 200 dpi: a header row's vertical 40 pt long and 7 px (2.5 pt) thick, as a phone photo's
    blur leaves it, between the row's two rules is found; the same stroke ending inside the row
    (a bold glyph's run, a smear) is not."""
    from formpipe.extract.imagegrid import image_segments
    ink = np.zeros((600, 1200), np.uint8)
    for y in (100, 211):
        ink[y:y + 3, 100:1000] = 255  # the row's rules
    ink[100:214, 600:607] = 255  # 40 pt, from rule to rule
    ink[130:241, 300:307] = 255  # 40 pt, from inside the row through its bottom rule
    found = [s for s in image_segments(ink, 200.0)[0] if not s.horizontal]
    assert [round(s.x0 * 200 / 72) for s in found if 150 < s.x0 * 200 / 72 < 700] == [603]
