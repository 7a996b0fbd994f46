"""Per-page choice between the PDF text layer and OCR (filled in by the OCR path)."""
from __future__ import annotations

from pathlib import Path

from .document import DocumentError, ExtractOptions
from .model import Extraction


def extract_pdf(path: Path, options: ExtractOptions, timings: dict | None = None) -> Extraction:
    from .pdftext import extract_pdf_text
    try:
        return extract_pdf_text(path, timings=timings)
    except Exception as e:  # pdfminer raises many types for broken files
        raise DocumentError(f"not a readable PDF ({type(e).__name__}: {e})".splitlines()[0]) from e


def extract_images(pages: list[Path], options: ExtractOptions, timings: dict | None = None) -> Extraction:
    raise DocumentError("image input needs the OCR path")
