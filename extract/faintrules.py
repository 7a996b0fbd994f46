"""Faint ruling completed along the rules the first search found in pieces.

The first search (extract/prepare.py `rule_ink`) takes a pixel as ruling when it is
`rule_contrast` darker than its surroundings. A light grey hairline (an office sheet's
A6A6A6 border, printed and scanned at 300 dpi) comes out only ~40-50 darker than the paper,
half of its two pixels under the cut, and faded stretches of a worn print lower still: the
rule is found in pieces, the grid closes few cells, and the page fails the grid check.

Along a rule, though, its darkness adds up while noise does not: the black-hat averaged
along `along_pt` of a row stands clear of the rows `ridge_gap_pt` above and below it
(a ridge), where a line of text, as tall as it is dense, does not. Text strokes can still
make short ridges, so ridge pixels are only taken within a narrow corridor of a rule the
first search found a piece of (`corridor_pt` each side): the search completes known
rules and invents none. Run only on pages whose grid failed the check
(extract/scanned.py): on pages that pass, the first search's grid is kept as it was.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .imagegrid import MIN_EDGE_VERTICAL_PT
from .model import Segment


@dataclass(frozen=True)
class FaintSettings:
    context_pt: float = 3.0  # black-hat window, as prepare.PrepareSettings.rule_context_pt
    along_pt: float = 20.0  # averaging length along a rule: longer than a glyph (<= 16 pt), so a
    # stroke's darkness is diluted by the gap after it while a rule's is not
    ridge_gap_pt: float = 1.5  # the rows compared with a rule's row lie this far off it (a rule is <= 1 pt)
    # a ridge pixel is this much darker (black-hat, 0-255) than both rows beside it, averaged along
    # the rule, and itself: office scans' A6A6A6 hairlines measured 43-62 (10th-90th percentile)
    # on 300-dpi pages whose paper noise stays under 8 once averaged
    ridge_contrast: float = 10.0
    corridor_pt: float = 1.5  # half-width of the band around a found rule piece that is searched
    beside_near_pt: float = 1.0  # the bands beside an added stretch of rule, from this far off it ...
    beside_far_pt: float = 4.0  # ... to this far: a glyph's other strokes lie there, a rule's paper
    beside_max: float = 0.3  # an added stretch with ink on both sides over more of its length is text


DEFAULT = FaintSettings()


def _px(pt: float, dpi: float) -> int:
    return max(1, int(round(pt * dpi / 72.0)))


def _blackhat(grey: np.ndarray, dpi: float, s: FaintSettings) -> np.ndarray:
    n = max(3, _px(s.context_pt, dpi) | 1)
    return cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (n, n)))


def rule_corridors(segments: Sequence[Segment], shape: tuple[int, int], dpi: float,
                   s: FaintSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Bands (True) along every horizontal rule piece the first search found, and every
    vertical piece long enough to be a cell edge, across the whole page."""
    k = dpi / 72.0
    half = max(2, _px(s.corridor_pt, dpi))
    rows = np.zeros(shape, bool)
    cols = np.zeros(shape, bool)
    for seg in segments:
        if seg.horizontal:
            y = int(round(seg.y0 * k))
            rows[max(0, y - half):y + half + 1, :] = True
        elif seg.y1 - seg.y0 >= MIN_EDGE_VERTICAL_PT:
            x = int(round(seg.x0 * k))
            cols[:, max(0, x - half):x + half + 1] = True
    return rows, cols


def ridge_pixels(dark: np.ndarray, where: np.ndarray, horizontal: bool, dpi: float,
                 s: FaintSettings = DEFAULT) -> np.ndarray:
    """Of the pixels `where` (True), those on a ridge running that way: the black-hat `dark`
    averaged along `along_pt` stands `ridge_contrast` over the same average `ridge_gap_pt`
    to either side, and the pixel itself is that dark. Only `where` is tested (the corridors),
    so the cost is the two averages, not a page of comparisons."""
    along, gap = max(3, _px(s.along_pt, dpi)), max(2, _px(s.ridge_gap_pt, dpi))
    mean = cv2.blur(dark.astype(np.float32), (along, 1) if horizontal else (1, along))
    ys, xs = np.nonzero(where & (dark > s.ridge_contrast))
    h, w = dark.shape
    if horizontal:
        side = np.maximum(mean[np.clip(ys - gap, 0, h - 1), xs], mean[np.clip(ys + gap, 0, h - 1), xs])
    else:
        side = np.maximum(mean[ys, np.clip(xs - gap, 0, w - 1)], mean[ys, np.clip(xs + gap, 0, w - 1)])
    keep = mean[ys, xs] - side > s.ridge_contrast
    out = np.zeros(dark.shape, np.uint8)
    out[ys[keep], xs[keep]] = 255
    return out


def _kept_stretches(added: np.ndarray, ink: np.ndarray, horizontal: bool, dpi: float,
                    s: FaintSettings = DEFAULT) -> np.ndarray:
    """The connected stretches of `added` that have paper beside them: ink both above and
    below (left and right, for a vertical), `beside_near_pt`..`beside_far_pt` off, over at
    most `beside_max` of their pixels. Inside a glyph its other strokes lie there."""
    n, labels = cv2.connectedComponents(added, connectivity=8)
    if n <= 1:
        return added
    near, far = _px(s.beside_near_pt, dpi), max(_px(s.beside_near_pt, dpi) + 1, _px(s.beside_far_pt, dpi))
    kernel = np.ones((far - near, 1) if horizontal else (1, far - near), np.uint8)
    band = cv2.dilate((ink > 0).astype(np.uint8), kernel, anchor=(0, 0))  # ink in the span after a pixel
    ys, xs = np.nonzero(added)
    h, w = added.shape
    if horizontal:
        both = (band[np.clip(ys + near, 0, h - 1), xs] > 0) & (band[np.clip(ys - far, 0, h - 1), xs] > 0)
    else:
        both = (band[ys, np.clip(xs + near, 0, w - 1)] > 0) & (band[ys, np.clip(xs - far, 0, w - 1)] > 0)
    lab = labels[ys, xs]
    area = np.bincount(lab, minlength=n)
    beside = np.bincount(lab, weights=both.astype(np.float64), minlength=n)
    good = beside <= s.beside_max * np.maximum(area, 1)
    good[0] = False
    out = np.zeros(added.shape, np.uint8)
    keep = good[lab]
    out[ys[keep], xs[keep]] = 255
    return out


def completed_rule_ink(grey: np.ndarray, line_ink: np.ndarray, ink: np.ndarray, segments: Sequence[Segment],
                       dpi: float, s: FaintSettings = DEFAULT) -> np.ndarray:
    """`line_ink` plus the ridge stretches along the rule pieces `segments` (found in it) with
    paper beside them (`ink`: the page's ink, for that test)."""
    dark = _blackhat(grey, dpi, s)
    rows, cols = rule_corridors(segments, grey.shape, dpi, s)
    not_yet = line_ink == 0
    out = line_ink.copy()
    for corridor, horizontal in ((rows, True), (cols, False)):
        added = ridge_pixels(dark, corridor & not_yet, horizontal, dpi, s)
        out = cv2.bitwise_or(out, _kept_stretches(added, ink, horizontal, dpi, s))
    return out
