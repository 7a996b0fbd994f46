"""Tiny reportlab helper for the tests: ruled tables with merged cells, any page count."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc")


def cjk_font() -> str:
    """A CJK TrueType font when the machine has one, else reportlab's built-in CID font."""
    for p in FONT_PATHS:
        if Path(p).exists():
            if "T-CJK" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("T-CJK", p, subfontIndex=0))
            return "T-CJK"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@dataclass
class Spec:
    """One table part on one page: cells are (row, col, rowspan, colspan, text)."""

    col_widths: list[float]
    row_heights: list[float]
    cells: list[tuple[int, int, int, int, str]]
    top: float = 80.0
    left: float = 60.0


def draw_table(c: canvas.Canvas, spec: Spec, page_h: float, font: str, size: float = 10) -> None:
    xs = [spec.left]
    for w in spec.col_widths:
        xs.append(xs[-1] + w)
    ys = [spec.top]
    for h in spec.row_heights:
        ys.append(ys[-1] + h)
    c.setLineWidth(0.6)
    c.setFont(font, size)
    for r, k, rs, cs, text in spec.cells:
        x0, x1, y0, y1 = xs[k], xs[k + cs], ys[r], ys[r + rs]
        for a, b, cc, d in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
            c.line(a, page_h - b, cc, page_h - d)
        for i, ln in enumerate(text.split("\n")):
            c.drawString(x0 + 3, page_h - (y0 + 3 + size * (i + 1) * 1.2), ln)


def make_pdf(path: Path, pages: list[list[Spec]], lines: list[list[tuple[float, float, str]]] | None = None) -> Path:
    w, h = 595.0, 842.0
    c = canvas.Canvas(str(path), pagesize=(w, h), invariant=1)
    font = cjk_font()
    for i, specs in enumerate(pages):
        for spec in specs:
            draw_table(c, spec, h, font)
        for x, y, text in (lines[i] if lines else []):
            c.setFont(font, 14)
            c.drawString(x, h - y, text)
        c.showPage()
    c.save()
    return path
