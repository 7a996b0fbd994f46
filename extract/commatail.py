"""A thousands comma read as a point, because its tail was cropped off.

A line crop is cut to the rows its ink mask covers. At 200 dpi a comma's tail below the digits
is a pixel or two of grey, lighter than the ink cut: the crop stops at the digits' baseline,
and "2,304" is read "2.304", which is no amount (a point with three digits after it is refused).
Such a reading is read once more from a crop that takes COMMA_TAIL_SHARE of the line's height
more of the page below it. Only a second reading that puts a comma where the first had a point,
every digit the same, replaces it; anything else keeps the first reading, and its refusal.

Measured on a 200-dpi office scan's amounts (digits 22 px tall at 300 dpi): with 2, 3, 4 and 6
more rows below, four of the five such amounts read with their commas from 4 rows (0.18 of the
line) on; the fifth lies under a seal, whose ring below it reads as a colon. The tail hangs
below the digits, so only rows below are added.
"""
from __future__ import annotations

import re

import cv2
import numpy as np

from .cellread import LineCrop

COMMA_TAIL_SHARE = 0.2  # rows of page below a line crop, as a share of its height
_POINT_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+(?:\.\d{2})?$")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d{2})?$")


def needs_tail(text: str) -> bool:
    """A number grouped in threes with a point where a group's comma stands ("2.304", "12.345.67")."""
    body = re.sub(r"\s", "", text)
    if not _POINT_GROUPED.match(body):
        return False
    groups = body[:-3] if re.search(r"\.\d{2}$", body) else body
    return "." in groups


def _with_commas(first: str, second: str) -> bool:
    """Does `second` read `first` with commas where `first` had group points, and no other change?"""
    a, b = re.sub(r"\s", "", first), re.sub(r"\s", "", second)
    return len(a) == len(b) and bool(_COMMA_GROUPED.match(b)) and b.replace(",", ".") == a.replace(",", ".")


def tail_crop(grey: np.ndarray, box_px: tuple[int, int, int, int], bottom_limit: int, pad: int) -> np.ndarray:
    """The line's crop with COMMA_TAIL_SHARE of its height more page below it (up to `bottom_limit`)."""
    x0, y0, x1, y1 = box_px
    extra = max(1, int(round(COMMA_TAIL_SHARE * (y1 - y0))))
    crop = grey[y0:min(bottom_limit, y1 + extra), x0:x1]
    return cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def read_comma_tails(engine, grey: np.ndarray, lines: list[LineCrop], texts: list[tuple[str, float]],
                     bottoms: list[int], pad: int) -> list[tuple[str, float]]:
    """`texts` with each grouped number read with a point re-read from a crop taller below; a
    re-reading with commas in the points' places replaces it, at the lower of the two
    confidences. `bottoms[i]` is the lowest pixel row line i's crop may take (its cell's)."""
    todo = [i for i, (text, _) in enumerate(texts) if needs_tail(text)]
    if not todo:
        return texts
    again = engine.recognize_lines([tail_crop(grey, lines[i].box_px, bottoms[i], pad) for i in todo])
    out = list(texts)
    for i, r in zip(todo, again):
        text, conf = texts[i]
        if _with_commas(text, r.text):
            out[i] = (re.sub(r"\s", "", r.text), min(conf, r.confidence))
    return out
