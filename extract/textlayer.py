"""Is a PDF safe to open, and is a page's text layer worth reading?

A scan may carry no text layer, an invisible OCR layer of its own, or
garbage (fonts without a Unicode map give "(cid:12)" or mojibake). Such pages
go to OCR; a page of real text is read from the layer, which is exact.
"""
from __future__ import annotations

import functools
from pathlib import Path

from .model import DocumentError, PageContent
from .raster import check_page_size

MIN_CHARS = 20  # fewer characters than this is not a text layer worth trusting
MIN_PLAUSIBLE = 0.90  # share of characters a Chinese form plausibly prints
MIN_CJK = 0.15  # a form page is Chinese: a layer without hanzi is not this form's text
IMAGE_COVER = 0.30  # an image over this share of the page makes it a scan
_EXTRA = set("≥≤×÷±‰°℃—…“”‘’·")


@functools.lru_cache(maxsize=16384)  # a page repeats a few hundred distinct characters
def plausible_char(ch: str) -> bool:
    """ASCII, CJK punctuation/full-width forms, or a hanzi of GB2312 (the 6,763 in common use)."""
    o = ord(ch)
    if ch.isascii():
        return ch.isprintable()
    if 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or ch in _EXTRA:
        return True
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xF7


def _is_cjk(ch: str) -> bool:
    return 0x4E00 <= ord(ch) <= 0x9FFF


def layer_quality(texts: list[str]) -> tuple[int, float, float]:
    """(characters, plausible share, hanzi share) of a page's text layer."""
    chars = [c for t in texts for c in (t if not t.startswith("(cid:") else "\ufffd") if not c.isspace()]
    if not chars:
        return 0, 0.0, 0.0
    n = len(chars)
    return n, sum(map(plausible_char, chars)) / n, sum(map(_is_cjk, chars)) / n


def text_layer_usable(content: PageContent, image_cover: float) -> bool:
    """Read this page from its text layer (True) or render and OCR it (False).
    `image_cover`: the largest share of the page one image covers."""
    n, plausible, cjk = layer_quality([g.text for g in content.glyphs])
    scanned = image_cover > IMAGE_COVER
    if n < MIN_CHARS:
        return not scanned  # an empty vector page stays a (blank) text page
    if plausible < MIN_PLAUSIBLE:
        return False
    if cjk < MIN_CJK:  # real text, but not this form's: OCR would only read it again, slowly
        return not scanned
    # real text over a page image without vector ruling: an OCR layer; the grid is in the image
    return not (scanned and not content.segments)


def pdf_guard(path: Path, max_pages: int):
    """Open with pypdfium2 after the cheap checks; refuse bombs before anything is parsed."""
    import pypdfium2 as pdfium

    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError as e:
        raise DocumentError(f"cannot read file ({e.strerror or e})") from e
    if size == 0:
        raise DocumentError("empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise DocumentError("not a PDF (no %PDF header)")
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise DocumentError("encrypted PDF (a password is required to open it)") from e
        raise DocumentError(f"not a readable PDF ({e})".splitlines()[0]) from e
    n = len(doc)
    if n == 0:
        doc.close()
        raise DocumentError("PDF has no pages")
    if n > max_pages:
        doc.close()
        raise DocumentError(f"too many pages ({n}, limit {max_pages})")
    for i in range(n):
        w, h = doc.get_page_size(i)
        try:
            check_page_size(i + 1, w, h)
        except DocumentError:
            doc.close()
            raise
    return doc
