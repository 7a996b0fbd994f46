"""Hierarchy fill-down, vocabulary snapping and validation rules -> flags."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formpipe.extract.template import load_template
from formpipe.normalize.hierarchy import fill_down, mend_spills, snap_level
from formpipe.normalize.validate import indicator_checks, missing_fields, sum_rules


def test_fill_down_carries_levels_and_flags_each_filled_row():
    rows = [{"seq": 1, "level1": "产出指标", "level2": "数量指标"}, {"seq": 2, "level1": "", "level2": ""},
            {"seq": 3, "level1": "效益指标", "level2": ""}, {"seq": 4, "level1": "", "level2": "社会效益指标"}]
    flags = fill_down(rows)
    assert [(r["level1"], r["level2"]) for r in rows] == [
        ("产出指标", "数量指标"), ("产出指标", "数量指标"), ("效益指标", ""), ("效益指标", "社会效益指标")]
    assert [(f.row_ref, f.code, f.severity) for f in flags] == [(2, "FILLED_DOWN", "info"), (4, "FILLED_DOWN", "info")]


def test_snap_level_near_miss_is_info_and_unknown_is_warning():
    assert snap_level("level1", "产出指摽", 3)[0] == "产出指标"
    assert snap_level("level1", "产出指摽", 3)[1][0].code == "VOCAB_SNAPPED"
    value, flags = snap_level("level2", "完全不同的东西", 4)
    assert value == "完全不同的东西" and flags[0].code == "VOCAB_UNKNOWN" and flags[0].severity == "warning"
    assert snap_level("level2", "数量指标", 1) == ("数量指标", [])


def test_sum_rule_from_template_flags_a_broken_total():
    rules = load_template().rules
    items = [{"section": "收入来源", "item": "财政拨款", "amount_wan": Decimal("381681.03")},
             {"section": "按预算级次划分", "item": "市本级使用资金", "amount_wan": Decimal("214409.60")},
             {"section": "按预算级次划分", "item": "拟用于对下转移支付资金", "amount_wan": Decimal("167271.43")}]
    assert sum_rules(items, rules) == []
    items[1]["amount_wan"] = Decimal("214409.06")
    flags = sum_rules(items, rules)
    # every amount of the broken rule goes to review, on its own row
    assert sorted(f.row_ref for f in flags) == [0, 1, 2]
    assert all(f.code == "SUM_MISMATCH" and f.severity == "error" and "市本级使用资金" in f.message for f in flags)
    items[1]["amount_wan"] = None  # an unreadable amount is flagged elsewhere, not twice
    assert sum_rules(items, rules) == []


def test_budget_items_a_form_did_not_yield_are_errors_on_scans_and_text_layers_alike():
    from formpipe.normalize.validate import missing_items
    expected = ("基本支出", "项目支出", "财政拨款")
    items = [{"section": "部门预算支出", "item": "基本支出", "amount_wan": None},
             {"section": "收入来源", "item": "财政拨款", "amount_wan": None}]
    flags = missing_items(items, expected, scanned=True)
    assert [(f.dataset, f.row_ref, f.code, f.severity) for f in flags] == [("budget_items", None, "MISSING_FIELD", "error")]
    assert "项目支出" in flags[0].message
    # a text layer's lost item is as silent a gap as a misread one (issue 11: no `ok` without every item)
    text = missing_items(items, expected, scanned=False)
    assert [(f.code, f.severity) for f in text] == [("MISSING_FIELD", "error")] and "项目支出" in text[0].message
    assert missing_items(items + [{"item": "项目支出"}], expected, scanned=True) == []
    assert missing_items(items + [{"item": "项目支出"}], expected, scanned=False) == []


def test_missing_fields_and_indicator_checks():
    flags = missing_fields({"department": "", "overall_goal": "x", "year": None}, ["department", "overall_goal", "year"])
    assert [(f.field, f.code, f.severity) for f in flags] == [("department", "MISSING_FIELD", "error"), ("year", "MISSING_FIELD", "error")]
    row = {"seq": 5, "level3": "甲", "annual_target": "", "annual_op": None, "period_target": "约9成以上90", "period_op": "text"}
    codes = sorted((f.field, f.code) for f in indicator_checks(row))
    assert codes == [("annual_target", "MISSING_FIELD"), ("period_target", "TARGET_UNPARSEABLE")]


@pytest.mark.parametrize("text,source,confidence,value", [
    ("327,018.59\nT", "ocr", 0.5, "327018.59"),   # a pen tick read as a second line
    ("301,(168.)91", "ocr", 0.5, "301168.91"),    # a pen circle read as brackets
    ("583,.766,26", "ocr", 0.5, "583766.26"),
    ("350,211/10", "ocr", 0.5, "350211.10"),      # a stroke through the point reads as /
    ("583,.766,26", "text", 0.5, None),           # a text layer is what was printed: refused, not rebuilt
    # guesses, only for a value already sent to review:
    ("1,234.00\n5", "ocr", 0.5, "1234.00"),       # a tick's end read as a digit on a line of its own
    ("1,234.00\n5", "ocr", 0.95, None),           # read confidently, two numbers: no guessing
    ("1,234.00\n56", "ocr", 0.5, "1234.00"),
    ("1,234.00\n567", "ocr", 0.5, None),          # three digits are not a pen's end
    ("67,158.5Q", "ocr", 0.5, "67158.50"),        # a 0 with a stroke through it
    ("67,158.5Q", "ocr", 0.95, None),
    ("一\n84,648.69\n6", "ocr", 0.0, "84648.69"),  # a circle's top and bottom
    ("一\n13,493.3\n3", "ocr", 0.6, "13493.33"),  # a number wrapped in a narrow cell, a pen's crumb above
    ("7\n84,648.69", "ocr", 0.5, "84648.69"),     # seal residue above the number: no wrap starts that short
    ("PAS 318,844.78", "ocr", 0.95, "318844.78"),  # a seal ring's word set apart on the number's line
    ("318,844.78 Q", "ocr", 0.95, "318844.78"),
    ("PASS 318,844.78", "ocr", 0.95, None),  # a word of four letters is no mark's crumb
    ("PAS3 18,844.78", "ocr", 0.95, None),  # a word with a digit may be the number's
    # printed to the cent: one digit after the point is a lost digit; a 0 for it only as a guess
    ("39,576.6", "ocr", 0.5, "39576.60"),
    ("39,576.6", "ocr", 0.95, None),
    ("39,576.6", "text", 0.5, "39576.60"),        # a text layer is what was printed
])
def test_ocr_amount_repairs_are_said_and_review_flags_stay(text, source, confidence, value):
    from decimal import Decimal

    from formpipe.extract.record import CellRef
    from formpipe.normalize.rows import _amount
    flags = []
    got = _amount(CellRef(text, page=1, confidence=confidence, source=source), "budget_items", 0, "amount_wan", flags)
    assert got == (Decimal(value) if value else None)
    codes = {f.code: f.severity for f in flags}
    assert (codes.get("LOW_CONFIDENCE") == "error") == (confidence < 0.8)
    if value is None:
        assert codes.get("AMOUNT_UNPARSEABLE") == "error"
    elif (text, source) != ("39,576.6", "text"):
        assert codes.get("AMOUNT_REPAIRED") == "info"
        # a guess never stands without a review flag on the same value
        assert codes.get("LOW_CONFIDENCE") == "error" or confidence >= 0.8


@pytest.mark.parametrize("text,confidence,value", [
    ("784,648.\n69", 0.5, "784648.69"),   # a wrap fills its first line: one number, joined
    ("784,648.\n69", 0.95, "784648.69"),
    ("7\n84,648.69", 0.95, "784648.69"),  # read confidently, the reading stands as printed
    ("7\n84,648.69", 0.5, "84648.69"),    # under review, a one-character first line is a mark
    ("12\n3,456.00", 0.5, "3456.00"),
    ("123\n456.00", 0.5, "123456.00"),    # three characters: a wrap, as read
])
def test_a_short_line_above_a_longer_one_is_not_the_start_of_a_wrapped_number(text, confidence, value):
    from decimal import Decimal

    from formpipe.extract.record import CellRef
    from formpipe.normalize.rows import _amount
    flags = []
    got = _amount(CellRef(text, page=1, confidence=confidence, source="ocr"), "budget_items", 0, "amount_wan", flags)
    assert got == Decimal(value)
    assert any(f.code == "LOW_CONFIDENCE" for f in flags) == (confidence < 0.8)


def test_a_blank_amount_on_a_scan_goes_to_review_but_not_on_a_text_layer():
    from formpipe.extract.record import CellRef
    from formpipe.normalize.rows import _amount
    for source, codes in (("ocr", ["AMOUNT_MISSING"]), ("text", [])):
        flags = []
        assert _amount(CellRef("", page=1, source=source), "budget_items", 0, "amount_wan", flags) is None
        assert [f.code for f in flags] == codes


@given(st.text(alphabet="0123456789,.:/QDO一T\n ", max_size=16))
def test_a_guess_only_fills_a_value_under_review_never_changes_a_confident_one(text):
    """What a confident reading gives, the guessing reading gives too, unless a line of one
    or two characters sits above a longer one (no wrapped number starts so short); the guess
    only fills values the strict reading refused, and such values always carry a review flag."""
    from formpipe.extract.record import CellRef
    from formpipe.normalize.rows import _amount, _not_a_wrap
    strict, guessed = [], []
    confident = _amount(CellRef(text, page=1, confidence=0.95, source="ocr"), "budget_items", 0, "amount_wan", strict)
    unsure = _amount(CellRef(text, page=1, confidence=0.5, source="ocr"), "budget_items", 0, "amount_wan", guessed)
    if confident is not None and not _not_a_wrap(text):
        assert unsure == confident
    if unsure is not None and text.strip():
        assert any(f.code == "LOW_CONFIDENCE" and f.severity == "error" for f in guessed)


# -- a 一级/二级 label printed over a rule into the next cell ----------------------------------

@pytest.mark.parametrize("upper,lower,want_upper,want_lower", [
    # the first line of the lower label printed over the rule, read with the cell above
    ("生态效益\n指标\n服务对象", "满意度指标", "生态效益指标", "服务对象满意度指标"),
    # the last line of the upper label printed below the rule
    ("服务对象\n满意度", "指标\n数量指标", "服务对象满意度指标", "数量指标"),
    # two lines over the rule
    ("数量指标\n可持续\n影响", "指标", "数量指标", "可持续影响指标"),
    # over the rule into the part of a merged cell a page break cut off, which prints nothing
    ("服务对象", "满意度指\n标", "", "服务对象满意度指标"),
])
def test_lines_printed_over_a_rule_go_back_to_their_label(upper, lower, want_upper, want_lower):
    cells = [(1, 5, "a", upper), (2, 5, "a", upper), (3, 5, "b", lower), (4, 5, "b", lower)]
    mended, flags = mend_spills(cells, "level2")
    assert mended == {1: want_upper, 2: want_upper, 3: want_lower, 4: want_lower}
    assert [(f.code, f.severity, f.row_ref) for f in flags] == [("TEXT_SPILLED", "info", 3)]


@pytest.mark.parametrize("upper,lower", [
    ("社会效益\n指标", "服务对象\n满意度指标"),   # both labels whole: nothing to move
    ("满意度指标", "满意度指标"),                # a label on both sides
    ("效益指标\n一\n生", "社会效益指标"),          # seal crumbs on a scan are snap_level's, not a spill
    ("其他内容", "满意度指标"),                  # not a label at all: a vocabulary warning elsewhere
])
def test_cells_with_nothing_spilled_are_left_alone(upper, lower):
    mended, flags = mend_spills([(1, 5, "a", upper), (2, 5, "b", lower)], "level2")
    assert mended == {} and flags == []


def test_the_parts_of_a_label_cut_by_a_page_break_are_not_a_spill():
    # 时效指 | 标 on two pages: one merged cell cut by the break, which the mapping joins
    mended, flags = mend_spills([(1, 3, "a", "时效指"), (2, 4, "b", "标")], "level2")
    assert mended == {} and flags == []


def test_a_label_with_lines_no_move_explains_is_an_error_on_each_of_its_rows():
    mended, flags = mend_spills([(1, 5, "a", "生态效益\n指标\n服务对象"), (2, 5, "a", "生态效益\n指标\n服务对象"),
                                 (3, 5, "b", "数量指标")], "level2")
    assert mended == {}
    assert [(f.code, f.severity, f.row_ref, f.field) for f in flags] == [
        ("TEXT_SPILLED", "error", 1, "level2"), ("TEXT_SPILLED", "error", 2, "level2")]


@pytest.mark.parametrize("texts, style", [
    (["36,415", "1,807", "2,304", "8,924"], "whole"),
    (["36,415", "1,807", "2,304", "8,924.50"], None),  # one with cents: not whole
    (["577107.33", "46,168.58", "132650.88", "457555.03", "14454315", "47873276"], None),  # 4 of 6
    (["577107.33", "46,168.58", "132650.88", "457555.03", "346081.88", "119552.30", "14454315", "47873276"], "cents"),
    (["1.00", "2.00", "3.00"], None),  # three amounts decide nothing
    ([], None),
])
def test_a_form_s_amount_style_is_read_off_its_amounts(texts, style):
    from formpipe.normalize.amountstyle import amount_style
    assert amount_style(texts) == style


CENTS_FORM = ["577107.33", "46,168.58", "132650.88", "457555.03", "346081.88", "119552.30"]


@pytest.mark.parametrize("text, confidence, style, value, codes", [
    # a point lost under a seal, on a form that prints every amount to the cent
    ("14454315", 0.5, "cents", "144543.15", {"LOW_CONFIDENCE": "error", "AMOUNT_REPAIRED": "info"}),
    # read surely, but against the form's style: the guess goes to review all the same
    ("14454315", 0.95, "cents", "144543.15", {"AMOUNT_REPAIRED": "error"}),
    ("14454315", 0.95, None, "14454315", {}),  # no style: what was read
    ("14454315", 0.95, "whole", "14454315", {}),
    ("12", 0.95, "cents", "12", {}),  # too short to be an amount with its cents
    ("2.304", 0.95, "whole", "2304", {"AMOUNT_REPAIRED": "info"}),
])
def test_a_reading_against_the_form_s_style_is_guessed_for_review(text, confidence, style, value, codes):
    from decimal import Decimal

    from formpipe.extract.record import CellRef
    from formpipe.normalize.rows import _amount
    flags = []
    got = _amount(CellRef(text, page=1, confidence=confidence, source="ocr"), "budget_items", 0, "amount_wan", flags, style)
    assert got == Decimal(value)
    assert {f.code: f.severity for f in flags} == codes


def test_budget_rows_guess_a_lost_point_from_the_form_s_other_amounts():
    from formpipe.extract.record import CellRef, RawBudgetItem, RawForm
    from formpipe.normalize.rows import budget_rows
    form = RawForm("department_overall", CellRef(""))
    for i, text in enumerate([*CENTS_FORM, "14454315"]):
        form.budget.append(RawBudgetItem("收入来源", f"item{i}", CellRef(text, page=1, confidence=0.95, source="ocr")))
    flags = []
    rows = budget_rows(form, flags)
    assert str(rows[-1]["amount_wan"]) == "144543.15"
    assert [(f.row_ref, f.code, f.severity) for f in flags] == [(6, "AMOUNT_REPAIRED", "error")]


@pytest.mark.parametrize("text, column, held", [
    ("降低中小学校办事成本经济效益指标学前教育学位资金使用效益", "level2", "经济效益指标"),  # a level2 cell run into the names
    ("社会效益指标校园安全服务受益人次", "level3", "社会效益指标"),  # a name with its level2 in front
    ("产出指标数量指标", "level1", "数量指标"),  # two levels in one cell: the longest held is named
    ("服务对象满意度指标", "level2", None),  # a value of its own column, holding a shorter one
    ("经济效益指标", "level2", None),
    ("校园安全服务受益人次", "level3", None),
    ("", "level2", None),
])
def test_a_level_value_held_with_other_text_is_named(text, column, held):
    from formpipe.normalize.hierarchy import held_level
    assert held_level(text, column) == held


def _indicator_form(source: str):
    from formpipe.extract.record import CellRef, RawForm, RawRecord
    def rec(n, level1, level2, level3, target):
        cells = {c: CellRef(t, page=1, table_no=1, row=n, col=i, source=source, confidence=0.95)
                 for i, (c, t) in enumerate((("level1", level1), ("level2", level2), ("level3", level3),
                                             ("annual_target", target))) if t}
        return RawRecord(cells, 1, tuple(cells.values()))
    form = RawForm("department_overall", CellRef("2024年部门整体预算绩效目标申报表"))
    form.columns["indicators"] = ("level1", "level2", "level3", "annual_target")
    form.indicators = [rec(0, "效益指标", "降低办事成本经济效益指标资金使用效益", "降低办事成本经济效益指标资金使用效益", "有效提升"),
                       rec(1, "", "", "社会效益指标校园安全服务受益人次", "400万人次"),
                       rec(2, "满意度指标", "服务对象满意度指标", "学生家长满意度", "≥90分")]
    return form


@pytest.mark.parametrize("source, flagged", [("ocr", {(1, "level2"), (1, "level3"), (2, "level2"), (2, "level3")}),
                                             ("text", set())])
def test_an_ocr_d_indicator_cell_holding_a_level_and_other_text_is_an_error_filled_rows_too(source, flagged):
    """Row 2's 二级指标 is filled down from row 1's, which holds a level run into the names: both
    are errors on a scan. A text layer's merged cell is as printed."""
    from formpipe.normalize.rows import indicator_rows
    flags: list = []
    rows = indicator_rows(_indicator_form(source), flags)
    assert rows[1]["level2"] == rows[0]["level2"]  # filled down
    got = {(f.row_ref, f.field) for f in flags if f.code == "CELL_SHARED"}
    assert got == flagged
    assert all(f.severity == "error" for f in flags if f.code == "CELL_SHARED")
