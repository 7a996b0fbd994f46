"""PDF text layer -> PageContent, via pdfplumber (pdfminer underneath)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pdfplumber

from .grid import DEFAULT, GridSettings, document_tables, page_tables
from .model import Box, Extraction, Glyph, PageContent, Segment


def page_content(page) -> PageContent:
    """Glyphs and ruling lines of one pdfplumber page, boxes in top-left points."""
    glyphs = tuple(
        Glyph(ch["text"], Box(ch["x0"], ch["top"], ch["x1"], ch["bottom"]), float(ch.get("size") or 0.0))
        for ch in page.chars
        if ch["text"] and not ch["text"].isspace() or ch["text"] == " "
    )
    segments = tuple(Segment(e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges)
    return PageContent(page.page_number, float(page.width), float(page.height), glyphs, segments, "text")


def iter_pages(path: Path) -> Iterator[PageContent]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            yield page_content(page)
            page.flush_cache()  # keep memory flat on long documents


def extract_pdf_text(path: Path, settings: GridSettings = DEFAULT) -> Extraction:
    """Tables and loose text lines from a born-digital PDF."""
    per_page = []
    sizes = []
    for content in iter_pages(path):
        sizes.append((content.width, content.height))
        per_page.append(page_tables(content, settings))
    tables, lines = document_tables(per_page, settings)
    return Extraction(pages=len(sizes), tables=tables, lines=lines, method="text", page_sizes=tuple(sizes))
