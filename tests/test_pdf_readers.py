"""The two text-layer readers, PDFium (the default) and pdfplumber, side by side.

PDFium is the default because it is several times faster; pdfplumber is the
reference it is held to. The truth here is the other reader (two independent
parsers of the same file) and geometry written by hand for a wrapped page.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from formpipe.extract import pdfium_text, pdftext
from formpipe.extract.mapping import map_form
from formpipe.extract.model import ExtractOptions
from formpipe.extract.pdf import extract_pdf
from formpipe.extract.template import load_template

ROOT = Path(__file__).resolve().parent.parent
BORN_DIGITAL = sorted((ROOT / "corpus" / "pdf").glob("*.pdf")) + sorted((ROOT / "corpus" / "office" / "pdf").glob("*.pdf"))
TEMPLATE = load_template()


def _both(path: Path, index: int = 0):
    doc = pdfium.PdfDocument(path)
    try:
        content, cover = pdfium_text.read_page(doc[index], index + 1)
    finally:
        doc.close()
    with pdfplumber.open(path) as pl:
        page = pl.pages[index]
        return (content, cover), (pdftext.page_content(page), pdftext.image_cover(page))


@pytest.mark.parametrize("path", BORN_DIGITAL[::3], ids=lambda p: p.stem)
def test_both_readers_see_the_same_characters_and_ruling(path):
    (fast, fast_cover), (ref, ref_cover) = _both(path)
    assert fast.width == pytest.approx(ref.width, abs=1e-3) and fast.height == pytest.approx(ref.height, abs=1e-3)
    # the printed characters (spaces aside: PDFium folds some printed spaces into its own)
    assert Counter(g.text for g in fast.glyphs if g.text != " ") == Counter(g.text for g in ref.glyphs if g.text != " ")
    # every ruling edge at the same place, to float precision
    def edges(c):
        return Counter((round(s.x0, 1), round(s.y0, 1), round(s.x1, 1), round(s.y1, 1)) for s in c.segments)
    assert sum((edges(fast) - edges(ref)).values()) <= len(ref.segments) // 50  # .x5 values may round either way
    assert len(fast.segments) == len(ref.segments)
    # each character's left edge and size agree; its em box may sit lower by the font's descent
    ref_by_text: dict[str, list] = {}
    for g in ref.glyphs:
        ref_by_text.setdefault(g.text, []).append(g)
    for g in fast.glyphs:
        if g.text == " ":
            continue
        near = min(ref_by_text[g.text], key=lambda r: abs(r.box.x0 - g.box.x0) + abs(r.box.y1 - g.box.y1))
        assert abs(near.box.x0 - g.box.x0) < 0.5
        assert abs(near.size - g.size) < 0.01
        assert -0.25 * g.size <= g.box.y1 - near.box.y1 <= 0.25 * g.size
    assert fast_cover == ref_cover == 0.0


@pytest.mark.parametrize("path", BORN_DIGITAL, ids=lambda p: p.stem)
def test_both_readers_give_the_same_form(path):
    def record(reader):
        form = map_form(extract_pdf(path, ExtractOptions(pdf_reader=reader)), TEMPLATE)
        return ({k: v.text for k, v in form.fields.items()},
                [(b.section, b.item, b.amount.text) for b in form.budget],
                [{k: v.text for k, v in r.values.items()} for r in form.tasks],
                [{k: v.text for k, v in r.values.items()} for r in form.indicators],
                sorted((f.code, f.field or "", f.row_ref or 0) for f in form.notes))

    assert record("pdfium") == record("pdfplumber")


def _wrapped(src: Path, out: Path, a: float, d: float, e: float, f: float) -> None:
    """`src`'s first page drawn as a form XObject, scaled by (a, d) and moved by (e, f)."""
    source = pdfium.PdfDocument(src)
    dest = pdfium.PdfDocument.new()
    xobject = raw.FPDF_NewXObjectFromPage(dest.raw, source.raw, 0)
    w, h = source.get_page_size(0)
    page = dest.new_page(w, h)
    obj = raw.FPDF_NewFormObjectFromXObject(xobject)
    raw.FPDFPageObj_Transform(obj, a, 0, 0, d, e, f)
    raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)
    dest.save(out)


@pytest.mark.parametrize("scale,dx,dy", [(1.0, 0.0, 0.0), (0.5, 10.0, 20.0), (0.8, -15.0, 60.0)])
def test_a_page_inside_a_form_xobject_is_placed_by_its_matrix(tmp_path, scale, dx, dy):
    src = BORN_DIGITAL[0]
    _wrapped(src, tmp_path / "wrapped.pdf", scale, scale, dx, dy)
    doc, wrapped = pdfium.PdfDocument(src), pdfium.PdfDocument(tmp_path / "wrapped.pdf")
    (plain, _), (moved, _) = pdfium_text.read_page(doc[0], 1), pdfium_text.read_page(wrapped[0], 1)
    height = plain.height

    def place(x: float, top: float) -> tuple[float, float]:  # by hand: PDF space is bottom-up
        return x * scale + dx, height - ((height - top) * scale + dy)

    assert len(moved.segments) == len(plain.segments) and len(moved.glyphs) == len(plain.glyphs)
    for s, t in zip(plain.segments, moved.segments):
        assert (t.x0, t.y1) == pytest.approx(place(s.x0, s.y1), abs=0.01)
        assert (t.x1, t.y0) == pytest.approx(place(s.x1, s.y0), abs=0.01)
    for g, m in zip(plain.glyphs, moved.glyphs):
        assert m.text == g.text
        assert m.size == pytest.approx(g.size * scale, rel=1e-4)
        assert (m.box.x0, m.box.y1) == pytest.approx(place(g.box.x0, g.box.y1), abs=0.01)


def test_a_rotated_page_is_read_by_pdfplumber_and_gives_what_pdfplumber_gives(tmp_path):
    doc = pdfium.PdfDocument(BORN_DIGITAL[0])
    doc[0].set_rotation(90)
    doc.save(tmp_path / "turned.pdf")
    turned = pdfium.PdfDocument(tmp_path / "turned.pdf")
    assert pdfium_text.needs_pdfplumber(turned[0])
    assert not pdfium_text.needs_pdfplumber(turned[1])
    fast = extract_pdf(tmp_path / "turned.pdf", ExtractOptions(pdf_reader="pdfium"))
    ref = extract_pdf(tmp_path / "turned.pdf", ExtractOptions(pdf_reader="pdfplumber"))
    assert [[c.text for c in t.cells] for t in fast.tables] == [[c.text for c in t.cells] for t in ref.tables]
    assert fast.page_sizes[0] == pytest.approx(ref.page_sizes[0], abs=1e-3)


def test_an_unknown_reader_is_refused():
    with pytest.raises(ValueError, match="pdf_reader"):
        ExtractOptions(pdf_reader="pdfminer")
