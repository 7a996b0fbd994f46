"""Rows of text in a cell's ink, and a page's line heights: where one line ends and the next begins.

A cell's ink is cut into bands by its row profile; thin bands (the strokes of 二) join a
neighbour, and bands of lines touching (blur, tight leading) are cut again where the page's
line height, or a near-empty row, says two lines meet (extract/cellread.py crops each band).
"""
from __future__ import annotations

import numpy as np


def runs(profile: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of the non-zero stretches of a 1-D profile."""
    on = np.concatenate([[0], (profile > 0).astype(np.int8), [0]])
    d = np.diff(on)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def text_bands(ink: np.ndarray, min_height: int, line_height: float | None = None,
               single_height: float | None = None) -> list[tuple[int, int]]:
    """Rows of text in an ink crop.

    Thin bands (a dash, a stroke of 二) join their nearest neighbour; with the
    page's `line_height` known, two bands that together are no taller than
    one line are one line (量 splits into 旦 over 里 at its gap), and a band of
    lines touching is cut (see _split_tall; `single_height`: the page's single lines).
    """
    bands = runs(ink.sum(axis=1))
    changed = True
    while changed and len(bands) > 1:
        changed = False
        for i, (a, b) in enumerate(bands):
            if b - a >= min_height:
                continue
            prev_gap = a - bands[i - 1][1] if i > 0 else None
            next_gap = bands[i + 1][0] - b if i + 1 < len(bands) else None
            j = i - 1 if next_gap is None or (prev_gap is not None and prev_gap <= next_gap) else i + 1
            lo, hi = min(j, i), max(j, i)
            if line_height and _is_wisp(ink, bands[i], bands[j], line_height):
                del bands[i]
                changed = True
                break
            bands[lo:hi + 1] = [(bands[lo][0], bands[hi][1])]
            changed = True
            break
    if line_height:
        profile = ink.sum(axis=1)
        bands = [part for band in bands for part in _split_tall(profile, band, line_height, single_height)]
        merged: list[tuple[int, int]] = []
        for a, b in bands:
            if merged and b - merged[-1][0] <= 1.15 * line_height and a - merged[-1][1] < 0.35 * line_height:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        bands = merged
    return [(int(a), int(b)) for a, b in bands]


WISP_SHARE = 0.15  # a thin band whose fullest row holds less than this share of its neighbour's full
# rows is a mark's residue, not a stroke of print: a seal's rays above and below an amount held 0.10
# and 0.03 of the digits' rows on a 200-dpi office scan; a 一 or a dash beside a line of ten
# characters holds 0.25 and more


def _is_wisp(ink: np.ndarray, thin: tuple[int, int], neighbour: tuple[int, int], line_height: float) -> bool:
    """A thin band left out rather than joined to its neighbour: joined, the band would be taller
    than a line and a half (and be cut through the neighbour's print by _split_tall), and its ink is
    sparse against the neighbour's (WISP_SHARE). The seal's rays above and below 126337.94 made one
    band of 62 px on a page of 40-px lines, cut through the digits: read 12633794 over 2つう."""
    joined = max(thin[1], neighbour[1]) - min(thin[0], neighbour[0])
    if joined <= SINGLE_LINE_SPREAD * line_height:
        return False
    rows = ink[thin[0]:thin[1]].sum(axis=1)
    return float(rows.max()) < WISP_SHARE * _full_row(ink[neighbour[0]:neighbour[1]].sum(axis=1))


VALLEY_SHARE = 0.4  # a row this empty, against the full rows of the emptier side, is between two
# lines: measured 0.11 and 0.14 on two-line labels of a 200-dpi office scan, 0.23 on labels drawn 2 px
# tight and blurred; the middle rows of a line of print hold 0.8 and more


def _split_tall(profile: np.ndarray, band: tuple[int, int], lh: float,
                single: float | None = None) -> list[tuple[int, int]]:
    """A band taller than one and a half lines is lines touching (blur, tight leading):
    cut it at the emptiest row near where the first line should end, and go on.

    On a page of larger labels among smaller print, `lh` is the labels' line, and a
    label of two touching lines (69 px, against labels of 42 and print of 34) is
    under one and a half of it. Such a band is cut too where it is taller than one
    and a half single lines (`single`, see line_heights) and its emptiest row there
    holds under VALLEY_SHARE of the full rows of the side with less ink: a line of
    characters has ink across its middle rows, two lines touch by their blurred edges
    only (11 px against 97 on that label; 13 against 90 on a label of five characters
    over three). A single line so cut (一 above 二) is joined again by text_bands when it is
    no taller than 1.15 page lines."""
    a, b = band
    by_valley = b - a <= 1.5 * lh
    if by_valley and not (single and b - a > 1.5 * single):
        return [band]
    step = single if by_valley and single else lh
    lo, hi = a + int(0.6 * step), min(b - int(0.6 * step), a + int(1.4 * step))
    if hi <= lo:
        return [band]
    cut = lo + int(np.argmin(profile[lo:hi]))
    if by_valley and profile[cut] >= VALLEY_SHARE * min(_full_row(profile[a:cut]), _full_row(profile[cut:b])):
        return [band]
    return _split_tall(profile, (a, cut), lh, single) + _split_tall(profile, (cut, b), lh, single)


def _full_row(profile: np.ndarray) -> float:
    """The ink of a line's full rows: the 90th percentile of its rows' (one row may be a rule's crumb)."""
    return float(np.percentile(profile, 90)) if profile.size else 0.0


SINGLE_LINE_SPREAD = 1.5  # as _split_tall: a band taller than this many lines is lines touching
DOUBLED_QUANTILE = 1.7  # see line_heights: two lines' bands measured 1.83 times one's, mixed print 1.49


def line_heights(ink: np.ndarray, regions: list[tuple[int, int, int, int]], min_height: int
                 ) -> tuple[float | None, float | None]:
    """The page's usual text-line height in pixels, and its single lines' (both None on a page
    of fewer than three bands). The first: a high quantile of its band heights (a line
    of digits is lower than one of characters). Where that quantile falls among bands of two
    touching lines, the same quantile of the single lines: those up to SINGLE_LINE_SPREAD times
    the median. On a 200-dpi office scan set in tight leading, 29% of the bands were two lines
    (76-80 px against 36-43), the quantile came out at 77, and no two-line band was cut: the
    overall goal read as half its lines (single lines' quantile 42, 1.83 times less). A page of
    large bold labels and smaller print is no such page: 50.5 against 34 (1.49), and cut at 34
    its labels' lines were read in two halves."""
    heights = np.array([b - a for x0, y0, x1, y1 in regions for a, b in text_bands(ink[y0:y1, x0:x1], min_height)])
    if len(heights) < 3:
        return None, None
    every = float(np.percentile(heights, 75))
    single = float(np.percentile(heights[heights <= SINGLE_LINE_SPREAD * np.median(heights)], 75))
    return (single if every >= DOUBLED_QUANTILE * single else every), single

