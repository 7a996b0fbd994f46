"""Phone photos of a page: find the sheet against the desk and look at it square-on.

A photo shows the page as a quadrilateral (tilt, perspective) on a darker or
coloured desk. Paper is the large bright, colourless region; its outline,
simplified to four corners, is mapped onto an upright rectangle whose size
follows the sheet's own side lengths, and the page's resolution is taken from
the sheet's width as A4 (the forms are A4, portrait or landscape). Uneven
light and shadow are left to prepare's background division. A scan or a
rendered PDF page, where the paper fills the frame, is returned unchanged.
"""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from .raster import PageImage

WORK_WIDTH = 600  # px: the outline is found on a copy this wide (fast; corners to within ~0.3% of the page)
MIN_PAGE_SHARE = 0.20  # the sheet covers at least this share of the photo, or it is not one sheet photographed
MAX_PAGE_SHARE = 0.92  # above this the paper fills the frame: a scan, nothing to straighten
QUAD_EPSILON = 0.02  # polygon simplification, as a share of the outline's perimeter
PAPER_MAX_SATURATION = 60  # HSV saturation (0-255) under which a bright pixel can be paper; a wooden or
# coloured desk is well above it in the dev photo (wood: 90-140)
DESK_CONTRAST = 40  # the desk outside the sheet is this much darker (HSV value, median) than the paper, or
# coloured; outside a region found on a scan is still paper (the scanner's white), within ~10 levels of it
A4_SHORT_IN, A4_LONG_IN = 210 / 25.4, 297 / 25.4


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array([quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]], dtype=np.float32)


def _quad_of(paper: np.ndarray) -> np.ndarray | None:
    """Four corners of the largest region of a paper mask, or None when it is no sheet on a desk."""
    # print and ruling are dark holes in the paper; close them so the sheet is one region
    paper = cv2.morphologyEx(paper, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sheet = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(sheet) / float(paper.shape[0] * paper.shape[1])
    if not MIN_PAGE_SHARE <= share <= MAX_PAGE_SHARE:
        return None
    quad = cv2.approxPolyDP(sheet, QUAD_EPSILON * cv2.arcLength(sheet, True), True)
    return quad.reshape(4, 2).astype(np.float32) if len(quad) == 4 else None


def page_quad(rgb: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners in `rgb` pixels (TL, TR, BR, BL), or None when there is no desk around it.

    Paper is colourless whatever the light: a shadow across the sheet darkens
    it but leaves its saturation low, so the sheet is first looked for as the
    colourless region; against a grey desk, as the bright region.
    """
    h, w = rgb.shape[:2]
    f = min(1.0, WORK_WIDTH / w)
    small = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    saturation = cv2.GaussianBlur(hsv[:, :, 1], (0, 0), 3)
    value = cv2.GaussianBlur(hsv[:, :, 2], (0, 0), 3)
    colourless = np.where(saturation < PAPER_MAX_SATURATION, 255, 0).astype(np.uint8)
    _, bright = cv2.threshold(value, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    for paper in (colourless, bright):
        quad = _quad_of(paper)
        if quad is not None and _desk_around(quad, hsv):
            return _order(quad / f)
    return None


def _desk_around(quad: np.ndarray, hsv: np.ndarray) -> bool:
    """Is what lies outside the quadrilateral a desk (darker or coloured), not more paper?

    A region of a scanned page (the part above a seal, a shaded block) can have four corners
    too; around it is the same white paper, and straightening it would crop the form.
    """
    inside = np.zeros(hsv.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    outside = cv2.erode(255 - inside, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))) > 0
    if not outside.any():
        return False
    paper_v = float(np.median(hsv[:, :, 2][inside > 0]))
    desk_v, desk_s = float(np.median(hsv[:, :, 2][outside])), float(np.median(hsv[:, :, 1][outside]))
    return desk_s >= PAPER_MAX_SATURATION or paper_v - desk_v >= DESK_CONTRAST


def straighten_photo(img: PageImage) -> PageImage:
    """The page seen square-on when it was photographed on a desk; else `img` unchanged."""
    quad = page_quad(img.pixels)
    if quad is None:
        return img
    tl, tr, br, bl = quad
    # opposite sides differ under perspective; their mean is the sheet's proportion to within a few %
    width = int(round((np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2))
    height = int(round((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    flat = cv2.warpPerspective(img.pixels, cv2.getPerspectiveTransform(quad, target), (width, height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    dpi = width / (A4_SHORT_IN if height >= width else A4_LONG_IN)
    return replace(img, pixels=flat, dpi=dpi)
