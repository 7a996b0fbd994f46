"""Keep each OCR'd page as it was read: turned upright and straightened, in colour.

The boxes of OCR'd cells are in points on the straightened page (extract/scanned.py), so a
reviewer's crop is exact only on that page, which cannot be rebuilt from the scan without
redoing `prepare`. Each page is saved once, small, as `page-<n>.jpg` at REVIEW_DPI.
Text-layer pages are not kept: their boxes are in the PDF's own points and `formpipe review`
renders them from the source file at the same resolution.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from .prepare import PreparedPage, quarter_turn, straighten

REVIEW_DPI = 150  # 9 pt print is ~19 px high: legible in a crop, ~150 kB a page as JPEG
JPEG_QUALITY = 80  # below ~70 thin rules and decimal points blur in the crop


def page_file(folder: Path, number: int) -> Path:
    return folder / f"page-{number}.jpg"


def to_review_scale(rgb: np.ndarray, dpi: float, width_pt: float, height_pt: float) -> np.ndarray:
    size = (max(1, round(width_pt * REVIEW_DPI / 72)), max(1, round(height_pt * REVIEW_DPI / 72)))
    interp = cv2.INTER_AREA if dpi > REVIEW_DPI else cv2.INTER_LINEAR
    return cv2.resize(rgb, size, interpolation=interp)


def save_jpeg(rgb: np.ndarray, path: Path) -> None:
    """Written to a hidden name and renamed: a reader never sees half an image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, path)


def keep_straightened(folder: str, number: int, rgb: np.ndarray, pp: PreparedPage) -> None:
    """The page's colour pixels under the same turn and skew `prepare` gave its grey."""
    img = quarter_turn(rgb, pp.turns)
    h, w = img.shape[:2]
    k = 72.0 / pp.dpi
    # scaled first, then turned by the skew about its centre (the same turn as on the full
    # page): rotating the full 300-dpi colour page cost 0.1 s a page, a quarter of that here
    img = to_review_scale(img, pp.dpi, w * k, h * k)
    img = straighten(img, pp.skew, pp.slant, fill=(255, 255, 255))
    save_jpeg(img, page_file(Path(folder), number))
