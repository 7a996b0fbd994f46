"""A 项目支出绩效目标申报表's header and funds -> its one `projects` row.

Amounts are printed in 万元 or in 元 (10,308,000.00); the unit is what the form says next to
the amounts' labels (项目资金（元）, 年度资金总额（万元）) or, failing that, in a 单位：元 line
above the table. Every amount is converted to 万元 with six decimals: 1 元 = 0.0001 万元 and
an amount printed to the fen (0.01 元 = 0.000001 万元) stays exact.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from formpipe.extract.record import EMPTY, RawForm

from .flags import ERROR, INFO, Flag, FlagCode
from .numerals import read_amount
from .text import clean_text
from .validate import sum_rules

PROJECT_FORM = "project_performance_targets"
AMOUNT_FIELDS = {"total_funds": "total_funds_wan", "annual_funds": "annual_funds_wan",
                 "annual_fiscal": "annual_fiscal_wan", "carryover": "carryover_wan", "other_funds": "other_funds_wan"}
SIX_PLACES = Decimal("0.000001")
_UNIT = re.compile(r"[（(]\s*(万元|元)\s*[)）]|单位\s*[:：]?\s*(万元|元)")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})(?:\s*[月./-]\s*(\d{1,2}))?\s*日?")


def _units_in(text: str) -> set[str]:
    return {a or b for a, b in _UNIT.findall(text or "")}


def printed_unit(form: RawForm) -> tuple[str | None, str]:
    """The unit the form states for its amounts, and where it was found.

    The labels' rows come first (the 项目资金（元） cell merged beside the amounts); then the
    lines outside the table (金额单位：元). Two different units in one place is no answer.
    """
    rows = " ".join(form.label_rows.get(f, "") for f in AMOUNT_FIELDS)
    for where, text in (("the amounts' labels", rows), ("the text above the table", " ".join(form.loose_text))):
        units = _units_in(text)
        if len(units) == 1:
            return units.pop(), where
        if len(units) > 1:
            return None, f"{where} state both 万元 and 元"
    return None, "no unit is stated next to the amounts"


def parse_date(text: str, end: bool = False) -> date | None:
    """2024年1月1日, 2024-01-01, 2024.01 (a month alone: its first day, or its last for an end)."""
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
    try:
        if d is not None:
            return date(y, mo, int(d))
        if not end:
            return date(y, mo, 1)
        nxt = date(y + mo // 12, mo % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    except ValueError:
        return None


def _dates(form: RawForm, flags: list[Flag]) -> tuple[date | None, date | None]:
    start_text, end_text = form.fields.get("start_date", EMPTY).text, form.fields.get("end_date", EMPTY).text
    if not (start_text or end_text):  # 项目期 as one range
        period = form.fields.get("project_period", EMPTY).text
        found = list(_DATE.finditer(period or ""))
        if len(found) == 2:
            start_text, end_text = found[0].group(0), found[1].group(0)
        elif period.strip():
            flags.append(Flag("projects", 1, "start_date", FlagCode.DATE_UNREADABLE, INFO,
                              f"项目期 “{period}” names no start and end date; start_date/end_date left empty."))
    out = []
    for col, text, is_end in (("start_date", start_text, False), ("end_date", end_text, True)):
        d = parse_date(text, end=is_end)
        if d is None and text and text.strip():
            flags.append(Flag("projects", 1, col, FlagCode.DATE_UNREADABLE, ERROR,
                              f"“{text}” is not a date; enter {col} by hand."))
        out.append(d)
    return out[0], out[1]


def _plain_amount(ref, dataset: str, row_ref: int | None, col: str, flags: list[Flag]):
    reading = read_amount(ref.text)
    if reading.reason:
        flags.append(Flag(dataset, row_ref, col, FlagCode.AMOUNT_UNPARSEABLE, ERROR,
                          f"Page {ref.page}: {reading.reason} Enter the amount by hand."))
    return reading.value


def project_rows(form: RawForm, flags: list[Flag], page: int | None, rules=(), read_amount_cell=None) -> list[dict]:
    """`read_amount_cell(ref, dataset, row_ref, column, flags)`: the amount reader of normalize/rows.py
    (OCR repairs, review flags), passed in so that one reading serves every dataset; by default
    the plain reading with an error flag when it refuses."""
    _amount = read_amount_cell or _plain_amount
    unit, where = printed_unit(form)
    if unit is None:
        flags.append(Flag("projects", 1, "unit_printed", FlagCode.UNIT_UNKNOWN, ERROR,
                          f"The amounts' unit could not be read ({where}); they are taken as 万元: check them."))
    row: dict = {"project_name": clean_text(form.fields.get("project_name", EMPTY).text),
                 "unit_printed": unit or "万元"}
    for src, col in (("project_nature", "project_nature"), ("project_category", "project_category"),
                     ("department", "competent_department"), ("implementing_unit", "implementing_unit")):
        row[col] = clean_text(form.fields[src].text) if src in form.fields else None
    raw = []
    scanned = any(r.source == "ocr" for r in form.fields.values())
    for name, col in AMOUNT_FIELDS.items():
        ref = form.fields.get(name)
        if ref is None:
            row[col] = None
            if scanned:  # a printed amount whose label a scan garbled is otherwise a silent gap
                flags.append(Flag("projects", 1, col, FlagCode.MISSING_FIELD, ERROR,
                                  f"{name} was not read on this scan; if the form prints it, enter it."))
            continue
        raw.append(f"{name}={ref.text}")
        value = _amount(ref, "projects", 1, col, flags)  # read as printed; the unit is applied here
        if value is not None and unit == "元":
            value = value / Decimal(10000)
        row[col] = value.quantize(SIX_PLACES) if value is not None else None
    row["funds_raw"] = "; ".join(raw)
    row["start_date"], row["end_date"] = _dates(form, flags)
    for name in ("long_term_goal", "annual_goal"):
        row[name] = clean_text(form.fields[name].text) if name in form.fields else None
    row["page"] = page
    items = [{"section": "project", "item": name, "amount_wan": row[col]} for name, col in AMOUNT_FIELDS.items()]
    for f in sum_rules(items, [r for r in rules if r.total[0] == "project"]):
        flags.append(replace(f, dataset="projects", row_ref=1, field=None))
    return [row]
