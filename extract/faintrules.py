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
first search found a piece of (`corridor_pt` each side), or as a whole rule when a long
ridge has paper on both sides (`seed_min_pt`). extract/scangrid.py runs this on every page
and keeps the completed grid only where it holds clearly more cells than the first.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .imagegrid import MIN_EDGE_VERTICAL_PT, mask_segments
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
    # A rule the first search found no piece of at all: a ridge this long, after closing gaps of
    # `seed_bridge_pt`, with ink on either side over at most `beside_max` of it. Text's ridges
    # have the glyph on one side: on the 18 dev scan pages no ridge of 40 pt passed the test
    # away from a found rule; on the office scans 11 missing rules did, each a real rule
    seed_min_pt: float = 40.0
    seed_bridge_pt: float = 1.0
    seed_margin_pt: float = 5.0  # the page's own edge (a scanner's border) is no rule


DEFAULT = FaintSettings()


def _px(pt: float, dpi: float) -> int:
    return max(1, int(round(pt * dpi / 72.0)))


def _beside_span(dpi: float, s: FaintSettings) -> tuple[int, int]:
    """`beside_near_pt`..`beside_far_pt` in pixels, at least one pixel apart."""
    near = _px(s.beside_near_pt, dpi)
    return near, max(near + 1, _px(s.beside_far_pt, dpi))


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


def ridge_pixels(dark: np.ndarray, horizontal: bool, dpi: float, s: FaintSettings = DEFAULT) -> np.ndarray:
    """The pixels on a ridge running that way: the black-hat `dark`
    averaged along `along_pt` stands `ridge_contrast` over the same average `ridge_gap_pt`
    to either side, and the pixel itself is that dark."""
    along, gap = max(3, _px(s.along_pt, dpi)), max(2, _px(s.ridge_gap_pt, dpi))
    mean = cv2.blur(dark.astype(np.float32), (along, 1) if horizontal else (1, along))
    ys, xs = np.nonzero(dark > s.ridge_contrast)
    h, w = dark.shape
    if horizontal:
        side = np.maximum(mean[np.clip(ys - gap, 0, h - 1), xs], mean[np.clip(ys + gap, 0, h - 1), xs])
    else:
        side = np.maximum(mean[ys, np.clip(xs - gap, 0, w - 1)], mean[ys, np.clip(xs + gap, 0, w - 1)])
    keep = mean[ys, xs] - side > s.ridge_contrast
    out = np.zeros(dark.shape, np.uint8)
    out[ys[keep], xs[keep]] = 255
    return out


def _kept_stretches(added: np.ndarray, band: np.ndarray, horizontal: bool, dpi: float,
                    s: FaintSettings = DEFAULT) -> np.ndarray:
    """The connected stretches of `added` that have paper beside them: ink both above and
    below (left and right, for a vertical), `beside_near_pt`..`beside_far_pt` off, over at
    most `beside_max` of their pixels. Inside a glyph its other strokes lie there."""
    n, labels = cv2.connectedComponents(added, connectivity=8)
    if n <= 1:
        return added
    ys, xs = np.nonzero(added)
    after, before = _ink_beside(band, ys, xs, horizontal, dpi, s)
    both = after & before
    lab = labels[ys, xs]
    area = np.bincount(lab, minlength=n)
    beside = np.bincount(lab, weights=both.astype(np.float64), minlength=n)
    good = beside <= s.beside_max * np.maximum(area, 1)
    good[0] = False
    out = np.zeros(added.shape, np.uint8)
    keep = good[lab]
    out[ys[keep], xs[keep]] = 255
    return out


def ink_bands(ink: np.ndarray, dpi: float, s: FaintSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """For each direction (horizontal rules, vertical rules): 1 where there is ink within the
    `beside_far_pt - beside_near_pt` after a pixel (below it / right of it)."""
    near, far = _beside_span(dpi, s)
    on = (ink > 0).astype(np.uint8)
    return (cv2.dilate(on, np.ones((far - near, 1), np.uint8), anchor=(0, 0)),
            cv2.dilate(on, np.ones((1, far - near), np.uint8), anchor=(0, 0)))


def _ink_beside(band: np.ndarray, ys: np.ndarray, xs: np.ndarray, horizontal: bool, dpi: float,
                s: FaintSettings) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel (ys, xs): ink `beside_near_pt`..`beside_far_pt` after it (below / right)
    and before it (above / left); `band` from `ink_bands` for the direction."""
    near, far = _beside_span(dpi, s)
    h, w = band.shape
    if horizontal:
        return band[np.clip(ys + near, 0, h - 1), xs] > 0, band[np.clip(ys - far, 0, h - 1), xs] > 0
    return band[ys, np.clip(xs + near, 0, w - 1)] > 0, band[ys, np.clip(xs - far, 0, w - 1)] > 0


def ridge_seeds(ridge: np.ndarray, band: np.ndarray, horizontal: bool, dpi: float,
                s: FaintSettings = DEFAULT) -> np.ndarray:
    """Whole faint rules the first search found no piece of: long thin stretches of the page's
    `ridge` (`ridge_pixels` running that way) with paper on both sides (see `seed_min_pt`)."""
    k = max(1, _px(s.seed_bridge_pt, dpi))
    ridge = cv2.morphologyEx(ridge, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1) if horizontal else (1, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ridge, connectivity=8)
    out = np.zeros(ridge.shape, np.uint8)
    h, w = ridge.shape
    margin, longest, thickest = _px(s.seed_margin_pt, dpi), _px(s.seed_min_pt, dpi), _px(3.0, dpi)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        length, across = (bw, bh) if horizontal else (bh, bw)
        if length < longest or across > thickest:
            continue
        if (horizontal and (y < margin or y + bh > h - margin)) or (not horizontal and (x < margin or x + bw > w - margin)):
            continue
        ys, xs = np.nonzero(labels[y:y + bh, x:x + bw] == i)
        ys, xs = ys + y, xs + x
        after, before = _ink_beside(band, ys, xs, horizontal, dpi, s)
        if after.mean() <= s.beside_max and before.mean() <= s.beside_max:
            out[ys, xs] = 255
    return out


def completed_rule_ink(grey: np.ndarray, line_ink: np.ndarray, ink: np.ndarray, segments: Sequence[Segment],
                       dpi: float, s: FaintSettings = DEFAULT) -> np.ndarray:
    """`line_ink` plus whole faint rules with no piece found (`ridge_seeds`), and the ridge
    stretches along the rule pieces `segments` (found in it) and those rules with paper beside
    them (`ink`: the page's ink, for that test)."""
    dark = _blackhat(grey, dpi, s)
    ridge_h, ridge_v = ridge_pixels(dark, True, dpi, s), ridge_pixels(dark, False, dpi, s)
    band_h, band_v = ink_bands(ink, dpi, s)
    seeds_h, seeds_v = ridge_seeds(ridge_h, band_h, True, dpi, s), ridge_seeds(ridge_v, band_v, False, dpi, s)
    more = list(segments)
    for mask, horizontal in ((seeds_h, True), (seeds_v, False)):
        if mask.any():
            more += mask_segments(mask, horizontal, dpi)
    line_ink = cv2.bitwise_or(line_ink, cv2.bitwise_or(seeds_h, seeds_v))
    rows, cols = rule_corridors(more, grey.shape, dpi, s)
    not_yet = line_ink == 0
    out = line_ink.copy()
    for ridge, corridor, horizontal, band in ((ridge_h, rows, True, band_h), (ridge_v, cols, False, band_v)):
        added = np.where(corridor & not_yet, ridge, 0).astype(np.uint8)
        out = cv2.bitwise_or(out, _kept_stretches(added, band, horizontal, dpi, s))
    return out
