"""Page image preparation before the grid is found and text is read.

Each step is a small pure function on numpy arrays (OpenCV underneath):
colour marks out -> flat background -> ink mask -> quarter turns -> deskew.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class PrepareSettings:
    colour_saturation: int = 70  # HSV saturation (0-255) above which a pixel is a seal or pen mark
    pen_share: float = 0.6  # pen pixels brighter than this share of their stroke's mean go
    line_pen_share: float = 0.8  # for finding ruling: keep more of a black line under a pen (a gap
    # there cuts a short cell edge below the line kernel)
    red_saturation: int = 35  # seals are red and bright: a fainter red is enough ...
    red_min_value: int = 185  # ... while darker red pixels are text under the seal
    background_kernel_pt: float = 7.0  # wider than any stroke, narrower than the page's light changes
    max_skew: float = 3.0  # degrees searched each way
    coarse_step: float = 0.25
    fine_step: float = 0.02
    sideways_ratio: float = 1.3  # vertical ruling this much longer than horizontal: turned 90°


DEFAULT = PrepareSettings()


def colour_marks(rgb: np.ndarray, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """255 where a seal or pen mark lies on the page (saturated colour), whatever is under it."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    return ((hsv[..., 1] > s.colour_saturation) & (hsv[..., 2] > 40)).astype(np.uint8) * 255


def _pen_cut(val: np.ndarray, pen: np.ndarray, share: float) -> np.ndarray:
    """Per pen stroke: `share` of the stroke's mean brightness (a stroke is one colour).

    Black text under the stroke is far darker than the stroke itself, however
    dark the pen; a fixed cut either leaves a dark pen or eats blurred text.
    """
    n, labels = cv2.connectedComponents(cv2.dilate(pen, np.ones((3, 3), np.uint8)), connectivity=8)
    inside = pen > 0
    sums = np.bincount(labels[inside], weights=val[inside].astype(np.float64), minlength=n)
    counts = np.bincount(labels[inside], minlength=n)
    mean = sums / np.maximum(counts, 1)
    return (mean * share)[labels]


def drop_colour(rgb: np.ndarray, s: PrepareSettings = DEFAULT, share: float | None = None) -> np.ndarray:
    """Grey page with red seals and coloured pen marks turned to paper white.

    Seals and ink multiply on paper, so a page's brightest channel is the
    black ink alone: a red seal is bright in R, a blue pen in B, and black
    text under either stays dark in every channel. Pen pixels near their
    stroke's own brightness are whitened, darker ones are text under the pen
    and kept; a seal is bright, so a fixed cut does for red.
    """
    grey = rgb.max(axis=2)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = (hue < 15) | (hue > 155)
    grey = grey.copy()
    pen = (~red & (sat > s.colour_saturation) & (val > 40)).astype(np.uint8) * 255
    if pen.any():
        cut = _pen_cut(val, pen, s.pen_share if share is None else share)
        grey[(pen > 0) & (val > cut)] = 255
    # red: a seal's JPEG-washed edges are only faintly red, but bright; blurred
    # text under a seal is red-tinted too, and darker: the brightest channel
    # already keeps it, so only clearly bright red goes
    grey[red & (sat > s.red_saturation) & (val > s.red_min_value)] = 255
    return grey


def flatten_background(grey: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """Divide by the local paper brightness: uneven light and yellowed paper become white."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, int(s.background_kernel_pt / 72 * dpi * 0.25) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k)
    paper = cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = grey.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0) * 255.0
    return np.clip(flat, 0, 255).astype(np.uint8)


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """255 where there is ink (Otsu on the flattened page)."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def rotate(img: np.ndarray, degrees: float, fill: int = 255) -> np.ndarray:
    """Rotate about the centre, counter-clockwise for positive degrees, same size."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def quarter_turn(img: np.ndarray, turns: int) -> np.ndarray:
    """Rotate by 90° steps counter-clockwise (exact, no interpolation)."""
    return np.ascontiguousarray(np.rot90(img, turns % 4))


def _long_strokes(ink: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    return h, v


def _line_run_length(text_ink: np.ndarray, kernel: tuple[int, int], along: int) -> int:
    """Total length of text runs once characters are smeared together along one axis."""
    smeared = cv2.morphologyEx(text_ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    _, _, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    w, h = stats[1:, 2], stats[1:, 3]
    long_, short = (w, h) if along == 0 else (h, w)
    keep = long_ >= 4 * np.maximum(short, 1)
    return int(long_[keep].sum())


def is_sideways(ink: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> bool:
    """Text lines run across an upright page: smeared along the lines, characters join into long runs.

    Ruling is not a safe guide (a page of a few tall rows has more vertical than
    horizontal ruling), so it is removed first and only the text is measured.
    """
    small = cv2.resize(ink, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    d = dpi / 2
    h, v = _long_strokes(small, max(15, int(d * 0.6)))
    text = cv2.bitwise_and(small, cv2.bitwise_not(cv2.bitwise_or(h, v)))
    k = max(3, int(d * 4 / 72))  # 4 pt: bridges the gap between characters, not between lines
    across = _line_run_length(text, (k, 1), 0)
    down = _line_run_length(text, (1, k), 1)
    return down > s.sideways_ratio * across and down > 0


def _profile_score(ink_small: np.ndarray, degrees: float) -> float:
    rows = rotate(ink_small, degrees, fill=0).sum(axis=1, dtype=np.float64)
    return float(np.square(rows).sum())


def _scaled(ink: np.ndarray, width: int) -> np.ndarray:
    f = min(1.0, width / ink.shape[1])
    return ink if f == 1.0 else cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def skew_angle(ink: np.ndarray, s: PrepareSettings = DEFAULT) -> float:
    """Angle (degrees, counter-clockwise) that makes rows of ink horizontal.

    Projection profile: the right angle makes ruling lines and text lines
    fall into few rows, maximising the sum of squared row sums. A coarse
    search on a small copy, then a fine one on a larger copy around the best.
    """
    small = _scaled(ink, 700)
    coarse = np.arange(-s.max_skew, s.max_skew + 1e-9, s.coarse_step)
    best = max(coarse, key=lambda a: _profile_score(small, a))
    large = _scaled(ink, 1600)
    fine = np.arange(best - 2 * s.coarse_step, best + 2 * s.coarse_step + 1e-9, s.fine_step)
    return float(max(fine, key=lambda a: _profile_score(large, a)))


@dataclass(frozen=True)
class PreparedPage:
    grey: np.ndarray  # flattened, straightened, colour marks removed
    ink: np.ndarray  # 255 = ink
    dpi: float
    turns: int  # quarter turns applied (counter-clockwise)
    skew: float  # degrees rotated to straighten
    marks: np.ndarray | None = None  # 255 where a seal or pen mark was (values there go to review)
    line_ink: np.ndarray | None = None  # ink for finding ruling (see prepare)


def prepare(rgb: np.ndarray, dpi: float, turns: int | None = None, s: PrepareSettings = DEFAULT) -> PreparedPage:
    """Colour out, background flat, turned upright (90° steps) and straightened.

    `turns=None` decides 90° vs 0° from the ruling; 180° needs the text and is
    decided by the caller (see extract/scanned.py), which passes `turns`.
    """
    grey = flatten_background(drop_colour(rgb, s), dpi, s)
    line_grey = flatten_background(drop_colour(rgb, s, s.line_pen_share), dpi, s)
    marks = colour_marks(rgb, s)
    ink = ink_mask(grey)
    if turns is None:
        turns = 1 if is_sideways(ink, dpi, s) else 0
    if turns % 4:
        grey, ink = quarter_turn(grey, turns), quarter_turn(ink, turns)
        marks, line_grey = quarter_turn(marks, turns), quarter_turn(line_grey, turns)
    angle = skew_angle(ink, s)
    if abs(angle) >= s.fine_step:
        grey = rotate(grey, angle)
        marks = rotate(marks, angle, fill=0)
        line_grey = rotate(line_grey, angle)
        ink = ink_mask(grey)
    return PreparedPage(grey, ink, dpi, turns % 4, angle, marks, ink_mask(line_grey))
