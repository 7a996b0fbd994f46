"""Pieces of a page read without its ruling: full-page OCR boxes, split and stacked into cells.

The first step of the anchors reading (extract/anchors.py lays the pieces out): a detected
box that ran over a lost rule is split where a template label or a number begins, and the
lines of one cell, whose boxes touch, are stacked into one piece.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .cellread import looks_numeric
from .gridcheck import Vocabulary
from .ocr.base import is_wide
from .template import label_key

# lines of one cell: rapidocr's boxes of a wrapped cell's lines touch or overlap (gaps -2.7 to
# +0.5 pt on the erased-ruling office scans, lines about 11 pt high); rows of a table are
# 2.4 pt apart or more there
STACK_GAP_EM = 0.12
# an amount as forms print one (grouped by commas, or with cents) glued to a hanzi: at a piece's
# start, followed by text (a detected box ran from an amount cell over a lost rule into the next
# cell's text), or at its end, after text. A count or a year (2460人, 2019年) has neither commas
# nor cents and stays in its text, and so does an amount with its unit (12.50万人次)
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2})"
_GLUED_AMOUNT = re.compile(rf"^({_AMOUNT})(?=[\u4e00-\u9fff])(?![万亿元千百个人次户件所家项])|(?<=[\u4e00-\u9fff])({_AMOUNT})$")
# lines of one cell are aligned alike (left, centred or right) within this much of a line: on a
# 200-dpi office scan with rows 0.2 pt apart, the note above the table (填报单位…, from x 55) took
# the department's name (from x 102) and the labels under it into one piece, and the page's top
# rows became one
ALIGN_EM = 0.6
MIN_HEADER_PART = 2  # characters of a header label's piece: one character is any label's
SPLIT_MAX = 40  # a label is looked for inside texts up to this long (a goal may quote one); longer: at the start only


@dataclass
class Piece:
    """A text on the page (a detected line, or lines stacked into one cell), in points."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    lines: int = 1
    key: str | None = None  # the template label it is, if any

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _units(text: str) -> float:
    return sum(1.0 if is_wide(ch) else 0.55 for ch in text) or 1.0


def _cut(p: Piece, i: int) -> list[Piece]:
    """Split a piece's text at character i, its box in proportion to the characters' widths."""
    a, b = p.text[:i].strip(), p.text[i:].strip()
    if not a or not b:
        return [p]
    x = p.x0 + (p.x1 - p.x0) * _units(p.text[:i]) / _units(p.text)
    return [replace(p, text=a, x1=x), replace(p, text=b, x0=x)]


def _normalised(text: str) -> tuple[str, list[int]]:
    """label_key of a text, and for each of its characters the index of the raw character."""
    out, where = [], []
    for i, ch in enumerate(text):
        for k in label_key(ch):
            out.append(k)
            where.append(i)
    return "".join(out), where


def _header_parts(before: str, after: str, lab: str, vocab: Vocabulary) -> bool:
    """Is what stands before and after a header label in one detected box (either may be
    empty, not both) each a piece of another header label: a line of a header wrapped over
    lines, beside the label over a rule the print lost?"""
    def part(text: str) -> bool:
        key = label_key(text)
        return not text or (len(key) >= MIN_HEADER_PART and any(key in h for h in vocab.headers if h != lab))
    whole = label_key(before) + lab + label_key(after)
    if any(whole in h for h in vocab.headers):
        return False  # one header's lines, not two: 期望达到的目标（概 is 期望达到的目标（概述） cut by its wrap
    return bool(before or after) and part(before) and part(after)


def split_piece(p: Piece, vocab: Vocabulary) -> list[Piece]:
    """A detected box that ran over a lost rule: a field label and its value (下属二级单位数22,
    总体绩效目标 and a goal's line), an amount and the item after it (105488.53其他资金), an
    item and its amount, or an amount and a text (49,573.93 提升妇幼健康服务质量)."""
    key, where = _normalised(p.text)
    if key not in vocab.all:
        for lab in vocab.long_labels:
            at = key.find(lab)
            if at < 0 or (at > 0 and len(key) > SPLIT_MAX):
                continue
            i, j = where[at], where[at + len(lab) - 1] + 1
            before, after = p.text[:i].strip(), p.text[j:].strip()
            # a field's value follows it; an item's (财政拨款 is both) only when it is an amount
            value_after = (lab in vocab.fields or lab in vocab.blocks) and lab not in vocab.items
            if lab in vocab.headers and _header_parts(before, after, lab, vocab):
                pass  # two header cells' texts run together over a lost rule: 入的资金（万元期望达到的目标（概述）
            elif (before and not looks_numeric(before)) or (after and not (looks_numeric(after) or (value_after and not before))):
                continue
            label, head, tail = p, None, None
            if after and len(cut := _cut(label, j)) == 2:
                label, tail = cut
            if before and len(cut := _cut(label, i)) == 2:
                head, label = cut
            return [*(split_piece(head, vocab) if head else []), label, *(split_piece(tail, vocab) if tail else [])]
    glued = _GLUED_AMOUNT.search(p.text)
    if glued:  # an amount run into a text with no space (28,887.78更加健全…), or a text into one
        parts = _cut(p, glued.end(1) if glued.group(1) else glued.start(2))
        if len(parts) == 2:
            return [*split_piece(parts[0], vocab), *split_piece(parts[1], vocab)]
    words = p.text.split()
    for j in range(1, len(words)):
        left = " ".join(words[:j])
        right = " ".join(words[j:])
        if looks_numeric(left) != looks_numeric(right):  # an amount and a text side by side
            parts = _cut(p, p.text.index(words[j], len(left)))
            if len(parts) == 2:
                return [*split_piece(parts[0], vocab), *split_piece(parts[1], vocab)]
    return [p]


def _stackable(a: Piece, b: Piece, h: float, vocab: Vocabulary) -> bool:
    """Is b (below a) the next line of a's cell?"""
    if b.y0 - a.y1 > STACK_GAP_EM * h or b.y0 <= a.y0:
        return False
    overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
    if overlap < 0.5 * min(a.x1 - a.x0, b.x1 - b.x0):
        return False
    tol = ALIGN_EM * h
    if min(abs(a.x0 - b.x0), abs(a.cx - b.cx), abs(a.x1 - b.x1)) > tol:
        return False  # a cell's lines share its alignment: left, centre or right
    if looks_numeric(a.text) and looks_numeric(b.text):
        return False  # two numbers are two rows' values
    if looks_numeric(b.text) and vocab.match(a.text.replace("\n", "")) is not None:
        # a number under a whole label is the next row's value: a label's cell holds no value
        # (a photo's rows 1.4 pt apart stacked 预算金额（万元） over the amount of the row under it)
        return False
    # a label starts its own cell, unless it ends a label wrapped over lines (预算金 / 额（万元）);
    # under a number it never does (label_key drops the digits: 22 + 预算金额（万元） matched)
    return not (b.key and (looks_numeric(a.text) or vocab.match(a.text.replace("\n", "") + b.text) is None))


def stack(pieces: list[Piece], h: float, vocab: Vocabulary) -> list[Piece]:
    """Join the lines of each cell (top to bottom) into one piece, texts joined by newlines."""
    out: list[Piece] = []
    for p in sorted(pieces, key=lambda q: (q.y0, q.x0)):
        host = next((q for q in reversed(out) if _stackable(q, p, h, vocab)), None)
        if host is None:
            out.append(replace(p))
            continue
        host.text += "\n" + p.text
        host.x0, host.x1, host.y1 = min(host.x0, p.x0), max(host.x1, p.x1), max(host.y1, p.y1)
        host.confidence = min(host.confidence, p.confidence)
        host.lines += 1
    for p in out:
        p.key = vocab.match(p.text.replace("\n", ""))
    return out
