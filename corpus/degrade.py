"""Make a rendered form page look like a paper scan: seal, pen marks, skew, light, blur, noise.

Everything is drawn from a numpy Generator, so a page's degradation is a pure function
of (rendered page, anchors, profile, seed).  Geometry is in PDF points with the origin
at the top-left of the page (the convention of extract/model.Box); "paper" boxes are
where a mark sits on the printed sheet, "scan" boxes where it lands after the skew.

Order of operations follows the physical process: the sheet is printed (paper tone,
ink level), stamped and marked with a pen (multiply blend, so the print stays visible
under the colour), laid skewed on the scanner (rotation, white outside the sheet),
lit unevenly, seen through the optics (blur) and the sensor (noise, specks); the
writer then JPEG-compresses the result.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from corpus import realism
from corpus.render_pdf import FONT_FILES

SEAL_FONT = FONT_FILES["sans"][1]


PAPER_LO, PAPER_HI = 244, 252
LUMA, CHROMA = 0.9, 0.35


@dataclass(frozen=True)
class Profile:
    name: str
    dpi: int                           # the resolution the profile is meant for
    rotation: tuple[float, float]      # |angle| range, degrees (random sign)
    blur: tuple[float, float]          # gaussian sigma, pixels
    noise: tuple[float, float]         # gaussian sigma, grey levels
    light: float                       # brightness varies by +-light over the page
    jpeg_quality: int
    speckle: float = 0.0               # salt-and-pepper specks per pixel
    marks: tuple[int, int] = (1, 2)    # pen marks on a marked page (inclusive range)
    # the office-scan look (corpus/realism.py); defaults leave the mild/harsh pages as they were
    paper: tuple[float, float] = (PAPER_LO, PAPER_HI)   # paper grey as scanned
    keystone: float = 0.0              # each corner moves up to this fraction of the page size
    ruling: tuple[float, float] | None = None   # rules redrawn at this grey range (of 255), else kept
    ruling_width: tuple[int, int] = (1, 2)      # px at the profile's dpi, inclusive
    ruling_breaks: tuple[float, float] = (0.0, 0.0)  # fraction of rule length faded towards paper
    handwriting: tuple[int, int] = (0, 0)       # handwritten notes in the margins, inclusive
    jpeg_range: tuple[int, int] | None = None   # JPEG quality drawn per document, inclusive


PROFILES = {
    "mild": Profile("mild", 300, (0.3, 1.0), (0.4, 0.6), (3.0, 5.0), 0.08, 80),
    "harsh": Profile("harsh", 200, (0.8, 1.5), (0.8, 1.0), (8.0, 12.0), 0.15, 55,
                     speckle=1.2e-4, marks=(1, 3)),
    # Office scans as they come (issue 12): keystone on top of the skew, handwriting, JPEG
    # q40-50 at 200 dpi, and the ruling redrawn thin (2 px) and grey, broken in places. The ruling
    # grey before the blur (30-60 of 255) was chosen by measuring the result on rendered 200-dpi
    # pages (tests/test_scan_realism.py): 1-3 px wide, 110-140 grey on a ~220 paper.
    "office-mild": Profile("office-mild", 300, (0.4, 1.2), (0.5, 0.7), (3.0, 6.0), 0.10, 75,
                           marks=(1, 2), paper=(232, 244), keystone=0.002, handwriting=(0, 1),
                           jpeg_range=(60, 75)),
    "office-harsh": Profile("office-harsh", 200, (1.0, 1.5), (0.8, 1.0), (8.0, 12.0), 0.15, 45,
                            speckle=1.2e-4, marks=(1, 3), paper=(214, 226), keystone=0.004,
                            ruling=(30, 60), ruling_width=(2, 2), ruling_breaks=(0.05, 0.15),
                            handwriting=(1, 2), jpeg_range=(40, 50)),
    # Ruling the scanner lost (issue 12, the anchors reading): office-mild with the rules erased,
    # and office-harsh with them redrawn very faint (170-200 grey before the blur, half their
    # length faded to paper), which the ruling finder cannot close into cells.
    "office-noruling": Profile("office-noruling", 300, (0.4, 1.2), (0.5, 0.7), (3.0, 6.0), 0.10, 75,
                               marks=(1, 2), paper=(232, 244), keystone=0.002, ruling=(255, 255),
                               jpeg_range=(60, 75)),
    "office-faint": Profile("office-faint", 200, (1.0, 1.5), (0.8, 1.0), (8.0, 12.0), 0.15, 45,
                            speckle=1.2e-4, marks=(1, 3), paper=(214, 226), keystone=0.004,
                            ruling=(170, 200), ruling_width=(1, 2), ruling_breaks=(0.4, 0.6),
                            jpeg_range=(40, 50)),
    # The printed sheet a phone photographs (corpus/photo.py adds camera, lens, light, desk):
    # no scanner skew, light or blur of its own; JPEG quality is the camera's.
    "photo": Profile("photo", 200, (0.0, 0.0), (0.3, 0.4), (1.0, 2.0), 0.0, 88, marks=(1, 2),
                     paper=(236, 248), handwriting=(0, 1)),
}

BLUE_PENS = [(30, 50, 150), (25, 40, 120), (45, 70, 175)]
RED_PEN = (195, 30, 45)


@dataclass
class Word:
    """A word of the source page's text layer (pt, top-left origin)."""
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


# -- seal ---------------------------------------------------------------------------

def seal_mask(ring_text: str, centre_text: str, diameter_px: float) -> np.ndarray:
    """Coverage (0..1) of a round official seal: ring, arc of text, star, optional line."""
    size = int(math.ceil(diameter_px * 1.08)) | 1
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    c, r, d = size / 2, diameter_px / 2, diameter_px
    draw.ellipse([c - r, c - r, c + r, c + r], outline=255, width=max(2, round(0.032 * d)))
    ro, ri = 0.175 * d, 0.175 * d * 0.382
    star = [(c + (ro if k % 2 == 0 else ri) * math.sin(k * math.pi / 5),
             c - 0.02 * d - (ro if k % 2 == 0 else ri) * math.cos(k * math.pi / 5)) for k in range(10)]
    draw.polygon(star, fill=255)

    n = len(ring_text)
    fs = 0.165 * d if n <= 8 else 0.15 * d
    r_text = r - 0.032 * d - 0.035 * d - fs * 0.5
    span = math.radians(min(250.0, max(140.0, 27.0 * n)))
    step = span / max(1, n - 1)
    font = ImageFont.truetype(SEAL_FONT, max(6, round(fs)))
    for k, ch in enumerate(ring_text):
        theta = -span / 2 + k * step
        glyph = _glyph(font, ch, min(1.0, 0.92 * r_text * step / fs))
        glyph = glyph.rotate(-math.degrees(theta), resample=Image.BICUBIC, expand=True)
        x = c + r_text * math.sin(theta) - glyph.width / 2
        y = c - r_text * math.cos(theta) - glyph.height / 2
        _paste_max(img, glyph, round(x), round(y))
    if centre_text:
        font2 = ImageFont.truetype(SEAL_FONT, max(6, round(0.105 * d)))
        glyph = _glyph(font2, centre_text, 1.0)
        squeeze = min(1.0, 0.5 * d / glyph.width)
        glyph = glyph.resize((max(1, round(glyph.width * squeeze)), glyph.height), Image.BICUBIC)
        _paste_max(img, glyph, round(c - glyph.width / 2), round(c + 0.27 * d - glyph.height / 2))
    return np.asarray(img, dtype=np.float32) / 255.0


def _glyph(font: ImageFont.FreeTypeFont, text: str, squeeze: float) -> Image.Image:
    x0, y0, x1, y1 = font.getbbox(text)
    g = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4), 0)
    ImageDraw.Draw(g).text((2 - x0, 2 - y0), text, fill=255, font=font)
    if squeeze < 0.999:
        g = g.resize((max(1, round(g.width * squeeze)), g.height), Image.BICUBIC)
    return g


def _paste_max(dst: Image.Image, src: Image.Image, x: int, y: int) -> None:
    box = (x, y, x + src.width, y + src.height)
    dst.paste(ImageChops.lighter(dst.crop(box), src), box)


def seal_place(targets: list[Word], page_w: float, page_h: float, diameter: float,
               rng: np.random.Generator) -> tuple[float, float, Word | None]:
    """Centre (pt) of the seal: over one of the target words (amounts), else a fixed spot."""
    r = diameter / 2
    if targets:
        t = targets[int(rng.integers(len(targets)))]
        cx = (t.x0 + t.x1) / 2 + rng.uniform(-0.35, 0.35) * r
        cy = (t.top + t.bottom) / 2 + rng.uniform(-0.35, 0.35) * r
    else:
        t, cx, cy = None, page_w * 0.68, page_h * 0.30
    cx = min(max(cx, r + 4), page_w - r - 4)
    cy = min(max(cy, r + 4), page_h - r - 4)
    return cx, cy, t


# -- pen marks ----------------------------------------------------------------------

def _wobble(pts: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    """Hand tremor: a smooth random offset along the stroke (amp in pt)."""
    n = len(pts)
    walk = np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    k = max(3, n // 6)
    walk = np.apply_along_axis(lambda v: np.convolve(v, np.ones(k) / k, mode="same"), 0, walk)
    walk -= walk.mean(axis=0)
    return pts + walk / max(1e-6, np.abs(walk).max()) * amp


def _bezier(p: list[tuple[float, float]], n: int = 40) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    p = [np.array(q, dtype=float) for q in p]
    if len(p) == 3:
        return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t ** 2 * p[2]
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t ** 2 * p[2] + t ** 3 * p[3]


def pen_stroke(kind: str, w: Word, rng: np.random.Generator) -> list[np.ndarray]:
    """Polylines (pt) of one pen mark anchored on a word."""
    cx, cy, hgt = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2, w.bottom - w.top
    if kind == "tick":
        x, y = w.x1 - rng.uniform(0, 6), cy - rng.uniform(-2, 3)
        a, b = rng.uniform(3, 5), rng.uniform(4, 6)
        c, e = rng.uniform(9, 15), rng.uniform(12, 18)
        down = _bezier([(x, y), (x + a * 0.4, y + b * 0.7), (x + a, y + b)], 12)
        up = _bezier([(x + a, y + b), (x + a + c * 0.4, y + b - e * 0.55), (x + a + c, y + b - e)], 24)
        return [_wobble(np.vstack([down, up]), 0.4, rng)]
    if kind == "underline":
        x0, x1 = w.x0 - rng.uniform(0, 4), w.x1 + rng.uniform(5, 40)
        y = w.bottom + rng.uniform(0.5, 2.5)
        xs = np.linspace(x0, x1, 60)
        ys = y + np.linspace(0, rng.uniform(-3, 3), 60) + 0.6 * np.sin(np.linspace(0, rng.uniform(3, 8), 60))
        return [_wobble(np.column_stack([xs, ys]), 0.5, rng)]
    if kind == "circle":
        rx, ry = (w.x1 - w.x0) / 2 + rng.uniform(3, 7), hgt / 2 + rng.uniform(3, 6)
        a0 = rng.uniform(0, 2 * math.pi)
        t = np.linspace(a0, a0 + 2 * math.pi + rng.uniform(0.25, 0.6), 80)
        grow = np.linspace(1.0, rng.uniform(1.05, 1.2), 80)
        pts = np.column_stack([cx + rx * grow * np.cos(t), cy + ry * grow * np.sin(t)])
        return [_wobble(pts, 0.8, rng)]
    # curve: a sweeping hand-drawn line from the word across neighbouring cells
    length, ang = rng.uniform(60, 160), rng.uniform(-0.6, 0.6) + (math.pi if rng.random() < 0.3 else 0)
    p0 = np.array([cx, cy + hgt * 0.6])
    p3 = p0 + length * np.array([math.cos(ang), math.sin(ang)])
    normal = np.array([-math.sin(ang), math.cos(ang)])
    p1 = p0 + (p3 - p0) / 3 + normal * rng.uniform(-40, 40)
    p2 = p0 + 2 * (p3 - p0) / 3 + normal * rng.uniform(-40, 40)
    return [_wobble(_bezier([tuple(p0), tuple(p1), tuple(p2), tuple(p3)], 80), 0.8, rng)]


def pick_marks(words: list[Word], page_h: float, profile: Profile, first_page: bool,
               rng: np.random.Generator) -> list[tuple[str, Word]]:
    """Which marks go on the page and the words they are anchored on (table words only:
    not the title, not the page footer)."""
    words = [w for w in words if 0.08 * page_h < w.top and w.bottom < 0.92 * page_h]
    if not words or (not first_page and rng.random() < 0.3):
        return []
    n = int(rng.integers(profile.marks[0], profile.marks[1] + 1))
    numeric = [w for w in words if re.search(r"\d", w.text) and 3 <= len(w.text) <= 16]
    out = []
    for _ in range(n):
        kind = ["tick", "underline", "curve", "circle"][int(rng.integers(4))]
        pool = numeric if kind in ("tick", "circle") and numeric else words
        out.append((kind, pool[int(rng.integers(len(pool)))]))
    return out


# -- the page -----------------------------------------------------------------------

def _smooth_field(shape: tuple[int, int], cells: int, rng: np.random.Generator) -> np.ndarray:
    small = rng.normal(0, 1, (cells, cells)).astype(np.float32)
    field = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return field / max(1e-6, float(np.abs(field).max()))


def _multiply(img: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int], x: int, y: int) -> None:
    """img[y:, x:] *= 1 - alpha * (1 - colour), clipped to the image (in place)."""
    h, w = alpha.shape
    H, W = img.shape[:2]
    ax0, ay0, ax1, ay1 = max(0, -x), max(0, -y), min(w, W - x), min(h, H - y)
    if ax1 <= ax0 or ay1 <= ay0:
        return
    a = alpha[ay0:ay1, ax0:ax1, None]
    tint = 1.0 - np.asarray(colour, dtype=np.float32) / 255.0
    img[y + ay0:y + ay1, x + ax0:x + ax1] *= 1.0 - a * tint


def _transform(points: np.ndarray, m: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Points (pt) through m (2x3 affine or 3x3 homography, in px)."""
    px = np.column_stack([points[:, 0] * sx, points[:, 1] * sy, np.ones(len(points))]) @ m.T
    if m.shape[0] == 3:
        px = px[:, :2] / px[:, 2:3]
    return np.column_stack([px[:, 0] / sx, px[:, 1] / sy])


HAND_INK = (28, 45, 135)   # blue-black gel pen


def _handwrite(img: np.ndarray, clean: np.ndarray, words: list[Word], scale: tuple[float, float],
               profile: Profile, rng: np.random.Generator) -> list[dict]:
    """Handwritten notes (and signatures) where the page has neither text nor table: they must
    not change what a form field reads. Drawn into img in place; returns their records (pt)."""
    sx, sy = scale
    H, W = img.shape[:2]
    occupied = np.zeros((H, W), bool)
    margin = int(0.04 * W)
    occupied[:margin], occupied[-margin:], occupied[:, :margin], occupied[:, -margin:] = True, True, True, True
    if (tb := realism.table_box(clean)) is not None:
        x0, y0, x1, y1 = tb
        occupied[max(0, y0 - 6):y1 + 7, max(0, x0 - 6):x1 + 7] = True
    for w in words:
        occupied[max(0, int(w.top * sy) - 8):int(w.bottom * sy) + 9, max(0, int(w.x0 * sx) - 8):int(w.x1 * sx) + 9] = True
    notes = []
    for _ in range(int(rng.integers(profile.handwriting[0], profile.handwriting[1] + 1))):
        text = realism.NOTES[int(rng.integers(len(realism.NOTES)))]
        height = rng.uniform(11, 16) * (sx + sy) / 2
        alpha = realism.handwriting_mask(text, height, max(1, round(0.9 * (sx + sy) / 2)), SEAL_FONT, rng)
        spot = realism.free_spot(occupied, (alpha.shape[1], alpha.shape[0]), rng)
        if spot is None:
            continue
        x, y = spot
        occupied[y:y + alpha.shape[0], x:x + alpha.shape[1]] = True
        _multiply(img, alpha * np.float32(rng.uniform(0.8, 0.95)), HAND_INK, x, y)
        notes.append({"text": text, "box": [round(x / sx, 2), round(y / sy, 2),
                                            round((x + alpha.shape[1]) / sx, 2), round((y + alpha.shape[0]) / sy, 2)]})
    return notes


def _box(points: np.ndarray, pad: float = 0.0) -> list[float]:
    return [round(float(v), 2) for v in (points[:, 0].min() - pad, points[:, 1].min() - pad,
                                         points[:, 0].max() + pad, points[:, 1].max() + pad)]


def degrade_page(page: np.ndarray, page_size: tuple[float, float], words: list[Word], profile: Profile,
                 rng: np.random.Generator, seal: dict | None = None) -> tuple[np.ndarray, dict]:
    """Degrade one rendered page (H x W x 3 uint8).  Returns the scan and what was done.

    `seal`, when given, is {"ring": str, "centre": str, "targets": words to stamp over}.
    """
    H, W = page.shape[:2]
    sx, sy = W / page_size[0], H / page_size[1]
    s = (sx + sy) / 2
    rec: dict = {}
    clean = page
    if profile.ruling is not None:
        page, rec["ruling"] = realism.fade_ruling(
            page, rng.uniform(*profile.ruling), int(rng.integers(profile.ruling_width[0], profile.ruling_width[1] + 1)),
            rng.uniform(*profile.ruling_breaks), rng)

    paper = np.array([rng.uniform(*profile.paper)] * 3, dtype=np.float32) - np.array([0, 1, 2.5], dtype=np.float32)
    ink = np.float32(rng.uniform(22, 40))
    img = ink + (paper - ink) * (page.astype(np.float32) / 255.0)
    rec["paper"], rec["ink"] = [round(float(v), 1) for v in paper], round(float(ink), 1)

    if seal is not None:
        diameter = rng.uniform(108, 120)
        cx, cy, target = seal_place(seal["targets"], *page_size, diameter, rng)
        mask = seal_mask(seal["ring"], seal["centre"], diameter * s)
        mask = np.asarray(Image.fromarray((mask * 255).astype(np.uint8)).rotate(
            rng.uniform(-20, 20), resample=Image.BICUBIC), dtype=np.float32) / 255.0
        texture = np.clip(0.88 + 0.25 * _smooth_field(mask.shape, 7, rng)
                          + rng.normal(0, 0.06, mask.shape).astype(np.float32), 0.35, 1.0)
        press = 1.0 - 0.25 * np.clip(_smooth_field(mask.shape, 2, rng), 0, 1)
        alpha = cv2.GaussianBlur(mask * texture * press, (0, 0), max(0.3, 0.25 * s)) * rng.uniform(0.85, 0.95)
        colour = (int(rng.integers(205, 226)), int(rng.integers(20, 45)), int(rng.integers(30, 55)))
        _multiply(img, alpha, colour, round(cx * sx - mask.shape[1] / 2), round(cy * sy - mask.shape[0] / 2))
        r = diameter / 2
        rec["seal"] = {"ring_text": seal["ring"], "centre_text": seal["centre"], "colour": list(colour),
                       "centre": [round(cx, 2), round(cy, 2)], "radius": round(r, 2),
                       "box": [round(v, 2) for v in (cx - r, cy - r, cx + r, cy + r)],
                       "over": target.text if target else None}

    marks = []
    for kind, word in pick_marks(words, page_size[1], profile, seal is not None, rng):
        colour = RED_PEN if rng.random() < 0.2 else BLUE_PENS[int(rng.integers(len(BLUE_PENS)))]
        width_pt = rng.uniform(1.1, 1.6)
        lines = pen_stroke(kind, word, rng)
        pts = np.vstack(lines)
        x0, y0 = int(pts[:, 0].min() * sx) - 8, int(pts[:, 1].min() * sy) - 8
        w, h = int(pts[:, 0].max() * sx) - x0 + 9, int(pts[:, 1].max() * sy) - y0 + 9
        mask = np.zeros((h, w), np.uint8)
        for line in lines:
            px = np.round(np.column_stack([line[:, 0] * sx - x0, line[:, 1] * sy - y0]) * 16).astype(np.int32)
            cv2.polylines(mask, [px], False, 255, max(1, round(width_pt * s)), cv2.LINE_AA, shift=4)
        alpha = mask.astype(np.float32) / 255.0 * rng.uniform(0.85, 0.95)
        _multiply(img, alpha, colour, x0, y0)
        marks.append({"kind": kind, "colour": "red" if colour == RED_PEN else "blue", "rgb": list(colour),
                      "anchor": word.text, "box": _box(pts, width_pt / 2), "_pts": pts})

    if profile.handwriting[1]:
        rec["handwriting"] = _handwrite(img, clean, words, (sx, sy), profile, rng)

    sign = 1 if rng.random() < 0.5 else -1
    angle = sign * rng.uniform(*profile.rotation)
    if profile.keystone:
        m = realism.sheet_homography(W, H, angle, profile.keystone, rng)
        img = cv2.warpPerspective(img, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=(255.0, 255.0, 255.0))
        rec["homography_px"] = [[round(float(v), 8) for v in r] for r in m]
        corners = np.array([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], dtype=np.float64)
        rec["sheet_corners_px"] = [[round(float(v), 2) for v in p] for p in realism.apply_h(corners, m)]
    else:
        m = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), angle, 1.0)
        img = cv2.warpAffine(img, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(255.0, 255.0, 255.0))
    rec["rotation_deg"] = round(float(angle), 4)
    if "seal" in rec:
        c = _transform(np.array([rec["seal"]["centre"]]), m, sx, sy)[0]
        r = rec["seal"]["radius"]
        rec["seal"]["box_scan"] = [round(float(v), 2) for v in (c[0] - r, c[1] - r, c[0] + r, c[1] + r)]
    for mark in marks:
        mark["box_scan"] = _box(_transform(mark.pop("_pts"), m, sx, sy), 1.0)
    rec["pen_marks"] = marks
    for note in rec.get("handwriting", []):
        x0, y0, x1, y1 = note["box"]
        note["box_scan"] = _box(_transform(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), m, sx, sy))

    phi = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[-1:1:complex(0, 64), -1:1:complex(0, 64)].astype(np.float32)
    lin = math.cos(phi) * xx + math.sin(phi) * yy
    light = 0.7 * lin / np.abs(lin).max() - 0.3 * (xx ** 2 + yy ** 2 - 1)
    light = 1.0 + profile.light * light / np.abs(light).max()
    img *= cv2.resize(light, (W, H), interpolation=cv2.INTER_LINEAR)[:, :, None]
    rec["light"] = {"direction_deg": round(math.degrees(phi), 1), "amount": profile.light}

    sigma = rng.uniform(*profile.blur)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = rng.uniform(*profile.noise)
    lum = rng.standard_normal((H, W), dtype=np.float32) * np.float32(noise * LUMA)
    img += lum[:, :, None]
    img += rng.standard_normal((H, W, 3), dtype=np.float32) * np.float32(noise * CHROMA)
    rec["blur_sigma_px"], rec["noise_sigma"] = round(float(sigma), 3), round(float(noise), 2)

    if profile.speckle:
        n = int(profile.speckle * H * W)
        ys, xs = rng.integers(0, H - 1, n), rng.integers(0, W - 1, n)
        dark = rng.random(n) < 0.6
        for dy in (0, 1):
            for dx in (0, 1):
                keep = rng.random(n) < (1.0 if dx == dy == 0 else 0.4)
                img[ys[keep & dark] + dy, xs[keep & dark] + dx] = rng.uniform(20, 70)
                img[ys[keep & ~dark] + dy, xs[keep & ~dark] + dx] = 255.0
        rec["speckles"] = n
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), rec
