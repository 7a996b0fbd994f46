"""An invisible text layer of junk over a scanned page, the way broken text layers look."""
from __future__ import annotations

import io

import numpy as np

from corpus.degrade import Word

_GB2312_ROWS = range(0xB0, 0xD8)


def _random_cjk(rng: np.random.Generator) -> str:
    return bytes([int(rng.choice(_GB2312_ROWS)), int(rng.integers(0xA1, 0xFF))]).decode("gb2312", "replace")


def mojibake(text: str, rng: np.random.Generator, cipher: dict[str, str]) -> tuple[str, str]:
    """Junk for a word, the way broken text layers look: GBK bytes read as Latin-1, a wrong
    glyph-to-Unicode map (the same wrong char every time), or random hanzi."""
    style = ["latin1", "cipher", "cipher", "random"][int(rng.integers(4))]
    if style == "latin1":
        junk = text.encode("gbk", "replace").decode("latin-1")
        junk = "".join(c if 0x20 <= ord(c) < 0x7F or 0xA0 <= ord(c) <= 0xFF else "\u00bf" for c in junk)
        return style, junk
    if style == "random":
        return style, "".join(_random_cjk(rng) for _ in text)
    out = []
    for c in text:
        if c not in cipher:
            cipher[c] = (str(int(rng.integers(10))) if c.isdigit() and rng.random() < 0.5
                         else chr(int(rng.integers(0x41, 0x5B))) if c.isascii() else _random_cjk(rng))
        out.append(cipher[c])
    return style, "".join(out)


def garbage_layer(words: list[Word], size: tuple[float, float], rng: np.random.Generator) -> tuple[bytes, list]:
    """A one-page PDF of invisible (render mode 3) junk text over the words' boxes."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=1)
    cipher: dict[str, str] = {}
    samples = []
    for w in words:
        style, junk = mojibake(w.text, rng, cipher)
        font = "Helvetica" if style == "latin1" else "STSong-Light"
        fs = max(4.0, (w.bottom - w.top) * 0.9)
        t = c.beginText()
        t.setTextRenderMode(3)
        t.setFont(font, fs)
        width = pdfmetrics.stringWidth(junk, font, fs) or 1.0
        t.setHorizScale(max(20.0, min(300.0, 100.0 * (w.x1 - w.x0) / width)))
        t.setTextOrigin(w.x0, size[1] - w.bottom + fs * 0.12)
        t.textOut(junk)
        c.drawText(t)
        if len(samples) < 6:
            samples.append([w.text, junk])
    c.showPage()
    c.save()
    return buf.getvalue(), samples
