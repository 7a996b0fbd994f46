"""PDF text layer -> PageContent, via pdfplumber (pdfminer underneath).

The second reader: PDFium (extract/pdfium_text.py) is the default, six times
faster; this one reads the pages PDFium's coordinates do not cover (rotated
pages, a crop box inside the media box) and every page under
`--pdf-reader pdfplumber`. The per-page choice between a text layer and OCR
is extract/pdf.extract_pdf.
"""
from __future__ import annotations

from .model import Box, Glyph, PageContent, Segment


def page_content(page) -> PageContent:
    """Glyphs and ruling lines of one pdfplumber page, boxes in top-left points."""
    glyphs = tuple(
        Glyph(ch["text"], Box(ch["x0"], ch["top"], ch["x1"], ch["bottom"]), float(ch.get("size") or 0.0))
        for ch in page.chars
        if ch["text"] == " " or ch["text"].strip()  # keep printed spaces, drop other whitespace
    )
    segments = tuple(Segment(e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges)
    return PageContent(page.page_number, float(page.width), float(page.height), glyphs, segments, "text")


def image_cover(page) -> float:
    """The largest share of a pdfplumber page one image covers."""
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for im in page.images:
        w = max(0.0, min(im["x1"], page.width) - max(im["x0"], 0))
        h = max(0.0, min(im["bottom"], page.height) - max(im["top"], 0))
        covered = max(covered, w * h / area)
    return covered
