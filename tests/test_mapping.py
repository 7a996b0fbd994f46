"""Template mapping: grid cells -> form fields, by labels, not row numbers."""
import pytest
from tablespec import table

from formpipe.extract.mapping import find_year, map_form
from formpipe.extract.model import Box, Extraction, TextLine
from formpipe.extract.record import CellRef, RawForm
from formpipe.extract.template import label_key, load_template

TPL = load_template()




def form_of(*tables, lines=()):
    return map_form(Extraction(pages=1, tables=list(tables), lines=list(lines)), TPL)


INDICATORS = [
    (0, 0, 5, 1, "绩效指标"), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
    (0, 4, 1, 1, "实施周期指标值"), (0, 5, 1, 1, "年度指标值"),
    (1, 1, 4, 1, "产出指标"), (1, 2, 2, 1, "数量指标"), (1, 3, 1, 1, "甲率"), (1, 4, 1, 1, "100%"), (1, 5, 1, 1, "99%"),
    (2, 3, 1, 1, "乙数"), (2, 4, 1, 1, "≥90%"), (2, 5, 1, 1, "≥90%"),
    (3, 2, 2, 1, "质量指标"), (3, 3, 1, 1, "丙"), (3, 4, 1, 1, "1"), (3, 5, 1, 1, "2"),
    (4, 3, 1, 1, "丁"), (4, 4, 1, 1, "3"), (4, 5, 1, 1, "4"),
]


def test_label_key_ignores_layout_and_bracket_width():
    assert label_key("预算金额(万元)") == label_key("预算金额（万元）")
    assert label_key("部门名称：") == "部门名称"
    assert label_key("其他需完成\n的任务（可\n选填）") == "其他需完成的任务（可选填）"


def test_fields_by_label_variants():
    t = table([(0, 0, 1, 1, "单位名称"), (0, 1, 1, 3, "深圳市交通运输局"),
               (1, 0, 2, 1, "基本信息"), (1, 1, 1, 1, "下属二级单位数"), (1, 2, 1, 2, "7"),
               (2, 1, 1, 1, "财政供养人员数"), (2, 2, 1, 2, "1,234")], [60, 80, 80, 80])
    f = form_of(t)
    assert f.fields["department"].text == "深圳市交通运输局"
    assert f.fields["subordinate_units"].text == "7"
    assert f.fields["funded_staff"].text == "1,234"


def test_budget_pairs_take_section_from_header_rows():
    t = table([(0, 0, 4, 1, "预算整体情况"),
               (0, 1, 1, 1, "部门预算支出"), (0, 2, 1, 1, "预算金额（万元）"), (0, 3, 1, 1, "收入来源"), (0, 4, 1, 1, "预算金额（万元）"),
               (1, 1, 1, 1, "基本支出"), (1, 2, 1, 1, "1.00"), (1, 3, 1, 1, "财政拨款"), (1, 4, 1, 1, "2.00"),
               (2, 1, 1, 1, "事业发展性支出"), (2, 2, 1, 1, "预算金额（万元）"),
               (2, 3, 1, 1, "按预算级次划分"), (2, 4, 1, 1, "预算金额（万元）"),
               (3, 1, 1, 1, "财政专项资金"), (3, 2, 1, 1, "0.00"), (3, 3, 1, 1, "市本级使用资金"), (3, 4, 1, 1, "44, 770. 21")],
              [60, 80, 60, 80, 60])
    got = [(b.section, b.item, b.amount.text) for b in form_of(t).budget]
    assert got == [("部门预算支出", "基本支出", "1.00"), ("收入来源", "财政拨款", "2.00"),
                   ("事业发展性支出", "财政专项资金", "0.00"), ("按预算级次划分", "市本级使用资金", "44, 770. 21")]


def test_indicator_records_take_merged_cells_for_every_row_they_cover():
    f = form_of(table(INDICATORS, [60, 60, 60, 100, 60, 60]))
    got = [(r.get("level1").text, r.get("level2").text, r.get("level3").text, r.get("period_target").text,
            r.get("annual_target").text) for r in f.indicators]
    assert got == [("产出指标", "数量指标", "甲率", "100%", "99%"), ("产出指标", "数量指标", "乙数", "≥90%", "≥90%"),
                   ("产出指标", "质量指标", "丙", "1", "2"), ("产出指标", "质量指标", "丁", "3", "4")]
    assert f.columns["indicators"] == ("level1", "level2", "level3", "period_target", "annual_target")


def test_single_target_column_variant_maps_to_annual():
    spec = [(0, 0, 2, 1, "绩效指标"), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
            (0, 4, 1, 1, "指标值"), (1, 1, 1, 1, "效益指标"), (1, 2, 1, 1, "社会效益指标"), (1, 3, 1, 1, "甲"), (1, 4, 1, 1, "≥95%")]
    f = form_of(table(spec, [60, 60, 60, 100, 60]))
    assert f.columns["indicators"] == ("level1", "level2", "level3", "annual_target")
    assert f.indicators[0].get("annual_target").text == "≥95%"
    assert f.indicators[0].get("period_target").text == ""


def test_split_label_keeps_block_and_repeated_header_is_skipped():
    spec = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
            (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
            (1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "内容甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "目标甲"),
            # page break: label cell split (empty), header repeated
            (2, 0, 3, 1, ""), (2, 1, 1, 1, "名称"), (2, 2, 1, 1, "主要实施内容"),
            (2, 3, 1, 1, "拟投入的资金（万元）"), (2, 4, 1, 1, "期望达到的目标（概述）"),
            (3, 1, 1, 1, "乙计划"), (3, 2, 1, 1, "内容乙"), (3, 3, 1, 1, "2.00"), (3, 4, 1, 1, "目标乙"),
            (4, 1, 1, 1, "丙计划"), (4, 2, 1, 1, "内容丙"), (4, 3, 1, 1, "3.00"), (4, 4, 1, 1, "目标丙"),
            (5, 0, 1, 1, "其他需完成的任务（可选填）"), (5, 1, 1, 4, "")]
    f = form_of(table(spec, [60, 60, 120, 60, 80]))
    assert [r.get("name").text for r in f.tasks] == ["甲计划", "乙计划", "丙计划"]
    assert [r.get("funds").text for r in f.tasks] == ["1.00", "2.00", "3.00"]
    assert f.fields["other_tasks"].text == ""


def test_unknown_label_closes_a_block():
    spec = INDICATORS + [(5, 0, 1, 1, "审核意见"), (5, 1, 1, 5, "同意")]
    f = form_of(table(spec, [60, 60, 60, 100, 60, 60]))
    assert len(f.indicators) == 4


def test_title_and_year():
    lines = [TextLine(1, "填报单位：某局", Box(0, 60, 100, 70), 10),
             TextLine(1, "2024年部门整体预算绩效目标申报表", Box(0, 20, 300, 36), 16)]
    f = form_of(table(INDICATORS, [60] * 6), lines=lines)
    assert f.title.text == "2024年部门整体预算绩效目标申报表"
    assert find_year(f) == 2024


def test_year_falls_back_to_the_goal_text():
    f = RawForm("x", CellRef("部门整体预算绩效目标申报表"), fields={"overall_goal": CellRef("2023年，我局将……")})
    assert find_year(f) == 2023
    assert find_year(RawForm("x", CellRef("部门整体预算绩效目标申报表"))) is None


# A grey seal's ring over a tall label cell reads as crumbs around the label.
@pytest.mark.parametrize("text, expected", [
    ("绩效指标\n1\n7\nH\n家\n1\nl", "绩效指标"),
    ("1\n绩效指\n标\n家", "绩效指标"),          # a label wrapped over two lines
    ("绩效指标\n下属二级单位数", None),               # a second label: not crumbs
    ("绩效指标\n45,948.34", None),                  # a value beside it: not crumbs
    ("绩效指标", None),                              # matched exactly elsewhere, not here
])
def test_label_among_seal_crumbs(text, expected):
    from formpipe.extract.mapping import _Walk
    table = {"绩效指标": "indicators", "年度绩效指标": "indicators", "下属二级单位数": "units"}
    assert _Walk._label_among_crumbs(text, table) == expected


def test_indicator_rows_above_a_page_break_open_the_block_by_their_header():
    """The merged 绩效指标 label is printed on the next page; the rows before the break are not lost.

    One table continued over the break (as document_tables joins it): above the
    break the first column is an empty cell beside the header and two rows.
    """
    spec = [(0, 0, 3, 1, ""), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
            (0, 4, 1, 1, "实施周期指标值"), (0, 5, 1, 1, "年度指标值"),
            (1, 1, 2, 1, "产出指标"), (1, 2, 2, 1, "数量指标"), (1, 3, 1, 1, "甲率"), (1, 4, 1, 1, "100%"),
            (1, 5, 1, 1, "99%"), (2, 3, 1, 1, "乙数"), (2, 4, 1, 1, "≥90%"), (2, 5, 1, 1, "≥90%"),
            (3, 0, 2, 1, "绩效指标"), (3, 1, 2, 1, "产出指标"), (3, 2, 2, 1, "质量指标"),
            (3, 3, 1, 1, "丙"), (3, 4, 1, 1, "1"), (3, 5, 1, 1, "2"),
            (4, 3, 1, 1, "丁"), (4, 4, 1, 1, "3"), (4, 5, 1, 1, "4")]
    f = form_of(table(spec, [40, 60, 60, 80, 60, 60]))
    assert [r.get("level3").text for r in f.indicators] == ["甲率", "乙数", "丙", "丁"]
    assert f.indicators[0].get("annual_target").text == "99%"
    assert f.indicators[3].get("level2").text == "质量指标"


def test_a_records_block_continued_in_a_new_table_keeps_its_header():
    """Overleaf the block's label is printed again, its header row is not, and the table did not join."""
    first = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
             (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
             (1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "内容甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "目标甲")]
    overleaf = [(0, 0, 1, 1, "年度重点工作任务"), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "内容乙"),
                (0, 3, 1, 1, "2.00"), (0, 4, 1, 1, "目标乙"),
                (1, 0, 1, 1, "其他需完成的任务（可选填）"), (1, 1, 1, 4, "")]
    widths = [60, 60, 120, 60, 80]
    f = form_of(table(first, widths), table(overleaf, widths, page=2, table_no=2))
    assert [r.get("name").text for r in f.tasks] == ["甲计划", "乙计划"]
    assert [r.get("funds").text for r in f.tasks] == ["1.00", "2.00"]


@pytest.mark.parametrize("scale, x0", [(1.0, 0.0), (1.0, 40.0), (1.45, 30.0), (0.8, 10.0)])
def test_a_continued_block_follows_its_table_moved_or_printed_wider(scale, x0):
    """Overleaf the table may sit elsewhere (moved) or be printed wider (a landscape page after
    portrait ones): the header's columns follow it, edge to edge."""
    first = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
             (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
             (1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "内容甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "目标甲")]
    overleaf = [(0, 0, 1, 1, "年度重点工作任务"), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "内容乙"),
                (0, 3, 1, 1, "2.00"), (0, 4, 1, 1, "目标乙")]
    widths = [60, 60, 300, 60, 80]
    f = form_of(table(first, widths), table(overleaf, [w * scale for w in widths], page=2, table_no=2, x0=x0))
    assert [r.get("name").text for r in f.tasks] == ["甲计划", "乙计划"]
    assert [r.get("content").text for r in f.tasks] == ["内容甲", "内容乙"]
    assert [r.get("funds").text for r in f.tasks] == ["1.00", "2.00"]
    assert [r.get("expected_goal").text for r in f.tasks] == ["目标甲", "目标乙"]


def test_a_header_laid_out_from_text_takes_the_cells_it_covers_one_each():
    """A page read by anchors lays its header's columns out from the labels alone: here the funds
    column's range lies half over the content cell overleaf, which covers more of it than the
    funds cell does. Each cell goes to the column it covers the larger share of, and the funds
    column takes the funds cell (a task's content was read as its funds)."""
    header = [(0, 0, 1, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
              (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）")]
    overleaf = [(0, 0, 1, 1, "年度重点工作任务"), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "内容乙"),
                (0, 3, 1, 1, "2.00"), (0, 4, 1, 1, "目标乙")]
    # the edges of a 200-dpi office scan's page read by anchors, and of the grid overleaf
    f = form_of(table(header, [65.6, 215.6, 170.9, 141.8, 138.2], x0=54.0),
                table(overleaf, [67.1, 113.2, 342.6, 82.3, 123.0], page=2, table_no=2, x0=56.7))
    assert [r.get("content").text for r in f.tasks] == ["内容乙"]
    assert [r.get("funds").text for r in f.tasks] == ["2.00"]
    assert [r.get("name").text for r in f.tasks] == ["乙计划"]


def test_a_merged_cell_under_two_columns_serves_both():
    header = [(0, 0, 1, 1, "绩效指标"), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
              (0, 4, 1, 1, "实施周期指标值"), (0, 5, 1, 1, "年度指标值"),
              (1, 1, 1, 1, "产出指标"), (1, 2, 1, 1, "数量指标"), (1, 3, 1, 1, "培训人次"), (1, 4, 1, 2, "≥500人次")]
    f = form_of(table(header, [60, 60, 60, 120, 80, 80]))
    assert [(r.get("period_target").text, r.get("annual_target").text) for r in f.indicators] == [("≥500人次", "≥500人次")]


def test_seal_residue_closed_into_a_table_of_its_own_leaves_the_open_block_alone():
    """On a scan, seal or pen residue can come out of the grid as a tiny table of 1-2 character
    cells between two parts of a records block: it neither closes the block nor moves its
    columns, so the row after it is kept (it was lost, and only its cells flagged)."""
    from dataclasses import replace as dc_replace
    first = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
             (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
             (1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "内容甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "目标甲")]
    residue = [(0, 0, 1, 1, "IZ"), (0, 1, 1, 1, "4")]
    overleaf = [(0, 0, 1, 1, ""), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "内容乙"), (0, 3, 1, 1, "2.00"),
                (0, 4, 1, 1, "目标乙")]
    widths = [60, 60, 120, 60, 80]

    def ocr(t):
        return dc_replace(t, cells=[dc_replace(c, source="ocr") for c in t.cells])

    f = form_of(ocr(table(first, widths)), ocr(table(residue, [30, 30], page=2, table_no=2)),
                ocr(table(overleaf, widths, page=2, table_no=3)))
    assert [r.get("name").text for r in f.tasks] == ["甲计划", "乙计划"]
    unmapped = [n.message for n in f.notes if n.code == "UNMAPPED_CELL"]
    assert any("“IZ”" in m for m in unmapped) and any("“4”" in m for m in unmapped)


@pytest.mark.parametrize("text, confidence, kept", [
    ("L须双", 0.46, True),     # a title's strokes boxed by the rule under them, read unsurely: no label
    ("L须双", 0.95, False),    # read surely, it is some label the template does not know: it closes the block
    ("其他需完成的任务", 0.46, False),  # long: a real label, however unsure
])
def test_a_one_cell_table_read_short_and_unsure_leaves_the_open_block_alone(text, confidence, kept):
    from dataclasses import replace as dc_replace
    first = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
             (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
             (1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "内容甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "目标甲")]
    overleaf = [(0, 0, 1, 1, ""), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "内容乙"), (0, 3, 1, 1, "2.00"),
                (0, 4, 1, 1, "目标乙")]
    widths = [60, 60, 120, 60, 80]

    def ocr(t, conf=0.99):
        return dc_replace(t, cells=[dc_replace(c, source="ocr", confidence=conf) for c in t.cells])

    f = form_of(ocr(table(first, widths)), ocr(table([(0, 0, 1, 1, text)], [40], page=2, table_no=2), confidence),
                ocr(table(overleaf, widths, page=2, table_no=3)))
    names = [r.get("name").text for r in f.tasks]
    assert names == (["甲计划", "乙计划"] if kept else ["甲计划"])
    assert any(f"“{text}”" in n.message for n in f.notes if n.code == "UNMAPPED_CELL")  # reported either way


@pytest.mark.parametrize("crumbs, dropped", [
    ([(2, 3, 1, 1, "v", 0.26), (2, 4, 1, 1, "1", 0.61)], True),   # a pen stroke's crumbs between the rules
    ([(2, 3, 1, 1, "1ZmVV", 0.54)], True),                         # ... read long but unsure
    ([(2, 4, 1, 1, "100%", 0.95)], False),                         # a value read surely: a row, for review
    ([(2, 3, 1, 1, "甲", 0.3)], False),                            # a character of a name
])
def test_a_row_of_crumbs_only_is_no_indicator(crumbs, dropped):
    """Indicator rows keep their numbers when a mark's crumbs make a row of their own; the crumbs
    are still reported on `indicators`."""
    from dataclasses import replace as dc_replace
    spec = [(0, 0, 4, 1, "绩效指标"), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
            (0, 4, 1, 1, "指标值"), (1, 1, 3, 1, "产出指标"), (1, 2, 3, 1, "数量指标"), (1, 3, 1, 1, "甲"),
            (1, 4, 1, 1, "5处"), (3, 3, 1, 1, "乙"), (3, 4, 1, 1, "≥90%")]
    conf = {(r, c): cf for r, c, _, _, _, cf in crumbs}
    t = table(spec + [x[:5] for x in crumbs], [60, 60, 60, 100, 60])
    t = dc_replace(t, cells=[dc_replace(c, source="ocr", confidence=conf.get((c.row, c.col), 0.99)) for c in t.cells])
    f = form_of(t)
    got = [r.get("level3").text for r in f.indicators]
    assert got == (["甲", "乙"] if dropped else ["甲", got[1], "乙"])
    if dropped:
        lost = [n for n in f.notes if n.code == "UNMAPPED_CELL"]
        assert {n.dataset for n in lost} == {"indicators"} and len(lost) == len(crumbs)


def test_a_crumb_in_the_label_column_does_not_close_the_block():
    """A pen stroke's crumb read "I" at 0.19 in the label column of an indicator row: no label,
    so the block goes on and the row is read."""
    from dataclasses import replace as dc_replace
    spec = [(0, 0, 2, 1, "绩效指标"), (0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"),
            (0, 4, 1, 1, "指标值"), (1, 1, 2, 1, "产出指标"), (1, 2, 2, 1, "成本指标"), (1, 3, 1, 1, "甲"),
            (1, 4, 1, 1, "控制在预算范围内"), (2, 0, 1, 1, "I"), (2, 3, 1, 1, "乙"), (2, 4, 1, 1, "稳步提高")]
    t = table(spec, [60, 60, 60, 100, 60])
    t = dc_replace(t, cells=[dc_replace(c, source="ocr", confidence=0.19 if c.text == "I" else 0.99) for c in t.cells])
    f = form_of(t)
    assert [r.get("level3").text for r in f.indicators] == ["甲", "乙"]
    assert any("“I”" in n.message for n in f.notes if n.code == "UNMAPPED_CELL")


@pytest.mark.parametrize("name_rows", [2, 1])
def test_a_row_under_the_task_above_s_name_cell_continues_that_task(name_rows):
    """A line taken for a rule (a pen's underline) cut a task's content cell in two: the row under
    the task's own merged name cell is that task's, not a new one, and its text joins the goal's.
    With the name cell one row high, the second row is a task of its own, as printed."""
    cells = [(0, 0, 4, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
             (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标（概述）"),
             (1, 1, name_rows, 1, "甲计划"), (1, 2, 1, 1, "内容甲上"), (1, 3, 2, 1, "1.00"), (1, 4, 2, 1, "目标甲"),
             (2, 2, 1, 1, "内容甲下"),
             (3, 1, 1, 1, "乙计划"), (3, 2, 1, 1, "内容乙"), (3, 3, 1, 1, "2.00"), (3, 4, 1, 1, "目标乙")]
    if name_rows == 1:
        cells.append((2, 1, 1, 1, "丙计划"))
    f = form_of(table(cells, [60, 60, 120, 60, 80]))
    if name_rows == 2:
        assert [(r.get("name").text, r.get("content").text, r.get("funds").text) for r in f.tasks] == [
            ("甲计划", "内容甲上\n内容甲下", "1.00"), ("乙计划", "内容乙", "2.00")]
    else:
        assert [r.get("name").text for r in f.tasks] == ["甲计划", "丙计划", "乙计划"]


@pytest.mark.parametrize("level3_header, source, want_level3", [
    ("二级指标", "ocr", True),  # 三级指标 read 二级指标 at 200 dpi: the row lacks level3 and names level2 twice
    ("二级指标", "text", False),  # printed so: no OCR to blame, the row is left as it reads
    ("二级指", "ocr", False),  # two edits from 三级指标: too far to say it is that header
])
def test_a_header_read_as_its_neighbour_is_the_column_the_row_lacks(level3_header, source, want_level3):
    """Truth: the drawn header and rows (INDICATORS). Only the 三级指标 header's reading changes."""
    from dataclasses import replace as dc_replace
    spec = [(r, c, rs, cs, level3_header if text == "三级指标" else text) for r, c, rs, cs, text in INDICATORS]
    t = table(spec, [60, 60, 60, 100, 60, 60])
    t = dc_replace(t, cells=[dc_replace(c, source=source) for c in t.cells])
    f = form_of(t)
    if want_level3:
        assert f.columns["indicators"] == ("level1", "level2", "level3", "period_target", "annual_target")
        assert [r.get("level3").text for r in f.indicators] == ["甲率", "乙数", "丙", "丁"]
        assert [r.get("level2").text for r in f.indicators] == ["数量指标", "数量指标", "质量指标", "质量指标"]
        assert any("三级指标" not in n.message and "level3" in n.message for n in f.notes if n.code == "LABEL_SNAPPED")
    else:
        assert "level3" not in f.columns.get("indicators", ())
