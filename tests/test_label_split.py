"""A label cell that took in the next label, split along the rule lost across it
(extract/labelsplit.py). Truth is the drawn table: where its rules are."""
from __future__ import annotations

import pytest

from formpipe.extract.grid import page_tables
from formpipe.extract.gridcheck import check_grid
from formpipe.extract.labelsplit import label_splits
from formpipe.extract.model import Box, Glyph, PageContent, Segment
from formpipe.extract.scangrid import OCR_GRID

XS = [50.0, 100.0, 200.0, 300.0, 400.0]  # pt: a label column, then three columns
YS = [100.0, 130.0, 160.0, 190.0, 220.0, 250.0]  # the first label names rows 0-1, the second rows 2-4
FIRST = ["其他需完", "成的任务", "（可选填", "）"]  # 其他需完成的任务（可选填）, wrapped in its cell
SECOND = ["绩效指标"]
CHAR = 10.0
PITCH = 12.0


def _label(lines: list[str], top: float, bottom: float) -> list[Glyph]:
    """A label's glyphs, each line centred across the column, the lines centred down the cell."""
    y = (top + bottom) / 2 - (len(lines) * PITCH - (PITCH - CHAR)) / 2
    out = []
    for text in lines:
        x = (XS[0] + XS[1]) / 2 - len(text) * CHAR / 2
        out += [Glyph(ch, Box(x + i * CHAR, y, x + (i + 1) * CHAR, y + CHAR), CHAR) for i, ch in enumerate(text)]
        y += PITCH
    return out


def _page(rules_across_label: set[float], row_rules: tuple[float, ...] = (130.0, 160.0, 190.0, 220.0),
          second_top: float = 160.0) -> PageContent:
    """The table: every row rule runs from the label column's edge to the right; only the rules in
    `rules_across_label` cross the label column too."""
    segments = [Segment(XS[0], YS[0], XS[-1], YS[0]), Segment(XS[0], YS[-1], XS[-1], YS[-1])]
    segments += [Segment(x, YS[0], x, YS[-1]) for x in XS]
    segments += [Segment(XS[0] if y in rules_across_label else XS[1], y, XS[-1], y) for y in row_rules]
    glyphs = _label(FIRST, YS[0], second_top) + _label(SECOND, second_top, YS[-1])
    return PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")


def _label_cells(content: PageContent) -> list[tuple[str, float, float]]:
    tables, _ = page_tables(content, OCR_GRID)
    return sorted((c.text.replace("\n", ""), c.box.y0, c.box.y1) for t in tables for c in t.cells
                  if c.box.x1 <= XS[1] + 1 and c.text)


def test_the_label_cell_is_split_where_the_rule_was_lost():
    whole = _page({YS[2]})
    assert _label_cells(whole) == [("其他需完成的任务（可选填）", YS[0], YS[2]), ("绩效指标", YS[2], YS[-1])]
    broken = _page(set())
    tables, lines = page_tables(broken, OCR_GRID)
    assert not check_grid(tables, lines).ok  # the two labels share one cell
    splits = label_splits(broken, tables, s=OCR_GRID)
    # of the rules ending on the cell's edge between the labels (160, 190), the one a centred
    # first label puts its cell's bottom on
    assert [(s.x0, s.y0, s.x1, s.y1) for s in splits] == [(XS[0], YS[2], XS[1], YS[2])]
    mended = PageContent(1, 595.0, 842.0, broken.glyphs, broken.segments + tuple(splits), "ocr")
    assert _label_cells(mended) == _label_cells(whole)
    assert check_grid(*page_tables(mended, OCR_GRID)).ok


def test_the_second_label_s_middle_chooses_when_the_first_is_not_centred():
    # the first label's cell is rows 0-2 (to 190) but its text is set high; the second, centred
    # in 190-250, puts its cell's top on the rule at 190
    broken = _page(set(), second_top=190.0)
    glyphs = [g if g.text not in "".join(FIRST) else Glyph(g.text, Box(g.box.x0, g.box.y0 - 5, g.box.x1, g.box.y1 - 5), g.size)
              for g in broken.glyphs]
    broken = PageContent(1, 595.0, 842.0, tuple(glyphs), broken.segments, "ocr")
    tables, _ = page_tables(broken, OCR_GRID)
    assert [s.y0 for s in label_splits(broken, tables, s=OCR_GRID)] == [YS[3]]


@pytest.mark.parametrize("row_rules, why", [
    ((130.0, 220.0), "no rule ends on the cell's edge between the labels"),
    ((130.0, 205.0, 220.0), "the one rule there runs through the second label's line"),
])
def test_no_split_without_a_rule_between_the_labels(row_rules, why):
    broken = _page(set(), row_rules=row_rules)
    tables, _ = page_tables(broken, OCR_GRID)
    assert label_splits(broken, tables, s=OCR_GRID) == [], why


def test_a_long_text_naming_two_labels_is_not_split():
    # a goal's text may quote labels (财政拨款, 项目支出); only a short cell holding two is a fault
    words = ["其他需完成的任务（可选填）", "按照年度计划推进各项工作，", "确保绩效指标全部完成"]
    glyphs = []
    for k, text in enumerate(words):
        glyphs += [Glyph(ch, Box(110 + i * 8, 105 + 40 * k, 118 + i * 8, 113 + 40 * k), 8) for i, ch in enumerate(text)]
    segments = [Segment(XS[1], YS[0], XS[-1], YS[0]), Segment(XS[1], YS[-1], XS[-1], YS[-1]),
                Segment(XS[1], YS[0], XS[1], YS[-1]), Segment(XS[-1], YS[0], XS[-1], YS[-1]),
                Segment(XS[-1], 130.0, 450.0, 130.0)]
    content = PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")
    tables, _ = page_tables(content, OCR_GRID)
    assert label_splits(content, tables, s=OCR_GRID) == []


def _header_page(stub_x: float) -> PageContent:
    """A task header cell (200-400 pt) whose column rule was lost but for a 16-pt stub standing
    on its bottom edge; its text read as two lines run across both headers."""
    top, bottom = 300.0, 336.0
    segments = [Segment(100.0, top, 500.0, top), Segment(100.0, bottom, 500.0, bottom)]
    segments += [Segment(x, top, x, bottom) for x in (100.0, 200.0, 400.0, 500.0)]
    segments += [Segment(stub_x, bottom - 16.0, stub_x, bottom)]
    glyphs = (Glyph("拟投入的资金期望达到的目标", Box(200.0, 304.0, 395.0, 314.0), 10.0, 0.9),
              Glyph("（万元）（概述）", Box(230.0, 318.0, 350.0, 328.0), 10.0, 0.9))
    return PageContent(1, 595.0, 842.0, glyphs, tuple(segments), "ocr")


@pytest.mark.parametrize("stub_x, split", [
    (290.0, True),  # 拟投入的资金 | 期望达到的目标, （万元） | （概述）
    (320.0, False),  # 拟投入的资金期望 | 达到的目标: no label either side
])
def test_a_header_cell_is_split_where_a_column_rule_cuts_it_into_two_labels(stub_x, split):
    page = _header_page(stub_x)
    tables, lines = page_tables(page, OCR_GRID)
    assert check_grid(tables, lines).ok  # the check cannot see it: neither label is whole
    got = label_splits(page, tables, s=OCR_GRID, rows=False)
    assert [(s.x0, s.y0, s.x1, s.y1) for s in got] == ([(stub_x, 300.0, stub_x, 336.0)] if split else [])


@pytest.mark.parametrize("label_rows, row_after, split_at", [
    ((YS[4], YS[5]), True, YS[4]),  # set in the middle of the last row: its cell took in the rows above
    ((YS[0], YS[5]), True, None),  # in the middle of its cell: as printed
    # low in a cell that reaches the table's foot: merged over rows that go on to the next page
    ((YS[4], YS[5]), False, None),
])
def test_a_label_far_off_its_cell_s_middle_is_split_off(label_rows, row_after, split_at):
    bottom = YS[-1] + 30.0 if row_after else YS[-1]
    segments = [Segment(XS[0], YS[0], XS[-1], YS[0]), Segment(XS[0], YS[-1], XS[-1], YS[-1]),
                Segment(XS[0], bottom, XS[-1], bottom)]
    segments += [Segment(x, YS[0], x, bottom) for x in XS]
    segments += [Segment(XS[1], y, XS[-1], y) for y in YS[1:-1]]  # the rows' rules end on its edge
    page = PageContent(1, 595.0, 842.0, tuple(_label(SECOND, *label_rows)), tuple(segments), "ocr")
    tables, _ = page_tables(page, OCR_GRID)
    got = label_splits(page, tables, s=OCR_GRID, rows=False)
    assert [s.y0 for s in got] == ([split_at] if split_at else [])


def _budget_row_page(text: str, box: Box) -> PageContent:
    """Two budget rows (y 400-420, 420-440) over four columns at 100/180/260/340/500 pt; the row
    below lost its column rule at 260 pt, so its amount cell and the next label are one cell.
    The rule at 260 stands in the row above, ending on the merged cell's top edge."""
    xs, top, mid, bottom = (100.0, 180.0, 260.0, 340.0, 500.0), 400.0, 420.0, 440.0
    segments = [Segment(xs[0], y, xs[-1], y) for y in (top, mid, bottom)]
    segments += [Segment(x, top, x, bottom) for x in xs if x != 260.0] + [Segment(260.0, top, 260.0, mid)]
    glyphs = (Glyph("基本支出", Box(104.0, 405.0, 144.0, 415.0), 10.0, 0.99),
              Glyph("2,304", Box(225.0, 405.0, 256.0, 415.0), 10.0, 0.99),
              Glyph("财政拨款", Box(264.0, 405.0, 304.0, 415.0), 10.0, 0.99),
              Glyph("项目支出", Box(104.0, 425.0, 144.0, 435.0), 10.0, 0.99),
              Glyph(text, box, 10.0, 0.99))
    return PageContent(1, 595.0, 842.0, glyphs, tuple(segments), "ocr")


@pytest.mark.parametrize("text, box, split", [
    # right-aligned amount against the lost rule, the label set after the rule's padding:
    # shared out by width (digits half an em), the 0 falls left of 260 and 其 right of it
    ("6,620其他资金", Box(232.0, 425.0, 306.0, 435.0), True),
    ("6,620", Box(232.0, 425.0, 257.0, 435.0), False),  # nothing past the rule: no split asked
    ("6,620其他说明", Box(232.0, 425.0, 306.0, 435.0), False),  # no label on the right
    ("6,6a0其他资金", Box(232.0, 425.0, 306.0, 435.0), False),  # no number on the left
])
def test_an_amount_and_the_label_beside_it_are_split_where_the_column_rule_was_lost(text, box, split):
    page = _budget_row_page(text, box)
    tables, _ = page_tables(page, OCR_GRID)
    got = label_splits(page, tables, s=OCR_GRID, rows=False)
    assert [(s.x0, s.y0, s.x1, s.y1) for s in got] == ([(260.0, 420.0, 260.0, 440.0)] if split else [])


# An indicator block's header and first rows: 绩效指标 | 一级指标 | 二级指标 | 三级指标 | targets.
# Truth: the drawn table. The level1 column's cell (100-200 pt) is merged from the header row
# down over the rows of 产出指标, because the header's rule was lost across that column.
LX = [50.0, 100.0, 200.0, 300.0, 400.0]
HEADER_BOTTOM = 130.0
BODY = [130.0, 160.0, 190.0, 220.0]


def _centred(text: str, x0: float, x1: float, y0: float, y1: float) -> list[Glyph]:
    x, y = (x0 + x1) / 2 - len(text) * CHAR / 2, (y0 + y1) / 2 - CHAR / 2
    return [Glyph(ch, Box(x + i * CHAR, y, x + (i + 1) * CHAR, y + CHAR), CHAR) for i, ch in enumerate(text)]


def _indicator_page(header_rule_from: float | None) -> PageContent:
    """The header's bottom rule runs from x = `header_rule_from` to the right (None: lost)."""
    top, bottom = 100.0, BODY[-1]
    segments = [Segment(LX[0], top, LX[-1], top), Segment(LX[0], bottom, LX[-1], bottom)]
    segments += [Segment(x, top, x, bottom) for x in LX]
    segments += [Segment(LX[2], y, LX[-1], y) for y in BODY[1:-1]]  # the rows of 三级指标
    if header_rule_from is not None:
        segments.append(Segment(header_rule_from, HEADER_BOTTOM, LX[-1], HEADER_BOTTOM))
    glyphs = _centred("一级指标", LX[1], LX[2], top, HEADER_BOTTOM) + _centred("二级指标", LX[2], LX[3], top, HEADER_BOTTOM)
    glyphs += _centred("三级指标", LX[3], LX[4], top, HEADER_BOTTOM)
    glyphs += _centred("产出指标", LX[1], LX[2], HEADER_BOTTOM, bottom)
    for y0, y1 in zip(BODY, BODY[1:]):
        glyphs += _centred("数量指标", LX[2], LX[3], y0, y1) + _centred("培训人次", LX[3], LX[4], y0, y1)
    return PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")


@pytest.mark.parametrize("rule_from, split_at", [
    (LX[2], HEADER_BOTTOM),  # the header's rule ends on the cell's edge
    (150.0, HEADER_BOTTOM),  # ... or runs half into it: lost over the rest of the shaded column
    (LX[1] + 2.0, None),  # it crosses the cell: the grid has split it already
    (None, None),  # lost altogether: the rules of the rows below (160, 190) are not where it was
])
def test_a_header_over_a_columns_value_is_split_on_its_rule(rule_from, split_at):
    page = _indicator_page(rule_from)
    tables, _ = page_tables(page, OCR_GRID)
    merged = [c for t in tables for c in t.cells if c.box.x0 == LX[1] and "产出指标" in c.text]
    splits = label_splits(page, tables, s=OCR_GRID, rows=False)
    if split_at is None:
        assert splits == []
        return
    assert merged and merged[0].text.replace("\n", "") == "一级指标产出指标"
    assert [(s.x0, s.y0, s.x1, s.y1) for s in splits] == [(LX[1], split_at, LX[2], split_at)]
    mended = PageContent(1, 595.0, 842.0, page.glyphs, page.segments + tuple(splits), "ocr")
    cells = {c.text for t in page_tables(mended, OCR_GRID)[0] for c in t.cells}
    assert {"一级指标", "产出指标"} <= cells
    assert label_splits(page, tables, s=OCR_GRID, rows=False, values=False) == []  # values are what split it


def test_two_values_of_a_closed_list_in_one_cell_are_split():
    """社会效益指标 over 可持续影响指标 in one level2 cell: the rule between them came 40 pt
    into the cell from its right edge and was lost over the rest."""
    top, bottom = 100.0, 190.0
    rows = [100.0, 130.0, 160.0, 190.0]
    segments = [Segment(LX[1], top, LX[-1], top), Segment(LX[1], bottom, LX[-1], bottom)]
    segments += [Segment(x, top, x, bottom) for x in LX[1:]]
    segments += [Segment(LX[3], 130.0, LX[-1], 130.0), Segment(260.0, 160.0, LX[-1], 160.0)]
    glyphs = _centred("效益指标", LX[1], LX[2], top, bottom)
    glyphs += _centred("社会效益指标", LX[2], LX[3], 100.0, 160.0) + _centred("可持续影响指标", LX[2], LX[3], 160.0, 190.0)
    for y0, y1 in zip(rows, rows[1:]):
        glyphs += _centred("知晓率", LX[3], LX[4], y0, y1)
    page = PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")
    tables, _ = page_tables(page, OCR_GRID)
    splits = label_splits(page, tables, s=OCR_GRID, rows=False)
    assert [(s.x0, s.y0, s.x1, s.y1) for s in splits] == [(LX[2], 160.0, LX[3], 160.0)]


def test_two_labels_are_not_split_on_a_rule_that_runs_into_their_cell():
    """Only a value split takes a rule that comes into the cell and stops inside it: for two
    labels the rule must end on the cell's edge (a phone photo's broken budget grid passed the
    check once such a rule split it, and its block was lost)."""
    page = _page(set(), row_rules=(130.0, 190.0, 220.0))  # no rule at 160 ...
    into = Segment(XS[0] + 20.0, YS[2], XS[-1], YS[2])  # ... but one from 20 pt inside the label cell
    page = PageContent(1, 595.0, 842.0, page.glyphs, page.segments + (into,), "ocr")
    tables, _ = page_tables(page, OCR_GRID)
    assert [s.y0 for s in label_splits(page, tables, s=OCR_GRID)] == [YS[3]]  # the edge's rule at 190, as before


def _name_header_page(stub_x: float, text: str = "名称主要实施内容") -> PageContent:
    """A task header cell (100-400 pt) over 名称 and 主要实施内容, their column rule lost but for a
    16-pt stub standing on the cell's top edge; the two headers read as one line (20 pt a hanzi)."""
    top, bottom = 300.0, 336.0
    segments = [Segment(100.0, top, 500.0, top), Segment(100.0, bottom, 500.0, bottom)]
    segments += [Segment(x, top, x, bottom) for x in (100.0, 400.0, 500.0)]
    segments += [Segment(stub_x, top, stub_x, top + 16.0)]
    width = sum(10.0 if ord(ch) < 0x2E80 else 20.0 for ch in text)
    glyphs = (Glyph(text, Box(120.0, 312.0, 120.0 + width, 324.0), 12.0, 0.9),)
    return PageContent(1, 595.0, 842.0, glyphs, tuple(segments), "ocr")


@pytest.mark.parametrize("stub_x, text, split", [
    (165.0, "名称主要实施内容", True),  # 名称 | 主要实施内容: a two-character header read exactly, beside a label
    (185.0, "名称主要实施内容", False),  # 名称主 | 要实施内容: neither side a label
    (165.0, "名称6,620", False),  # a short header beside a number is no evidence of a cell
])
def test_a_short_header_beside_a_label_is_split_off(stub_x, text, split):
    page = _name_header_page(stub_x, text)
    tables, lines = page_tables(page, OCR_GRID)
    assert check_grid(tables, lines).ok  # the check sees one label in the cell at most
    got = label_splits(page, tables, s=OCR_GRID, rows=False)
    assert [(s.x0, s.y0, s.x1, s.y1) for s in got] == ([(stub_x, 300.0, stub_x, 336.0)] if split else [])


HX = [100.0, 200.0, 350.0, 450.0]  # 名称 | 主要实施内容 | 拟投入的资金（万元）
HEAD_TOP, HEAD_BOTTOM, ROW_BOTTOM = 300.0, 340.0, 420.0


def _task_page(rule_from: float | None, under: list[str]) -> PageContent:
    """A task block's header row over one task; the rule under the header row runs from
    `rule_from` to the right edge (None: lost everywhere), so the first column's cell holds 名称
    over the lines `under`."""
    segments = [Segment(HX[0], HEAD_TOP, HX[-1], HEAD_TOP), Segment(HX[0], ROW_BOTTOM, HX[-1], ROW_BOTTOM)]
    segments += [Segment(x, HEAD_TOP, x, ROW_BOTTOM) for x in HX]
    if rule_from is not None:
        segments.append(Segment(rule_from, HEAD_BOTTOM, HX[-1], HEAD_BOTTOM))
    glyphs = (_centred("名称", HX[0], HX[1], HEAD_TOP, HEAD_BOTTOM) + _centred("主要实施内容", HX[1], HX[2], HEAD_TOP, HEAD_BOTTOM)
              + _centred("拟投入的资金", HX[2], HX[3], HEAD_TOP, HEAD_BOTTOM))
    y = (HEAD_BOTTOM + ROW_BOTTOM) / 2 - 6.0 * len(under)
    for text in under:
        glyphs += _centred(text, HX[0], HX[1], y, y + 12.0)
        y += 12.0
    glyphs += _centred("推进智慧校园建设", HX[1], HX[2], HEAD_BOTTOM, ROW_BOTTOM)
    glyphs += _centred("6584.10", HX[2], HX[3], HEAD_BOTTOM, ROW_BOTTOM)
    return PageContent(1, 595.0, 842.0, tuple(glyphs), tuple(segments), "ocr")


@pytest.mark.parametrize("rule_from, under, split", [
    (HX[1], ["博物馆免费开放", "计划"], True),  # the header row's rule ends on the cell's edge
    (HX[0] + 30.0, ["博物馆免费开放", "计划"], True),  # ... or runs 70 pt into it, lost over the rest
    (None, ["博物馆免费开放", "计划"], False),  # lost altogether: no evidence where the cell ends
    (HX[1], ["三级指标"], False),  # a label under the header: two labels, not this split's case
    (HX[1], [], False),  # the header alone
])
def test_a_header_over_a_row_s_text_is_split_on_the_header_row_s_rule(rule_from, under, split):
    page = _task_page(rule_from, under)
    tables, _ = page_tables(page, OCR_GRID)
    got = label_splits(page, tables, s=OCR_GRID, rows=False)
    if not split:
        assert [s for s in got if s.x0 == HX[0]] == []
        return
    assert [(s.x0, s.y0, s.x1, s.y1) for s in got] == [(HX[0], HEAD_BOTTOM, HX[1], HEAD_BOTTOM)]
    mended = PageContent(1, 595.0, 842.0, page.glyphs, page.segments + tuple(got), "ocr")
    cells = {c.text.replace("\n", "") for t in page_tables(mended, OCR_GRID)[0] for c in t.cells}
    assert {"名称", "博物馆免费开放计划", "6584.10"} <= cells
    assert label_splits(page, tables, s=OCR_GRID, rows=False, headers=False) == []  # headers are what split it
