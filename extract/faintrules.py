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

from dataclasses import dataclass

import cv2
import numpy as np

from .imagegrid import MIN_EDGE_VERTICAL_PT, line_masks, mask_segments


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


DEFAULT = FaintSettings()


def _px(pt: float, dpi: float) -> int:
    return max(1, int(round(pt * dpi / 72.0)))


def ridge_masks(grey: np.ndarray, dpi: float, s: FaintSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ridge masks (255 = a pixel of a thin dark line running that way)."""
    n = _px(s.context_pt, dpi) | 1
    dark = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, n), max(3, n)))).astype(np.float32)
    along, gap = max(3, _px(s.along_pt, dpi)), max(2, _px(s.ridge_gap_pt, dpi))
    out = []
    for horizontal in (True, False):
        mean = cv2.blur(dark, (along, 1) if horizontal else (1, along))
        axis = 0 if horizontal else 1
        beside = np.maximum(np.roll(mean, gap, axis=axis), np.roll(mean, -gap, axis=axis))
        ridge = (mean - beside > s.ridge_contrast) & (dark > s.ridge_contrast)
        out.append(ridge.astype(np.uint8) * 255)
    return out[0], out[1]


def rule_corridors(line_ink: np.ndarray, dpi: float, s: FaintSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Bands (255) along every horizontal rule piece, and every vertical piece long enough to be
    a cell edge, that the first search found in `line_ink`, across the whole page."""
    h, v = line_masks(line_ink, dpi)
    k = dpi / 72.0
    half = max(2, _px(s.corridor_pt, dpi))
    rows = np.zeros(line_ink.shape, np.uint8)
    cols = np.zeros(line_ink.shape, np.uint8)
    for seg in mask_segments(h, True, dpi):
        y = int(round(seg.y0 * k))
        rows[max(0, y - half):y + half + 1, :] = 255
    for seg in mask_segments(v, False, dpi):
        if seg.y1 - seg.y0 >= MIN_EDGE_VERTICAL_PT:
            x = int(round(seg.x0 * k))
            cols[:, max(0, x - half):x + half + 1] = 255
    return rows, cols


def completed_rule_ink(grey: np.ndarray, line_ink: np.ndarray, dpi: float, s: FaintSettings = DEFAULT) -> np.ndarray:
    """`line_ink` plus the ridge pixels that lie along the rules it holds pieces of."""
    ridge_h, ridge_v = ridge_masks(grey, dpi, s)
    rows, cols = rule_corridors(line_ink, dpi, s)
    more = cv2.bitwise_or(cv2.bitwise_and(ridge_h, rows), cv2.bitwise_and(ridge_v, cols))
    return cv2.bitwise_or(line_ink, more)
