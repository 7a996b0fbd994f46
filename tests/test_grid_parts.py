"""A page whose grid failed the check in one part only keeps the grid's reading elsewhere
(extract/gridpart.py): the cuts, the parts that pass, and the band left to the anchors."""
from __future__ import annotations

import pytest

from formpipe.extract.gridcheck import check_grid
from formpipe.extract.gridpart import grid_parts, part_of, row_cuts
from formpipe.extract.model import Box, Cell, Table, TextLine

ROW_PT = 20.0


def _table(spec: list[tuple[int, int, int, int, str]], widths: list[float], top: float = 0.0) -> Table:
    """Cells (row, col, rowspan, colspan, text) on columns of `widths`, rows ROW_PT high."""
    xs = [0.0]
    for w in widths:
        xs.append(xs[-1] + w)
    cells = [Cell(1, r, c, rs, cs, text, Box(xs[c], top + r * ROW_PT, xs[c + cs], top + (r + rs) * ROW_PT), 0.95, "ocr")
             for r, c, rs, cs, text in spec]
    return Table(1, cells, max(r + rs for r, _, rs, _, _ in spec), len(widths), (1,), tuple(xs))


# a budget block whose column rules a seal took (two labels in one cell), over a goal and a task block
BUDGET_LOST = [(0, 0, 3, 1, "预算整体情况"), (0, 1, 1, 2, "部门预算支出预算金额（万元）收入来源"), (0, 3, 1, 1, "预算金额（万元）"),
               (1, 1, 1, 2, "基本支出60786.75财政拨款"), (1, 3, 1, 1, "134,152.15"),
               (2, 1, 1, 2, "项目支出93488.22其他资金"), (2, 3, 1, 1, "")]
GOAL = [(3, 0, 1, 1, "总体绩效目标"), (3, 1, 1, 3, "推进社区治理，提高财政资金使用效益，落实各项任务")]
TASKS = [(4, 0, 2, 1, "年度重点工作任务"), (4, 1, 1, 1, "名称"), (4, 2, 1, 1, "拟投入的资金（万元）"),
         (4, 3, 1, 1, "期望达到的目标（概述）"),
         (5, 1, 1, 1, "区划地名管理计划"), (5, 2, 1, 1, "6584.10"), (5, 3, 1, 1, "资金使用效益进一步提高")]
WIDTHS = [80, 120, 80, 120]


def test_rows_no_cell_crosses_are_the_cuts():
    t = _table(BUDGET_LOST + GOAL + TASKS, WIDTHS)
    assert row_cuts(t) == [3, 4]  # 1, 2: inside 预算整体情况's rows; 5: inside 年度重点工作任务's
    part = part_of(t, 3, t.n_rows)
    assert part.n_rows == 3 and min(c.row for c in part.cells) == 0
    assert sorted(c.text for c in part.cells if c.row == 0) == sorted(t for r, _, _, _, t in GOAL)


def test_the_rows_under_a_failed_block_keep_the_grid():
    t = _table(BUDGET_LOST + GOAL + TASKS, WIDTHS)
    title = TextLine(1, "2021年部门整体预算绩效目标申报表", Box(100, -30, 300, -18), 12, 0.99)
    assert not check_grid([t], [title]).ok
    parts = grid_parts([t], [title])
    assert parts is not None
    assert parts.band == (float("-inf"), 3 * ROW_PT)  # the anchors read the page down to the goal's row
    (below,), lines = parts.below
    assert below.n_rows == 3 and not lines
    assert {c.text for c in below.cells} >= {"总体绩效目标", "名称", "6584.10"}
    assert parts.above == ([], [])


def test_a_failure_at_the_foot_keeps_the_grid_above():
    lost_header = [(4, 0, 2, 1, "年度重点工作任务"), (4, 1, 1, 1, "名称"), (4, 2, 1, 2, "拟投入的资金（万元）期望达到的目标（概述）"),
                   (5, 1, 1, 1, "区划地名管理计划"), (5, 2, 1, 2, "6584.10资金使用效益进一步提高")]
    budget = [(0, 0, 3, 1, "预算整体情况"), (0, 1, 1, 1, "部门预算支出"), (0, 2, 1, 1, "预算金额（万元）"),
              (0, 3, 1, 1, "收入来源"), (1, 1, 1, 1, "基本支出"), (1, 2, 1, 1, "60786.75"), (1, 3, 1, 1, "财政拨款"),
              (2, 1, 1, 1, "项目支出"), (2, 2, 1, 1, "93488.22"), (2, 3, 1, 1, "其他资金")]
    t = _table(budget + GOAL + lost_header, WIDTHS)
    verdict = check_grid([t], [])
    assert not verdict.ok, "the task header holds two labels"
    parts = grid_parts([t], [])
    assert parts is not None and parts.band == (4 * ROW_PT, float("inf"))
    (above,), _ = parts.above
    assert above.n_rows == 4 and parts.below == ([], [])


def test_no_cut_inside_a_block():
    """A failure in a task header: the rows under it are no part of their own (read without
    their header, they would map to nothing), so the band holds the whole block."""
    lost = [(0, 0, 3, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 2, "拟投入的资金（万元）期望达到的目标（概述）"),
            (1, 1, 1, 1, "区划地名管理计划"), (1, 2, 1, 1, "6584.10"), (1, 3, 1, 1, "资金使用效益进一步提高"),
            (2, 1, 1, 1, "社会养老服务计划"), (2, 2, 1, 1, "11,154.89"), (2, 3, 1, 1, "服务覆盖面不断扩大")]
    t = _table(lost, WIDTHS)
    assert not check_grid([t], []).ok
    assert row_cuts(t) == []  # 年度重点工作任务 spans every row
    assert grid_parts([t], []) is None


@pytest.mark.parametrize("loose, kept", [
    ([], True),
    # a label outside the cells of the part: a cell of it lost, the part is no better than the rest
    ([TextLine(1, "项目支出", Box(10, 70, 60, 80), 10, 0.9)], False),
])
def test_a_part_with_a_label_outside_its_cells_is_not_kept(loose, kept):
    t = _table(BUDGET_LOST + GOAL + TASKS, WIDTHS)
    lines = [TextLine(1, ln.text, Box(ln.box.x0, 5 * ROW_PT + 2, ln.box.x1, 5 * ROW_PT + 12), 10, 0.9) for ln in loose]
    parts = grid_parts([t], lines)
    assert (parts is not None and bool(parts.below[0])) is kept


@pytest.mark.parametrize("header, kept", [
    ("拟投入的资金（万元）", True),
    ("主要实施内容推进智慧校园建设，提高财政资金使用效益", False),  # the header took in the text under it
    ("拟投入的资金期望达到的目标（概（万元）述）", False),  # ... or its neighbour's, line by line
])
def test_a_part_whose_header_took_in_other_text_is_not_kept(header, kept):
    """The check sees no label whole in such a header cell and passes the part; read by the grid
    the tasks under it are lost, so the page is left to the anchors reading, which splits such
    texts by the vocabulary."""
    tasks = [(4, 0, 2, 1, "年度重点工作任务"), (4, 1, 1, 1, "名称"), (4, 2, 1, 1, header),
             (4, 3, 1, 1, "期望达到的目标（概述）"),
             (5, 1, 1, 1, "区划地名管理计划"), (5, 2, 1, 1, "6584.10"), (5, 3, 1, 1, "资金使用效益进一步提高")]
    t = _table(BUDGET_LOST + GOAL + tasks, WIDTHS)
    parts = grid_parts([t], [])
    assert (parts is not None) is kept


# a continued task row and 其他需完成的任务 over an indicator block whose label cell lost its rules
# (绩效指标 a loose line left of the block) and whose header lost the rule under 一级指标
CONTINUED = [(0, 0, 1, 1, ""), (0, 1, 1, 1, "文物保护利用计划"), (0, 2, 1, 1, "9469.37"), (0, 3, 1, 1, "资金使用效益进一步提高"),
             (1, 0, 1, 1, "其他需完成的任务（可选填）"), (1, 1, 1, 3, "")]
INDICATORS_LOST = [(2, 1, 2, 1, "一级指标二级指标数量指标"), (2, 2, 2, 1, "三级指标非物质文化遗产覆盖数量"),
                   (2, 3, 1, 1, "指标值"), (3, 3, 1, 1, "≥50场")]


@pytest.mark.parametrize("label, kept", [
    ("绩效指标", True),  # the lower block's label, beside its rows: the block begins at the cut
    ("数量指标", False),  # no block's label: the cut may lie inside a block
    (None, False),
])
def test_the_rows_above_a_block_whose_label_lost_its_cell_keep_the_grid(label, kept):
    t = _table(CONTINUED + INDICATORS_LOST, WIDTHS)
    lines = [TextLine(1, label, Box(10, 2 * ROW_PT + 22, 60, 2 * ROW_PT + 32), 10, 0.9)] if label else []
    assert not check_grid([t], lines).ok
    parts = grid_parts([t], lines)
    if not kept:
        assert parts is None or not parts.above[0]
        return
    assert parts is not None and parts.band == (2 * ROW_PT, float("inf"))
    (above,), _ = parts.above
    assert above.n_rows == 2 and {"9469.37", "其他需完成的任务（可选填）"} <= {c.text for c in above.cells}
