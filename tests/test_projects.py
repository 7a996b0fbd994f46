"""The project form's row: unit from the labels, amounts to 万元 exactly, dates (normalize/projects.py)."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formpipe.extract.record import CellRef, RawForm
from formpipe.extract.template import load_template
from formpipe.normalize.projects import parse_date, printed_unit, project_rows


def form(fields: dict[str, str], label_rows: dict[str, str] | None = None, loose=()) -> RawForm:
    f = RawForm("project_performance_targets", CellRef("项目支出绩效目标申报表"))
    f.fields = {k: CellRef(v, page=1) for k, v in fields.items()}
    f.label_rows = label_rows or {}
    f.loose_text = list(loose)
    return f


@pytest.mark.parametrize("rows,loose,want", [
    ({"annual_funds": "项目资金（元） 年度资金总额"}, [], "元"),
    ({"annual_funds": "项目资金（万元） 年度资金申请总额"}, [], "万元"),
    ({"annual_funds": "项目资金(元) 年度资金总额"}, [], "元"),
    ({"annual_funds": "年度资金总额（万元）"}, [], "万元"),
    ({"annual_funds": "项目资金 年度资金总额"}, ["金额单位：元"], "元"),
    ({"annual_funds": "项目资金 年度资金总额"}, ["单位：万元"], "万元"),
    ({"annual_funds": "项目资金 年度资金总额"}, [], None),
    ({"annual_funds": "年度资金总额（万元）", "other_funds": "其他资金（元）"}, [], None),
])
def test_the_unit_comes_from_the_labels_then_the_text(rows, loose, want):
    assert printed_unit(form({}, rows, loose))[0] == want


@pytest.mark.parametrize("text,end,want", [
    ("2024年1月1日", False, date(2024, 1, 1)),
    ("2024-03-15", False, date(2024, 3, 15)),
    ("2024.12", True, date(2024, 12, 31)),
    ("2024年2月", True, date(2024, 2, 29)),
    ("2024年2月", False, date(2024, 2, 1)),
    ("长期", False, None),
])
def test_dates(text, end, want):
    assert parse_date(text, end) == want


def test_a_period_range_gives_both_dates_and_a_missing_unit_is_an_error():
    flags = []
    rows = project_rows(form({"project_name": "X", "project_period": "2024年1月1日-2025年12月31日",
                              "annual_funds": "12.50"}), flags, 1)
    assert (rows[0]["start_date"], rows[0]["end_date"]) == (date(2024, 1, 1), date(2025, 12, 31))
    assert [f.code for f in flags] == ["UNIT_UNKNOWN"] and flags[0].severity == "error"


@given(st.integers(min_value=0, max_value=10**13), st.booleans())
def test_an_amount_in_yuan_is_exact_in_wan(fen, grouped):
    yuan = Decimal(fen) / 100
    printed = f"{yuan:,.2f}" if grouped else f"{yuan:.2f}"
    flags = []
    row = project_rows(form({"project_name": "X", "annual_funds": printed},
                            {"annual_funds": "项目资金（元） 年度资金总额"}), flags, 1)[0]
    assert row["unit_printed"] == "元"
    assert row["annual_funds_wan"] == Decimal(fen) / 1_000_000
    assert row["annual_funds_wan"].as_tuple().exponent == -6
    assert not [f for f in flags if f.severity == "error"]


def test_parts_that_do_not_add_up_are_flagged():
    flags = []
    project_rows(form({"project_name": "X", "annual_funds": "100.00", "annual_fiscal": "60.00", "carryover": "10.00",
                       "other_funds": "20.00"}, {"annual_funds": "（万元）"}), flags, 1,
                 rules=load_template("project_performance_targets").rules)
    assert {f.code for f in flags} == {"SUM_MISMATCH"}
    assert all(f.dataset == "projects" and f.severity == "error" for f in flags)
