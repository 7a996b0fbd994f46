"""PDF text layer -> PageContent, via PDFium (pypdfium2): the default reader.

PDFium parses a page in C: on the born-digital corpus it gives the same glyphs
and ruling as pdfplumber (tests/test_pdf_readers.py holds them side by side)
at about a sixth of the time (`bench/bench_born_digital.py --reader`), which
is what keeps born-digital forms above 20 pages/s on one core.

What pdfplumber gives and this reproduces:
- a glyph per printed character, one em tall over its baseline and as wide
  as its advance (pdfminer's box for the fonts office software embeds);
  generated characters (the spaces and line breaks PDFium infers) are left
  out, printed spaces kept;
- a ruling edge per straight piece of every stroked or filled path (a line,
  each side of a rectangle), with the path's matrix applied, form XObjects
  included; curves contribute the chords between their points;
- the share of the page an image covers, for the scan test in textlayer.py.

A page this reader cannot place exactly (rotated, or a crop box that is not
the media box) is read by pdfplumber instead: `needs_pdfplumber` says so.
"""
from __future__ import annotations

import ctypes
from collections.abc import Iterator

from .model import Box, Glyph, PageContent, Segment

# Straight pieces closer than this to an axis are ruling; a slanted stroke
# (a diagonal in a header cell) is not, as pdfplumber's grid never uses it.
AXIS_TOLERANCE = 0.01  # points; LibreOffice and Word print ruling exactly on the axis
# A glyph's box is one em tall, its bottom this share of the size below the baseline, the same for
# every font: characters on one baseline then share one box even where a line mixes a CJK font
# and a Latin one (the fonts' own descents differ by a tenth of an em, enough to split a line).
# 0 is pdfminer's box for the fonts LibreOffice and Word embed (their descriptors give no
# descent), so the office exports the extractor is measured on keep their geometry.
DESCENT_SHARE = 0.0


def needs_pdfplumber(page) -> bool:
    """True for a page whose coordinates this reader does not reproduce exactly."""
    if page.get_rotation() % 360:
        return True
    return tuple(round(v, 2) for v in page.get_cropbox()) != tuple(round(v, 2) for v in page.get_mediabox())


class _Calls:
    """PDFium calls re-typed to return plain addresses, so a character's text
    object can key a cache without a ctypes cast per character."""

    def __init__(self) -> None:
        import pypdfium2.raw as raw

        vp, ci = ctypes.c_void_p, ctypes.c_int
        self.text_object = ctypes.cast(raw.FPDFText_GetTextObject, ctypes.CFUNCTYPE(vp, vp, ci))
        self.object_font_size = ctypes.cast(raw.FPDFTextObj_GetFontSize,
                                            ctypes.CFUNCTYPE(ci, vp, ctypes.POINTER(ctypes.c_float)))


_CALLS: _Calls | None = None


def _calls() -> _Calls:
    global _CALLS
    if _CALLS is None:
        _CALLS = _Calls()
    return _CALLS


def _glyphs(page, top: float, left: float) -> tuple[Glyph, ...]:
    """Each printed character, boxed one em tall over its baseline (DESCENT_SHARE).

    The em box, not the ink box: every character of a line gets the same top and
    bottom, so a line whose ink touches a rule is still one line (PDFium's own
    boxes vary by glyph). Horizontally: from the origin to the end of the advance.
    """
    import pypdfium2.raw as raw

    calls = _calls()
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n <= 0:
            return ()
        text = textpage.get_text_range(0, n)
        if len(text) != n:  # characters beyond the BMP: one call per character keeps indices aligned
            text = "".join(textpage.get_text_range(i, 1)[:1] or "\ufffd" for i in range(n))
        handle = ctypes.cast(textpage.raw, ctypes.c_void_p)
        rect = raw.FS_RECTF()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        font_size, matrix = ctypes.c_float(), raw.FS_MATRIX()
        size_of: dict[int, float] = {}  # text object -> its printed size
        out = []
        for i in range(n):
            ch = text[i]
            if not (ch == " " or ch.strip()) or raw.FPDFText_IsGenerated(textpage, i) == 1:
                continue
            obj = calls.text_object(handle, i) or 0
            size = size_of.get(obj)
            if size is None:
                # the size as printed: the font size through every matrix over it (text, page, form XObject)
                if obj and raw.FPDFText_GetMatrix(textpage, i, matrix) and calls.object_font_size(obj, ctypes.byref(font_size)):
                    size = float(font_size.value) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                else:
                    size = float(raw.FPDFText_GetFontSize(textpage, i))
                size_of[obj] = size
            raw.FPDFText_GetLooseCharBox(textpage, i, rect)
            raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
            bottom = oy.value + DESCENT_SHARE * size
            out.append(Glyph(ch, Box(ox.value - left, top - (bottom + size), rect.right - left, top - bottom), size))
        return tuple(out)
    finally:
        textpage.close()


def _matrix(obj_handle) -> tuple[float, float, float, float, float, float]:
    import pypdfium2.raw as raw

    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj_handle, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple, outer: tuple) -> tuple:
    """The matrix that applies `inner`, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_points(handle, matrix: tuple) -> Iterator[list[tuple[float, float]]]:
    """Each subpath of a path object as its points in page space (closing point added)."""
    import pypdfium2.raw as raw

    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    current: list[tuple[float, float]] = []
    for k in range(raw.FPDFPath_CountSegments(handle)):
        seg = raw.FPDFPath_GetPathSegment(handle, k)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = x.value * a + y.value * c + e, x.value * b + y.value * d + f
        if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_MOVETO:
            if len(current) > 1:
                yield current
            current = [(px, py)]
        else:
            current.append((px, py))
        if raw.FPDFPathSegment_GetClose(seg) and current:
            current.append(current[0])
    if len(current) > 1:
        yield current


def _objects(count, get, matrix: tuple) -> Iterator[tuple[object, int, tuple]]:
    """Every path and image object under a page or form XObject, with its type and matrix to page space."""
    import pypdfium2.raw as raw

    for i in range(count()):
        handle = get(i)
        kind = raw.FPDFPageObj_GetType(handle)
        if kind in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE):
            yield handle, kind, _compose(_matrix(handle), matrix)
        elif kind == raw.FPDF_PAGEOBJ_FORM:
            inner = _compose(_matrix(handle), matrix)
            yield from _objects(lambda h=handle: raw.FPDFFormObj_CountObjects(h),
                                lambda j, h=handle: raw.FPDFFormObj_GetObject(h, j), inner)


def _ruling_and_images(page, top: float, left: float) -> tuple[tuple[Segment, ...], float]:
    """The ruling edges of a page, and the largest share of it one image covers."""
    import pypdfium2.raw as raw

    out = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    width, height = page.get_size()
    area = float(width * height) or 1.0
    covered = 0.0
    handle = page.raw
    for obj, kind, matrix in _objects(lambda: raw.FPDFPage_CountObjects(handle),
                                      lambda i: raw.FPDFPage_GetObject(handle, i), identity):
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            # an image is drawn into the unit square, placed by its matrix
            corners = [(a * matrix[0] + b * matrix[2] + matrix[4], a * matrix[1] + b * matrix[3] + matrix[5])
                       for a in (0, 1) for b in (0, 1)]
            x0, x1 = max(min(c[0] for c in corners) - left, 0.0), min(max(c[0] for c in corners) - left, width)
            y0, y1 = max(top - max(c[1] for c in corners), 0.0), min(top - min(c[1] for c in corners), height)
            covered = max(covered, max(0.0, x1 - x0) * max(0.0, y1 - y0) / area)
            continue
        for points in _path_points(obj, matrix):
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                if abs(x1 - x0) > AXIS_TOLERANCE and abs(y1 - y0) > AXIS_TOLERANCE:
                    continue
                if x0 == x1 and y0 == y1:
                    continue
                out.append(Segment(min(x0, x1) - left, top - max(y0, y1), max(x0, x1) - left, top - min(y0, y1)))
    return tuple(out), covered


def read_page(page, number: int) -> tuple[PageContent, float]:
    """One pypdfium2 page: its glyphs and ruling (boxes in top-left points), and
    the largest share of it one image covers (the scan test in textlayer.py)."""
    left, _bottom, _right, top = page.get_mediabox()
    width, height = page.get_size()
    segments, cover = _ruling_and_images(page, top, left)
    return PageContent(number, float(width), float(height), _glyphs(page, top, left), segments, "text"), cover
