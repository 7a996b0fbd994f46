"""Source -> page images: PDF pages rendered with pypdfium2, image files read with Pillow.

Guards live here because this is where a hostile file would cost memory:
page counts, page sizes and pixel counts are checked before anything is
decoded or rendered.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model import DocumentError

MAX_PIXELS = 120_000_000  # ~A0 at 300 dpi; a 30,000 x 30,000 image (900 Mpx) is refused
MAX_PAGE_POINTS = 14_400  # 200 inches: PDF's own page-size limit; larger is a bomb
DEFAULT_IMAGE_DPI = 300  # for images that do not say
MAX_DPI = 400  # finer scans are read at this resolution; more costs time, not accuracy


@dataclass(frozen=True)
class PageImage:
    """One page as RGB pixels; `dpi` converts pixels to PDF points (72 per inch)."""

    number: int  # 1-based
    pixels: np.ndarray  # H x W x 3, uint8, RGB
    dpi: float

    @property
    def width_pt(self) -> float:
        return self.pixels.shape[1] * 72.0 / self.dpi

    @property
    def height_pt(self) -> float:
        return self.pixels.shape[0] * 72.0 / self.dpi


def check_page_size(number: int, width_pt: float, height_pt: float) -> None:
    if width_pt > MAX_PAGE_POINTS or height_pt > MAX_PAGE_POINTS:
        raise DocumentError(f"page {number} too large ({width_pt:.0f} × {height_pt:.0f} pt)")


def render_pdf_page(pdf, index: int, dpi: float) -> PageImage:
    """Render one page of an open pypdfium2 document at `dpi` (lowered if it would exceed MAX_PIXELS)."""
    page = pdf[index]
    try:
        w, h = page.get_size()
        check_page_size(index + 1, w, h)
        scale = dpi / 72.0
        if w * h * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (w * h)) ** 0.5
        bitmap = page.render(scale=scale)
        rgb = np.asarray(bitmap.to_pil().convert("RGB"))
        return PageImage(index + 1, rgb, scale * 72.0)
    finally:
        page.close()


def _frames(path: Path) -> Iterator[tuple[np.ndarray, float]]:
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow raises DecompressionBombError at twice this
    try:
        im = Image.open(path)
    except Image.DecompressionBombError as e:
        raise DocumentError(f"image too large ({e})".split(" could be")[0] + ")") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise DocumentError(f"not a readable image ({type(e).__name__}: {e})".splitlines()[0]) from e
    with im:
        for frame in ImageSequence.Iterator(im):
            w, h = frame.size
            if w * h > MAX_PIXELS:
                raise DocumentError(f"image too large ({w} × {h} px, limit {MAX_PIXELS:,} px)")
            dpi = frame.info.get("dpi", (DEFAULT_IMAGE_DPI,))[0]
            dpi = float(dpi) if dpi and 50 <= float(dpi) <= 2400 else float(DEFAULT_IMAGE_DPI)
            try:
                rgb = np.asarray(frame.convert("RGB"))
            except (OSError, ValueError) as e:
                raise DocumentError(f"not a readable image ({type(e).__name__}: {e})".splitlines()[0]) from e
            yield rgb, dpi


def load_images(paths: list[Path]) -> Iterator[PageImage]:
    """Every frame of every image file, numbered as pages in order (multi-page TIFFs included)."""
    number = 0
    for path in paths:
        for rgb, dpi in _frames(path):
            number += 1
            if dpi > MAX_DPI:  # read fine scans at MAX_DPI
                import cv2
                f = MAX_DPI / dpi
                rgb = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
                dpi = MAX_DPI
            yield PageImage(number, rgb, dpi)
