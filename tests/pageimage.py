"""Small synthetic page images for the scanned path: a ruled table with merged cells and text."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@dataclass(frozen=True)
class DrawnCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def draw_table(cells: list[DrawnCell], col_pt: list[float], row_pt: list[float], dpi: int = 200,
               page_pt: tuple[float, float] = (420, 300), origin_pt: tuple[float, float] = (40, 60),
               font_pt: float = 10.5, title: str | None = None) -> tuple[np.ndarray, dict]:
    """RGB page and the drawn cell boxes in points {(row, col): (x0, y0, x1, y1)}."""
    k = dpi / 72
    w, h = int(page_pt[0] * k), int(page_pt[1] * k)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, int(font_pt * k))
    xs = [origin_pt[0]]
    for c in col_pt:
        xs.append(xs[-1] + c)
    ys = [origin_pt[1]]
    for r in row_pt:
        ys.append(ys[-1] + r)
    boxes = {}
    lw = max(1, int(0.75 * k))
    for c in cells:
        x0, y0 = xs[c.col], ys[c.row]
        x1, y1 = xs[c.col + c.colspan], ys[c.row + c.rowspan]
        boxes[(c.row, c.col)] = (x0, y0, x1, y1)
        d.rectangle([x0 * k, y0 * k, x1 * k, y1 * k], outline="black", width=lw)
        if c.text:
            tw = d.textlength(c.text, font=font)
            d.text(((x0 + x1) / 2 * k - tw / 2, (y0 + y1) / 2 * k - font_pt * k / 2), c.text, fill="black", font=font)
    if title:
        tw = d.textlength(title, font=font)
        d.text((w / 2 - tw / 2, (origin_pt[1] - 30) * k), title, fill="black", font=font)
    return np.asarray(img).copy(), boxes


def rotate_rgb(img: np.ndarray, degrees: float) -> np.ndarray:
    return np.asarray(Image.fromarray(img).rotate(degrees, resample=Image.BILINEAR, fillcolor="white"))


def red_ring(img: np.ndarray, centre: tuple[int, int], radius: int, width: int) -> np.ndarray:
    """A seal-like red ring, multiplied over the page (black ink under it stays black)."""
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    r = np.hypot(xx - centre[0], yy - centre[1])
    ring = (np.abs(r - radius) < width / 2) | (r < radius * 0.25)
    out = img.astype(np.float32)
    out[ring] *= np.array([0.92, 0.18, 0.2], np.float32)
    return out.astype(np.uint8)
