"""How a form prints its amounts, read off its amount cells, and the misreadings that style undoes.

An OCR'd amount that breaks the form's own style is most likely misread where the style says:
- a form that prints its amounts whole, grouped by commas ("36,415", "1,807"), and none with
  cents: a point read where a group's comma stands ("24.340", "3.941" on a 200-dpi office scan,
  where a comma's tail is a pixel or two) is that comma;
- a form that prints its amounts to the cent ("577107.33", "46,168.58"): a reading of bare digits
  ("14454315" under a seal on a 200-dpi office scan, printed 144543.15) lost the point before
  its last two digits. The guess fills the field and the row goes to review: read surely or not,
  such a reading breaks the form's style (normalize/rows.py flags it).
The style is counted over the form's amount cells as read; WHOLE_STYLE_MIN of them at least, so
a form of two or three amounts decides nothing.
"""
from __future__ import annotations

import re
from decimal import Decimal

from .numerals import AmountReading

WHOLE_STYLE_MIN = 4
# of a form's read amounts, this share at least show cents for the form to print them to the cent
# (the misread ones themselves are among the rest: two of eight on the form above)
CENTS_STYLE_SHARE = 0.7
_WHOLE_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_WITH_CENTS = re.compile(r"[.,，。]\d{2}$")
_CENTS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$")
_POINT_AS_COMMA = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
_BARE_DIGITS = re.compile(r"^\d{3,}$")

WHOLE = "whole"
CENTS = "cents"


def amount_style(texts: list[str]) -> str | None:
    """WHOLE, CENTS or None (no style stands out) for a form's amount cells as read."""
    bodies = [re.sub(r"\s", "", t) for t in texts if t and t.strip()]
    whole = sum(bool(_WHOLE_GROUPED.match(b)) for b in bodies)
    if whole >= WHOLE_STYLE_MIN and not any(_WITH_CENTS.search(b) for b in bodies):
        return WHOLE
    cents = sum(bool(_CENTS.match(b)) for b in bodies)
    if cents >= WHOLE_STYLE_MIN and cents >= CENTS_STYLE_SHARE * len(bodies):
        return CENTS
    return None


def point_as_comma(text: str) -> AmountReading | None:
    """A WHOLE form's "24.340": 24340."""
    body = re.sub(r"\s", "", text)
    if "." not in body or not _POINT_AS_COMMA.match(body):
        return None
    return AmountReading(Decimal(re.sub(r"[.,]", "", body)), None, (
        "'.' read where a thousands comma stands: the form prints its amounts whole, grouped by commas",))


def lost_cents_point(text: str) -> AmountReading | None:
    """A CENTS form's "14454315": 144543.15."""
    body = re.sub(r"\s", "", text)
    if not _BARE_DIGITS.match(body):
        return None
    return AmountReading(Decimal(body) / 100, None, (
        "no point was read; the form prints its amounts to the cent, so the last two digits are taken as cents",))
