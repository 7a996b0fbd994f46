"""The project form's goals printed side by side (项目总体目标 | 年度总体目标, texts in the row
below) under a section label in the first column, on text layers and on scans."""
from dataclasses import replace

import pytest
from tablespec import table

from formpipe.extract.flags import FlagCode
from formpipe.extract.mapping import map_form
from formpipe.extract.model import Extraction
from formpipe.extract.template import load_template

TPL = load_template("project_performance_targets")
WIDTHS = [60, 80, 80, 160, 60]


def goals_form(lead: str) -> list:
    return [
        (0, 0, 1, 1, "项目名称"), (0, 1, 1, 4, "道路养护项目"),
        (1, 0, 2, 1, lead), (1, 1, 1, 2, "项目总体目标"), (1, 3, 1, 2, "年度总体目标"),
        (2, 1, 1, 2, "长期目标的文字"), (2, 3, 1, 2, "年度目标的文字"),
        (3, 0, 3, 1, "年度绩效指标"), (3, 1, 1, 1, "一级指标"), (3, 2, 1, 1, "二级指标"),
        (3, 3, 1, 1, "三级指标"), (3, 4, 1, 1, "指标值"),
        (4, 1, 2, 1, "产出指标"), (4, 2, 2, 1, "数量指标"), (4, 3, 1, 1, "养护里程"), (4, 4, 1, 1, "≥12公里"),
        (5, 3, 1, 1, "完成批次"), (5, 4, 1, 1, "=3批"),
    ]


@pytest.mark.parametrize("lead, source, lead_unmapped", [
    ("绩效目标", "text", False),   # a declared heading: no value, accounted for
    ("绩效目标", "ocr", False),    # one edit from the block label 绩效指标: must not open that block
    ("绩效目杯", "ocr", True),     # a misread heading: nearest to the heading, not to 绩效指标
    ("绩效指标", "text", False),   # the block's own label printed over the goals: the goals are fields
    ("绩效指标", "ocr", False),
    ("", "ocr", False),            # no section label at all
])
def test_side_by_side_goals_are_read(lead, source, lead_unmapped):
    t = table(goals_form(lead), WIDTHS)
    t = replace(t, cells=[replace(c, source=source) for c in t.cells])
    f = map_form(Extraction(pages=1, tables=[t], lines=[]), TPL)
    assert f.fields["long_term_goal"].text == "长期目标的文字"
    assert f.fields["annual_goal"].text == "年度目标的文字"
    assert [r.get("level3").text for r in f.indicators] == ["养护里程", "完成批次"]
    assert [r.get("annual_target").text for r in f.indicators] == ["≥12公里", "=3批"]
    unmapped = [n.message for n in f.notes if n.code == FlagCode.UNMAPPED_CELL]
    assert len(unmapped) == lead_unmapped and all(lead in m for m in unmapped)
    assert not any("绩效指标" in n.message for n in f.notes if n.code == FlagCode.LABEL_SNAPPED)


@pytest.mark.parametrize("heading", ["项目资金（元）", "项目资金（万元 )", "项目资金"])
def test_a_money_heading_carries_the_unit_and_is_no_unmapped_cell(heading):
    spec = [(0, 0, 1, 1, "项目名称"), (0, 1, 1, 2, "甲项目"),
            (1, 0, 2, 1, heading), (1, 1, 1, 1, "年度资金申请总额"), (1, 2, 1, 1, "1,000.00"),
            (2, 1, 1, 1, "其中：财政拨款"), (2, 2, 1, 1, "1,000.00")]
    f = map_form(Extraction(pages=1, tables=[table(spec, [60, 100, 80])], lines=[]), TPL)
    assert f.fields["annual_funds"].text == "1,000.00"
    assert heading in f.label_rows["annual_funds"]
    assert not [n for n in f.notes if n.code == FlagCode.UNMAPPED_CELL]
