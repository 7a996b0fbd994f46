"""Picture of how a scanned page was read: ruling found, cells built, text read.

In the manner of pdfplumber's `debug_tablefinder`: the straightened page in
grey, ruling segments in red, cells outlined in blue (merged cells come out
as one rectangle), each cell's reading in green at its top-left corner. Used
to tune the ruling finder by eye (`formpipe debug-grid FILE --page N -o x.png`).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def _page_image(path: Path, page: int, dpi: int):
    from .photo import straighten_photo
    from .raster import load_images, render_pdf_page
    from .textlayer import pdf_guard

    if path.suffix.lower() == ".pdf":
        return render_pdf_page(pdf_guard(path, 500), page - 1, dpi)
    for img in load_images([path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())):
        if img.number == page:
            return straighten_photo(img)  # as the pipeline reads it: a photo of a sheet on a desk seen square-on
    raise SystemExit(f"{path}: no page {page}")


def draw(path: Path, page: int, out: Path, dpi: int = 300, engine_name: str | None = "rapidocr") -> str:
    """Write the debug picture of one page; returns a one-line summary."""
    from .grid import page_tables
    from .prepare import prepare
    from .scanned import OCR_GRID, _Clock, read_prepared

    img = _page_image(path, page, dpi)
    pp = prepare(img.pixels, img.dpi)
    engine = None
    if engine_name:
        from .ocr import get_engine
        engine = get_engine(engine_name)
    content, _conf = read_prepared(pp, page, engine, _Clock(None)) if engine else (None, 0.0)
    k = pp.dpi / 72.0
    canvas = cv2.cvtColor(pp.grey, cv2.COLOR_GRAY2BGR)
    canvas = (canvas * 0.5 + 127).astype(np.uint8)  # faded, so the overlay reads
    segments = content.segments if content else ()
    for s in segments:
        cv2.line(canvas, (int(s.x0 * k), int(s.y0 * k)), (int(s.x1 * k), int(s.y1 * k)), (0, 0, 255), 2)
    tables = page_tables(content, OCR_GRID)[0] if content else []
    n_cells = 0
    for t in tables:
        for c in t.cells:
            n_cells += 1
            b = c.box
            cv2.rectangle(canvas, (int(b.x0 * k) + 3, int(b.y0 * k) + 3), (int(b.x1 * k) - 3, int(b.y1 * k) - 3),
                          (255, 0, 0), 1)
    # readings are drawn with Pillow: OpenCV's fonts have no hanzi
    from PIL import Image, ImageDraw, ImageFont
    pil = Image.fromarray(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    d = ImageDraw.Draw(pil)
    font = None
    for f in ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc"):
        if Path(f).exists():
            font = ImageFont.truetype(f, max(12, int(7 * k)))
            break
    for t in tables:
        for c in t.cells:
            if c.text:
                d.text((c.box.x0 * k + 5, c.box.y0 * k + 5), c.text[:24], fill=(0, 140, 0), font=font)
    pil.save(out)
    return f"page {page}: {len(segments)} ruling segments, {len(tables)} tables, {n_cells} cells -> {out}"
