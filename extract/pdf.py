"""A PDF, page by page: from the text layer where it is usable, else rendered and OCR'd.

The per-page choice lives here so that a born-digital PDF needs nothing of the OCR
path (OpenCV, an engine): the default install reads it. Both kinds of page meet in
the same grid chain (extract/grid.py); a document with both is `method = mixed`.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .grid import DEFAULT, document_tables, page_tables
from .model import DocumentError, Extraction, ExtractOptions, PageContent
from .raster import render_pdf_page
from .textlayer import pdf_guard, text_layer_usable
from .timing import Clock


def _text_layers(path: Path, doc, reader: str) -> Iterator[tuple[PageContent, float]]:
    """Each page's text layer and the share of it one image covers.

    PDFium (extract/pdfium_text.py) reads every page it places exactly, six
    times faster than pdfplumber; pdfplumber reads the rest (rotated pages, a
    crop box inside the media box), or every page when asked for by name.
    """
    from . import pdfium_text, pdftext

    plumber = None
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                if reader == "pdfium" and not pdfium_text.needs_pdfplumber(page):
                    yield pdfium_text.read_page(page, i + 1)
                    continue
            finally:
                page.close()
            if plumber is None:
                import pdfplumber

                plumber = pdfplumber.open(path)
            pl_page = plumber.pages[i]
            yield pdftext.page_content(pl_page), pdftext.image_cover(pl_page)
            pl_page.flush_cache()
    finally:
        if plumber is not None:
            plumber.close()


def extract_pdf(path: Path, options: ExtractOptions, timings: dict | None = None) -> Extraction:
    """A PDF, page by page from its text layer where usable, else by OCR."""
    clock = Clock(timings)
    doc = pdf_guard(path, options.max_pages)
    per_page: list = [None] * len(doc)
    sizes: list = [None] * len(doc)
    ocr_pages = []
    try:
        for i, (content, cover) in enumerate(_text_layers(path, doc, options.pdf_reader)):
            usable = not options.force_ocr and text_layer_usable(content, cover)
            clock.lap("pdf parse")
            if usable:
                per_page[i] = page_tables(content, DEFAULT)
                sizes[i] = (content.width, content.height)
                clock.lap("grid")
            else:
                ocr_pages.append(i)
    except DocumentError:
        doc.close()
        raise
    except Exception as e:  # pdfminer and PDFium raise many types for broken files
        doc.close()
        raise DocumentError(f"not a readable PDF ({type(e).__name__}: {e})".splitlines()[0]) from e
    engine = None
    if ocr_pages:  # image-only pages: the OCR path (the [ocr] extra), loaded only when a PDF has such pages
        from .anchors import AnchorContext
        from .scanned import _engine, _give_up_without_tables, _no_table_note, read_tables
        engine = _engine(options)
        context = AnchorContext()  # an anchors-read table's columns, for the page after it
    notes: list = []
    for done, i in enumerate(ocr_pages, start=1):
        try:
            img = render_pdf_page(doc, i, options.dpi)
        except DocumentError:
            raise
        except Exception as e:
            raise DocumentError(f"page {i + 1} cannot be rendered ({type(e).__name__}: {e})".splitlines()[0]) from e
        clock.lap("rasterise")
        content, per_page[i] = read_tables(img, engine, clock, options.keep_pages, context)
        notes.append(_no_table_note(i + 1, per_page[i]))
        sizes[i] = (content.width, content.height)
        clock.lap("grid")
        _give_up_without_tables(per_page, done)
    doc.close()
    tables, lines = document_tables(per_page, DEFAULT)
    clock.lap("grid")
    method = "ocr" if len(ocr_pages) == len(per_page) else ("mixed" if ocr_pages else "text")
    return Extraction(pages=len(per_page), tables=tables, lines=lines, method=method,
                      ocr_engine=engine.version if engine else None, page_sizes=tuple(sizes),
                      notes=[n for n in notes if n])
