from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formpipe.normalize.numerals import looks_like_amount, parse_amount, parse_chinese_int, read_amount, rebuild_cents

D = Decimal


@pytest.mark.parametrize("text, expected", [
    ("44, 770. 21", D("44770.21")),
    ("10, 281. 80", D("10281.80")),
    ("117,897.50", D("117897.50")),
    ("１１７，８９７．５０", D("117897.50")),
    ("0.00", D("0.00")),
    ("2,432.00", D("2432.00")),
    ("381681.03", D("381681.03")),
    ("500", D("500")),
    ("  96,313.27\n", D("96313.27")),
    ("（123.45）", D("-123.45")),
    ("(123.45)", D("-123.45")),
    ("-123.45", D("-123.45")),
    ("－1,000.00", D("-1000.00")),
    ("+12.30", D("12.30")),
    ("-0.00", D("0.00")),
])
def test_plain_amounts(text, expected):
    reading = read_amount(text)
    assert reading.value == expected
    assert reading.value.as_tuple().exponent == expected.as_tuple().exponent
    assert reading.reason is None and reading.corrections == () and not reading.blank


@pytest.mark.parametrize("text", ["-", "—", "－", "", "无", "——", "  ", "/", None])
def test_explicit_blanks_are_not_errors(text):
    reading = read_amount(text)
    assert reading.value is None and reading.reason is None and reading.blank


@pytest.mark.parametrize("text, expected, corrections", [
    ("1O,234.5O", D("10234.50"), ("O read as 0",)),
    ("1o0.00", D("100.00"), ("o read as 0",)),
    ("l23.45", D("123.45"), ("l read as 1",)),
    ("I23.45", D("123.45"), ("I read as 1",)),
    ("|23.45", D("123.45"), ("| read as 1",)),
    ("1,234。56", D("1234.56"), ("'。' read as decimal point",)),
    ("1,234，56", D("1234.56"), ("',' read as decimal point",)),
    ("1,234,56", D("1234.56"), ("',' read as decimal point",)),
    ("77.694,26", D("77694.26"), ("'.' read as thousands separator", "',' read as decimal point")),
    ("77.694.26", D("77694.26"), ("'.' read as thousands separator",)),
    ("1.117.897", D("1117897"), ("'.' read as thousands separator",)),
    ("O.OO", D("0.00"), ("O read as 0",)),
    ("l,O00.5O", D("1000.50"), ("O read as 0", "l read as 1")),
])
def test_ocr_repairs_are_recorded(text, expected, corrections):
    reading = read_amount(text)
    assert reading.value == expected
    assert reading.corrections == corrections
    assert reading.reason is None


@pytest.mark.parametrize("text, unit, expected", [
    ("1.2亿元", "万元", D("12000")),
    ("1.2亿", "万元", D("12000")),
    ("3,000元", "万元", D("0.30")),
    ("500万元", "万元", D("500")),
    ("500 万元", "万元", D("500")),
    ("1.5万", "万元", D("1.5")),
    ("500万元", "元", D("5000000")),
    ("3,000元", "元", D("3000")),
    ("12.5000", "万元", D("12.5")),  # four places (万元 to the yuan): no separator in doubt
    ("117,897.50", "元", D("117897.50")),  # no printed unit: already in the target unit
    ("¥3,000", "万元", D("0.30")),
    ("(1.2亿元)", "万元", D("-12000")),
    ("-2千元", "万元", D("-0.20")),
])
def test_printed_units_convert(text, unit, expected):
    assert parse_amount(text, unit=unit) == expected


def test_converted_amounts_round_to_cents_and_say_so():
    reading = read_amount("3,456元")
    assert reading.value == D("0.35")
    assert reading.corrections == ("rounded to 0.01 万元",)
    assert read_amount("1.2亿元").value.as_tuple().exponent == -2


@pytest.mark.parametrize("text", [
    "约500", "见附件", "12a34", "500以上", "50%", "l", "O", "1,23,456", "1,2345.00", "1.234,567",
    "12..5", ".50", "1,234.", "117.897", "1,117.897",  # three places: money is printed to the cent
    "24.340", "1,024.500",  # ... even ending in 0: a comma read as a point (24,340) would pass as 24.34
    "1。234.56", "117。897", "1,234.567.890", "()", "万元", "一百",
])
def test_refuses_what_is_not_a_number(text):
    reading = read_amount(text)
    assert reading.value is None
    assert not reading.blank
    assert reading.reason and reading.reason.endswith(".") and "\n" not in reading.reason


def test_refusal_reason_names_the_culprit():
    assert "'约'" in read_amount("约500").reason
    assert "'a'" in read_amount("12a34").reason


def test_unknown_target_unit_is_a_programming_error():
    with pytest.raises(ValueError):
        read_amount("1", unit="美元")


@pytest.mark.parametrize("text, expected", [
    ("十二", 12), ("三", 3), ("一百二十", 120), ("两", 2), ("十", 10), ("二十", 20),
    ("一百零五", 105), ("一万五千", 15000), ("一亿二千万", 120_000_000), ("二〇二三", 2023),
    ("三五", None), ("", None), ("十二期", None), ("abc", None),
])
def test_chinese_numerals(text, expected):
    assert parse_chinese_int(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("44, 770. 21", True), ("117,897.50", True), ("（123.45）", True), ("1.2亿元", True),
    ("１１７，８９７．５０", True), ("0.00", True), ("1O,234.5O", True),
    ("100%", False), ("400万人次", False), ("预算金额（万元）", False), ("基本支出", False),
    ("-", False), ("", False), (None, False), ("约500", False),
])
def test_looks_like_amount(text, expected):
    assert looks_like_amount(text) is expected


# -- property: every two-place amount survives the ways forms print it --------

_FULL_WIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")


@st.composite
def printed_amounts(draw):
    value = draw(st.decimals(min_value=-10**9, max_value=10**9, places=2,
                             allow_nan=False, allow_infinity=False))
    text = f"{abs(value):,.2f}"
    spaced = "".join(c + (" " * draw(st.integers(0, 2)) if c in ",." else "") for c in text)
    style = draw(st.sampled_from(["plain", "full_width", "O", "l", "ideographic_stop"]))
    if style == "full_width":
        spaced = spaced.translate(_FULL_WIDTH)
    elif style == "O" and "0" in spaced:
        spaced = spaced.replace("0", "O", 1)
    elif style == "l" and "1" in spaced:
        spaced = spaced.replace("1", "l", 1)
    elif style == "ideographic_stop":
        head, _, tail = spaced.rpartition(".")
        spaced = f"{head}。{tail}"
    if value < 0:
        spaced = draw(st.sampled_from([f"-{spaced}", f"({spaced})", f"（{spaced}）"]))
    return value, spaced, style


@given(printed_amounts())
def test_printed_amounts_parse_back(case):
    value, text, style = case
    reading = read_amount(text)
    assert reading.value == value, (text, reading)
    assert reading.value.as_tuple().exponent == -2
    if style in ("O", "l") and style in text:
        assert f"{style} read as" in " ".join(reading.corrections)
    if style == "ideographic_stop":
        assert "'。' read as decimal point" in reading.corrections


# -- OCR'd amounts rebuilt from their digits --------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("583,.766,26", D("583766.26")),   # a speck read as a separator
    ("78,305.14.", D("78305.14")),     # a trailing speck
    ("284, 759,47", D("284759.47")),   # comma for the decimal point
    ("11.675.32", D("11675.32")),
    ("12.34", D("12.34")),
    ("31002.", None),                  # no cents: a digit or more was lost
    ("1,2345.67", None),               # a thousands group of four: a digit too many
    ("99,95782", D("99957.82")),       # the point lost, the grouping shows where the cents start
    ("99.95782", D("99957.82")),
    ("51,434:57", D("51434.57")),      # a colon for the point
    ("350,211/10", D("350211.10")),    # a pen stroke through the point
    ("300,476.", None),                # the cents lost
    ("284.147", None),                 # a group of three after the point: not this form's money
    ("1234", None),
    ("约1,234.00", None),
])
def test_rebuild_cents(text, expected):
    assert rebuild_cents(text) == expected


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.sampled_from([",", ".", "，", ". ", ", "]), min_size=5, max_size=5))
def test_rebuild_cents_keeps_every_digit_whatever_the_separators(cents, seps):
    """Any mix of separators OCR may produce around correct digits gives the printed value."""
    value = D(cents) / 100
    printed = f"{value:,.2f}"  # 1,234,567.89
    it = iter(seps)
    garbled = "".join(next(it, ",") if ch in ",." else ch for ch in printed)
    assert rebuild_cents(garbled) == value


def test_rebuild_cents_ignores_brackets_a_pen_circle_leaves():
    assert rebuild_cents("301,(168.)91") == D("301168.91")


@given(st.text(alphabet="0123456789,.，．。:：;  ²①()%-", max_size=14))
def test_readers_never_raise_on_ocr_noise(text):
    """Whatever OCR hands over, a reading or a refusal comes back, never an exception."""
    reading = read_amount(text)
    assert (reading.value is None) == (reading.reason is not None or reading.blank)
    value = rebuild_cents(text)
    assert value is None or value == value.quantize(D("0.01"))
