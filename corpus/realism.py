"""What office scans have that a clean print-and-scan lacks: faint broken ruling, perspective,
handwriting in the margins.

Used by corpus/degrade.py for the `office-*` profiles. Everything is drawn from a numpy
Generator; geometry in pixels of the rendered page unless a name says points (pt).

The target look was measured on 200-dpi office scans: the 0.5 pt grey rules of a worksheet
come out 1-3 px wide and 110-140 grey on a ~220 paper, broken in places by blur and JPEG,
and the sheet lies 1-1.5 degrees skewed with a slight keystone (the lid does not press it flat).
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# A rule is a dark run at least this fraction of the page's width (height) long: 1/40 of the
# page is about 5 mm, longer than any CJK glyph stroke at form sizes (<= 16 pt, about 5.6 mm
# is a whole glyph, whose strokes are broken by the glyph's other strokes) and shorter than
# the narrowest column of a form.
RULE_MIN_FRACTION = 1 / 40
# Pixels darker than this (0-255, min over RGB) on the clean render can be ruling: grey
# rules of office sheets (A6A6A6 = 166) are included, header shading (D9D9D9 = 217 and lighter;
# the darkest office fill, BFBFBF = 191) is not.
RULE_DARK = 180


def rule_masks(page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling of a clean rendered page (H x W x 3 uint8) as bool masks."""
    H, W = page.shape[:2]
    dark = (page.min(axis=2) < RULE_DARK).astype(np.uint8)
    kh = cv2.getStructuringElement(cv2.MORPH_RECT, (max(9, int(W * RULE_MIN_FRACTION)) | 1, 1))  # odd: centred anchor
    kv = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(9, int(H * RULE_MIN_FRACTION)) | 1))
    return cv2.morphologyEx(dark, cv2.MORPH_OPEN, kh) > 0, cv2.morphologyEx(dark, cv2.MORPH_OPEN, kv) > 0


def _thin(mask: np.ndarray, axis: int, width: int) -> np.ndarray:
    """Each rule of `mask` cut to `width` px across it (axis 0: horizontal rules, thinned
    vertically): the first pixel of each run across the rule and the width-1 after it."""
    m = mask if axis == 0 else mask.T
    before = np.vstack([np.zeros((1, m.shape[1]), bool), m[:-1]])
    edge = m & ~before
    out = edge.copy()
    for k in range(1, width):
        out[k:] |= edge[:-k]
    return out if axis == 0 else out.T


def fade_ruling(page: np.ndarray, grey: float, width_px: int, breaks: float,
                rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The page with its ruling redrawn `width_px` wide at grey level `grey` (of 255 on white),
    its darkness varying along the rules and dropping out where a smooth random field is low
    (`breaks`: the fraction of rule length that fades towards the paper)."""
    horiz, vert = rule_masks(page)
    rules = horiz | vert
    out = page.copy()
    out[rules] = 255
    thin = _thin(horiz, 0, width_px) | _thin(vert, 1, width_px)
    H, W = page.shape[:2]
    field = cv2.resize(rng.normal(0, 1, (48, 34)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
    cut = np.quantile(field, breaks) if breaks > 0 else float(field.min())  # -inf made inf/inf = NaN
    strength = np.clip(0.8 + 0.2 * (field - cut) / max(1e-6, float(field.max() - cut)), 0.0, 1.0)
    strength[field < cut] *= 0.35
    value = 255.0 - (255.0 - grey) * strength
    cur = out.astype(np.float32)
    cur[thin] = np.minimum(cur[thin], value[thin][:, None])
    return np.clip(cur + 0.5, 0, 255).astype(np.uint8), {
        "grey": round(float(grey), 1), "width_px": int(width_px), "breaks": round(float(breaks), 3),
        "rule_px": int(rules.sum())}


def table_box(page: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (px) of the page's ruling, or None when it has none."""
    horiz, vert = rule_masks(page)
    ys, xs = np.nonzero(horiz | vert)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


# -- skew plus perspective ----------------------------------------------------------------

def sheet_homography(W: int, H: int, angle_deg: float, keystone: float, rng: np.random.Generator) -> np.ndarray:
    """3x3 matrix: rendered page px -> scan px. A rotation about the centre by `angle_deg`
    (counter-clockwise as seen), then each corner pushed up to `keystone` x page size in a
    random direction (a sheet that does not lie flat, a camera-like keystone)."""
    src = np.float32([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]])
    c = np.float32([(W - 1) / 2, (H - 1) / 2])
    a = math.radians(-angle_deg)  # image y points down: a CCW-looking turn is a negative angle here
    rot = np.float32([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = (src - c) @ rot.T + c
    dst += rng.uniform(-keystone, keystone, (4, 2)).astype(np.float32) * np.float32([W, H])
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def apply_h(points: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Points (N x 2) through a homography."""
    p = np.column_stack([points, np.ones(len(points))]) @ np.asarray(h, dtype=np.float64).T
    return p[:, :2] / p[:, 2:3]


# -- handwriting ----------------------------------------------------------------------------

# Notes as reviewers write them on a printed form; none is a form label or a value.
NOTES = ["已审核", "同意", "情况属实", "请复核", "已阅", "经办人：", "核对无误", "按此执行", "附件另附"]


def _scribble(n: int, size: float, rng: np.random.Generator) -> np.ndarray:
    """A signature-like run of loops, `size` px high, as one polyline."""
    t = np.linspace(0, n * 2 * math.pi, 40 * n)
    x = t / (2 * math.pi) * size * 0.55 + size * 0.25 * np.cos(t + rng.uniform(0, 1))
    y = size * (0.5 + 0.35 * np.sin(t) * rng.uniform(0.6, 1.0, len(t)).cumsum() / np.arange(1, len(t) + 1))
    walk = np.cumsum(rng.normal(0, size * 0.02, (len(t), 2)), axis=0)
    return np.column_stack([x, y]) + walk


def handwriting_mask(text: str, height_px: float, stroke_px: int, font_path: str,
                     rng: np.random.Generator) -> np.ndarray:
    """Coverage (0..1) of a handwritten note: glyphs of a CJK font, each turned, scaled and
    shifted a little, the whole bent by a smooth displacement field, then a scribbled
    signature after it half the time."""
    font = ImageFont.truetype(font_path, max(6, round(height_px)))
    glyphs = []
    for ch in text:
        x0, y0, x1, y1 = font.getbbox(ch)
        g = Image.new("L", (x1 - x0 + 6, y1 - y0 + 6), 0)
        ImageDraw.Draw(g).text((3 - x0, 3 - y0), ch, fill=255, font=font)
        g = g.rotate(rng.uniform(-9, 9), resample=Image.BICUBIC, expand=True)
        k = rng.uniform(0.85, 1.1)
        glyphs.append(g.resize((max(1, round(g.width * k)), max(1, round(g.height * k))), Image.BICUBIC))
    scribble = _scribble(int(rng.integers(2, 5)), height_px, rng) if rng.random() < 0.5 else None
    width = sum(g.width for g in glyphs) + (int(scribble[:, 0].max()) + 8 if scribble is not None else 0) + 8
    canvas = np.zeros((int(height_px * 1.8) + 8, width), np.uint8)
    x = 4
    for g in glyphs:
        y = int(height_px * 0.3 + rng.uniform(-0.12, 0.12) * height_px)
        a = np.asarray(g)[: canvas.shape[0] - y, : canvas.shape[1] - x]
        canvas[y:y + a.shape[0], x:x + a.shape[1]] = np.maximum(canvas[y:y + a.shape[0], x:x + a.shape[1]], a)
        x += int(g.width * rng.uniform(0.8, 0.95))
    if scribble is not None:
        pts = np.round((scribble + [x + 4, height_px * 0.2]) * 16).astype(np.int32)
        cv2.polylines(canvas, [pts], False, 255, stroke_px, cv2.LINE_AA, shift=4)
    h, w = canvas.shape
    dx = cv2.resize(rng.normal(0, 1, (4, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(0, 1, (4, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    amp = np.float32(height_px * 0.06)
    bent = cv2.remap(canvas, gx + amp * dx, gy + amp * dy, cv2.INTER_LINEAR)
    return bent.astype(np.float32) / 255.0


def free_spot(occupied: np.ndarray, size: tuple[int, int], rng: np.random.Generator,
              tries: int = 300) -> tuple[int, int] | None:
    """Top-left (x, y) of a `size` (w, h) rectangle that touches nothing in `occupied`, or None."""
    H, W = occupied.shape
    w, h = size
    if w >= W or h >= H:
        return None
    integral = cv2.integral(occupied.astype(np.uint8))
    for _ in range(tries):
        x, y = int(rng.integers(0, W - w)), int(rng.integers(0, H - h))
        if integral[y + h, x + w] - integral[y, x + w] - integral[y + h, x] + integral[y, x] == 0:
            return x, y
    return None
