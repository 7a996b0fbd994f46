"""Where a shaded cell meets an unshaded one, a cell edge: ruling the print lost.

A second try for a scanned page whose grid failed the check (extract/gridrepair.py): pages
that pass never look for these edges, so what they read does not change.

A header cell's grey fill covers the cell up to its rules. On a phone photo or a
faded scan the thin grey rule itself can vanish into the fill (a rule of 204 between
a fill of 222 and paper of 255 is a step, not a dark line), and the grid loses the
cell's edge. The step is still there: a long straight edge where the paper's
brightness changes. Shading is not ink (extract/prepare.py), but its edge is a rule.

The step is measured on paper only: print and ruling (dilated) are left out of
both sides' means, so a line of text, whose paper between strokes is about as white
as any, makes little step, and a rule makes none (it is ink, and it is already
in the ruling mask). Each side's window is wider than a rule, so a faint rule
that escaped both masks moves a side's mean by less than the cut. Edges are
kept one pixel thick at the strongest step (non-maximum suppression across) and
thickened to three, and only where no ruling ink lies within `near_rule_pt`:
they fill the gaps of a rule, never double one.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .model import Segment
from .prepare import PreparedPage, quarter_turn, straighten
from .scangrid import scan_grid


@dataclass(frozen=True)
class ShadeEdgeSettings:
    along_pt: float = 10.0  # a side's window along the edge: averages a photo's grain
    across_pt: float = 4.0  # ... and across it: a faint 3-px rule inside moves its mean by < min_step
    gap_pt: float = 0.7  # between the edge and each side's window: the blurred transition
    min_step: float = 0.08  # the sides' paper differs by this share of the brighter. A header fill
    # on a phone photo is 182 against paper at 236 (0.23); beside print, whose blurred halo is not
    # all left out, steps of 0.06-0.10 were seen on the same photo (at 0.06 edges ran round its
    # budget rows' text; at 0.10 a fill's side between two shaded cells was lost)
    peak_pt: float = 5.0  # the strongest step within this distance across is the edge: a side's
    # window reaches across_pt + gap_pt from it, so a step is seen, weaker, that far on
    min_paper_share: float = 0.3  # of each window: enough paper left to measure it
    ink_margin_pt: float = 0.6  # print's blurred edge left out with it
    page_margin_pt: float = 12.0  # no edge this close to the image's border: a scan's dark border
    # or a photo's desk left past the sheet steps against the paper, and the ruling chain then
    # carried the table's rules out to that "edge" (a 200-dpi office scan's rows ran to x = 3 pt)
    near_rule_pt: float = 3.0  # an edge this close to ruling ink is that rule's (the grid snaps lines this close)


DEFAULT = ShadeEdgeSettings()


def _px(pt: float, dpi: float) -> int:
    return max(1, int(round(pt * dpi / 72.0)))


def _shifted(a: np.ndarray, by: int, horizontal: bool) -> np.ndarray:
    """a moved `by` px down (horizontal edges) or right (vertical ones), edges repeated."""
    m = np.array([[1, 0, 0], [0, 1, by]] if horizontal else [[1, 0, by], [0, 1, 0]], np.float32)
    return cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_REPLICATE)


def paper_step(grey: np.ndarray, paper: np.ndarray, dpi: float, horizontal: bool,
               s: ShadeEdgeSettings = DEFAULT) -> np.ndarray:
    """Per pixel, the paper's mean brightness after the pixel minus before it (below minus
    above for horizontal edges, right minus left for vertical ones), over the brighter of the
    two; 0 where a side holds too little paper. `paper` is 1.0 where a pixel is paper, 0.0 where it is print."""
    along, across, gap = _px(s.along_pt, dpi), _px(s.across_pt, dpi), _px(s.gap_pt, dpi)
    ksize = (along, across) if horizontal else (across, along)
    total = cv2.boxFilter(grey * paper, -1, ksize, normalize=False, borderType=cv2.BORDER_REPLICATE)
    count = cv2.boxFilter(paper, -1, ksize, normalize=False, borderType=cv2.BORDER_REPLICATE)
    off = gap + across // 2 + 1
    before_t, before_n = _shifted(total, off, horizontal), _shifted(count, off, horizontal)
    after_t, after_n = _shifted(total, -off, horizontal), _shifted(count, -off, horizontal)
    enough = s.min_paper_share * along * across
    ok = (before_n > enough) & (after_n > enough)
    after, before = after_t / np.maximum(after_n, 1), before_t / np.maximum(before_n, 1)
    step = (after - before) / np.maximum(np.maximum(after, before), 1.0)
    return np.where(ok, step, 0.0).astype(np.float32)


def shade_edges(grey: np.ndarray, ink: np.ndarray, line_ink: np.ndarray, dpi: float,
                marks: np.ndarray | None = None, s: ShadeEdgeSettings = DEFAULT) -> np.ndarray:
    """255 along the edges of shaded areas that no ruling ink already marks.

    `grey` is the page as lit, before the background is flattened: flattening
    brightens a wide fill from its middle out, so a fill's own inside has steps. Where
    `marks` (a seal or pen mark taken out) lies, no edge is looked for: a seal's disc and
    ring, once its colour is gone, still step against the paper, in arcs that come out as
    short straight rules through its cells."""
    margin = _px(s.ink_margin_pt, dpi)
    printed = cv2.dilate(cv2.bitwise_or(ink, line_ink), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    if marks is not None:
        printed = cv2.bitwise_or(printed, cv2.dilate(marks, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)))
    paper = (printed == 0).astype(np.float32)
    g = grey.astype(np.float32)
    out: np.ndarray = np.zeros(grey.shape, np.uint8)
    reach = _px(s.near_rule_pt, dpi)
    for horizontal in (True, False):
        mag = np.abs(paper_step(g, paper, dpi, horizontal, s))
        n = 2 * _px(s.peak_pt, dpi) + 1
        peak = mag >= cv2.dilate(mag, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n) if horizontal else (n, 1)))
        edge = ((mag > s.min_step) & peak).astype(np.uint8) * 255
        across = (1, 3) if horizontal else (3, 1)
        edge = cv2.dilate(edge, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        near = (1, 2 * reach + 1) if horizontal else (2 * reach + 1, 1)
        ruled = cv2.dilate(line_ink, cv2.getStructuringElement(cv2.MORPH_RECT, near))
        out = cv2.bitwise_or(out, cv2.bitwise_and(edge, cv2.bitwise_not(ruled)))
    m = _px(s.page_margin_pt, dpi)
    out[:m, :] = 0
    out[-m:, :] = 0
    out[:, :m] = 0
    out[:, -m:] = 0
    return out


def lit_page(rgb: np.ndarray, turns: int, skew: float, slant: float = 0.0) -> np.ndarray:
    """The page as lit, turned and straightened as prepare() did: each pixel's brightest
    channel, so a seal or pen mark is about as bright as the paper under it (prepare whitens
    a seal, which would then step against the paper)."""
    lit = rgb.max(axis=2) if rgb.ndim == 3 else rgb
    lit = quarter_turn(lit, turns) if turns % 4 else lit
    # the corners repeat the page's edge: a white fill would step against grey paper
    lit = straighten(lit, skew, slant, border=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(lit)


def shade_segments(rgb: np.ndarray, pp: PreparedPage, number: int, s: ShadeEdgeSettings = DEFAULT) -> list[Segment]:
    """The page's ruling found again, by the scanned path's own chain (extract/scangrid.py:
    glyph strokes and pen marks left out, faint rules completed, rules mended), with the
    straight edges of its shaded areas added to its ruling ink; [] when it has none. An edge's
    pieces and a faint rule's own pieces, each shorter than a rule must be, join into one."""
    assert pp.line_ink is not None  # prepare() always sets it
    edges = shade_edges(lit_page(rgb, pp.turns, pp.skew, pp.slant), pp.ink, pp.line_ink, pp.dpi, pp.marks, s)
    if not edges.any():
        return []
    return scan_grid(replace(pp, line_ink=cv2.bitwise_or(pp.line_ink, edges)), number).segments
