"""PDF text layer -> PageContent, via pdfplumber (pdfminer underneath)."""
from __future__ import annotations

import time
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
        if ch["text"] == " " or ch["text"].strip()  # keep printed spaces, drop other whitespace
    )
    segments = tuple(Segment(e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges)
    return PageContent(page.page_number, float(page.width), float(page.height), glyphs, segments, "text")


def iter_pages(path: Path) -> Iterator[PageContent]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            yield page_content(page)
            page.flush_cache()  # keep memory flat on long documents


def extract_pdf_text(path: Path, settings: GridSettings = DEFAULT, timings: dict | None = None) -> Extraction:
    """Tables and loose text lines from a born-digital PDF.

    `timings`, when given, accumulates seconds per stage (for bench/).
    """
    per_page = []
    sizes = []
    t = timings if timings is not None else {}
    clock = time.perf_counter()
    for content in iter_pages(path):
        now = time.perf_counter()
        t["pdf parse"] = t.get("pdf parse", 0.0) + now - clock
        sizes.append((content.width, content.height))
        per_page.append(page_tables(content, settings))
        clock = time.perf_counter()
        t["grid"] = t.get("grid", 0.0) + clock - now
    tables, lines = document_tables(per_page, settings)
    t["grid"] = t.get("grid", 0.0) + time.perf_counter() - clock
    return Extraction(pages=len(sizes), tables=tables, lines=lines, method="text", page_sizes=tuple(sizes))
