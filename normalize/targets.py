"""Indicator target values (指标值) parsed into comparator, number and unit.

A target cell is either quantitative ("≥90%", "不少于3000人次", "95%-100%",
"5个工作日内", "十二期") or a qualitative phrase ("不低于全省最低保障标准").
Quantitative ones become op/value/unit plus the value in its base unit
(400万人次 → 4,000,000 人次); anything else is kept as op ``text`` with no
numbers, since a half-parsed phrase would mislead an analysis.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .numerals import BLANK_MARKS, CN_NUMERAL_CHARS, parse_chinese_int

OPS = ("=", ">=", "<=", ">", "<", "range", "text")


@dataclass(frozen=True)
class Target:
    op: str | None = None
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    scaled_value: float | None = None
    base_unit: str | None = None


EMPTY = Target()
QUALITATIVE = Target(op="text")

# Comparator symbols after NFKC (which already turns ＞＝ into >=), longest first.
_SYMBOL_OPS = (
    (">=", ">="), ("=>", ">="), ("≥", ">="), ("≧", ">="), ("⩾", ">="),
    ("<=", "<="), ("=<", "<="), ("≤", "<="), ("≦", "<="), ("⩽", "<="),
    (">", ">"), ("<", "<"), ("=", "="),
)
# Comparator words that open a target, longest first within shared prefixes.
_WORD_OPS = (
    ("大于或等于", ">="), ("大于等于", ">="), ("小于或等于", "<="), ("小于等于", "<="),
    ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("不超过", "<="), ("不高于", "<="),
    ("不多于", "<="), ("不大于", "<="), ("控制在", "<="), ("高于", ">"), ("大于", ">"),
    ("多于", ">"), ("超过", ">"), ("低于", "<"), ("小于", "<"), ("少于", "<"),
    ("达到", "="), ("等于", "="), ("达", "="),
)
# Comparator words that close a target ("95%以上", "5个工作日内").
_SUFFIX_OPS = (
    ("及以上", ">="), ("或以上", ">="), ("以上", ">="),
    ("及以下", "<="), ("或以下", "<="), ("以下", "<="), ("以内", "<="), ("之内", "<="), ("内", "<="),
)

# Unit multipliers: applied to the unit that follows (万人次 → ×1e4 人次).
_MULTIPLIERS = (("百万", 10**6), ("千万", 10**7), ("亿", 10**8), ("万", 10**4), ("千", 10**3))
# Units that start with a multiplier character but are units in their own right.
_WHOLE_UNITS = frozenset({"千克", "千米", "千瓦", "千瓦时", "千帕", "千伏", "千焦", "千兆"})

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SINGLE = re.compile(rf"^({_NUMBER})(.*)$")
_RANGE = re.compile(rf"^({_NUMBER})(\D*?)(?:-|~|〜|—|–|至|到)({_NUMBER})(\D*)$")
_CN_SINGLE = re.compile(rf"^([{CN_NUMERAL_CHARS}]+)(.*)$")
_WHITESPACE = re.compile(r"\s+")
_TRAILING = "。.，,；;、"

# A unit is short, has no digits or punctuation, and none of the words that
# mark a sentence rather than a measure ("100%完成", "12月底前").
_UNIT_CHARS = re.compile(r"^[%‰A-Za-z\u4e00-\u9fff/·²³]{1,6}$")
_NOT_IN_UNIT = ("的", "于", "和", "与", "或", "及", "不", "按", "完成", "前", "后", "底",
                "率", "比例", "达", "提高", "提升", "增长", "下降", "减少", "左右", "以")
# Measure words a Chinese numeral may be followed by ("十二期", "三个").
_MEASURE_WORDS = "个期次项家人名所批场篇份件套台户处条本天日月年周轮座张辆间支"


def parse_target(text: str | None) -> Target:
    """Parse a 指标值 cell; blank cells give all-None, phrases give op ``text``."""
    s = _normalise(text)
    if s in BLANK_MARKS:
        return EMPTY
    op, body = _split_comparator(s)
    if op is None:
        return QUALITATIVE
    parsed = _parse_range(body) if op == "=" else None
    if parsed is not None:
        return parsed
    return _parse_single(body, op) or QUALITATIVE


def _normalise(text: str | None) -> str:
    if text is None:
        return ""
    s = _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(text)))
    return s.rstrip(_TRAILING)


def _split_comparator(s: str) -> tuple[str | None, str]:
    """The comparator opening and/or closing ``s`` (default ``=``) and the rest.

    None when an opening and a closing comparator contradict each other.
    """
    prefix_op = None
    for token, op in _SYMBOL_OPS + _WORD_OPS:
        if s.startswith(token):
            prefix_op, s = op, s[len(token):]
            break
    suffix_op = None
    for token, op in _SUFFIX_OPS:
        if s.endswith(token) and len(s) > len(token):
            suffix_op, s = op, s[: -len(token)]
            break
    if prefix_op and suffix_op and prefix_op not in ("=", suffix_op):
        return None, s  # "达到" defers to the closing word; other clashes are phrases
    return suffix_op or prefix_op or "=", s


def _parse_range(body: str) -> Target | None:
    m = _RANGE.match(body)
    if not m:
        return None
    low, low_unit, high, high_unit = m.groups()
    unit = high_unit or low_unit
    if (low_unit and high_unit and low_unit != high_unit) or not _is_unit(unit):
        return None
    lo, hi = _decimal(low), _decimal(high)
    if lo > hi:
        return None
    unit = unit or None
    multiplier, base = _split_multiplier(unit)
    return Target("range", float(lo), float(hi), unit, float(lo * multiplier), base)


def _parse_single(body: str, op: str) -> Target | None:
    m = _SINGLE.match(body)
    if m:
        number, unit = _decimal(m.group(1)), m.group(2)
    else:
        m = _CN_SINGLE.match(body)
        if not m or (m.group(2) and m.group(2)[0] not in _MEASURE_WORDS):
            return None
        as_int = parse_chinese_int(m.group(1))
        if as_int is None:
            return None
        number, unit = Decimal(as_int), m.group(2)
    if not _is_unit(unit):
        return None
    unit = unit or None
    multiplier, base = _split_multiplier(unit)
    return Target(op, float(number), None, unit, float(number * multiplier), base)


def _is_unit(unit: str) -> bool:
    if not unit:
        return True
    return (bool(_UNIT_CHARS.match(unit)) and not unit.endswith("数")
            and not any(w in unit for w in _NOT_IN_UNIT))


def _split_multiplier(unit: str | None) -> tuple[Decimal, str | None]:
    """(factor, base unit): 万人次 → (1e4, 人次); % and plain units → (1, unit)."""
    if unit is None or unit in _WHOLE_UNITS:
        return Decimal(1), unit
    for prefix, factor in _MULTIPLIERS:
        if unit.startswith(prefix):
            return Decimal(factor), unit[len(prefix):] or None
    return Decimal(1), unit


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))


# -- telling target cells from indicator-name cells ---------------------------

# Whole-cell qualitative targets.
_QUALITATIVE_TARGETS = frozenset({
    "是", "否", "有", "无", "优", "良", "优秀", "良好", "合格", "达标", "满意", "基本满意", "较满意",
    "有效", "显著", "明显", "提升", "提高", "逐步提高", "持续提升", "有所提升", "有所提高",
    "稳步提升", "显著提升", "明显提升", "按时完成", "按期完成", "全部完成", "如期完成", "完成",
    "长期", "持续", "较好", "好", "高", "中", "低", "100%完成",
})
_COMPARATOR_OPENERS = tuple(t for t, _ in _WORD_OPS if len(t) > 1)
_PHRASE_OPENERS = ("按时", "按期", "按规定", "较上年", "比上年", "同比", "逐步", "持续", "力争", "确保", "符合")
_LEVEL_PHRASE = re.compile(r"^[和与同].{1,40}(齐平|持平|一致|相当|同步)$")
# Endings of indicator names ("…覆盖率", "…占比", "…满意度", "…标准").
_NAME_ENDINGS = ("率", "比例", "占比", "比重", "数", "数量", "度", "标准", "指数", "人次", "次数", "面积",
                 "规模", "时间", "时限", "周期", "成本", "金额", "资金", "情况", "水平", "效果", "质量", "指标")
_RATIO_ENDINGS = ("率", "比例", "占比", "比重", "数")


def looks_like_target(text: str | None) -> bool:
    """Cheap test: is this cell a 指标值 rather than an indicator name?

    Targets are short and open with a comparator, a number or one of a closed
    set of phrases; names may hold digits but end in 率/数/比例/标准 and the like.
    """
    s = _normalise(text)
    if not s:
        return False
    if s[0] in "≥≤≧≦⩾⩽><=" or _LEVEL_PHRASE.match(s) or s in _QUALITATIVE_TARGETS:
        return True
    if s.startswith(_COMPARATOR_OPENERS):
        return True
    if s.startswith(_PHRASE_OPENERS):
        return not s.endswith(_RATIO_ENDINGS)  # "按时办结率" is a name
    if s.endswith(_NAME_ENDINGS) and not s[0].isdigit():
        return False
    return parse_target(s).op not in (None, "text")
