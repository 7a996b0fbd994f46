"""Page images for review, in the coordinates the boxes use, and crops of single values.

An OCR'd page was kept as read (extract/keep.py) at REVIEW_DPI. A text-layer page is
rendered from its source PDF at the same resolution (its boxes are the PDF's own points)
and cached beside the kept ones; the source is rendered only if its bytes still hash to the
document's id, so a page never comes from another version of the file.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from formpipe.extract.keep import REVIEW_DPI, page_file, save_jpeg
from formpipe.store.writer import review_pages

SCALE = REVIEW_DPI / 72.0  # pixels per point on a review image
CROP_PAD_PT = 8.0  # context around a value: about one line above and below
CROP_ZOOM = 2.0  # crops are shown twice the page's scale


def page_image(outputs: Path, doc: dict, page: int) -> np.ndarray | None:
    """RGB pixels of `page` (1-based) at REVIEW_DPI, or None when there is none to be had."""
    path = page_file(review_pages(outputs, doc["doc_id"]), page)
    if not path.exists() and not _render_source(doc, path, page):
        return None
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _render_source(doc: dict, path: Path, page: int) -> bool:
    from formpipe.extract.document import source_digest
    if not doc.get("source_root") or not doc.get("source_path"):
        return False
    source = Path(doc["source_root"]) / doc["source_path"]
    if source.suffix.lower() != ".pdf" or not source.is_file():
        return False
    try:
        if source_digest(source) != doc["doc_id"]:
            return False
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(str(source))
        try:
            if not 1 <= page <= len(pdf):
                return False
            rgb = pdf[page - 1].render(scale=SCALE).to_numpy()[:, :, :3].copy()
        finally:
            pdf.close()
    except Exception:  # an unreadable source just has no image in the review
        return False
    save_jpeg(rgb, path)
    return True


def jpeg(rgb: np.ndarray, quality: int = 80) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else b""


def crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> bytes:
    """The value's box with a margin, zoomed: what the reader saw, next to what it made of it."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    px0 = max(0, int((x0 - CROP_PAD_PT) * SCALE))
    py0 = max(0, int((y0 - CROP_PAD_PT) * SCALE))
    px1 = min(w, int((x1 + CROP_PAD_PT) * SCALE) + 1)
    py1 = min(h, int((y1 + CROP_PAD_PT) * SCALE) + 1)
    if px1 <= px0 or py1 <= py0:
        return b""
    part = rgb[py0:py1, px0:px1].copy()
    # the box itself, outlined, so the eye finds the value in its context
    cv2.rectangle(part, (int(x0 * SCALE) - px0, int(y0 * SCALE) - py0), (int(x1 * SCALE) - px0, int(y1 * SCALE) - py0),
                  (220, 30, 30), 1)
    part = cv2.resize(part, None, fx=CROP_ZOOM, fy=CROP_ZOOM, interpolation=cv2.INTER_CUBIC)
    return jpeg(part, 85)
