"""Phone photos of a page: find the sheet against the desk and look at it square-on.

A photo shows the page as a quadrilateral (tilt, perspective) on a desk, its sides
slightly bowed by the lens (barrel distortion). The sheet is found as the surface
that is locally the brightest (`_paper_mask`): light falls off towards the corners
and a shadow may darken half the view, so no one brightness separates paper from a
grey desk everywhere, but light multiplies paper and desk alike, so next to the
sheet's edge the desk is always a good deal darker than the paper. Its outline gives
the four sides; the lens's bow is measured from them (`_lens_and_corners`: the
one-parameter radial model that makes the four sides straightest) and the corners
are where the straightened sides meet. The sheet is then resampled onto an upright
rectangle, lens and perspective undone in one step, and the page's resolution is
taken from its width as A4 (the forms are A4, portrait or landscape). Uneven light
and shadow are left to prepare's background division. A scan or a rendered PDF
page, where the paper fills the frame, is returned unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .raster import PageImage

WORK_SIDE = 1000  # px: the outline is found on a copy this long (corners to ~1 px of the 3000 px photo: off7-photo)
MIN_PAGE_SHARE = 0.20  # the sheet covers at least this share of the photo, or it is not one sheet photographed
MAX_PAGE_SHARE = 0.92  # above this the paper fills the frame: a scan, nothing to straighten
QUAD_EPSILON = 0.02  # polygon simplification, as a share of the outline's perimeter
PRINT_CLOSE_SHARE = 0.012  # closing kernel, share of the long side: print (text, ruling, ticks) is thinner
BRIGHT_WINDOW_SHARE = 0.08  # paper is compared with the brightest surface within this share of the long side:
# wider than the print closed away, narrower than the soft edge of a shadow across the view (~12% of it)
PAPER_MIN_RATIO = 0.70  # paper is at least this bright against that: a shadow's edge darkens paper by at most
# ~20% over the window (generated photos, depth <= 0.4), a grey desk is 0.5 of the paper, oak 0.62 +- 12%
PAPER_MAX_SATURATION = 60  # HSV saturation (0-255) under which a bright pixel can be paper; a wooden or
# coloured desk is well above it in the dev photo (wood: 90-140)
DESK_CONTRAST = 40  # the desk outside the sheet is this much darker (HSV value, median) than the paper, or
# coloured; outside a region found on a scan is still paper (the scanner's white), within ~10 levels of it
SIDE_TRIM = 0.10  # the ends of each side are left out of its line fit (a rounded or dog-eared corner)
LENS_K1_RANGE = (-0.03, 0.08, 0.001)  # radial coefficients tried (pincushion to strong barrel; phones ~0.01-0.04)
EDGE_INSET_SHARE = 0.01  # share of the sheet's width left out at each edge (~2 mm of an A4 page; print keeps
# 5 mm or more off the edge): the corners are found to ~2 px, and a sliver of desk along the edge of the
# straightened page read as a rule framing the whole page (small-office-photo office-1-0 page 2)
MAP_STEP_PX = 8  # the lens-and-perspective map is worked out this often: under 0.01 px off inside the page,
# up to 4 px in the outer half-block, which the edge band (EDGE_INSET_SHARE, ~18 px) covers
A4_SHORT_IN, A4_LONG_IN = 210 / 25.4, 297 / 25.4


@dataclass(frozen=True)
class SheetView:
    """Where the sheet lies in a photo: its corners (TL, TR, BR, BL, photo pixels) and the lens's bow.

    `k1` is the radial coefficient of the photo's distortion: a photo point at normalised
    radius r (from the photo's centre, over half its diagonal) is r * (1 + k1 r^2) in the
    undistorted view; 0 is a plain perspective.
    """

    corners: np.ndarray
    k1: float
    photo_wh: tuple[int, int]

    def undistort(self, pts: np.ndarray) -> np.ndarray:
        centre, norm = _lens_frame(self.photo_wh)
        d = (pts - centre) / norm
        return d * (1 + self.k1 * (d * d).sum(axis=-1, keepdims=True)) * norm + centre

    def distort(self, pts: np.ndarray) -> np.ndarray:
        """Undistorted view -> photo pixels (Newton on r_d + k1 r_d^3 = r_u)."""
        if self.k1 == 0:
            return pts
        centre, norm = _lens_frame(self.photo_wh)
        d = (pts - centre) / norm
        r_u = np.sqrt((d * d).sum(axis=-1, keepdims=True))
        r_d = r_u / (1 + self.k1 * r_u * r_u)
        for _ in range(4):  # converges to well under 0.01 px from that start for |k1| <= 0.1
            r_d = r_d - (r_d + self.k1 * r_d ** 3 - r_u) / (1 + 3 * self.k1 * r_d * r_d)
        return d * (r_d / np.maximum(r_u, 1e-9)) * norm + centre


def _lens_frame(photo_wh: tuple[int, int]) -> tuple[np.ndarray, float]:
    w, h = photo_wh
    return np.array([(w - 1) / 2, (h - 1) / 2], np.float32), math.hypot(w, h) / 2


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array([quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]], dtype=np.float32)


def _paper_mask(hsv: np.ndarray) -> np.ndarray:
    """Pixels that are as bright as the brightest surface near them, and colourless: paper.

    Print is closed away first (a dark stroke is no surface). Comparing with the
    neighbourhood's brightest surface rather than one threshold keeps paper in a shadow
    and in the photo's dim corners, and leaves out a grey desk next to the sheet even
    where it is lit better than the paper's far corner. A desk farther than the window
    from the sheet passes as well, but a band of desk along the sheet does not, so it is
    a region apart from the sheet.
    """
    side = max(hsv.shape[:2])
    k = int(round(PRINT_CLOSE_SHARE * side)) | 1
    closed = cv2.morphologyEx(hsv[:, :, 2], cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    log_v = np.log(closed.astype(np.float32) + 1.0)
    w = int(round(BRIGHT_WINDOW_SHARE * side)) | 1
    brightest = cv2.dilate(log_v, cv2.getStructuringElement(cv2.MORPH_RECT, (w, w)))
    bright = (brightest - log_v) < -math.log(PAPER_MIN_RATIO)
    # a seal or a coloured mark inside the sheet is filled in with the sheet's holes later
    saturation = cv2.medianBlur(hsv[:, :, 1], 5)
    return (bright & (saturation < PAPER_MAX_SATURATION)).astype(np.uint8) * 255


def _sheet_outline(paper: np.ndarray) -> np.ndarray | None:
    """The outline of the largest paper region clear of the photo's edges (its holes do not
    count: seals, coloured marks); None when there is none.

    The desk reaches the photo's edges and the sheet does not (a sheet cut by the frame
    is no sheet on a desk, and a scan's paper touches every edge).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    h, w = paper.shape
    inner = [i for i in range(1, n) if stats[i, 0] > 0 and stats[i, 1] > 0
             and stats[i, 0] + stats[i, 2] < w and stats[i, 1] + stats[i, 3] < h]
    if not inner:
        return None
    best = max(inner, key=lambda i: stats[i, cv2.CC_STAT_AREA])
    region = np.where(labels == best, 255, 0).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return max(contours, key=cv2.contourArea)


def _side_points(outline: np.ndarray, quad: np.ndarray) -> list[np.ndarray]:
    """The outline's points along each side of the rough quad (TL-TR, TR-BR, BR-BL, BL-TL), ends left out."""
    sides = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        length = float(np.linalg.norm(b - a))
        along_unit = (b - a) / length
        normal = np.array([-along_unit[1], along_unit[0]])
        rel = outline - a
        along, across = rel @ along_unit / length, np.abs(rel @ normal)
        sides.append(outline[(along > SIDE_TRIM) & (along < 1 - SIDE_TRIM) & (across < 0.05 * length)])
    return sides


def _fit_line(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Total least squares: a point on the line, its unit normal, the mean squared residual."""
    mean = pts.mean(axis=0)
    normal = np.linalg.svd(pts - mean, full_matrices=False)[2][1]
    return mean, normal, float((((pts - mean) @ normal) ** 2).mean())


def _lens_and_corners(outline: np.ndarray, quad: np.ndarray, photo_wh: tuple[int, int],
                      outward: float) -> SheetView | None:
    """The radial coefficient that makes the sheet's four sides straightest, and the corners where they meet.

    `outline` and `quad` are in photo pixels; `outward` (px) moves each fitted side out to
    the region's edge (the outline runs through the centres of its boundary pixels).
    """
    sides = _side_points(outline, quad)
    if any(len(s) < 10 for s in sides):
        return None
    probe = SheetView(quad, 0.0, photo_wh)

    def cost(k1: float) -> float:
        view = replace(probe, k1=k1)
        return sum(_fit_line(view.undistort(s))[2] for s in sides)

    start, stop, step = LENS_K1_RANGE
    tried = np.arange(start, stop + step / 2, step)
    k1 = float(min(tried, key=cost))
    if k1 in (tried[0], tried[-1]):  # no bow of a lens: a curled sheet, or sides that are not the sheet's
        k1 = 0.0
    view = replace(probe, k1=k1)
    lines = [_fit_line(view.undistort(s)) for s in sides]
    centre = quad.mean(axis=0)
    corners_u = []
    for i in range(4):  # corner i is where side i-1 meets side i
        normals, offsets = [], []
        for mean, normal, _ in (lines[(i - 1) % 4], lines[i]):
            normal = normal if (mean - view.undistort(centre[None])[0]) @ normal > 0 else -normal
            normals.append(normal)
            offsets.append(mean @ normal + outward)
        corners_u.append(np.linalg.solve(np.array(normals), np.array(offsets)))
    return replace(view, corners=view.distort(np.array(corners_u)).astype(np.float32))


def find_sheet(rgb: np.ndarray) -> SheetView | None:
    """The sheet's corners and the lens's bow in `rgb`, or None when there is no desk around a sheet."""
    h, w = rgb.shape[:2]
    f = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    outline = _sheet_outline(_paper_mask(hsv))
    if outline is None:
        return None
    hull = cv2.convexHull(outline)
    share = cv2.contourArea(hull) / float(small.shape[0] * small.shape[1])
    if not MIN_PAGE_SHARE <= share <= MAX_PAGE_SHARE:
        return None
    rough = cv2.approxPolyDP(hull, QUAD_EPSILON * cv2.arcLength(hull, True), True)
    if len(rough) != 4:
        return None
    if not _desk_around(rough.reshape(4, 2), hsv):
        return None
    to_photo = lambda p: (p.astype(np.float32) + 0.5) / f - 0.5  # noqa: E731  (pixel centres)
    return _lens_and_corners(to_photo(outline.reshape(-1, 2)), _order(to_photo(rough.reshape(4, 2))),
                             (w, h), outward=0.5 / f)


def page_quad(rgb: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners in `rgb` pixels (TL, TR, BR, BL), or None when there is no desk around it."""
    view = find_sheet(rgb)
    return None if view is None else view.corners


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


def _source_map(view: SheetView, to_view: np.ndarray, width: int, height: int) -> np.ndarray:
    """Photo pixel of each output pixel (height x width x 2, float32).

    Worked out every MAP_STEP_PX pixels, at the centres of MAP_STEP_PX-square blocks, and
    interpolated between (cv2.resize lands exactly on those centres): the map is smooth, and
    Newton's steps over every pixel of a 4-Mpx page took ~1 s.
    """
    step = MAP_STEP_PX
    cols, rows = -(-width // step), -(-height // step)
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32) * step + (step - 1) / 2
    grid = np.stack([xs, ys], axis=-1).reshape(-1, 1, 2)
    coarse = view.distort(cv2.perspectiveTransform(grid, to_view).reshape(rows, cols, 2)).astype(np.float32)
    return cv2.resize(coarse, (cols * step, rows * step), interpolation=cv2.INTER_LINEAR)[:height, :width]


def straighten_photo(img: PageImage) -> PageImage:
    """The page seen square-on when it was photographed on a desk; else `img` unchanged."""
    view = find_sheet(img.pixels)
    if view is None:
        return img
    tl, tr, br, bl = view.undistort(view.corners)
    # opposite sides differ under perspective; their mean is the sheet's proportion to within a few %
    width = int(round((np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2))
    height = int(round((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    to_view = cv2.getPerspectiveTransform(target, np.array([tl, tr, br, bl], np.float32))
    if view.k1 == 0:
        flat = cv2.warpPerspective(img.pixels, to_view, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_REPLICATE)
    else:  # lens and perspective in one resampling: each output pixel -> undistorted view -> photo pixel
        src = _source_map(view, to_view, width, height)
        flat = cv2.remap(img.pixels, src[..., 0], src[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inset = max(1, int(round(EDGE_INSET_SHARE * min(width, height))))
    # the edge band becomes the paper just inside it, repeated; the page keeps the sheet's size and dpi
    flat = cv2.copyMakeBorder(flat[inset:-inset, inset:-inset], inset, inset, inset, inset, cv2.BORDER_REPLICATE)
    dpi = width / (A4_SHORT_IN if height >= width else A4_LONG_IN)
    return replace(img, pixels=flat, dpi=dpi)
