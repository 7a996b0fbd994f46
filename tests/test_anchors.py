"""The anchors reading (extract/anchors.py) and the grid check that calls it (extract/gridcheck.py).

Truth comes from what the tests draw: a department form drawn with its ruling, the ruling then
painted white (the line mask of corpus.realism), and a fake engine whose full-page reading is
the drawn texts at their drawn places. The slow test does the same with rapidocr on a committed
office form (LibreOffice export) against its generator's truth.
"""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pageimage import FONT, DrawnCell, draw_table
from PIL import Image, ImageDraw, ImageFont

from corpus.realism import rule_masks
from formpipe.extract.anchor_pieces import Piece, split_piece, stack
from formpipe.extract.anchors import AnchorContext, _spans, read_by_anchors
from formpipe.extract.gridcheck import check_grid, vocabulary
from formpipe.extract.mapping import map_form
from formpipe.extract.model import Box, Cell, Extraction, Table, TextLine
from formpipe.extract.ocr.base import TextRun
from formpipe.extract.ocr.fake import FakeEngine
from formpipe.extract.raster import PageImage
from formpipe.extract.scanned import _Clock, read_tables
from formpipe.extract.template import load_template
from formpipe.normalize.rows import LOW_CONFIDENCE

ROOT = Path(__file__).resolve().parent.parent
DPI = 200
FONT_PT = 9.0
GOAL = "完善社会救助体系，提高救助水平"
FORM = [
    DrawnCell(0, 0, 1, 1, "部门名称"), DrawnCell(0, 1, 1, 4, "某某市民政局"),
    DrawnCell(1, 0, 3, 1, "预算整体情况"), DrawnCell(1, 1, 1, 1, "部门预算支出"), DrawnCell(1, 2, 1, 1, "预算金额（万元）"),
    DrawnCell(1, 3, 1, 1, "收入来源"), DrawnCell(1, 4, 1, 1, "预算金额（万元）"),
    DrawnCell(2, 1, 1, 1, "基本支出"), DrawnCell(2, 2, 1, 1, "44,770.21"),
    DrawnCell(2, 3, 1, 1, "财政拨款"), DrawnCell(2, 4, 1, 1, "46,004.21"),
    DrawnCell(3, 1, 1, 1, "项目支出"), DrawnCell(3, 2, 1, 1, "1,234.00"),
    DrawnCell(3, 3, 1, 1, "其他资金"), DrawnCell(3, 4, 1, 1, "0.00"),
    DrawnCell(4, 0, 1, 1, "总体绩效目标"), DrawnCell(4, 1, 1, 4, GOAL),
    DrawnCell(5, 0, 4, 1, "绩效指标"), DrawnCell(5, 1, 1, 1, "一级指标"), DrawnCell(5, 2, 1, 1, "二级指标"),
    DrawnCell(5, 3, 1, 1, "三级指标"), DrawnCell(5, 4, 1, 1, "指标值"),
    DrawnCell(6, 1, 3, 1, "产出指标"), DrawnCell(6, 2, 2, 1, "数量指标"), DrawnCell(6, 3, 1, 1, "救助人数"),
    DrawnCell(6, 4, 1, 1, "≥100人"),
    DrawnCell(7, 3, 1, 1, "培训场次"), DrawnCell(7, 4, 1, 1, "12场"),
    DrawnCell(8, 2, 1, 1, "质量指标"), DrawnCell(8, 3, 1, 1, "救助合格率"), DrawnCell(8, 4, 1, 1, "≥95%"),
]
COLS = [80.0, 90.0, 90.0, 100.0, 90.0]
ROWS = [22.0] * 9
ORIGIN = (30.0, 60.0)
PAGE = (520.0, 330.0)
TITLE = "2024年部门整体预算绩效目标申报表"
# what the form says, written out by hand
BUDGET = {("部门预算支出", "基本支出"): "44,770.21", ("部门预算支出", "项目支出"): "1,234.00",
          ("收入来源", "财政拨款"): "46,004.21", ("收入来源", "其他资金"): "0.00"}
INDICATORS = [("产出指标", "数量指标", "救助人数", "≥100人"), ("产出指标", "数量指标", "培训场次", "12场"),
              ("产出指标", "质量指标", "救助合格率", "≥95%")]


def drawn_runs(cells=FORM, dpi=DPI) -> list[TextRun]:
    """Where draw_table put each text, in pixels: what a perfect full-page reading returns."""
    k = dpi / 72
    font = ImageFont.truetype(FONT, int(FONT_PT * k))
    d = ImageDraw.Draw(Image.new("RGB", (8, 8)))
    xs = np.cumsum([ORIGIN[0], *COLS])
    ys = np.cumsum([ORIGIN[1], *ROWS])
    runs = []
    for c in cells:
        x0, x1 = xs[c.col], xs[c.col + c.colspan]
        y0, y1 = ys[c.row], ys[c.row + c.rowspan]
        tw = d.textlength(c.text, font=font)
        left, top = (x0 + x1) / 2 * k - tw / 2, (y0 + y1) / 2 * k - FONT_PT * k / 2
        runs.append(TextRun(c.text, (left, top, left + tw, top + FONT_PT * k * 1.15), 0.99))
    tw = d.textlength(TITLE, font=font)
    runs.append(TextRun(TITLE, (PAGE[0] * k / 2 - tw / 2, (ORIGIN[1] - 30) * k, PAGE[0] * k / 2 + tw / 2,
                                (ORIGIN[1] - 30 + FONT_PT * 1.15) * k), 0.99))
    return runs


def erased_page(ruled: bool = False) -> np.ndarray:
    rgb, _ = draw_table(FORM, COLS, ROWS, dpi=DPI, page_pt=PAGE, origin_pt=ORIGIN, font_pt=FONT_PT, title=TITLE)
    if not ruled:
        horiz, vert = rule_masks(rgb)
        rgb = rgb.copy()
        rgb[horiz | vert] = 255  # the ruling painted white: the scan lost it
    return rgb


def anchored_form(runs=None):
    engine = FakeEngine(lambda crop: "部门名称", regions=lambda image: runs or drawn_runs())
    img = PageImage(1, erased_page(), DPI)
    content, (tables, lines) = read_tables(img, engine, _Clock(None))
    ex = Extraction(pages=1, tables=[replace(t, table_no=i) for i, t in enumerate(tables, 1)], lines=lines, method="ocr")
    return engine, ex, map_form(ex, load_template("department_overall"))


def test_erased_ruling_is_read_by_anchors_and_mapped_right():
    engine, ex, form = anchored_form()
    assert engine.calls["read_region"] == 1
    assert ex.tables and all(c.located_by == "anchors" for t in ex.tables for c in t.cells)
    assert form.fields["department"].text == "某某市民政局"
    assert form.fields["overall_goal"].text == GOAL
    assert {(b.section, b.item): b.amount.text for b in form.budget} == BUDGET
    got = [tuple(r.get(k).text for k in ("level1", "level2", "level3", "annual_target")) for r in form.indicators]
    assert got == INDICATORS
    assert TITLE in [ln.text for ln in ex.lines]


def test_anchored_amounts_go_to_review():
    """A value placed by geometry is never passed silently: every amount is under the threshold."""
    _, _, form = anchored_form()
    assert form.budget and all(b.amount.confidence < LOW_CONFIDENCE for b in form.budget)
    # a clean non-numeric text placed without a guess keeps its confidence
    assert form.fields["department"].confidence >= LOW_CONFIDENCE


def test_a_page_with_its_ruling_is_read_by_the_grid():
    engine = FakeEngine(lambda crop: "", regions=lambda image: drawn_runs())
    _, (tables, _) = read_tables(PageImage(1, erased_page(ruled=True), DPI), engine, _Clock(None))
    assert tables and engine.calls["read_region"] == 0
    assert all(c.located_by == "grid" for t in tables for c in t.cells)


def test_label_and_value_in_one_detected_box_are_split():
    vocab = vocabulary()
    for text, want in [("下属二级单位数22", ["下属二级单位数", "22"]),
                       ("105488.53其他资金", ["105488.53", "其他资金"]),
                       ("49,573.93 提升服务质量", ["49,573.93", "提升服务质量"]),
                       ("总体绩效目标落地见效，加快构建", ["总体绩效目标", "落地见效，加快构建"]),
                       ("28,887.78更加健全，在家庭医生", ["28,887.78", "更加健全，在家庭医生"]),  # no space between
                       ("提升服务质量49,573.93", ["提升服务质量", "49,573.93"]),
                       ("2019年，我委将推进", ["2019年，我委将推进"]),  # a year is no amount
                       ("12.50万人次", ["12.50万人次"]),  # an amount with its unit is one text
                       ("财政拨款执行率", ["财政拨款执行率"]),  # an indicator name, not an item and a value
                       ("预算金额（万元）", ["预算金额（万元）"]),
                       # two header cells over a lost rule, one a wrapped header's middle line
                       ("入的资金（万元期望达到的目标（概述）", ["入的资金（万元", "期望达到的目标（概述）"]),
                       ("名称主要实施内容", ["名称", "主要实施内容"]),
                       ("期望达到的目标（概", ["期望达到的目标（概"]),  # one header cut by its wrap
                       # a text that quotes a header is no header's piece
                       ("提升服务质量期望达到的目标（概述）", ["提升服务质量期望达到的目标（概述）"])]:
        parts = split_piece(Piece(text, 0.0, 0.0, 100.0, 10.0, 1.0), vocab)
        assert [p.text for p in parts] == want, text
        assert all(a.x1 <= b.x0 + 1e-6 for a, b in zip(parts, parts[1:]))


def test_a_number_under_a_whole_label_is_the_next_rows_value():
    """Rows set tight (1.4 pt apart on a photo): a header's two lines stack, the amount under
    them does not; a label's lines that are no label alone still stack."""
    vocab = vocabulary()
    pieces = [Piece("预算金", 0, 0, 30, 10, 0.9), Piece("额（万元）", 0, 10.5, 40, 20.5, 0.9),
              Piece("94,357.27", 2, 21.5, 40, 31.5, 0.9),
              Piece("部门预算", 60, 0, 100, 10, 0.9), Piece("支出", 70, 10.5, 90, 20.5, 0.9)]
    for p in pieces:
        p.key = vocab.match(p.text)
    got = sorted(p.text for p in stack(pieces, 10.0, vocab))
    assert got == sorted(["预算金\n额（万元）", "94,357.27", "部门预算\n支出"])


@pytest.mark.parametrize("upper, lower, stacked", [
    (("部门预算", 100, 140), ("支出", 110, 130), True),  # a centred label wrapped
    (("其他事业发展性支", 100, 180), ("出", 100, 110), True),  # a left-aligned one
    (("填报单位（盖章）：某某局", 55, 158), ("某某局", 102, 146), False),  # a note over a cell's value
    (("某某局", 102, 146), ("部门名称", 102, 140), False),  # a label starts its own cell
    (("22", 102, 114), ("预算金额（万元）", 102, 150), False),  # ... under a number too
    (("预算金", 100, 130), ("额（万元）", 96, 136), True),  # ... unless it ends a wrapped label
])
def test_lines_of_one_cell_stack_and_rows_set_tight_do_not(upper, lower, stacked):
    """Rows 0.2 pt apart on a 200-dpi scan: only lines aligned alike, with no label starting
    below, are one cell's lines."""
    vocab = vocabulary()
    (ta, a0, a1), (tb, b0, b1) = upper, lower
    pieces = [Piece(ta, a0, 0, a1, 10, 0.9), Piece(tb, b0, 10.2, b1, 20.2, 0.9)]
    for p in pieces:
        p.key = vocab.match(p.text)
    assert (len(stack(pieces, 10.0, vocab)) == 1) is stacked


def test_a_field_label_spans_its_own_row_under_a_block_label_set_high():
    """A block's label printed above its merged cell's middle: the rows under it stay the
    block's, and the goal's label below takes only its own row (centred spans gave it the
    block's last row, and the goal came out blank)."""
    runs = drawn_runs()
    k = DPI / 72
    runs = [TextRun(r.text, (r.box[0], r.box[1] - 14 * k, r.box[2], r.box[3] - 14 * k), r.confidence)
            if r.text == "预算整体情况" else r for r in runs]
    engine, ex, form = anchored_form(runs)
    assert form.fields["overall_goal"].text == GOAL
    assert {(b.section, b.item): b.amount.text for b in form.budget} == BUDGET


# -- the grid check ----------------------------------------------------------------


def _cell(row, col, text, x0, x1, y0=0.0, y1=20.0, colspan=1):
    return Cell(1, row, col, 1, colspan, text, Box(x0, y0 + 20 * row, x1, y1 + 20 * row), 0.99, "ocr")


def _table(*cells, n_rows=None):
    return Table(1, list(cells), n_rows or max(c.row for c in cells) + 1, max(c.last_col for c in cells) + 1, (1,))


def _line(text, x0, y0, x1, y1):
    return TextLine(1, text, Box(x0, y0, x1, y1), y1 - y0, 0.99)


GOOD = _table(_cell(0, 0, "部门名称", 0, 80), _cell(0, 1, "某某市民政局", 80, 300),
              _cell(1, 0, "基本支出", 0, 80), _cell(1, 1, "44,770.21", 80, 300),
              _cell(2, 0, "总体绩效目标", 0, 80), _cell(2, 1, "推进财政拨款和项目支出的绩效管理，提高资金使用效益，落实各项任务", 80, 300))


@pytest.mark.parametrize("tables, lines, ok", [
    ([GOOD], [_line(TITLE, 100, -30, 300, -20)], True),  # a title outside the table is no lost cell
    ([], [], True),  # a blank page
    # the ruling lost: every label outside any cell
    ([], [_line("部门名称", 0, 0, 40, 10), _line("基本支出", 0, 20, 40, 30), _line("总体绩效目标", 0, 40, 60, 50)], False),
    # prose on a disclosure's text page names labels in long lines: no cell lost there
    ([], [_line("本部门2024年财政拨款收入主要用于基本支出和项目支出，其他资金按规定使用。", 0, 20 * i, 400, 20 * i + 10)
          for i in range(3)], True),
    # a lost vertical rule: one cell holds two labels
    ([_table(_cell(0, 0, "部门名称某某局下属二级单位数", 0, 300))], [], False),
    # a value printed over a lost rule: blank value cell, the text beside it outside the cells
    ([_table(_cell(0, 0, "基本支出", 0, 80), _cell(0, 1, "", 80, 300))], [_line("44,770.21", 120, 4, 180, 16)], False),
    ([_table(_cell(0, 0, "基本支出", 0, 80), _cell(0, 1, "", 80, 300))], [_line("第1页", 120, 200, 180, 210)], True),
    # a header row with nothing under it in its table, its columns' texts outside
    ([_table(_cell(0, 0, "一级指标", 0, 80), _cell(0, 1, "二级指标", 80, 160))],
     [_line("产出指标", 10, 24, 60, 34), _line("数量指标", 90, 24, 140, 34)], False),
    # ... but one line under one column is a note written below the table (附件另附)
    ([_table(_cell(0, 0, "一级指标", 0, 80), _cell(0, 1, "二级指标", 80, 160))], [_line("附件另附", 10, 30, 60, 40)], True),
    # an amount glued to the item label of the next cell: the rule between them lost
    ([_table(_cell(0, 0, "项目支出", 0, 80), _cell(0, 1, "93488.22其他资金", 80, 200), _cell(0, 2, "", 200, 300))], [], False),
    ([_table(_cell(0, 0, "项目支出", 0, 80), _cell(0, 1, "93488.22", 80, 140), _cell(0, 2, "其他资金", 140, 200))], [], True),
    # a label cell whose box runs round the cells beside it (its edge lost): text read twice
    ([_table(_cell(0, 0, "预算整体情况", 0, 200, y1=60.0), _cell(0, 1, "基本支出", 80, 140), _cell(0, 2, "预算金额（万元）", 200, 300))],
     [], False),
    # ... and notes under two columns well below the header, not a row's lines (请复核, 核对无误)
    ([_table(_cell(0, 0, "一级指标", 0, 80, y1=38.0), _cell(0, 1, "二级指标", 80, 160, y1=38.0))],
     [_line("请复核", 10, 100, 60, 116), _line("核对无误", 90, 84, 140, 100)], True),
])
def test_grid_check(tables, lines, ok):
    verdict = check_grid(tables, lines)
    assert verdict.ok is ok, verdict.reason
    assert ok or verdict.reason


# -- merged cells: spans -----------------------------------------------------------


@given(st.lists(st.integers(8, 30), min_size=2, max_size=12), st.data())
def test_merged_spans_partition_the_rows_and_hold_their_text(heights, data):
    """Each merged text's span holds its own row, spans do not overlap, and they keep order."""
    tops = np.cumsum([0, *heights[:-1]]).tolist()
    bands = [(float(t), float(t + h - 2)) for t, h in zip(tops, heights)]
    rows = sorted(data.draw(st.sets(st.integers(0, len(bands) - 1), min_size=1, max_size=len(bands))))
    centres = [((bands[r][0] + bands[r][1]) / 2, r) for r in rows]
    spans = _spans(centres, bands, 0, len(bands) - 1)
    for (_, r), (a, b) in zip(centres, spans):
        assert a <= r <= b
    assert all(b0 < a1 for (_, b0), (a1, _) in zip(spans, spans[1:]))


def test_continuation_page_keeps_the_columns_of_the_page_before():
    """Page 2 of an anchors-read form has no header row: its rows go in page 1's columns."""
    context = AnchorContext()
    runs = drawn_runs()
    read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: runs), context)
    assert context.carry is not None
    more = [DrawnCell(0, 3, 1, 1, "救助及时率"), DrawnCell(0, 4, 1, 1, "≥90%")]
    tables, _ = read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 2, FakeEngine(None, regions=lambda im: drawn_runs(more)),
                                context)
    texts = {c.text: c for c in tables[0].cells}
    level3, target = texts["救助及时率"], texts["≥90%"]
    assert level3.row == target.row and level3.col < target.col
    assert abs(level3.box.x0 - next(c for c in _first_table(runs).cells if c.text == "三级指标").box.x0) < 1.0


def _first_table(runs):
    tables, _ = read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: runs))
    return tables[0]


# -- the real engine -------------------------------------------------------------


@pytest.mark.slow
def test_rapidocr_reads_an_office_form_with_its_ruling_erased():
    """A LibreOffice-made form (corpus/office), page 1 rendered, its ruling painted white, read by
    rapidocr: the grid finds nothing, the anchors reading gets the department and every amount."""
    import pypdfium2 as pdfium

    from formpipe.extract.ocr import get_engine
    pdf = pdfium.PdfDocument(str(ROOT / "corpus/office/pdf/office-c103.pdf"))
    rgb = np.asarray(pdf[0].render(scale=DPI / 72).to_pil().convert("RGB")).copy()
    horiz, vert = rule_masks(rgb)
    rgb[horiz | vert] = 255
    truth = json.loads((ROOT / "corpus/office/truth/office-c103.json").read_text(encoding="utf-8"))
    content, (tables, lines) = read_tables(PageImage(1, rgb, DPI), get_engine("rapidocr"), _Clock(None))
    assert tables and all(c.located_by == "anchors" for c in tables[0].cells)
    form = map_form(Extraction(1, [replace(tables[0], table_no=1)], lines, method="ocr"), load_template("department_overall"))
    assert form.fields["department"].text == truth["department"]
    got = {(b.section, b.item): b.amount.text.replace(",", "").strip() for b in form.budget}
    want = {(b["section"], b["item"]): b["amount_wan"] for b in truth["budget_items"] if b.get("amount_wan")}
    assert want and {k: got.get(k, "").replace(" ", "") for k in want} == want


def test_a_page_of_prose_after_an_anchored_form_carries_nothing_on():
    context = AnchorContext()
    runs = drawn_runs()
    read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: runs), context)
    k = DPI / 72
    prose = [TextRun("本部门二〇二四年预算编制说明：收支预算总表列示全部收入和支出，按功能分类。",
                     (ORIGIN[0] * k, (80 + 16 * i) * k, (ORIGIN[0] + 440) * k, (91 + 16 * i) * k), 0.99) for i in range(6)]
    tables, lines = read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 2, FakeEngine(None, regions=lambda im: prose), context)
    assert tables == [] and len(lines) == 6


def test_outside_share_counts_the_text_left_out_of_the_cells():
    from formpipe.extract.gridcheck import CONTINUED_OUTSIDE, outside_share
    speck = _table(_cell(0, 0, "√", 0, 10))
    rows = [_line("家庭医生签约政策落实率", 200, 20 * i, 300, 20 * i + 10) for i in range(5)]
    assert outside_share([speck], rows) > CONTINUED_OUTSIDE  # a tick closed into a box beside the rows
    assert outside_share([GOOD], [_line(TITLE, 100, -30, 300, -20)]) < CONTINUED_OUTSIDE
    assert outside_share([], []) == 0.0


@pytest.mark.parametrize("located_by,form_type,want", [
    ("anchors", "department_overall_performance_targets", {"tasks", "indicators"}),
    ("anchors", "project_performance_targets", {"indicators"}),
    ("grid", "department_overall_performance_targets", set()),
])
def test_rows_read_by_anchors_carry_an_error_for_rows_that_may_be_missing(located_by, form_type, want):
    from formpipe.extract.model import Box, Cell, Extraction, Table
    from formpipe.normalize.rows import anchors_read_rows

    cells = [Cell(page=2, row=0, col=0, rowspan=1, colspan=1, text="名称", box=Box(0, 0, 10, 10), located_by=located_by)]
    ex = Extraction(pages=2, tables=[Table(table_no=1, cells=cells, n_rows=1, n_cols=1, pages=(2,))], method="ocr")
    flags = anchors_read_rows(ex, form_type)
    assert {f.dataset for f in flags} == want
    assert all(f.severity == "error" and f.row_ref is None and "Page(s) 2" in f.message for f in flags)


@pytest.mark.parametrize("pages_by_anchors, flagged_rows", [
    ([2], {2, 3}),  # rows on and after the first page read by anchors
    ([1, 3], {1, 2, 3}),
    ([], set()),  # a grid-read document: the numbering stands
])
def test_task_rows_after_a_page_read_by_anchors_carry_an_error_on_their_funds(pages_by_anchors, flagged_rows):
    """A task row lost on a page read by anchors moves every later row up one place: each of
    those rows' amounts is flagged, since its task number is not sure."""
    from formpipe.normalize.rows import shifted_task_flags
    tasks = [{"task_no": 1, "page": 1}, {"task_no": 2, "page": 2}, {"task_no": 3, "page": 3}]
    flags = shifted_task_flags(tasks, pages_by_anchors)
    assert {f.row_ref for f in flags} == flagged_rows
    assert all(f.dataset == "tasks" and f.field == "funds_wan" and f.severity == "error" for f in flags)


def test_a_note_under_the_ruled_foot_of_the_table_is_no_row():
    """A handwritten note a line or two under the table is inside the anchors' own foot gap; the
    page's ruling, where it shows where the table ends, keeps it out (it had been read as two
    tasks with no name or amount on a faint-ruled office scan)."""
    k = DPI / 72
    foot = ORIGIN[1] + sum(ROWS)
    note = TextRun("情况属实", (300 * k, (foot + 15) * k, 340 * k, (foot + 25) * k), 0.6)
    engine = FakeEngine(lambda crop: "", regions=lambda image: drawn_runs() + [note])
    grey = np.full((int(PAGE[1] * k), int(PAGE[0] * k)), 255, np.uint8)

    def cells_and_lines(ruled_foot):
        tables, lines = read_by_anchors(grey, DPI, 1, engine, ruled_foot=ruled_foot)
        return [c.text for t in tables for c in t.cells], [ln.text for ln in lines]
    cells, lines = cells_and_lines(None)
    assert "情况属实" in cells  # without the ruling's word, the note is a row of the table
    cells, lines = cells_and_lines(foot + 4.0)
    assert "情况属实" in lines and "情况属实" not in cells
    assert "救助合格率" in cells  # the last row is still the table's


@pytest.mark.parametrize("bottoms, want", [
    ((160.0, 160.0, 160.0), True),  # the verticals end on the lowest long rule
    ((160.0, 160.0, 172.0), False),  # one runs on past it: the table goes on (its next rule was lost)
    ((160.0, 130.0, 130.0), False),  # one vertical ending there says too little
])
def test_the_ruled_foot_is_where_the_verticals_end(bottoms, want):
    from formpipe.extract.gridcheck import ruled_foot
    from formpipe.extract.model import Segment
    rules = [Segment(50.0, y, 450.0, y) for y in (100.0, 130.0, 160.0)]
    downs = [Segment(x, 100.0, x, y) for x, y in zip((50.0, 250.0, 450.0), bottoms)]
    assert ruled_foot(rules + downs) == (164.0 if want else None)


def test_a_merged_column_under_a_header_on_the_last_row_stays_on_the_page():
    """A region whose header sits on the page's lowest row band (its members beside the header,
    none under it) has no rows under its header: each text keeps its own row, where the slot
    search used to step past the last band (an IndexError that failed the whole document)."""
    from formpipe.extract.anchor_pieces import Piece
    from formpipe.extract.anchors import _merged_slots, _Region
    bands = [(100.0, 120.0), (120.0, 140.0), (140.0, 160.0)]
    header = [Piece("名称", 60, 142, 100, 158, 0.9, key="name"), Piece("主要实施内容", 120, 142, 200, 158, 0.9, key="content")]
    member = Piece("某计划", 60, 122, 100, 138, 0.9)
    region = _Region(header=header, members=[member], edges=[50.0, 110.0, 250.0], fill={0})
    slots = _merged_slots([(member, 0, 0)], [region], bands)
    assert [(s.band0, s.band1) for s in slots] == [(1, 1)]  # the member's own row


@pytest.mark.parametrize("crumb, confidence, dropped", [
    ("新", 0.17, True),  # a seal's ring read as a character: no column of its own
    ("新", 0.9, False),  # read surely: a text of the form, not a crumb
    ("7", 0.17, False),  # a digit may be a value read unsurely: it stays
])
def test_a_seal_s_crumb_between_a_section_and_its_amounts_opens_no_column(crumb, confidence, dropped):
    """A crumb in the gap between 收入来源 and its 预算金额（万元） header made a column there,
    and the source's amounts were no longer beside their items."""
    runs = drawn_runs()
    k = DPI / 72
    gap_x = (ORIGIN[0] + sum(COLS[:4])) * k - 2 * k  # just left of the amount column's edge
    header_y = (ORIGIN[1] + ROWS[0]) * k + 6 * k
    runs.append(TextRun(crumb, (gap_x - 24 * k, header_y, gap_x - 12 * k, header_y + 12 * k), confidence))
    _, ex, form = anchored_form(runs)
    income = {b.item: b.amount.text for b in form.budget if b.section == "收入来源"}
    if dropped:
        assert income == {"财政拨款": "46,004.21", "其他资金": "0.00"}
    texts = [c.text for t in ex.tables for c in t.cells]
    assert any(crumb in t for t in texts) is not dropped


def test_the_anchors_read_only_their_band():
    """A page whose grid failed in its budget rows only (extract/gridpart.py): the anchors read
    the page down to the goal's row, and nothing of the rows the grid keeps."""
    cut = ORIGIN[1] + sum(ROWS[:4])  # the rule above 总体绩效目标
    tables, lines = read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: drawn_runs()),
                                    band=(float("-inf"), cut))
    texts = {c.text for t in tables for c in t.cells if c.text} | {ln.text for ln in lines}
    assert {"部门名称", "44,770.21", "0.00", TITLE} <= texts
    assert not texts & {"总体绩效目标", GOAL, "一级指标", "救助人数", "≥95%"}
    below, _ = read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: drawn_runs()),
                               band=(cut, float("inf")))
    assert "总体绩效目标" in {c.text for t in below for c in t.cells} and "部门名称" not in {c.text for t in below for c in t.cells}


@pytest.mark.slow
def test_a_page_failed_in_its_budget_rows_keeps_the_grid_below_them():
    """The drawn form with the rule between 部门预算支出 and its amounts lost down the budget rows
    (a seal took it): the grid check fails on the page (two labels in one cell), the budget rows
    are read by anchors and the rows under them keep the grid's reading (extract/gridpart.py).
    Read by rapidocr; what the form says is written out above by hand."""
    from formpipe.extract.ocr import get_engine
    rgb = erased_page(ruled=True).copy()
    k = DPI / 72
    x = (ORIGIN[0] + COLS[0] + COLS[1]) * k
    y0, y1 = (ORIGIN[1] + ROWS[0]) * k + 3, (ORIGIN[1] + sum(ROWS[:4])) * k - 3
    rgb[int(y0):int(y1), int(x) - 4:int(x) + 5] = 255
    content, (tables, lines) = read_tables(PageImage(1, rgb, DPI), get_engine("rapidocr"), _Clock(None))
    located = {c.text: c.located_by for t in tables for c in t.cells if c.text}
    assert located["44,770.21"] == "anchors" and located["救助合格率"] == "grid" and located["总体绩效目标"] == "grid"
    ex = Extraction(pages=1, tables=[replace(t, table_no=i) for i, t in enumerate(tables, 1)], lines=lines, method="ocr")
    form = map_form(ex, load_template("department_overall"))
    assert {(b.section, b.item): b.amount.text for b in form.budget} == BUDGET
    assert [tuple(r.get(c).text for c in ("level1", "level2", "level3", "annual_target")) for r in form.indicators][-1] == \
        INDICATORS[-1]
    assert form.fields["overall_goal"].text == GOAL


def test_a_band_read_leaves_the_next_page_the_carry_of_the_whole_page():
    """The page laid out whole says which columns go on overleaf, as before the band: a task
    block ending in the grid's part of a photo's page went on to a page with no grid found."""
    cut = ORIGIN[1] + sum(ROWS[:4])
    whole, band = AnchorContext(), AnchorContext()
    read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: drawn_runs()), whole)
    read_by_anchors(np.zeros((10, 10), np.uint8), DPI, 1, FakeEngine(None, regions=lambda im: drawn_runs()), band,
                    band=(float("-inf"), cut))
    assert whole.carry is not None and band.carry == whole.carry
