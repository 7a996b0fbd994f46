"""Ruling lines from a prepared page image -> Segments in PDF points.

The image path ends where the text path starts: `Segment`s go into the same
grid chain (extract/grid.py), so merged cells, continued tables and repeated
headers are handled once for both.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .model import Segment, Table


@dataclass(frozen=True)
class LineSettings:
    h_kernel_pt: float = 28.0  # horizontal strokes longer than this are ruling: blurred text can join
    # the strokes of 2-3 neighbouring characters into one run, a cell is wider than this
    v_kernel_pt: float = 14.0  # vertical ones; rows are taller than this, glyphs shorter
    bridge_pt: float = 0.8  # gaps in a scanned line shorter than this are closed (longer gaps are
    # joined later by the grid chain's join tolerance; closing more would glue characters together)
    min_length_pt: float = 6.0  # shorter pieces left after opening are noise
    max_thickness_pt: float = 2.2  # a ruling line is thin and straight; a pen curve or smeared text is not
    long_max_thickness_pt: float = 2.8  # ... but a stroke longer than MAX_GLYPH_RUN_PT is no glyph's: a rule
    # printed ~1 pt wide comes out 2.4 pt thick on a phone photo's blurred ink (off7-photo office-7-3: its
    # grid lost every column rule to the 2.2 cut); the dev scans' long rules are at most 1.8 pt, their
    # short strokes up to 2.5 (which stay out)
    max_slope: float = 0.03  # a straight line may drift this much across per unit of length: 1.7°, the
    # skew and perspective a flatbed scan leaves after deskewing (the dev scans drift 0.5°)


DEFAULT = LineSettings()
OPEN_END_TOLERANCE_PT = 4.0  # a vertical stopping this close to a horizontal rule stops on it
OPEN_END_REACH_PT = 8.0  # verticals ending this close to the table's end reach it: on the harsh dev scans
# perspective leaves the ends of one cut-off row 6.5 pt apart; the grid's intersection tolerance is 8 pt
MIN_EDGE_VERTICAL_PT = 14.0  # shorter verticals are glyph strokes or crumbs, not cell edges
# A ruled row holds a line of print and its padding. The strokes of a large bold title (a print
# title repeated on every page) close into a one-row "table" 7.9-9.5 pt tall (measured on 7 title
# pages of the dev and office scans); the lowest real row on them is 16.4 pt (a 9-pt line of print)
MIN_ROW_PT = 12.0
# ... but only a table no taller than two such rows is a title's strokes: an office form set in
# 8-pt print has real rows of 11.1 pt, and an indicator page of 11 of them (122 pt) was dropped
# as a title, its table and every value on it lost to a NO_TABLE flag
GLYPH_TABLE_MAX_PT = 2 * MIN_ROW_PT
# A larger title (22 pt bold) makes a taller one, 12.7 pt, but its "columns" are the gaps between
# strokes: 21 of them, half under 10 pt wide. A real one-row table of many columns holds a label in
# each, at least one character (10.5 pt) wide
GLYPH_TABLE_MIN_COLS = 6
GLYPH_TABLE_MEDIAN_COL_PT = 12.0
# A column of print whose vertical strokes line up from line to line (CJK text is set on a grid) closes,
# once blurred, into vertical runs longer than `v_kernel_pt`, and a bold label's horizontal strokes into
# runs longer than `h_kernel_pt`; on photos of office forms (small-office-photo, straightened at ~200 dpi)
# dozens of them stood inside text cells, and removing them as ruling tore the characters they ran
# through. A glyph's stroke has its character's other strokes crossing it, on both sides; a rule has
# paper beside it, or print on one side where text is set tight against it. Measured just beside each
# stroke (BESIDE_PT from its edge), the share of its length with print on both sides: glyph runs of that
# photo mostly 0.3-0.9 (a few under 0.2, which stay), rules 0.00-0.06 (also on the dev set's photo, where
# one rule has text against it along 69% of its length, and a page of its 200-dpi scans); glyph runs
# are 13-45 pt long, rules pieces or whole.
BESIDE_PT = (0.6, 1.4)  # the stroke's own blurred edge (a pixel or two of ink the line mask leaves) is skipped
MIN_PRINT_BOTH_SIDES_SHARE = 0.25
MAX_GLYPH_RUN_PT = 60.0  # longer strokes are ruling whatever is beside them
# A vertical stroke at least this long, as thick as long_max_thickness_pt, that the glyph pass kept
# (print on one side at most) is a rule when both its ends stop on horizontal rules: a header row's
# vertical on a phone photo, 39.7 pt long, came out 2.51 pt thick and was lost, and with it the
# boundary between two header cells (a task block's every row unaccounted). A bold glyph run or
# a smear as thick ends inside a cell. No stroke of 20-60 pt and 2.2-2.8 pt was kept by the glyph
# pass on the dev set's scans and photo.
LONG_RUN_PT = 30.0


def _px(pt: float, dpi: float) -> int:
    return max(3, int(round(pt * dpi / 72.0)))


def line_masks(ink: np.ndarray, dpi: float, s: LineSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks by morphological opening."""
    bridge = _px(s.bridge_pt, dpi)
    h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (_px(s.h_kernel_pt, dpi), 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _px(s.v_kernel_pt, dpi))))
    return h, v


def mask_segments(mask: np.ndarray, horizontal: bool, dpi: float, s: LineSettings = DEFAULT) -> list[Segment]:
    """One Segment per connected stroke, through its centroid, in points.

    A stroke's thickness is its area over its length, not its bounding box:
    a line that perspective or residual skew leaves slanted by half a degree
    has a box 20 px wide over a page's height while it is 4 px thick, and
    the box test threw away every long vertical of such scans.
    """
    _, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return _stroke_segments(stats[1:], centroids[1:], horizontal, dpi, s)


def _stroke_segments(stats: np.ndarray, centroids: np.ndarray, horizontal: bool, dpi: float,
                     s: LineSettings) -> list[Segment]:
    """mask_segments from the strokes' connected-component stats and centroids."""
    k = 72.0 / dpi
    out = []
    for (x, y, w, h, area), (cx, cy) in zip(stats, centroids):
        length, across = (w, h) if horizontal else (h, w)
        thickest = s.long_max_thickness_pt if length * k > MAX_GLYPH_RUN_PT else s.max_thickness_pt
        if length * k < s.min_length_pt or area / length * k > thickest:
            continue
        if across * k > thickest + length * k * s.max_slope:
            continue  # a curve or a smear, not a straight line
        if horizontal:
            out.append(Segment(x * k, cy * k, (x + w) * k, cy * k))
        else:
            out.append(Segment(cx * k, y * k, cx * k, (y + h) * k))
    return out


def without_glyph_strokes(mask: np.ndarray, text_ink: np.ndarray, dpi: float, horizontal: bool) -> np.ndarray:
    """A line mask less the short strokes with print on both sides along a good part of their length.

    "Beside" is left and right of a vertical stroke, above and below a horizontal one."""
    return _glyph_pass(mask, print_sums(text_ink), dpi, horizontal)[0]


def print_sums(text_ink: np.ndarray) -> np.ndarray:
    """The print's integral image (OpenCV's, one pass, both directions): how much print a window
    of one row or one column holds is four look-ups (_print_in). It replaced a running sum along
    each axis (numpy's cumsum over the page, 50-70 ms each, four a page; this is 13 ms, once a grid search)."""
    return cv2.integral(np.greater(text_ink, 0).view(np.uint8), sdepth=cv2.CV_32S)


def _glyph_pass(mask: np.ndarray, sums: np.ndarray, dpi: float,
                horizontal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """without_glyph_strokes' mask, and the connected-component stats and centroids of the
    strokes it keeps: the same as mask_segments would work out again from that mask (a
    component's pixels are untouched or all gone), so image_segments labels each mask once.
    `sums`: print_sums of the print beside the strokes."""
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    near, far = (max(2, int(round(pt * dpi / 72.0))) for pt in BESIDE_PT)
    far = max(far, near + 1)
    out = mask.copy()
    kept = np.ones(n, bool)
    kept[0] = False  # the background
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if (w if horizontal else h) * 72.0 / dpi > MAX_GLYPH_RUN_PT:
            continue
        stroke = labels[y:y + h, x:x + w] == i
        # the stroke's lines across it: its columns if horizontal, its rows if vertical
        lines_of, lo, length = (stroke.T, y, h) if horizontal else (stroke, x, w)
        lines = np.flatnonzero(lines_of.any(axis=1))
        first = lo + lines_of[lines].argmax(axis=1)
        last = lo + length - 1 - lines_of[lines, ::-1].argmax(axis=1)
        along = (x if horizontal else y) + lines
        before = _print_in(sums, along, first - far, first - near + 1, horizontal)
        after = _print_in(sums, along, last + near, last + far + 1, horizontal)
        if np.mean((before > 0) & (after > 0)) > MIN_PRINT_BOTH_SIDES_SHARE:
            out[y:y + h, x:x + w][stroke] = 0
            kept[i] = False
    return out, stats[kept], centroids[kept]


def _rule_under(x: float, y: float, horizontal: list[Segment]) -> Segment | None:
    """The horizontal rule a vertical's end at (x, y) stops on, if any."""
    t = OPEN_END_TOLERANCE_PT
    return next((h for h in horizontal if abs(h.y0 - y) <= t and h.x0 - t <= x <= h.x1 + t), None)


def close_open_ends(segments: list[Segment]) -> list[Segment]:
    """Synthetic rules where a table's verticals stop with no rule across them.

    A table cut by the page edge (continued from or onto another page) has no
    rule above or below its merged cells that go on: those cells are not
    enclosed and their text is lost. A vertical whose end stops on no
    horizontal rule, beside a vertical ending at the same height on a rule
    (the table's partial edge), gets that rule extended to it. Verticals
    with no such neighbour (title strokes, a stray mark) are left alone.
    """
    vertical = [s for s in segments if not s.horizontal and s.y1 - s.y0 >= MIN_EDGE_VERTICAL_PT]
    horizontal = [s for s in segments if s.horizontal]
    added = []
    for tip in (lambda s: s.y0, lambda s: s.y1):
        rules = {id(u): _rule_under(u.x0, tip(u), horizontal) for u in vertical}
        for v in vertical:
            if rules[id(v)] is not None:
                continue
            near = [u for u in vertical if rules[id(u)] is not None and abs(tip(u) - tip(v)) <= OPEN_END_REACH_PT]
            if near:
                a = min(near, key=lambda u: abs(u.x0 - v.x0))
                rule = rules[id(a)]
                assert rule is not None  # `near` holds only verticals with a rule
                y = rule.y0
                added.append(Segment(min(v.x0, a.x0), y, max(v.x0, a.x0), y))
    return segments + added


def _print_in(sums: np.ndarray, along: np.ndarray, a: np.ndarray, b: np.ndarray, horizontal: bool) -> np.ndarray:
    """Print pixels in [a, b) across each of a stroke's lines (`along`: its columns if
    horizontal, its rows if vertical), from the integral image `sums` (print_sums)."""
    size = sums.shape[0 if horizontal else 1] - 1
    a, b = np.clip(a, 0, size), np.clip(b, 0, size)
    if horizontal:  # rows a..b of column `along`
        return (sums[b, along + 1] - sums[b, along]) - (sums[a, along + 1] - sums[a, along])
    return (sums[along + 1, b] - sums[along, b]) - (sums[along + 1, a] - sums[along, a])


def _thick_rules_between(stats: np.ndarray, centroids: np.ndarray, found: list[Segment], rows: list[Segment],
                         dpi: float, s: LineSettings) -> list[Segment]:
    """Vertical strokes of LONG_RUN_PT to MAX_GLYPH_RUN_PT as thick as long_max_thickness_pt, not
    among `found`, whose two ends stop on horizontal rules of `rows` (see LONG_RUN_PT)."""
    thick = _stroke_segments(stats, centroids, False, dpi, replace(s, max_thickness_pt=s.long_max_thickness_pt))
    return [v for v in thick if v not in found and v.y1 - v.y0 >= LONG_RUN_PT
            and _rule_under(v.x0, v.y0, rows) is not None and _rule_under(v.x0, v.y1, rows) is not None]


def image_segments(ink: np.ndarray, dpi: float, s: LineSettings = DEFAULT,
                   text_ink: np.ndarray | None = None) -> tuple[list[Segment], np.ndarray]:
    """Ruling segments of a straightened page, and the text ink with the ruling removed.

    `ink` is searched for ruling; `text_ink` (default: the same) is what the
    ruling is removed from for reading.
    """
    h, v = line_masks(ink, dpi, s)
    sums = print_sums(ink if text_ink is None else text_ink)
    h, h_stats, h_centroids = _glyph_pass(h, sums, dpi, True)
    v, v_stats, v_centroids = _glyph_pass(v, sums, dpi, False)
    across = _stroke_segments(h_stats, h_centroids, True, dpi, s)
    down = _stroke_segments(v_stats, v_centroids, False, dpi, s)
    segments = close_open_ends(across + down + _thick_rules_between(v_stats, v_centroids, down, across, dpi, s))
    ruling = cv2.dilate(cv2.bitwise_or(h, v), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return segments, cv2.bitwise_and(ink if text_ink is None else text_ink, cv2.bitwise_not(ruling))


def glyph_stroke_tables(tables: list[Table]) -> list[Table]:
    """Tables made of glyph strokes, not ruling: every row lower than a line of print, or one
    row cut into many columns mostly narrower than a character."""
    out = []
    for t in tables:
        ys = sorted({round(y, 1) for c in t.cells for y in (c.box.y0, c.box.y1)})
        if t.cells and max(b - a for a, b in zip(ys, ys[1:])) < MIN_ROW_PT and ys[-1] - ys[0] <= GLYPH_TABLE_MAX_PT:
            out.append(t)
        elif t.cells and len(ys) == 2 and len(t.cells) >= GLYPH_TABLE_MIN_COLS:
            widths = sorted(c.box.x1 - c.box.x0 for c in t.cells)
            if widths[len(widths) // 2] < GLYPH_TABLE_MEDIAN_COL_PT:
                out.append(t)
    return out


def without_tables(segments: list[Segment], tables: list[Table], slack_pt: float = 1.5) -> list[Segment]:
    """`segments` less those crossing one of `tables` (with `slack_pt` around it): a title
    stroke that closed a glyph table may run on beyond it."""
    boxes = [(min(c.box.x0 for c in t.cells) - slack_pt, min(c.box.y0 for c in t.cells) - slack_pt,
              max(c.box.x1 for c in t.cells) + slack_pt, max(c.box.y1 for c in t.cells) + slack_pt)
             for t in tables if t.cells]

    def crosses(s: Segment, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        if s.horizontal:
            return y0 <= s.y0 <= y1 and s.x0 < x1 and s.x1 > x0
        return x0 <= s.x0 <= x1 and s.y0 < y1 and s.y1 > y0
    return [s for s in segments if not any(crosses(s, b) for b in boxes)]
