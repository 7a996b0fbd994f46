"""A scanned page's grid: ruling found in the prepared image -> segments -> tables.

Three corrections to the first ruling search (extract/imagegrid.py), each measured on
office scans the first search misread:
- tables whose every row is lower than a line of print are a large title's strokes
  (`imagegrid.glyph_stroke_tables`): their segments go and the title is read as a line;
- faint ruling found only in pieces is completed along its pieces (extract/faintrules.py),
  and the completed grid is used when it holds clearly more cells than the first one:
  on pages whose ruling the first search already found, completion adds a cell or two where
  a glyph's bottom strokes line up with a rule elsewhere on the page, which is no gain;
- a rule cut by a seal (taken out with the seal) is bridged across it (`bridges_under_seals`);
- a rule broken in the middle of a cell, or stopped short of the rule it runs to, is mended
  (extract/brokenrules.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .brokenrules import joined_lines, mend_broken_rules, strokes_past_the_edge
from .faintrules import completed_rule_ink
from .grid import DEFAULT, page_tables
from .imagegrid import glyph_stroke_tables, image_segments, without_tables
from .model import PageContent, Segment, Table
from .prepare import PreparedPage, seal_area

# scanned ruling has gaps where a pen stroke crossed it (whitened with the
# pen), far wider than a text layer's rounding; merged cells leave gaps of a
# whole cell width, wider still
# close_open_ends is off on scans: a rule broken by a pen stroke or faint print also ends on
# nothing, and closing it there would cut a real cell in two (not measured on scans yet)
OCR_GRID = replace(DEFAULT, join_tolerance=12.0, intersection_tolerance=8.0, close_open_ends=False)
GLYPH_TABLE_ROUNDS = 3  # strokes left over by one removal can close another glyph table
# the completed grid is used when it has this share more cells than the first (and at least
# COMPLETED_MIN_GAIN more): on the 18 dev scan pages completion added 0-5% (a glyph's strokes
# lined up with a rule), on 14 office scan pages with faint or faded ruling 24% to 16x
COMPLETED_GROWTH = 0.15
COMPLETED_MIN_GAIN = 3
# the faint-rule search runs at this resolution at most (measured: a 300-dpi page's search took
# 1.1 s of its 6.0 s on the 2-core machine; 200 dpi is the dev set's harsh scans' own resolution)
COMPLETION_DPI = 200.0
# a gap in a rule that a seal covers over this share of its length is bridged: ink under a seal
# is taken out with the seal (prepare.drop_colours), a grey rule with it
SEAL_COVER = 0.8
# a rule's end touched by a colour mark (within MARK_NEAR_PT) is carried on to the next rule
# across, this far at most: the longest stretch a pen's ring took on the office photos was 34 pt
MARK_NEAR_PT = 3.0  # (within this much across its line)
MARK_REACH_PT = 60.0
# ... and only when the mark runs on past the end: in this share of the positions from
# MARK_SKIP_PT to MARK_SKIP_PT + MARK_SPAN_PT beyond it. A pen's underline, itself found as a
# piece of ruling, ends with its mark (carried on to the cell's edge, it cut a header in two)
MARK_SKIP_PT = 2.0
MARK_SPAN_PT = 8.0
MARK_SHARE = 0.5
# a found rule with a colour mark along this share of its length, and no longer than PEN_MAX_PT,
# is a pen's stroke (pen_stroke): a pen's underline under an item label, 160 pt, was marked
# along 0.95 of it; a printed rule crossed by a seal is marked where the ring and strokes cross
PEN_COVER = 0.8
PEN_MAX_PT = 200.0
# ... unless ruling ink off the mark (grown by PEN_EDGE_PX), within PEN_OWN_NEAR_PT of the line,
# lies along it over more than this share: a red pen line and a blue ring drawn along a printed
# rule covered 0.8 of it and its own grey lay beside them along 0.47; pens' strokes 0.0-0.04
PEN_OWN_INK = 0.3
PEN_OWN_NEAR_PT = 1.0
PEN_EDGE_PX = 2


@dataclass(frozen=True)
class ScanGrid:
    segments: list[Segment]  # the ruling the tables were built from, in points
    text_ink: np.ndarray  # the page's ink with that ruling taken out, for reading
    tables: list[Table]  # cells without text yet
    completed: bool  # faint rules were completed along their pieces (faintrules.py)


def _cells(tables: list[Table]) -> int:
    return sum(len(t.cells) for t in tables)


def grid_from_ink(pp: PreparedPage, line_ink: np.ndarray, number: int) -> tuple[list[Segment], np.ndarray, list[Table]]:
    """Segments, text ink and (empty) tables from one ruling ink, glyph-stroke tables removed."""
    segments, text_ink = image_segments(line_ink, pp.dpi, text_ink=pp.ink)
    return _without_glyph_tables(pp, segments, text_ink, number)


def _without_glyph_tables(pp: PreparedPage, segments: list[Segment], text_ink: np.ndarray,
                          number: int) -> tuple[list[Segment], np.ndarray, list[Table]]:
    tables = _tables_of(pp, segments, number)
    for _ in range(GLYPH_TABLE_ROUNDS):  # a title's strokes: its text is read as a loose line
        strokes = glyph_stroke_tables(tables)
        if not strokes:
            break
        segments = without_tables(segments, strokes)
        tables = _tables_of(pp, segments, number)
    return segments, text_ink, tables


def regridded(pp: PreparedPage, grid: ScanGrid, segments: list[Segment], number: int) -> ScanGrid:
    """`grid` with its cells built from `segments` instead (a repaired ruling: gridrepair.py)."""
    return ScanGrid(segments, grid.text_ink, _tables_of(pp, segments, number), grid.completed)


def _tables_of(pp: PreparedPage, segments: list[Segment], number: int) -> list[Table]:
    k = 72.0 / pp.dpi
    h, w = pp.grey.shape
    return page_tables(PageContent(number, w * k, h * k, (), tuple(segments), "ocr"), OCR_GRID)[0]


def _ends_on_rule(piece: Segment, at_start: bool, segments: list[Segment]) -> bool:
    """Does `piece` end (its start, or its end) on a rule across it?"""
    tol = OCR_GRID.intersection_tolerance
    if piece.horizontal:
        x, y = (piece.x0 if at_start else piece.x1), piece.y0
        return any(not o.horizontal and abs(o.x0 - x) <= tol and o.y0 - tol <= y <= o.y1 + tol for o in segments)
    x, y = piece.x0, (piece.y0 if at_start else piece.y1)
    return any(o.horizontal and abs(o.y0 - y) <= tol and o.x0 - tol <= x <= o.x1 + tol for o in segments)


def bridges_under_seals(segments: list[Segment], seals: np.ndarray, dpi: float) -> list[Segment]:
    """Segments joining two collinear pieces of a rule across a gap that a seal covers."""
    k = dpi / 72.0
    out = []
    for horizontal in (True, False):
        # a line's pieces joined first: one rule found twice, a point apart across it (a photo),
        # put a short piece inside a longer one, whose start on no rule kept the gap from a bridge
        for line in joined_lines(segments, horizontal):
            for a, b in zip(line, line[1:]):
                bridge = _bridge(a, b, horizontal, segments, seals, k)
                if bridge is not None:
                    out.append(bridge)
    return out


def _bridge(a: Segment, b: Segment, horizontal: bool, segments: list[Segment], seals: np.ndarray,
            k: float) -> Segment | None:
    """The segment joining `a` to the next piece `b` of its rule across a gap a seal covers."""
    h, w = seals.shape
    across_a, across_b = (a.y0, b.y0) if horizontal else (a.x0, b.x0)
    start, end = (a.x1, b.x0) if horizontal else (a.y1, b.y0)
    if end - start <= OCR_GRID.join_tolerance:
        return None
    if not (_ends_on_rule(a, True, segments) and _ends_on_rule(b, False, segments)):
        return None  # a piece of a cell edge ends on a rule at its far end; a glyph's stroke does not
    at = int(round((across_a + across_b) / 2 * k))
    lo, hi = int(start * k), int(end * k)
    strip = seals[lo:hi, min(at, w - 1)] if not horizontal else seals[min(at, h - 1), lo:hi]
    if not strip.size or strip.mean() < SEAL_COVER:
        return None
    y = (across_a + across_b) / 2
    return Segment(start, y, end, y) if horizontal else Segment(y, start, y, end)


def _line_window(shape: tuple[int, ...], along: tuple[float, float], across: float, near_pt: float,
                 horizontal: bool, k: float) -> tuple[tuple[slice, slice], int]:
    """The pixels within `near_pt` across a line at `across` from `along[0]` to `along[1]`
    (points; k px a point), as (rows, columns), and the axis that runs across the line: reduced
    over it, a window gives one value per position along the line."""
    lo, hi = sorted((int(round(along[0] * k)), int(round(along[1] * k))))
    c0, c1 = int(round((across - near_pt) * k)), int(round((across + near_pt) * k)) + 1
    h, w = shape[:2]
    if horizontal:
        return (slice(max(0, c0), min(h, c1)), slice(max(0, lo), min(w, hi + 1))), 0
    return (slice(max(0, lo), min(h, hi + 1)), slice(max(0, c0), min(w, c1))), 1


def _marked_beyond(marks: np.ndarray, at: float, to: float, across: float, horizontal: bool, k: float) -> bool:
    """Does a mark lie along the rule's line just past its end at `at` (towards `to`): in at
    least MARK_SHARE of the positions from MARK_SKIP_PT to MARK_SKIP_PT + MARK_SPAN_PT past
    it, within MARK_NEAR_PT across? A pen's own stroke, found as a piece of ruling, ends where
    its mark ends: nothing lies past it."""
    step = 1.0 if to > at else -1.0
    along = (at + step * MARK_SKIP_PT, at + step * min(MARK_SKIP_PT + MARK_SPAN_PT, abs(to - at)))
    window, axis = _line_window(marks.shape, along, across, MARK_NEAR_PT, horizontal, k)
    hits = marks[window].any(axis=axis)
    return bool(hits.size) and float(hits.mean()) >= MARK_SHARE


def scan_grid(pp: PreparedPage, number: int) -> ScanGrid:
    """The page's grid from its ruling, completed along faint rules where that adds cells, rules
    bridged under seals, then rules broken in a cell mended (brokenrules.py). Mending comes after
    the choice between the first and the completed grid: mended first, the first grid gained the
    cells the completion would have, and a completed grid that found a whole faint rule more lost
    the choice (an indicator page of a 200-dpi office scan, 29 cells against 27)."""
    line_ink = pp.line_ink if pp.line_ink is not None else pp.ink
    first = grid_from_ink(pp, line_ink, number)
    if not first[0]:
        return ScanGrid(*first, False)
    completed_ink = _completed(pp, line_ink, first[0])
    more = grid_from_ink(pp, completed_ink, number)
    marks = pp.marks if pp.marks is not None and pp.marks.any() else None
    seals = seal_area(marks > 0, pp.dpi) if marks is not None else None
    if seals is not None and seals.any():
        first, more = _bridged(pp, first, seals, number), _bridged(pp, more, seals, number)
    completed = _cells(more[2]) >= max(_cells(first[2]) * (1 + COMPLETED_GROWTH), _cells(first[2]) + COMPLETED_MIN_GAIN)
    segments, text_ink, _ = more if completed else first
    if marks is not None:
        segments = [sg for sg in segments if not pen_stroke(sg, marks, pp.dpi, line_ink, seals)]
    strokes = strokes_past_the_edge(segments)
    segments = mend_broken_rules([s for s in segments if s not in strokes])
    if marks is not None:
        segments = segments + carried_under_marks(segments, marks > 0, pp.dpi)
    return ScanGrid(*_without_glyph_tables(pp, segments, text_ink, number), completed)


def pen_stroke(sg: Segment, marks: np.ndarray, dpi: float, line_ink: np.ndarray | None = None,
               seals: np.ndarray | None = None) -> bool:
    """Is this found rule a pen's stroke: no longer than PEN_MAX_PT, a colour mark outside any
    seal along it (within MARK_NEAR_PT across) over PEN_COVER of its length, and no ruling ink
    of its own off the mark (PEN_OWN_INK)? A dark red underline is darker than the cut that
    takes a seal's red out of the grey, so it stays in the ruling ink and is found as a rule:
    under the first line of 其他事业发展性支出 it cut the item's cell in two, and the two halves
    were read as two budget rows (the amount lost, flagged), on two office scans. A printed
    rule under a seal is the seal's colour where the seal lies, so a seal's area is no pen's;
    a rule a pen ran beside keeps its own grey off the mark. Cutting red out of the ruling grey
    instead lost a whole budget block on a photo (its labels and values ran together once rules
    the red had crossed were cut too): only whole segments go."""
    k = dpi / 72.0
    if max(sg.x1 - sg.x0, sg.y1 - sg.y0) > PEN_MAX_PT:
        return False
    along, across = ((sg.x0, sg.x1), sg.y0) if sg.horizontal else ((sg.y0, sg.y1), sg.x0)
    window, axis = _line_window(marks.shape, along, across, MARK_NEAR_PT, sg.horizontal, k)
    marked = marks[window] > 0
    if seals is not None:
        marked &= ~(seals[window] > 0)
    hits = marked.any(axis=axis)
    if not hits.size or float(hits.mean()) < PEN_COVER:
        return False
    if line_ink is None:
        return True
    # the rule's own grey: ruling ink within PEN_OWN_NEAR_PT of its line, off the mark and the
    # mark's blurred edge (the mark grown by PEN_EDGE_PX; grown in the wider window, so a mark
    # just outside the narrow one still counts)
    grown = cv2.dilate(marked.astype(np.uint8), np.ones((2 * PEN_EDGE_PX + 1, 2 * PEN_EDGE_PX + 1), np.uint8)) > 0
    own = (line_ink[window] > 0) & ~grown
    narrow, _ = _line_window(marks.shape, along, across, PEN_OWN_NEAR_PT, sg.horizontal, k)
    inside = [slice(n.start - o.start, n.stop - o.start) if i == axis else slice(None)
              for i, (n, o) in enumerate(zip(narrow, window))]
    return float(own[tuple(inside)].any(axis=axis).mean()) <= PEN_OWN_INK


def carried_under_marks(segments: list[Segment], marks: np.ndarray, dpi: float) -> list[Segment]:
    """A rule that starts on a rule across and stops short of the next one where a colour mark
    (a pen, a seal) runs on along it, carried on to that rule (MARK_REACH_PT at most). A pen's
    ring drawn round an amount ran along the rule under it: ring and rule were one stroke to the
    ruling search, which took both for a glyph, and the rule stopped 34 pt short of the table's
    edge; the amount under it joined the one above (a photo of an office form). Only where the
    mark runs on past the end (`_marked_beyond`): elsewhere a rule's end in a cell is a pen's own
    underline or a merged cell's edge (brokenrules.py carries a horizontal on only to the table's
    edge)."""
    k = dpi / 72.0
    tol = OCR_GRID.intersection_tolerance
    out = []
    for horizontal in (True, False):
        # the positions (along) of the rules across, and their spans (across)
        crossing = [(o.x0, o.y0, o.y1) if horizontal else (o.y0, o.x0, o.x1) for o in segments if o.horizontal != horizontal]
        for line in joined_lines(segments, horizontal):
            for run in line:
                start, end, across = (run.x0, run.x1, run.y0) if horizontal else (run.y0, run.y1, run.x0)
                starts_on, ends_on = _ends_on_rule(run, True, segments), _ends_on_rule(run, False, segments)
                if starts_on == ends_on:
                    continue
                stops = sorted(pos for pos, lo, hi in crossing if lo - tol <= across <= hi + tol)
                if starts_on:
                    at, to = end, next((p for p in stops if end < p <= end + MARK_REACH_PT), None)
                else:
                    at, to = start, next((p for p in reversed(stops) if start - MARK_REACH_PT <= p < start), None)
                if to is not None and _marked_beyond(marks, at, to, across, horizontal, k):
                    a, b = sorted((at, to))
                    out.append(Segment(a, across, b, across) if horizontal else Segment(across, a, across, b))
    return out


def _completed(pp: PreparedPage, line_ink: np.ndarray, segments: list[Segment]) -> np.ndarray:
    """`faintrules.completed_rule_ink`, worked out at COMPLETION_DPI at most: its cost goes with
    the page's pixels, and a 300-dpi page's rules, 2 px wide, stay a pixel wide and as dark there."""
    if pp.dpi <= COMPLETION_DPI:
        return completed_rule_ink(pp.grey, line_ink, pp.ink, segments, pp.dpi)
    f = COMPLETION_DPI / pp.dpi
    h, w = line_ink.shape

    def small(a: np.ndarray) -> np.ndarray:
        return cv2.resize(a, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    small_line = np.where(small(line_ink) >= 128, 255, 0).astype(np.uint8)
    small_ink = np.where(small(pp.ink) >= 128, 255, 0).astype(np.uint8)
    done = completed_rule_ink(small(pp.grey), small_line, small_ink, segments, COMPLETION_DPI)
    added = cv2.bitwise_and(done, cv2.bitwise_not(small_line))
    return cv2.bitwise_or(line_ink, cv2.resize(added, (w, h), interpolation=cv2.INTER_NEAREST))


def _bridged(pp: PreparedPage, grid: tuple[list[Segment], np.ndarray, list[Table]], seals: np.ndarray,
             number: int) -> tuple[list[Segment], np.ndarray, list[Table]]:
    bridges = bridges_under_seals(grid[0], seals, pp.dpi)
    if not bridges:
        return grid
    segments = grid[0] + bridges
    return segments, grid[1], _tables_of(pp, segments, number)
