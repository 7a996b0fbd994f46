"""Trim a cell crop to its ink before recognition.

PP-OCR recognition adds or drops characters on crops with wide blank margins
(OCR-NOTES), and a cell crop from a scanned grid usually carries remnants of
the ruling lines around it and speckle noise. This finds the text's bounding
box without those and returns it, cleaned, with a white border.
"""
from __future__ import annotations

import cv2
import numpy as np

from .base import as_gray

MIN_CONTRAST = 60  # darkest pixel must be this much below the paper to count as ink
NOISE_AREA = 3  # components this small are never text (pixel noise)
# A mark can anchor text only if it is this long (a digit at 10.5 pt is >= 20 px
# high even at 200 dpi), or a dash: a lone '-' at 300 dpi is 9x2 px. Clumps of
# specks are compact and shorter, so a specky empty cell stays empty.
MIN_CORE_AREA = 12
MIN_CORE_SIDE = 12
MIN_DASH_SIDE = 8
CORE_SHARE = 0.08  # marks at least this share of the largest one anchor the text box


def ink_mask(gray: np.ndarray) -> np.ndarray | None:
    """Binary ink mask (255 = ink) by Otsu, or None when the crop has no contrast."""
    paper = float(np.percentile(gray, 90))
    if paper - float(gray.min()) < MIN_CONTRAST:
        return None
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu on a nearly blank crop can split the paper's own noise; keep the cut
    # well below the paper tone.
    t = min(t, paper - MIN_CONTRAST / 2)
    return np.where(gray < t, 255, 0).astype(np.uint8)


def _edge_lines(mask: np.ndarray) -> np.ndarray:
    """Ruling-line remnants: long straight runs lying in a band along an edge.

    Only the edge bands are searched so that a dash or the stroke of 一 inside
    the text is kept; vertical runs must span most of the crop's height since
    a digit 1 spans most of a tight crop too.
    """
    h, w = mask.shape
    lines = np.zeros_like(mask)
    kh = max(20, w // 2)
    horiz = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    band = max(4, int(0.25 * h))
    lines[:band] |= horiz[:band]
    lines[h - band:] |= horiz[h - band:]
    kv = max(20, int(0.85 * h))
    if kv <= h:
        vert = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
        band = max(6, int(0.08 * w))
        lines[:, :band] |= vert[:, :band]
        lines[:, w - band:] |= vert[:, w - band:]
    if lines.any():  # also take the anti-aliased fringe of the line
        lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    return lines


def _is_line_remnant(x: int, y: int, bw: int, bh: int, shape: tuple[int, int]) -> bool:
    """A thin, elongated mark touching the crop's edge: a (possibly skewed) rule."""
    h, w = shape
    touches = x <= 1 or y <= 1 or x + bw >= w - 1 or y + bh >= h - 1
    thin, long_ = min(bw, bh), max(bw, bh)
    return touches and long_ >= 4 * thin and thin <= max(6, 0.15 * min(h, w)) and long_ >= 0.3 * max(h, w)


def _anchors(bw: int, bh: int) -> bool:
    long_, short = max(bw, bh), min(bw, bh)
    return long_ >= MIN_CORE_SIDE or (long_ >= MIN_DASH_SIDE and long_ >= 3 * short)


def _inside(c: tuple, box: tuple[int, int, int, int]) -> bool:
    _, x, y, bw, bh, _ = c
    return x >= box[0] and y >= box[1] and x + bw <= box[2] and y + bh <= box[3]


def _grow_cluster(core: list[tuple], size: float) -> tuple[int, int, int, int]:
    """Box of the text: from the largest mark, take in marks within reach of it.

    Leaves out blots and stray marks far from the text (a large speck would
    otherwise stretch the box and bring back the blank margins).
    """
    seed = max(core, key=lambda c: c[5])
    x0, y0, x1, y1 = seed[1], seed[2], seed[1] + seed[3], seed[2] + seed[4]
    rx, ry = 1.5 * size, 1.0 * size  # a word space; a line gap or the gap inside 二
    rest = [c for c in core if c is not seed]
    grown = True
    while grown:
        grown = False
        for c in list(rest):
            _, x, y, bw, bh, _ = c
            if x + bw >= x0 - rx and x <= x1 + rx and y + bh >= y0 - ry and y <= y1 + ry:
                x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x + bw), max(y1, y + bh)
                rest.remove(c)
                grown = True
    return x0, y0, x1, y1


def trim_to_ink(gray: np.ndarray, pad: int = 4) -> np.ndarray | None:
    """Crop to the text's ink box plus `pad` px of white, or None when blank.

    Ruling-line remnants along the edges and specks away from the text are
    whitened and ignored; small marks beside the text (a decimal point, a
    comma) are kept. Flat ink (a lone dash, 一, 二) is padded to about a
    character's height: PP-OCR reads a 10-px-high crop stretched to 48 px as
    nothing or as "_".
    """
    gray = as_gray(gray)
    if gray.size == 0 or min(gray.shape) < 2:
        return None
    mask = ink_mask(gray)
    if mask is None:
        return None
    drop = _edge_lines(mask)
    mask = cv2.bitwise_and(mask, cv2.bitwise_not(drop))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    comps = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area >= NOISE_AREA and not _is_line_remnant(x, y, bw, bh, gray.shape):
            comps.append((i, x, y, bw, bh, area))
    if not comps:
        return None
    eligible = [c for c in comps if c[5] >= MIN_CORE_AREA and _anchors(c[3], c[4])]
    if not eligible:
        return None
    largest = max(c[5] for c in eligible)
    core = [c for c in eligible if c[5] >= CORE_SHARE * largest]
    # a character's size: the long side of a typical mark (heights alone fail
    # for characters built of flat strokes, like 二)
    size = float(np.median([max(c[3], c[4]) for c in core]))
    x0, y0, x1, y1 = _grow_cluster(core, size)
    keep = {c[0] for c in core if _inside(c, (x0, y0, x1, y1))}
    # Small marks join only within the text's line and close to it, and only
    # if larger than a speck at this text size.
    min_area = max(NOISE_AREA, 0.008 * size * size)
    rx, ry = 0.4 * size, 0.2 * size  # punctuation sits close: 0.00 has a 4-px gap at 44 px
    for i, x, y, bw, bh, area in comps:
        if i in keep or area < min_area:
            continue
        if x + bw >= x0 - rx and x <= x1 + rx and y >= y0 - ry and y + bh <= y1 + ry:
            keep.add(i)
            x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x + bw), max(y1, y + bh)
    out = gray[y0:y1, x0:x1].copy()
    # Whiten every ink pixel in the box that is not kept text: rule remnants,
    # specks, bits of a neighbour. (Leaving specks that lie inside the box cost
    # tesseract's numeric re-read 9 points on the harsh bench: stray '.' and '-'.)
    kept = np.isin(labels[y0:y1, x0:x1], list(keep))
    out[((mask[y0:y1, x0:x1] > 0) & ~kept) | (drop[y0:y1, x0:x1] > 0)] = 255
    extra = max(0, int(round(0.8 * size)) - out.shape[0])
    top = pad + extra // 2
    return cv2.copyMakeBorder(out, top, pad + extra - extra // 2, pad, pad, cv2.BORDER_CONSTANT, value=255)
