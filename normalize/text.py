"""Free text from form cells, with markup and layout whitespace taken out.

Cells such as 总体绩效目标 arrive as HTML fragments from the web form the PDF
was printed from, and PDF text layers break lines wherever the cell wrapped.
Chinese text has no spaces between words, so any whitespace touching a
Chinese character is layout; between Latin words and numbers it is meaning
and stays as one space.
"""
from __future__ import annotations

import html
import re

# Block-level tags end a line; inline tags vanish.
_BLOCK_TAG = re.compile(r"</?(?:p|br|div|li|ul|ol|tr|td|th|table|h[1-6])\b[^<>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9]*\b[^<>]*>", re.DOTALL)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Full-width digits and Latin letters only; full-width punctuation is Chinese
# typography and stays as printed.
_HALF_WIDTH_ALNUM = {cp: cp - 0xFEE0 for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
# "work-\nflow": a word hyphenated at a line end.
_LINE_END_HYPHEN = re.compile(r"(?<=[A-Za-z])-[^\S\n]*\n\s*(?=[A-Za-z])")
_WHITESPACE = re.compile(r"\s+")
_WIDE_PUNCT = frozenset("“”‘’…—·")
_TRAILING_PUNCT = "。.．,，;； \t\r\n\u3000\xa0"


def clean_text(text: str | None) -> str:
    """Markup, entities and layout whitespace out; idempotent."""
    if not text:
        return ""
    s = str(text)
    # One pass can uncover more markup ("&lt;p&gt;" → "<p>"); repeat to a
    # fixed point so that cleaning clean text never changes it.
    for _ in range(10):
        cleaned = _clean_once(s)
        if cleaned == s:
            break
        s = cleaned
    return s


# a space printed or read inside a number: "9 5%", "1 2月底前完成", "5, 000万元" (spaced numerals of an
# export, or an OCR gap between wide-set digits), or between a comparison sign and its number ("≥ 80%":
# an OCR gap after a wide-set ≥); a space after a % or before a ≥ parts two values
_SPACE_IN_NUMBER = re.compile(r"(?<=[0-9.,])\s+(?=[0-9.,%‰])|(?<=[≥≤＞＜<>=])\s+(?=[0-9.])")


def compact_numbers(text: str | None) -> str:
    """A target's text with the spaces inside its numbers taken out."""
    return _SPACE_IN_NUMBER.sub("", text) if text else ""


def strip_trailing_punct(name: str | None) -> str:
    """An indicator name without the 。 . ， ; its cell happened to end with."""
    if not name:
        return ""
    return name.strip().rstrip(_TRAILING_PUNCT)


def _clean_once(s: str) -> str:
    s = _BLOCK_TAG.sub("\n", s)
    s = _ANY_TAG.sub("", s)
    s = html.unescape(s)
    s = _INVISIBLE.sub("", s)
    s = s.translate(_HALF_WIDTH_ALNUM)
    s = _LINE_END_HYPHEN.sub("", s)
    return _WHITESPACE.sub(_replace_whitespace, s)


def _replace_whitespace(m: re.Match[str]) -> str:
    s, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(s):
        return ""
    if _is_wide(s[start - 1]) or _is_wide(s[end]):
        return ""
    return " "


def _is_wide(c: str) -> bool:
    """Chinese characters and punctuation: whitespace next to them is layout."""
    return ord(c) >= 0x2E80 or c in _WIDE_PUNCT
