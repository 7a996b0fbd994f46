"""PDF text layer -> PageContent, via pdfplumber (pdfminer underneath).

The per-page choice between this and OCR is extract/pdf.extract_pdf.
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
