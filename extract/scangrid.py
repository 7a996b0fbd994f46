"""A scanned page's grid: ruling found in the prepared image -> segments -> tables.

Two corrections to the first ruling search (extract/imagegrid.py), each measured on
office scans the first search misread:
- tables whose every row is lower than a line of print are a large title's strokes
  (`imagegrid.glyph_stroke_tables`): their segments go and the title is read as a line;
- faint ruling found only in pieces is completed along its pieces (extract/faintrules.py),
  and the completed grid is used when it holds clearly more cells than the first one:
  on pages whose ruling the first search already found, completion adds a cell or two where
  a glyph's bottom strokes line up with a rule elsewhere on the page, which is no gain.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .faintrules import completed_rule_ink
from .grid import DEFAULT, page_tables
from .imagegrid import glyph_stroke_tables, image_segments, without_tables
from .model import PageContent, Segment, Table
from .prepare import PreparedPage

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
    k = 72.0 / pp.dpi
    h, w = pp.grey.shape

    def tables_of(segs: list[Segment]) -> list[Table]:
        return page_tables(PageContent(number, w * k, h * k, (), tuple(segs), "ocr"), OCR_GRID)[0]

    tables = tables_of(segments)
    for _ in range(GLYPH_TABLE_ROUNDS):  # a title's strokes: its text is read as a loose line
        strokes = glyph_stroke_tables(tables)
        if not strokes:
            break
        segments = without_tables(segments, strokes)
        tables = tables_of(segments)
    return segments, text_ink, tables


def scan_grid(pp: PreparedPage, number: int) -> ScanGrid:
    """The page's grid from its ruling, completed along faint rules where that adds cells."""
    line_ink = pp.line_ink if pp.line_ink is not None else pp.ink
    segments, text_ink, tables = grid_from_ink(pp, line_ink, number)
    if not segments:
        return ScanGrid(segments, text_ink, tables, False)
    completed_ink = completed_rule_ink(pp.grey, line_ink, pp.ink, segments, pp.dpi)
    more = grid_from_ink(pp, completed_ink, number)
    first, then = _cells(tables), _cells(more[2])
    if then >= max(first * (1 + COMPLETED_GROWTH), first + COMPLETED_MIN_GAIN):
        return ScanGrid(*more, True)
    return ScanGrid(segments, text_ink, tables, False)
