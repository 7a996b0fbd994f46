"""Which extractor reads a source, and the options it reads it with.

The one seam between orchestration (pipeline.py) and extraction: a source (a
file, or a folder of page images) goes in, an `Extraction` comes out, or a
`DocumentError` with a one-line reason.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .model import DEFAULT_OPTIONS, DocumentError, Extraction, ExtractOptions

__all__ = ["DocumentError", "ExtractOptions", "extract_document", "page_images", "source_digest"]

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt", ".tsv"})  # flattened dumps of a form (see plaintext.py)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
INPUT_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | IMAGE_SUFFIXES

# images/<doc>/page-1.jpg, page_2.png, 3.tif ... : one document, pages in number order
_PAGE_NAME = re.compile(r"^(?:page[-_ ]?)?(\d{1,4})$", re.IGNORECASE)


def page_number(path: Path) -> int | None:
    m = _PAGE_NAME.match(path.stem)
    return int(m.group(1)) if m and path.suffix.lower() in IMAGE_SUFFIXES else None


def page_images(folder: Path) -> list[Path] | None:
    """The page images of a page-image folder in page order, or None if it is not one.

    A folder is one document when it holds only numbered page images (hidden
    files aside) and no sub-folders.
    """
    try:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError:
        return None
    if not entries or any(p.is_dir() for p in entries):
        return None
    numbered = [(n, p) for p in entries if (n := page_number(p)) is not None]
    if len(numbered) < len(entries):
        return None
    return [p for _, p in sorted(numbered, key=lambda t: t[0])]


def source_digest(path: Path) -> str:
    """First 16 hex digits of the SHA-256 of the source's bytes.

    For a page-image folder: of its page files' bytes in page order, each
    preceded by its length, so reordering or splitting pages changes the id.
    """
    h = hashlib.sha256()
    files = page_images(path) if path.is_dir() else [path]
    if files is None:
        raise DocumentError("not a page-image folder")
    for f in files:
        if path.is_dir():
            h.update(f"{f.stat().st_size}:".encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


def extract_document(path: Path, options: ExtractOptions = DEFAULT_OPTIONS,
                     timings: dict | None = None) -> Extraction:
    """Pick the extractor for the source; every one returns an Extraction."""
    if path.is_dir():
        pages = page_images(path)
        if pages is None:
            raise DocumentError("folder is not a page-image document")
        from .scanned import extract_images
        return extract_images(pages, options, timings)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from .pdf import extract_pdf
        return extract_pdf(path, options, timings)
    if suffix in IMAGE_SUFFIXES:
        from .scanned import extract_images
        return extract_images([path], options, timings)
    if suffix in TEXT_SUFFIXES:
        from .plaintext import extract_text_dump
        try:
            return extract_text_dump(path)
        except (OSError, ValueError) as e:
            raise DocumentError(f"unreadable text dump ({e})") from e
    raise DocumentError(f"unsupported file type {suffix or '(none)'}")
