"""Money amounts as printed in form cells, read back exactly.

Amount cells come from PDF text layers (thousands separators broken by
layout spaces, full-width digits) and from OCR (letters mistaken for digits,
Chinese punctuation mistaken for separators).  Every repair is recorded so the
pipeline can flag it; anything that is not plainly a number is refused with a
reason rather than guessed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Full-width ASCII block (！..～) to half-width, ideographic space to space.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH[0x3000] = 0x20
_HALF_WIDTH[0xFFE5] = ord("¥")  # ￥

_WHITESPACE = re.compile(r"\s+")

# What forms print for "nothing here": not an error, just no value.
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "–", "−", "－", "无", "/", "\\", "空"})

# Value of one unit in 元; the target unit of a reading is one of these.
UNIT_IN_YUAN = {"元": Decimal(1), "千元": Decimal(10) ** 3, "万元": Decimal(10) ** 4, "亿元": Decimal(10) ** 8}
# Unit suffixes as printed after an amount, longest first.
_UNIT_SUFFIXES = (("亿元", "亿元"), ("万元", "万元"), ("千元", "千元"), ("元", "元"), ("亿", "亿元"), ("万", "万元"))

# Letters OCR engines return for digits in a numeric cell.
_CONFUSABLE_DIGITS = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"}
_SEPARATORS = ".,。"
_MONEY_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class AmountReading:
    """The outcome of reading one amount cell.

    ``value`` is None either because the cell is an explicit blank
    (``blank`` True, ``reason`` None) or because it was refused (``reason``
    says why in one sentence).
    """

    value: Decimal | None
    reason: str | None = None
    corrections: tuple[str, ...] = ()
    blank: bool = False


def to_half_width(text: str) -> str:
    """Fold full-width ASCII (digits, letters, ，．（）－ …) to half-width."""
    return text.translate(_HALF_WIDTH)


def parse_amount(text: str | None, unit: str = "万元") -> Decimal | None:
    """The amount in ``unit``, or None when blank or not a number."""
    return read_amount(text, unit).value


def read_amount(text: str | None, unit: str = "万元") -> AmountReading:
    """Read an amount cell into ``unit`` ("万元" or "元", also "千元", "亿元")."""
    if unit not in UNIT_IN_YUAN:
        raise ValueError(f"unknown target unit {unit!r}; expected one of {sorted(UNIT_IN_YUAN)}")
    if text is None:
        return AmountReading(None, blank=True)
    body = _WHITESPACE.sub("", to_half_width(str(text)))
    if body in BLANK_MARKS:
        return AmountReading(None, blank=True)

    body, source_unit = _strip_unit(body)
    body, negative = _strip_sign(body)
    if source_unit is None:
        body, source_unit = _strip_unit(body)
    if body[:1] == "¥":
        body, source_unit = body[1:], source_unit or "元"
    if not body:
        return _refuse(text, "it has a sign or unit but no digits")

    stray = next((c for c in body if not (c.isascii() and c.isdigit()) and c not in _SEPARATORS
                  and c not in _CONFUSABLE_DIGITS), None)
    if stray is not None:
        return _refuse(text, f"it contains {stray!r}, which is not part of a number")
    if not any(c.isdigit() or c in _SEPARATORS for c in body):
        return _refuse(text, "it has no digits")

    corrections: list[str] = []
    for letter, digit in _CONFUSABLE_DIGITS.items():
        if letter in body:
            body = body.replace(letter, digit)
            corrections.append(f"{letter} read as {digit}")

    parsed = _split_decimal(body)
    if isinstance(parsed, str):
        return _refuse(text, parsed)
    integer, fraction, separator_fixes = parsed
    corrections.extend(separator_fixes)

    if source_unit is None and (len(fraction.rstrip("0")) > 2 or len(fraction) == 3):
        # money is printed to the cent: "284.147" is a misread (a lost digit or a
        # thousands separator read as a point), not a price in tenths of a cent; so is
        # "24.340", where a comma read as a point made 24,340 into 24.34 (an office
        # 200-dpi scan); four places ("12.5000", 万元 to the yuan) are no such doubt
        return _refuse(text, f"it has {len(fraction)} decimal places and amounts are printed to the cent")
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if source_unit is not None and UNIT_IN_YUAN[source_unit] != UNIT_IN_YUAN[unit]:
        exact = value * UNIT_IN_YUAN[source_unit] / UNIT_IN_YUAN[unit]
        # Converted amounts are money: two places, as the output column holds.
        value = exact.quantize(_MONEY_PLACES, rounding=ROUND_HALF_UP)
        if value != exact:
            corrections.append(f"rounded to 0.01 {unit}")
    if negative and value != 0:
        value = -value
    return AmountReading(value, None, tuple(corrections))


def looks_like_amount(text: str | None) -> bool:
    """Cheap test: could this cell be an amount (or an amount blank)?"""
    if text is None:
        return False
    body = _WHITESPACE.sub("", to_half_width(str(text)))
    return bool(_AMOUNT_SHAPE.match(body)) and any(c.isdigit() for c in body)


_AMOUNT_SHAPE = re.compile(r"^[-+(−]?¥?[0-9.,。OolI|]+\)?(?:亿元|万元|千元|元|亿|万)?$")


def _refuse(text: str, why: str) -> AmountReading:
    return AmountReading(None, f"{str(text).strip()!r} is not an amount: {why}.")


def _strip_unit(body: str) -> tuple[str, str | None]:
    for suffix, unit in _UNIT_SUFFIXES:
        if body.endswith(suffix):
            return body[: -len(suffix)], unit
    return body, None


def _strip_sign(body: str) -> tuple[str, bool]:
    """Accounting parentheses or a leading minus mean a negative amount."""
    if len(body) >= 2 and body[0] == "(" and body[-1] == ")":
        return body[1:-1], True
    if body[:1] in ("-", "−"):
        return body[1:], True
    if body[:1] == "+":
        return body[1:], False
    return body, False


def _split_decimal(body: str) -> tuple[str, str, list[str]] | str:
    """Integer digits, fraction digits and separator repairs, or a refusal reason.

    Money carries two decimals, so a two-digit last group fixes which separator
    is the decimal point even when OCR printed it as ',' or '。' or swapped the
    roles of ',' and '.'.
    """
    parts = re.split(r"([.,。])", body)
    groups, seps = parts[0::2], parts[1::2]
    if any(not g for g in groups):
        return "its separators are out of place"
    if not seps:
        return body, "", []

    fixes: list[str] = []
    last_sep, last = seps[-1], groups[-1]
    if last_sep == "." and len(last) == 3 and len(seps) > 1 and set(seps) == {"."}:
        # "1.117.897": more than one dot can only be grouping.
        int_groups, fraction, thousands_seps = groups, "", seps
    elif last_sep == "." and (len(last) != 3 or "." not in seps[:-1]):
        int_groups, fraction, thousands_seps = groups[:-1], last, seps[:-1]
    elif last_sep in ",。" and len(last) == 2:
        int_groups, fraction, thousands_seps = groups[:-1], last, seps[:-1]
        fixes.append(f"'{last_sep}' read as decimal point")
    elif last_sep == "," and len(last) == 3:
        int_groups, fraction, thousands_seps = groups, "", seps
    else:
        return f"it is unclear which of its separators {''.join(seps)!r} is the decimal point"

    if "。" in thousands_seps:
        return "'。' appears where a thousands separator belongs"
    if "." in thousands_seps and "," in thousands_seps:
        return "it mixes ',' and '.' as thousands separators"
    if "." in thousands_seps:
        fixes.insert(0, "'.' read as thousands separator")
    if len(int_groups) > 1 and (len(int_groups[0]) > 3 or any(len(g) != 3 for g in int_groups[1:])):
        return "its digit groups are not in threes"
    return "".join(int_groups), fraction, fixes


# -- Chinese numerals -------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "十百千万亿"


def parse_chinese_int(text: str) -> int | None:
    """十二 → 12, 一百二十 → 120, 两 → 2, 一万五千 → 15000, 二〇二三 → 2023."""
    if not text or any(c not in CN_NUMERAL_CHARS for c in text):
        return None
    if len(text) > 1 and all(c in _CN_DIGITS for c in text):
        if not any(c in "零〇" for c in text):
            return None  # "三五" means "three or five", not 35
        return int("".join(str(_CN_DIGITS[c]) for c in text))  # a year, digit by digit
    total = section = number = 0
    previous_digit = False
    for c in text:
        if c in _CN_DIGITS:
            if previous_digit and number != 0:
                return None  # "三五" is not a numeral
            number, previous_digit = _CN_DIGITS[c], True
            continue
        previous_digit = False
        if c in _CN_SMALL_UNITS:
            section += (number or 1) * _CN_SMALL_UNITS[c]
        elif c == "万":
            total += (section + number or 1) * 10**4
            section = 0
        else:  # 亿
            total = (total + section + number or 1) * 10**8
            section = 0
        number = 0
    return total + section + number


_OCR_SEPARATORS = set(",.，．。 ':：;；/")  # a pen stroke through a point reads as /
_DIGITS = set("0123456789")
# marks a pen leaves around a number that OCR reads as characters: a circle gives brackets
_STRAY = str.maketrans("", "", "()（）[]|_~\"“”")


def rebuild_cents(text: str | None) -> Decimal | None:
    """An OCR'd amount rebuilt from its digits when its separators are garbled.

    Amounts on these forms are printed to the cent, and what OCR gets wrong in
    them is almost only the separators ("583,.766,26", "51,434:57", "99,95782"):
    the last two digits are the cents and every other digit is the integer
    part, provided each separator that is there sits where one can be — before
    the cents or between thousands groups — and the decimal point is there or
    a thousands separator shows the grouping. Anything else is refused (None).
    """
    t = unicodedata.normalize("NFKC", text or "").translate(_STRAY).strip().strip(",.，．。 ':：;；")
    if not t or any(not (ch in _DIGITS or ch in _OCR_SEPARATORS) for ch in t):
        return None  # (str.isdigit would let ² and ① through)
    runs = "".join(ch if ch in _DIGITS else " " for ch in t).split()
    digits = "".join(runs)
    if len(runs) < 2 or len(digits) < 3:
        return None
    # digits to the right of each separator: 2 (the point), then 5, 8, 11 (thousands)
    rights = [len("".join(runs[i:])) for i in range(1, len(runs))]
    if any(r != 2 and (r < 5 or (r - 2) % 3) for r in rights):
        return None  # a separator where none can be: a digit lost or gained
    if len(runs[0]) > (3 if len(runs) > 1 and rights[0] > 2 else len(runs[0])):
        return None  # the leading group is longer than a thousands group
    return Decimal(f"{digits[:-2]}.{digits[-2:]}")
