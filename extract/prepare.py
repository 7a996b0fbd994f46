"""Page image preparation before the grid is found and text is read.

Each step is a small pure function on numpy arrays (OpenCV underneath):
colour marks out -> flat background -> ink mask -> quarter turns -> deskew.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .greyseal import find_grey_seals, long_runs


@dataclass(frozen=True)
class PrepareSettings:
    colour_saturation: int = 70  # HSV saturation (0-255) above which a pixel is a seal or pen mark
    pen_level: float = 0.85  # for reading: pen pixels are divided by this share of their stroke's mean
    line_pen_share: float = 0.8  # for finding ruling: pen pixels brighter than this share of their
    # stroke's mean go, the rest stays black (a gap in a line cuts a short cell edge below the kernel)
    red_saturation: int = 35  # seals are red and bright: a fainter red is enough ...
    red_min_value: int = 185  # ... while darker red pixels are text under the seal
    seal_text_halo: int = 1  # px: within a seal, bright red this close to a darker pixel is a stroke's edge
    seal_core_margin: int = 35  # ... a pixel this much darker than the seal's median red
    seal_min_area_pt2: float = 3000.0  # a red blob this large once closed is a seal, not a pen mark
    seal_close_pt: float = 8.0
    rule_context_pt: float = 3.0  # black-hat window: wider than a rule (<= 2.2 pt), narrower than a fill
    rule_contrast: int = 40  # a rule pixel is this much darker than its surroundings (0-255): on a harsh
    # 200-dpi dev scan 99% of paper pixels are under 33, 90% of rule pixels over 55 (median 94)
    background_kernel_pt: float = 7.0  # wider than any stroke, narrower than the page's light changes
    max_skew: float = 3.0  # degrees searched each way
    coarse_step: float = 0.25
    fine_step: float = 0.02
    slant_stroke_pt: float = 10.0  # vertical ruling pieces at least this long ...
    slant_rule_pt: float = 60.0  # ... fitted where a piece runs this long (no glyph's stroke does)
    slant_min_rules: int = 3
    # a smaller slant is left as it is: 0.1° moves a rule 1.2 pt over 700 pt of page, well
    # inside the grid's 3-pt snap; the fitted slopes of one page's rules spread 0.1-0.2°
    min_slant: float = 0.1
    sideways_ratio: float = 1.3  # text runs this much longer down than across: turned 90°
    # between these the runs do not tell: the caller reads the page both ways (extract/scanned.py).
    # Measured on 70 office and dev scan pages, each upright and turned both ways: upright pages
    # came out at 0.00-0.37 but for one form's tightly set text (0.49-1.05), turned ones at 2.79
    # and above but for the same form (0.95-3.15)
    sideways_unsure: tuple[float, float] = (0.3, 3.5)
    run_min_short_pt: float = 4.0  # a run of text is at least this thick: a rule's piece (a
    # skewed rule the opening left in pieces, 1.5-2.2 pt) is not
    run_min_fill: float = 0.3  # ... and fills this share of its box (a pen scribble's does not)


DEFAULT = PrepareSettings()


def seal_area(red: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """True inside a seal: red that, closed over `seal_close_pt` and its holes
    filled, makes a blob of at least `seal_min_area_pt2`: the ring encloses the
    star and the characters. A pen stroke, even a circle, stays small."""
    k = max(3, int(s.seal_close_pt / 72 * dpi) | 1)
    closed = cv2.morphologyEx(red.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    outside = np.pad(closed, 1)  # 0 all round, so the flood from a corner reaches all the outside
    cv2.floodFill(outside, None, (0, 0), 2)
    filled = (outside[1:-1, 1:-1] != 2).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(filled, connectivity=8)
    big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= s.seal_min_area_pt2 * (dpi / 72) ** 2)
    big = big[big > 0]
    return np.isin(labels, big) if big.size else np.zeros(red.shape, bool)


def _seal_text_edges(reddish: np.ndarray, bright_red: np.ndarray, val: np.ndarray, dpi: float,
                     s: PrepareSettings = DEFAULT) -> np.ndarray:
    """Bright red inside a seal next to a stroke's core: the soft edges of print under the
    seal, which a plain cut would thin until it misreads. Only inside a seal, where a core
    is well darker than the seal's own median red (a low dpi or a coarse JPEG darkens the
    seal too); a red pen's own noise would keep its halo."""
    seal = seal_area(reddish, dpi, s)
    if not seal.any():
        return seal
    cut = min(s.red_min_value, float(np.median(val[reddish & seal])) - s.seal_core_margin)
    core = ((val <= cut) & seal).astype(np.uint8)
    k = 2 * s.seal_text_halo + 1
    return bright_red & seal & (cv2.dilate(core, np.ones((k, k), np.uint8)) > 0)


def drop_colours(rgb: np.ndarray, s: PrepareSettings = DEFAULT,
                 dpi: float = 300.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Red seals and coloured pen marks taken out: (grey for reading, grey for finding
    ruling, marks), the marks 255 where a seal or pen lies, whatever is under it.

    Seals and ink multiply on paper, so a page's brightest channel is the
    black ink alone: a red seal is bright in R, a blue pen in B, and black
    text under either stays dark in every channel. A seal is bright, so a
    fixed cut whitens it. A pen stroke is one colour, but dark pens and a
    scan's blurred colour make a fixed cut either leave the pen or eat the
    text under it; so each stroke is measured (the mean brightness of its
    pixels) and, for reading, its pixels are divided by that level: bare pen
    turns paper white and text under it keeps its shape in shades of grey,
    as the multiplication left it. For finding ruling a plain cut does: pen
    pixels brighter than `line_pen_share` of the level go, the rest stays.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = cv2.split(hsv)
    base = val.copy()  # V is the brightest channel
    red = (hue < 15) | (hue > 155)
    reddish = red & (sat > s.red_saturation)
    # red: a seal's JPEG-washed edges are only faintly red, but bright; blurred
    # text under a seal is red-tinted too, and darker: the brightest channel
    # already keeps it, so only clearly bright red goes
    bright_red = reddish & (val > s.red_min_value)
    base[bright_red] = 255
    line_base = base.copy()
    if s.seal_text_halo and bright_red.any():
        edge = _seal_text_edges(reddish, bright_red, val, dpi, s)
        base[edge] = val[edge]
    coloured = (sat > s.colour_saturation) & (val > 40)
    marks = coloured.astype(np.uint8) * 255
    pen = (~red & coloured).astype(np.uint8)
    ys, xs = np.nonzero(pen)
    if ys.size == 0:
        return base, line_base, marks
    n, labels = cv2.connectedComponents(cv2.dilate(pen, np.ones((3, 3), np.uint8)), connectivity=8)
    lab, v = labels[ys, xs], val[ys, xs].astype(np.float64)
    level = np.bincount(lab, weights=v, minlength=n) / np.maximum(np.bincount(lab, minlength=n), 1)
    text_grey, line_grey = base, line_base
    text_grey[ys, xs] = np.clip(v / (level[lab] * s.pen_level) * 255.0, 0, 255).astype(np.uint8)
    go = v > level[lab] * s.line_pen_share
    line_grey[ys[go], xs[go]] = 255
    return text_grey, line_grey, marks


def drop_colour(rgb: np.ndarray, s: PrepareSettings = DEFAULT) -> np.ndarray:
    return drop_colours(rgb, s)[0]


def flatten_background(grey: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """Divide by the local paper brightness: uneven light and yellowed paper become white."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, int(s.background_kernel_pt / 72 * dpi * 0.25) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k)
    paper = np.maximum(cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR), 1)
    # grey / paper * 255 in OpenCV's float division, cut to 255 and truncated as before: the
    # same pixels, 43 ms a 300-dpi page where numpy's float temporaries took 71 (one core)
    flat = cv2.divide(grey, paper, scale=255.0, dtype=cv2.CV_32F)
    return np.minimum(flat, 255.0, out=flat).astype(np.uint8)


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """255 where there is ink (Otsu on the flattened page)."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def rule_ink(grey: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """Ink for finding ruling: Otsu's ink, plus thin strokes clearly darker than what is around them.

    Otsu's one cut sits between paper and black print; a faint thin rule (light
    grey, one pixel, blurred by the scan) falls on the paper side and the grid
    loses it. A black-hat (closing minus the page) measures how much darker a
    pixel is than its surroundings within a few points, so faint rules count
    while a grey header fill, wider than the kernel, does not: shading is not ink.
    """
    n = max(3, int(round(s.rule_context_pt * dpi / 72.0)) | 1)
    dark = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (n, n)))
    return cv2.bitwise_or(ink_mask(grey), np.where(dark > s.rule_contrast, 255, 0).astype(np.uint8))


def rotate(img: np.ndarray, degrees: float, fill: int | tuple[int, int, int] = 255) -> np.ndarray:
    """Rotate about the centre, counter-clockwise for positive degrees, same size."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def straighten(img: np.ndarray, degrees: float, slope: float = 0.0, fill: int | tuple[int, int, int] = 255,
               border: int = cv2.BORDER_CONSTANT, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """Rotate by `degrees` about the centre (as `rotate`; not below fine_step, which
    `prepare` does not apply), then shear by `slope` about the centre row (x - slope * (y - cy)),
    in one interpolation; same size. The page's own turn as `prepare` gave it (PreparedPage
    .skew, .slant), for any copy of the page at any scale."""
    turned = abs(degrees) >= s.fine_step
    if not turned and slope == 0.0:
        return img
    h, w = img.shape[:2]
    m = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), degrees if turned else 0.0, 1.0), [0.0, 0.0, 1.0]])
    shear = np.array([[1.0, -slope, slope * h / 2], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return cv2.warpAffine(img, (shear @ m)[:2], (w, h), flags=cv2.INTER_LINEAR, borderMode=border,
                          borderValue=fill)


def quarter_turn(img: np.ndarray, turns: int) -> np.ndarray:
    """Rotate by 90° steps counter-clockwise (exact, no interpolation)."""
    return np.ascontiguousarray(np.rot90(img, turns % 4))


def _long_strokes(ink: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    return h, v


def _line_run_length(text_ink: np.ndarray, kernel: tuple[int, int], along: int, min_short: float = 0.0,
                     min_fill: float = 0.0) -> int:
    """Total length of text runs once characters are smeared together along one axis."""
    smeared = cv2.morphologyEx(text_ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    _, _, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    long_, short = (w, h) if along == 0 else (h, w)
    keep = (long_ >= 4 * np.maximum(short, 1)) & (short >= min_short) & (area >= min_fill * w * h)
    return int(long_[keep].sum())


def sideways_ratio(ink: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> float:
    """How much longer text runs down the page than across it: well above 1 on a page turned 90°.

    Text lines run across an upright page: smeared along the lines, characters join into long
    runs. Ruling is not a safe guide (a page of a few tall rows has more vertical than
    horizontal ruling), so long strokes are removed first, and what is left of a skewed rule
    (short thin pieces) is not counted: only runs as thick as a line of text.
    """
    small = cv2.resize(ink, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    d = dpi / 2
    h, v = _long_strokes(small, max(15, int(d * 0.6)))
    text = cv2.bitwise_and(small, cv2.bitwise_not(cv2.bitwise_or(h, v)))
    k = max(3, int(d * 4 / 72))  # 4 pt: bridges the gap between characters, not between lines
    thick = d * s.run_min_short_pt / 72
    across = _line_run_length(text, (k, 1), 0, thick, s.run_min_fill)
    down = _line_run_length(text, (1, k), 1, thick, s.run_min_fill)
    return down / across if across else (float("inf") if down else 1.0)


def is_sideways(ink: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> bool:
    """Do the page's text lines run down it (turned 90° either way)?"""
    return sideways_ratio(ink, dpi, s) > s.sideways_ratio


class _InkPoints:
    """The ink pixels of a (scaled) page, for scoring rotations without rotating the image.

    Rotating the page by `rotate` sends the pixel (x, y) to the row
    y' = cy - sin(a)(x - cx) + cos(a)(y - cy); bilinear interpolation shares its ink between
    the two rows around y'. Summing the ink into rows that way gives the rotated page's row
    profile from the ink pixels alone (12-17% of a scaled page), where `warpAffine` went
    through every pixel of the page: one row score at 1600 px costs 5.5 ms against 18.6. The
    two coarser searches of `skew_angle` score this way; the finest still rotates (see there).
    """

    def __init__(self, ink: np.ndarray):
        h, w = ink.shape
        ys, xs = np.nonzero(ink)
        self.x = (xs - w / 2).astype(np.float32)
        self.y = (ys - h / 2).astype(np.float32)
        self.weight = ink[ys, xs].astype(np.float64)
        self.h, self.w = h, w

    def score(self, degrees: float) -> float:
        """Sum of squared row sums of the page rotated by `degrees` (ink rotated off the page is lost)."""
        a = np.deg2rad(degrees)
        sin, cos = float(np.sin(a)), float(np.cos(a))
        # rows are counted from `margin` above the page, so that every point's row is >= 0
        margin = int(abs(sin) * self.w / 2 + (1 - cos) * self.h / 2) + 2
        row = self.y * np.float32(cos) - self.x * np.float32(sin) + np.float32(self.h / 2 + margin)
        top = row.astype(np.intp)  # row > 0: truncation is floor
        below = (row - top) * self.weight  # the share of each point's ink in the row under it
        size = self.h + 2 * margin + 2
        under = np.bincount(top, below, minlength=size)
        rows = np.bincount(top, self.weight, minlength=size) - under
        rows[1:] += under[:-1]
        return float(np.square(rows[margin:margin + self.h]).sum())


def vertical_strokes(line_ink: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> np.ndarray:
    """The ruling ink's strokes that run down at least slant_stroke_pt."""
    n = max(3, int(round(dpi * s.slant_stroke_pt / 72)))
    return cv2.morphologyEx(line_ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))


def slant_slope(line_ink: np.ndarray, dpi: float, s: PrepareSettings = DEFAULT) -> float:
    """The slope (x per y) of the page's vertical rules once its rows are level: 0 on a page
    only turned, not 0 where perspective or a skewed feed sheared it (a scan's homography
    turned its rows 1.0° and its columns 1.5°; rotation alone left the verticals 0.5° off, 4 pt
    over the page, and a label column's broken edge no longer lined up across its gap).

    Each rule at least slant_rule_pt long is fitted by least squares (x on y); the slope is
    their length-weighted median, 0 with fewer than slant_min_rules of them. A column profile
    searched over shears, as the skew is, was too jagged to trust at these angles (its pixel
    binning moved the best shear by up to 0.7° on a page whose rules lean 0.35°)."""
    tall = int(round(dpi * s.slant_rule_pt / 72))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vertical_strokes(line_ink, dpi, s), connectivity=8)
    fits: list[tuple[float, int]] = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        if h < tall or w > h / 4:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        dy = ys - ys.mean()
        fits.append((float((dy * (xs - xs.mean())).sum() / (dy * dy).sum()), int(h)))
    if len(fits) < s.slant_min_rules:
        return 0.0
    fits.sort()
    weights = np.cumsum([h for _, h in fits])
    return fits[int(np.searchsorted(weights, weights[-1] / 2))][0]


def _rotated_profile_score(ink_small: np.ndarray, degrees: float) -> float:
    rows = rotate(ink_small, degrees, fill=0).sum(axis=1, dtype=np.float64)
    return float(np.square(rows).sum())


def _scaled(ink: np.ndarray, width: int) -> np.ndarray:
    f = min(1.0, width / ink.shape[1])
    return ink if f == 1.0 else cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def skew_angle(ink: np.ndarray, s: PrepareSettings = DEFAULT) -> float:
    """Angle (degrees, counter-clockwise) that makes rows of ink horizontal.

    Projection profile: the right angle makes ruling lines and text lines
    fall into few rows, maximising the sum of squared row sums. A coarse
    search on a small copy, then two finer ones on larger copies around the best.
    """
    best = 0.0
    for width, step, span in ((700, s.coarse_step, s.max_skew), (1000, 0.05, 2 * s.coarse_step)):
        points = _InkPoints(_scaled(ink, width))
        angles = np.arange(best - span, best + span + 1e-9, step)
        best = float(max(angles, key=points.score))
    # the last choice, between angles 0.02° apart, by rotating the page: the ink points' score
    # differs from it by ~1e-5, which picked the neighbouring angle on 4 of 14 erased-ruling
    # office pages (a page read by anchors is sensitive to any change in its pixels). So the
    # search gives the angle it gave before on every page tried (41: dev-set, bench and office
    # scans, also turned and skewed) in 499 ms a 300-dpi page against 706 (one core, loaded)
    small = _scaled(ink, 1600)
    angles = np.arange(best - 0.06, best + 0.06 + 1e-9, s.fine_step)
    return float(max(angles, key=lambda a: _rotated_profile_score(small, a)))


@dataclass(frozen=True)
class PreparedPage:
    grey: np.ndarray  # flattened, straightened, colour marks removed
    ink: np.ndarray  # 255 = ink
    dpi: float
    turns: int  # quarter turns applied (counter-clockwise)
    skew: float  # degrees rotated to straighten
    marks: np.ndarray | None = None  # 255 where a seal or pen mark was (values there go to review)
    line_ink: np.ndarray | None = None  # ink for finding ruling (see prepare)
    turn_unsure: bool = False  # the way text runs did not tell 0° from 90°: read it both ways
    slant: float = 0.0  # the shear (x per y) applied after the skew to stand the verticals upright


def prepare(rgb: np.ndarray, dpi: float, turns: int | None = None, s: PrepareSettings = DEFAULT) -> PreparedPage:
    """Colour out, background flat, turned upright (90° steps) and straightened.

    `turns=None` decides 90° vs 0° from the way text lines run; 180° needs reading and is
    decided by the caller (see extract/scanned.py), which passes `turns`.
    """
    text_grey, line_grey, marks = drop_colours(rgb, s, dpi)
    grey = flatten_background(text_grey, dpi, s)
    line_grey = flatten_background(line_grey, dpi, s)
    ink = ink_mask(grey)
    unsure = False
    if turns is None:
        ratio = sideways_ratio(ink, dpi, s)
        turns = 1 if ratio > s.sideways_ratio else 0
        unsure = s.sideways_unsure[0] <= ratio <= s.sideways_unsure[1]
    if turns % 4:
        grey, ink = quarter_turn(grey, turns), quarter_turn(ink, turns)
        marks, line_grey = quarter_turn(marks, turns), quarter_turn(line_grey, turns)
    # the rows are levelled on the text and the ruling together: on a photo's last page of
    # three indicator rows, their text alone (a few words a column, set at different heights)
    # scored a 3.4° turn above level, its faint rules were then lost to the grid search, and
    # the page's rows went unread; with its rules in the profile, level won (0°). On full pages
    # the angle moved on 3 of 57 pages looked at, by 0.02° (dev-set 200-dpi scans and photo,
    # generated 200-dpi scans and photos)
    unturned_rules = rule_ink(line_grey, dpi, s)
    angle = skew_angle(cv2.max(ink, unturned_rules), s)
    # the lean is measured on the ruling once the rows are level; a sheared page's ruling is
    # then turned and sheared again from the unturned page (one interpolation, not two)
    level_lines = straighten(line_grey, angle, 0.0, s=s)
    # a page not turned (a straightened photo, most of them) keeps the rules found for the skew
    line_ink = unturned_rules if level_lines is line_grey else rule_ink(level_lines, dpi, s)
    slope = slant_slope(line_ink, dpi, s)
    if abs(np.degrees(np.arctan(slope))) < s.min_slant:
        slope, line_grey = 0.0, level_lines
    else:
        line_grey = straighten(line_grey, angle, slope, s=s)
        line_ink = rule_ink(line_grey, dpi, s)
    grey, marks = straighten(grey, angle, slope, s=s), straighten(marks, angle, slope, fill=0, s=s)
    if abs(angle) >= s.fine_step or slope:
        ink = ink_mask(grey)
    grey, ink, line_ink, marks = _without_grey_seals(grey, ink, line_ink, marks, dpi)
    return PreparedPage(grey, ink, dpi, turns % 4, angle, marks, line_ink, unsure, slope)


def _without_grey_seals(grey: np.ndarray, ink: np.ndarray, line_ink: np.ndarray, marks: np.ndarray,
                        dpi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seal with no colour left (extract/greyseal.py) out of the reading image and the ink
    masks, but for the straight rules through it; marked, so what is read under it goes to review."""
    seals = find_grey_seals(grey, ink, dpi)
    if not seals.circles:
        return grey, ink, line_ink, marks
    near = cv2.dilate(seals.remove.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    grey, ink, line_ink, marks = grey.copy(), ink.copy(), line_ink.copy(), marks.copy()
    ink[seals.remove] = 0
    on_print = cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0  # a stroke's soft edge, 2 px at 300 dpi
    grey[seals.disc & ~on_print] = 255
    line_ink[near & ~long_runs(line_ink, dpi)] = 0
    marks[near] = 255
    return grey, ink, line_ink, marks
