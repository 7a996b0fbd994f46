"""A printed page photographed with a phone: the sheet lies on a desk, seen from a tilted
camera through a slightly barrel-shaped lens, lit unevenly, partly in a shadow.

`photograph(sheet, rng)` takes the printed sheet (corpus/degrade.py's output without scanner
effects: paper, ink, seal, pen marks, handwriting) and returns the photo and its record;
`record["quad_px"]` is where the sheet's corners (top-left, top-right, bottom-right,
bottom-left) land in the photo, lens distortion included. Everything comes from the rng.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from corpus.realism import apply_h

LONG_SIDE_PX = 3000          # a 12-megapixel-class phone photo saved at 3000 x 2250 (4:3)
PAGE_FILL = (0.74, 0.88)     # sheet's long side as a fraction of the photo's long side
MAX_TILT_DEG = 10.0          # in-plane turn of the sheet, either way
KEYSTONE = 0.035             # each corner moves up to this fraction of the sheet's size (camera tilt)
BARREL_K1 = (0.01, 0.035)    # radial distortion r_d = r_u / (1 + k1 r^2), r normalised to the half-diagonal
MARGIN = 0.02                # the whole sheet stays this fraction of the photo inside its edges
JPEG_QUALITY = (82, 92)      # phones save at high quality
PHONE_DPI = 72               # what phone cameras write into the JPEG header, whatever the subject

# desk tones (RGB): wood, dark laminate, grey office desk; all clearly darker than paper
DESKS = {"oak": (150, 105, 65), "walnut": (95, 62, 40), "laminate": (70, 70, 74), "grey": (120, 120, 118)}


def desk(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A desk surface: a base tone with wood grain (wavy stripes) or fine texture."""
    name = list(DESKS)[int(rng.integers(len(DESKS)))]
    base = np.array(DESKS[name], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = cv2.resize(rng.normal(0, 1, (6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    if name in ("oak", "walnut"):
        across = xx if rng.random() < 0.5 else yy
        freq = rng.uniform(0.02, 0.05)
        grain = np.sin(across * freq + 6.0 * warp) * 0.5 + 0.5 * np.sin(across * freq * 3.1 + 2.0 * warp)
        tone = 1.0 + 0.12 * grain
    else:
        tone = 1.0 + 0.03 * warp
    fine = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2) * 0.05
    return base * (tone + fine)[:, :, None], name


def sheet_quad(sheet_wh: tuple[int, int], photo_wh: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Where the sheet's corners go (before the lens): scaled to fill PAGE_FILL, turned up to
    MAX_TILT_DEG, corners moved by up to KEYSTONE, kept inside the photo."""
    sw, sh = sheet_wh
    W, H = photo_wh
    shrink = 1.0
    for _ in range(50):
        fill = rng.uniform(*PAGE_FILL) * shrink
        scale = fill * max(W, H) / max(sw, sh)
        tilt = rng.uniform(-MAX_TILT_DEG, MAX_TILT_DEG)
        a = math.radians(tilt)
        half = np.array([[-sw, -sh], [sw, -sh], [sw, sh], [-sw, sh]], np.float64) * scale / 2
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        centre = np.array([W / 2, H / 2]) + rng.uniform(-0.05, 0.05, 2) * [W, H]
        quad = half @ rot.T + centre + rng.uniform(-KEYSTONE, KEYSTONE, (4, 2)) * [sw * scale, sh * scale]
        m = MARGIN * max(W, H)
        if quad[:, 0].min() > m and quad[:, 1].min() > m and quad[:, 0].max() < W - m and quad[:, 1].max() < H - m:
            return quad, {"tilt_deg": round(tilt, 3), "fill": round(fill, 3)}
        shrink *= 0.97  # a turned sheet that does not fit is photographed from a little further away
    raise ValueError("sheet does not fit the photo")


def barrel_maps(W: int, H: int, k1: float) -> tuple[np.ndarray, np.ndarray]:
    """remap() maps for barrel distortion: photo pixel (distorted) -> undistorted source pixel."""
    cx, cy, norm = (W - 1) / 2, (H - 1) / 2, math.hypot(W, H) / 2
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    dx, dy = (xx - cx) / norm, (yy - cy) / norm
    f = 1 + k1 * (dx * dx + dy * dy)
    return (cx + dx * f * norm).astype(np.float32), (cy + dy * f * norm).astype(np.float32)


def barrel_points(points: np.ndarray, W: int, H: int, k1: float) -> np.ndarray:
    """Undistorted points -> where barrel distortion puts them: solve r_u = r_d (1 + k1 r_d^2)."""
    cx, cy, norm = (W - 1) / 2, (H - 1) / 2, math.hypot(W, H) / 2
    d = (points - [cx, cy]) / norm
    r_u = np.hypot(d[:, 0], d[:, 1])
    r_d = r_u.copy()
    for _ in range(20):  # Newton on g(r) = r + k1 r^3 - r_u
        r_d -= (r_d + k1 * r_d ** 3 - r_u) / (1 + 3 * k1 * r_d ** 2)
    ratio = np.where(r_u > 0, r_d / np.maximum(r_u, 1e-12), 1.0)
    return d * ratio[:, None] * norm + [cx, cy]


def photograph(sheet: np.ndarray, rng: np.random.Generator, long_side: int = LONG_SIDE_PX) -> tuple[np.ndarray, dict]:
    """The sheet (H x W x 3 uint8, the printed page) photographed on a desk, `long_side` px."""
    sh, sw = sheet.shape[:2]
    W, H = (long_side * 3 // 4, long_side) if sh >= sw else (long_side, long_side * 3 // 4)
    img, desk_name = desk(H, W, rng)
    quad, rec = sheet_quad((sw, sh), (W, H), rng)
    src = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]])
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))

    # the sheet's shadow on the desk, cast away from a light above the camera
    cover = cv2.warpPerspective(np.ones((sh, sw), np.float32), m, (W, H), flags=cv2.INTER_LINEAR)
    off = rng.uniform(8, 24, 2) * (long_side / LONG_SIDE_PX) * np.where(rng.random(2) < 0.5, -1, 1)
    shifted = cv2.warpAffine(cover, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (W, H))
    drop = cv2.GaussianBlur(shifted, (0, 0), 12 * long_side / LONG_SIDE_PX)
    img *= (1 - 0.45 * drop)[:, :, None]
    page = cv2.warpPerspective(sheet.astype(np.float32), m, (W, H), flags=cv2.INTER_LINEAR)
    img = img * (1 - cover[:, :, None]) + page * cover[:, :, None]

    # light: fall-off towards the corners, a gradient, and a soft-edged shadow over part of the view
    yy, xx = np.mgrid[-1:1:complex(0, 96), -1:1:complex(0, 128 if W > H else 72)].astype(np.float32)
    fall = rng.uniform(0.15, 0.3)
    phi = rng.uniform(0, 2 * math.pi)
    light = (1 - fall * (xx ** 2 + yy ** 2) / 2) * (1 + 0.08 * (math.cos(phi) * xx + math.sin(phi) * yy))
    theta, cut = rng.uniform(0, 2 * math.pi), rng.uniform(0.35, 0.8)
    side = math.cos(theta) * xx + math.sin(theta) * yy - cut  # > 0: in the shadow
    depth = rng.uniform(0.2, 0.4)
    light *= 1 - depth * np.clip(side / 0.25 + 0.5, 0, 1)
    img *= cv2.resize(light, (W, H), interpolation=cv2.INTER_CUBIC)[:, :, None]
    cast = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.88, 0.97)], np.float32)  # warm indoor light
    img *= cast

    k1 = rng.uniform(*BARREL_K1)
    mx, my = barrel_maps(W, H, k1)
    img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    sigma = rng.uniform(0.6, 1.1)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = rng.uniform(2.0, 4.5)
    img += rng.standard_normal((H, W, 1), dtype=np.float32) * np.float32(noise)

    quad_px = barrel_points(quad, W, H, k1)
    rec.update({"photo_px": [W, H], "desk": desk_name, "keystone_max": KEYSTONE,
                "quad_px": [[round(float(v), 2) for v in p] for p in quad_px],
                "homography_px": [[round(float(v), 8) for v in r] for r in m],
                "barrel_k1": round(float(k1), 4), "falloff": round(float(fall), 3),
                "shadow": {"direction_deg": round(math.degrees(theta), 1), "depth": round(float(depth), 3)},
                "blur_sigma_px": round(float(sigma), 3), "noise_sigma": round(float(noise), 2),
                "jpeg_quality": int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))})
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), rec


def sheet_to_photo(points: np.ndarray, rec: dict) -> np.ndarray:
    """Sheet pixels -> photo pixels (perspective, then the lens)."""
    W, H = rec["photo_px"]
    return barrel_points(apply_h(points, np.array(rec["homography_px"])), W, H, rec["barrel_k1"])
