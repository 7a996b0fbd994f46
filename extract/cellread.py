"""Read the text of a prepared page: cell by cell, line by line, with one engine call per page.

The cheap plan the OCR measurements suggest: the grid is already known, so
each cell is cut into its text lines by the ink's row profile (ruling removed
first), each line is cropped tight, and the engine runs recognition alone on
every line of the page in one batch. Text outside the tables (title, unit,
footer) is cut the same way, with wide gaps splitting a band into runs.
Each line becomes one `Glyph` in PDF points with its confidence, so the grid
chain fills cells exactly as it does for a text layer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from .model import Box, Glyph
from .textbands import runs, text_bands

# numeric re-reads: the characters an amount cell may hold
_NUMERIC = set("0123456789.,，．。 -")


@dataclass(frozen=True)
class ReadSettings:
    inset_pt: float = 1.2  # keep clear of the cell's ruling when cropping
    pad_px: int = 4  # white margin around a line crop (PP-OCR likes a little, not much)
    speck_pt: float = 0.9  # ink blobs smaller than this square are noise
    faint_share: float = 0.5  # faint ink: darker than paper by half of what the ink cut asks
    mark_margin_pt: float = 2.0  # ... and not this close to a seal or pen mark
    mark_pt: float = 2.2  # blobs smaller than this square (a decimal point, a speck) ...
    near_pt: float = 12.0  # ... are kept only within half this of a larger one (a full-width
    # comma sits a third of an em past the character before it)
    min_line_pt: float = 3.0  # bands thinner than this join a neighbour (the strokes of 二, a dash)
    run_gap_em: float = 2.5  # outside tables: a gap this many line heights wide splits runs
    # in a cell, a run at a line's end this many line heights from the rest, within mark_near_pt
    # of a seal or pen mark, is the mark's residue (no value cell holds two texts that far apart;
    # a line of text has no blank that wide)
    mark_gap_em: float = 2.0
    mark_near_pt: float = 1.0
    # in a cell at least stub_min_lines line heights tall, a stroke at most stub_pt wide and
    # stub_aspect times as tall, touching the cell's top or bottom, is the stub of a vertical rule
    # the grid missed (its middle went with the ruling it did find): on a 200-dpi office scan one
    # left out of a one-row heading's grid was read as a "1" in both target columns, and made an
    # indicator of the heading. A glyph keeps clear of the cell's edges, and a tight row's cell is
    # under 1.4 lines tall
    stub_pt: float = 2.0
    stub_aspect: float = 3.0
    stub_min_lines: float = 1.4


DEFAULT = ReadSettings()


@dataclass(frozen=True)
class LineCrop:
    box_px: tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels
    image: np.ndarray  # grey crop with a white margin
    trimmed: bool = False  # a mark's residue was cut off its end (see region_lines): read for review


def faint_ink(grey: np.ndarray, ink: np.ndarray, dpi: float, ruling: np.ndarray | None = None,
              marks: np.ndarray | None = None, s: ReadSettings = DEFAULT) -> np.ndarray:
    """255 where the page is darker than paper by `faint_share` of the ink cut (Otsu's), or is ink.

    Light print on a poor scan crosses the ink cut only in crumbs; the faint
    strokes between them show which crumbs are one character. Nothing next to
    the ruling (it touches every cell) or within `mark_margin_pt` of where a
    seal or pen was taken out (its washed-out halo is not print) is faint ink.
    """
    cut, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    faint = (grey < cut + s.faint_share * (255 - cut)) | (ink > 0)
    if ruling is not None:
        faint &= cv2.dilate(ruling, np.ones((5, 5), np.uint8)) == 0
    if marks is not None:
        m = max(3, int(2 * s.mark_margin_pt * dpi / 72) | 1)
        faint &= cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (m, m))) == 0
    return faint.astype(np.uint8) * 255


def clean_specks(ink: np.ndarray, dpi: float, s: ReadSettings = DEFAULT, faint: np.ndarray | None = None) -> np.ndarray:
    """Drop blobs too small to be (part of) a character, and small ones far from any text.

    A decimal point or comma sits right beside a digit and stays; scanner
    noise and seal residue in an empty stretch of a cell go. With `faint`
    (see faint_ink), crumbs joined by faint strokes count by their joint ink.
    """
    k = dpi / 72
    tiny = max(2, int((s.speck_pt * k) ** 2 * 0.5))
    small = max(tiny + 1, int((s.mark_pt * k) ** 2))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    big = (area >= small)
    # the ink's pixels (a tenth of a page or less) and their blobs: every look-up below is over
    # these alone, not the page's every pixel (the same blobs kept on 6 pages of three sets)
    on = np.flatnonzero(labels)
    label_on = labels.ravel()[on]
    if faint is not None:
        n_groups, groups = cv2.connectedComponents(cv2.bitwise_or(faint, ink), connectivity=8)
        group_on = groups.ravel()[on]
        group_of = np.zeros(n, np.int64)  # each crumb's faint-joined group ...
        group_of[label_on] = group_on
        joint = np.bincount(group_on, minlength=n_groups)  # ... and the ink of each group
        big |= (area >= tiny) & (joint[group_of] >= small)
    big[0] = False
    near = cv2.dilate(_pixels_of(labels.shape, on, big[label_on]),
                      cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(s.near_pt * k)), max(3, int(s.near_pt * k / 2)))))
    touches = np.bincount(label_on[near.ravel()[on] > 0], minlength=n) > 0
    keep = big | ((area >= tiny) & touches)
    keep[0] = False
    return _pixels_of(labels.shape, on, keep[label_on]) * 255


def _pixels_of(shape: tuple[int, ...], on: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """A uint8 image, 1 at the flat indices `on` where `chosen`."""
    out = np.zeros(shape, np.uint8)
    out.ravel()[on[chosen]] = 1
    return out


def splitruns(ink_band: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Horizontal runs of a text band separated by blank stretches wider than `gap`."""
    cols = runs(ink_band.sum(axis=0))
    out: list[list[int]] = []
    for a, b in cols:
        if out and a - out[-1][1] <= gap:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(int(a), int(b)) for a, b in out]


def _crop(grey: np.ndarray, x0: int, y0: int, x1: int, y1: int, pad: int) -> np.ndarray:
    crop = grey[y0:y1, x0:x1]
    return cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


MARK_RESIDUE_SHARE = 0.5  # a run with this share of its ink along a mark is the mark's
# ... and so, in a cell a mark touches, is a run with under this share of the line's other ink: a
# ring's grey arc beyond the reach of the colour mask left 8 px of ink 40 pt from "7,644" (1108
# px), and the crop it widened read "187>7.644"
CRUMB_SHARE = 0.05
# A band whose runs all lie along a mark is a ring's crumbs, unless one run holds this share of
# its ink and spans this share of its height: print under the seal (a 下属二级单位数 value "22"
# under a seal on a 200-dpi office scan, 80% of its ink within reach of the seal's red, held 75%
# of the band's ink beside a tick's stroke; dropped with it, the cell was read empty and the
# field was lost with no flag). It is read, and marked, so its value goes to review.
UNDER_MARK_SHARE = 0.67
UNDER_MARK_HEIGHT = 0.6


def _without_mark_ends(band: np.ndarray, near_marks: np.ndarray, gap: int) -> tuple[list[tuple[int, int]], bool]:
    """A cell's text band, less the runs at either end that stand apart from the rest (a blank
    wider than `gap`) and touch a colour mark: what a seal's ring left beside a value. On a
    200-dpi office scan the ring through an amount cell's left side, 40 pt from the amount,
    read as "187>" before "7,644", and the amount was refused. A band of such runs and nothing
    else is dropped whole. Whether anything was cut."""
    runs = splitruns(band, gap)
    keep = list(runs)
    inks = {r: int(np.count_nonzero(band[:, r[0]:r[1]])) for r in runs}
    total = sum(inks.values())

    def along_mark(run: tuple[int, int]) -> bool:  # most of its ink lies along a mark
        ink = band[:, run[0]:run[1]] > 0
        return bool(inks[run]) and bool(np.count_nonzero(ink & near_marks[:, run[0]:run[1]]) >= MARK_RESIDUE_SHARE * inks[run])

    def residue(run: tuple[int, int]) -> bool:  # ... or it is a crumb beside the line's text
        return along_mark(run) or bool(inks[run] < CRUMB_SHARE * (total - inks[run]))
    if len(runs) > 1 and all(along_mark(r) for r in runs):
        big = max(runs, key=lambda r: inks[r])
        rows = np.flatnonzero(band[:, big[0]:big[1]].any(axis=1))
        if inks[big] >= UNDER_MARK_SHARE * total and rows.size and rows[-1] - rows[0] + 1 >= UNDER_MARK_HEIGHT * band.shape[0]:
            return [big], True
        return [], True  # crumbs of a ring apart from one another, and nothing else
    while len(keep) > 1 and residue(keep[0]):
        keep.pop(0)
    while len(keep) > 1 and residue(keep[-1]):
        keep.pop()
    if len(keep) == len(runs):
        return [(0, band.shape[1])], False
    return [(keep[0][0], keep[-1][1])], True


def without_rule_stubs(ink: np.ndarray, dpi: float, s: ReadSettings = DEFAULT) -> np.ndarray:
    """A cell's ink less the stubs of a rule the grid missed (see stub_pt)."""
    h = ink.shape[0]
    widest = max(1, int(round(s.stub_pt * dpi / 72)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    out = None
    for i in range(1, n):
        x, y, w, ht = (int(v) for v in stats[i, :4])
        if w <= widest and ht >= s.stub_aspect * w and (y == 0 or y + ht == h):
            out = ink.copy() if out is None else out
            out[labels == i] = 0
    return ink if out is None else out


def region_lines(grey: np.ndarray, ink: np.ndarray, region: tuple[int, int, int, int], dpi: float,
                 split_gap_em: float | None = None, line_px: float | None = None,
                 s: ReadSettings = DEFAULT, marks: np.ndarray | None = None,
                 single_px: float | None = None) -> list[LineCrop]:
    """Line crops inside a pixel region (a cell's inner box, or a band outside the tables).
    With `marks` (a cell), a mark's residue standing apart at a line's end is cut off."""
    x0, y0, x1, y1 = region
    sub = ink[y0:y1, x0:x1]
    if sub.size == 0 or not sub.any():
        return []
    if split_gap_em is None and line_px and y1 - y0 >= s.stub_min_lines * line_px:
        sub = without_rule_stubs(sub, dpi, s)
        if not sub.any():
            return []
    near = None
    if marks is not None and marks[y0:y1, x0:x1].any():
        m = max(1, int(round(s.mark_near_pt * dpi / 72)))
        near = cv2.dilate(marks[y0:y1, x0:x1], cv2.getStructuringElement(cv2.MORPH_RECT, (2 * m + 1, 2 * m + 1))) > 0
    out = []
    for a, b in text_bands(sub, min_line_px(dpi, s), line_px, single_px):
        band = sub[a:b]
        trimmed = False
        if split_gap_em is not None:
            spans = splitruns(band, int(split_gap_em * (b - a)))
        elif near is not None:
            spans, trimmed = _without_mark_ends(band, near[a:b], int(s.mark_gap_em * (b - a)))
        else:
            spans = [(0, band.shape[1])]
        for c0, c1 in spans:
            cols = np.flatnonzero(band[:, c0:c1].any(axis=0))
            if cols.size == 0:
                continue
            lx0, lx1 = x0 + c0 + int(cols[0]), x0 + c0 + int(cols[-1]) + 1
            rows = np.flatnonzero(sub[a:b, lx0 - x0:lx1 - x0].any(axis=1))
            ly0, ly1 = y0 + a + int(rows[0]), y0 + a + int(rows[-1]) + 1
            if line_px and ly1 - ly0 < 0.45 * line_px and lx1 - lx0 < line_px:
                continue  # a speck or a pen dot on a line of its own, not text (a lone 1 is taller)
            out.append(LineCrop((lx0, ly0, lx1, ly1), _crop(grey, lx0, ly0, lx1, ly1, s.pad_px), trimmed))
    return out


def min_line_px(dpi: float, s: ReadSettings = DEFAULT) -> int:
    return max(2, int(s.min_line_pt * dpi / 72))


def inner_box(box: Box, dpi: float, shape: tuple[int, int], s: ReadSettings = DEFAULT) -> tuple[int, int, int, int]:
    """A cell's box in pixels, shrunk clear of its ruling and clipped to the page."""
    k = dpi / 72
    inset = s.inset_pt * k
    h, w = shape
    x0 = int(max(0, min(w, box.x0 * k + inset)))
    y0 = int(max(0, min(h, box.y0 * k + inset)))
    x1 = int(max(x0, min(w, box.x1 * k - inset)))
    y1 = int(max(y0, min(h, box.y1 * k - inset)))
    return x0, y0, x1, y1


def outside_regions(shape: tuple[int, int], table_boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The page outside its tables: full-width bands above, between and below them, and the
    stretches left and right of each table within its rows (up to the next table across). A
    table whose outer columns' rules were lost ends short of its print, and what stands beside
    it must still be read (and is then seen by the grid check) rather than left unread."""
    h, w = shape
    spans = sorted((y0, y1) for _, y0, _, y1 in table_boxes)
    out, top = [], 0
    for y0, y1 in spans:
        if y0 > top:
            out.append((0, top, w, y0))
        top = max(top, y1)
    if top < h:
        out.append((0, top, w, h))
    for x0, y0, x1, y1 in table_boxes:
        level = [b for b in table_boxes if b[1] < y1 and b[3] > y0 and b != (x0, y0, x1, y1)]
        left = max((b[2] for b in level if b[2] <= x0), default=0)
        right = min((b[0] for b in level if b[0] >= x1), default=w)
        out += [r for r in ((left, y0, x0, y1), (x1, y0, right, y1)) if r[2] - r[0] > 1]
    return out


# a gap inside a table's outline that no cell covers, narrower than this, is the seam between
# cells (their boxes meet on a rule, rounded to pixels); a cell lost with its rules is wider
HOLE_MIN_PT = 6.0


def table_holes(shape: tuple[int, int], table_boxes: list[tuple[int, int, int, int]],
                cell_boxes: list[tuple[int, int, int, int]], dpi: float) -> np.ndarray:
    """255 inside the tables' outlines where no cell is: text there, a cell whose rules were
    lost, is read as loose lines (and then fails the grid check) rather than never read."""
    holes = np.zeros(shape, np.uint8)
    for x0, y0, x1, y1 in table_boxes:
        holes[y0:y1, x0:x1] = 255
    for x0, y0, x1, y1 in cell_boxes:
        holes[y0:y1, x0:x1] = 0
    n = max(3, int(round(HOLE_MIN_PT * dpi / 72.0)))
    return cv2.morphologyEx(holes, cv2.MORPH_OPEN, np.ones((n, n), np.uint8))


def looks_numeric(text: str) -> bool:
    t = text.strip()
    return bool(t) and any(c.isdigit() for c in t) and all(c in _NUMERIC for c in t)


_FULL = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "（）“”‘’《》、，。；：！？"


def cjk_punctuation(text: str) -> str:
    """Half-width punctuation that touches a hanzi becomes full-width, as the form prints it.

    PP-OCR returns ASCII brackets and commas inside Chinese text; numbers
    ("44,770.21", "(1)") keep theirs because neither neighbour is a hanzi.
    """
    out = list(text)
    for i, ch in enumerate(out):
        if ch in _FULL:
            before = out[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if (before and _cjk(before)) or (after and _cjk(after) and ch in "("):
                out[i] = _FULL[ch]
            elif ch == ")" and "（" in "".join(out[:i]) and "）" not in "".join(out[out.index("（"):i]):
                out[i] = "）"  # close what a full-width bracket opened
    return "".join(out)


# ‰ is drawn as % with a small o after it: recognisers trained on few ‰ signs read it as "%0",
# "%o", "%c" (the o's ring broken open) or "%。". A per-cent sign followed by one of these and no further digit is never
# anything else (a percentage runs into no digit), so it is a per-mille sign.
_PER_MILLE_READ = re.compile(r"(?<=\d)%[0oO。°cC](?![\d%])")
# a dash, underscore or full stop after a closing per-cent or per-mille sign at the end of a line
# is a speck or the tail of a pen stroke read as punctuation ("100%-", "95%-100%."): no value ends
# on a dash (a range goes on to its upper bound, "95%-100%"), and a target is no sentence
_STRAY_AFTER_PERCENT = re.compile(r"(?<=[%‰])[-—–_~～.]+$")


def repair_reading(text: str) -> str:
    """Signs an engine misreads in a known way, put back: "5%0" → "5‰", "100%-" → "100%"."""
    return _STRAY_AFTER_PERCENT.sub("", _PER_MILLE_READ.sub("‰", text))


def to_glyphs(lines: list[LineCrop], texts: list[tuple[str, float]], dpi: float) -> list[Glyph]:
    """One Glyph per recognised line, boxed in PDF points."""
    k = 72.0 / dpi
    out = []
    for line, (text, conf) in zip(lines, texts):
        text = repair_reading(cjk_punctuation(text.strip()))
        if not text:
            continue
        x0, y0, x1, y1 = line.box_px
        out.append(Glyph(text, Box(x0 * k, y0 * k, x1 * k, y1 * k), (y1 - y0) * k, float(conf)))
    return out
