"""Row accounting and blocks found by content (issue 11): every non-empty cell ends up in a
field, a row, a known header or label, or an UNMAPPED_CELL error; nothing is lost silently.

Truth here is hand-written: the tables are built cell by cell, so what each cell must become
is known without running the pipeline.
"""
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tablespec import table

from formpipe.extract.grid import page_tables
from formpipe.extract.mapping import map_form
from formpipe.extract.model import Box, Extraction, Glyph, PageContent, Segment
from formpipe.extract.template import load_template
from formpipe.normalize.rows import DocInfo, build_rows

TPL = load_template()
ROOT = Path(__file__).resolve().parents[1]




def mapped(*tables):
    return map_form(Extraction(pages=len(tables), tables=list(tables)), TPL)


def unmapped(form):
    return [n for n in form.notes if n.code == "UNMAPPED_CELL"]


IND_HEADER = [(0, 1, 1, 1, "一级指标"), (0, 2, 1, 1, "二级指标"), (0, 3, 1, 1, "三级指标"), (0, 4, 1, 1, "指标值")]
W5 = [60, 60, 60, 100, 60]


@pytest.mark.parametrize("label", [
    [(0, 0, 3, 1, "绩效指标")],                      # at the top of its merged range
    [(0, 0, 1, 1, ""), (1, 0, 2, 1, "绩效指标")],    # lower down, the range split by a rule
    [(0, 0, 3, 1, "")],                               # not printed at all (on another page)
])
def test_indicator_block_found_by_its_header_row_wherever_the_label_is(label):
    spec = label + IND_HEADER + [(1, 1, 2, 1, "产出指标"), (1, 2, 2, 1, "数量指标"), (1, 3, 1, 1, "甲"), (1, 4, 1, 1, "5处"),
                                 (2, 3, 1, 1, "乙"), (2, 4, 1, 1, "≥90%")]
    f = mapped(table(spec, W5))
    assert [(r.get("level1").text, r.get("level3").text, r.get("annual_target").text) for r in f.indicators] == [
        ("产出指标", "甲", "5处"), ("产出指标", "乙", "≥90%")]
    assert unmapped(f) == []


def test_task_block_continued_in_a_shifted_table_without_header_keeps_its_columns():
    head = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
            (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标")]
    first = table(head + [(1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "做甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "甲成")], W5)
    # the next page: no label, no header, the whole table 7 pt to the right
    cont = [(0, 0, 1, 1, ""), (0, 1, 1, 1, "乙计划"), (0, 2, 1, 1, "做乙"), (0, 3, 1, 1, "2,000"), (0, 4, 1, 1, "乙成")]
    f = mapped(first, table(cont, W5, page=2, table_no=2, x0=7.0))
    got = [(r.get("name").text, r.get("content").text, r.get("funds").text, r.get("expected_goal").text) for r in f.tasks]
    assert got == [("甲计划", "做甲", "1.00", "甲成"), ("乙计划", "做乙", "2,000", "乙成")]
    assert unmapped(f) == []


def test_merged_level_cell_cut_by_a_page_break_names_the_rows_on_both_sides():
    p1 = table([(0, 0, 3, 1, "绩效指标")] + IND_HEADER + [(1, 1, 2, 1, ""), (1, 2, 2, 1, "数量指标"), (1, 3, 1, 1, "甲"),
                                                          (1, 4, 1, 1, "1"), (2, 3, 1, 1, "乙"), (2, 4, 1, 1, "2")], W5)
    p2 = table([(0, 0, 1, 1, ""), (0, 1, 1, 1, "产出指标"), (0, 2, 1, 1, "质量指标"), (0, 3, 1, 1, "丙"), (0, 4, 1, 1, "3")],
               W5, page=2, table_no=2)
    f = mapped(p1, p2)
    assert [r.get("level1").text for r in f.indicators] == ["产出指标"] * 3


def test_heading_with_nothing_under_it_is_not_an_indicator():
    spec = [(0, 0, 3, 1, "绩效指标")] + IND_HEADER + [
        (1, 1, 1, 1, "产出指标"), (1, 2, 1, 1, "成本指标"), (1, 3, 1, 1, ""), (1, 4, 1, 1, ""),
        (2, 1, 1, 1, "效益指标"), (2, 2, 1, 1, "社会效益指标"), (2, 3, 1, 1, "甲"), (2, 4, 1, 1, "≥1")]
    f = mapped(table(spec, W5))
    assert [r.get("level3").text for r in f.indicators] == ["甲"]
    assert unmapped(f) == []


BUDGET = [(0, 0, 3, 1, "预算整体情况"), (0, 1, 1, 1, "部门预算支出"), (0, 2, 1, 1, "预算金额（万\n元）"),
          (0, 3, 1, 1, "收入来源"), (0, 4, 1, 1, "预算金额（万元）"),
          (1, 1, 1, 1, "基本支出"), (1, 2, 1, 1, "1.00"), (1, 3, 1, 1, "财政拨款"), (1, 4, 1, 1, "3.00"),
          (2, 1, 1, 1, "项目支出"), (2, 2, 1, 1, "2.00"), (2, 3, 1, 1, "其他资金"), (2, 4, 1, 1, "")]


def test_wrapped_header_cells_and_an_empty_amount():
    f = mapped(table(BUDGET, W5))
    assert [(b.item, b.amount.text) for b in f.budget] == [("基本支出", "1.00"), ("财政拨款", "3.00"),
                                                           ("项目支出", "2.00"), ("其他资金", "")]
    assert unmapped(f) == []


def test_prose_beside_the_budget_block_is_reported_not_stored_as_an_item():
    goal = "目标1：城乡居民基本养老保险参保率稳定在95%以上，待遇按时足额发放。"
    spec = BUDGET + [(3, 1, 1, 1, goal), (3, 2, 1, 1, "")]
    f = mapped(table(spec, W5))
    assert goal not in [b.item for b in f.budget]
    (note,) = unmapped(f)
    assert note.dataset == "budget_items" and note.severity == "error"
    assert "Page 1, table 1, row 4, column 2" in note.message and "目标1" in note.message


def test_a_cell_in_no_column_is_reported_and_the_document_is_not_ok():
    spec = [(0, 0, 1, 1, "部门名称"), (0, 1, 1, 4, "某局"), (1, 0, 1, 1, "审核意见"), (1, 1, 1, 4, "同意")]
    f = mapped(table(spec, W5))
    assert [n.message.split(":")[0] for n in unmapped(f)] == ["Page 1, table 1, row 2, column 1",
                                                        "Page 1, table 1, row 2, column 2"]
    ex = Extraction(pages=1, tables=[table(spec, W5)])
    built = build_rows(f, ex, 2024, DocInfo("0", "x.pdf", "test"))
    assert built.rows["documents"][0]["status"] == "needs_review"
    assert sum(r["code"] == "UNMAPPED_CELL" for r in built.rows["flags"]) == 2


@settings(max_examples=40, deadline=None)
@given(row=st.integers(1, 2), text=st.text(st.sampled_from("甲乙丙丁12345%"), min_size=1, max_size=6))
def test_property_an_extra_cell_anywhere_in_a_record_is_never_silent(row, text):
    """A value that lands in no column (a sixth column the header does not name) is reported."""
    spec = [(0, 0, 3, 1, "绩效指标")] + IND_HEADER + [
        (1, 1, 2, 1, "产出指标"), (1, 2, 2, 1, "数量指标"), (1, 3, 1, 1, "甲"), (1, 4, 1, 1, "1"),
        (2, 3, 1, 1, "乙"), (2, 4, 1, 1, "2"), (row, 5, 1, 1, text)]
    f = mapped(table(spec, W5 + [60]))
    ex = Extraction(pages=1, tables=[table(spec, W5 + [60])])
    flags = build_rows(f, ex, 2024, DocInfo("0", "x.pdf", "test")).rows["flags"]
    hits = [r for r in flags if r["code"] == "UNMAPPED_CELL"]
    assert len(hits) == 1 and hits[0]["severity"] == "error" and "column 6" in hits[0]["message"]


def test_grid_closes_a_merged_cell_cut_by_the_page_edge():
    """Two rows; the left column is merged and runs on to the next page: no rule under it."""
    segs = [Segment(0, 0, 100, 0), Segment(50, 20, 100, 20), Segment(50, 40, 100, 40),
            Segment(0, 0, 0, 40), Segment(50, 0, 50, 40), Segment(100, 0, 100, 40)]
    glyphs = tuple(Glyph(ch, Box(10 + 10 * i, 15, 20 + 10 * i, 25), 10) for i, ch in enumerate("产出"))
    (t,), lines = page_tables(PageContent(1, 200, 200, glyphs, tuple(segs)))
    assert {(c.col, c.rowspan, c.text) for c in t.cells if c.col == 0} == {(0, 2, "产出")}
    assert lines == []


def _corpus_forms():
    pdfs = sorted((ROOT / "corpus" / "pdf").glob("*.pdf")) + sorted((ROOT / "corpus" / "office" / "pdf").glob("*.pdf"))
    return pdfs + sorted((ROOT / "corpus" / "seeds").glob("*.txt"))


@pytest.mark.parametrize("path", _corpus_forms(), ids=lambda p: p.name)
def test_every_cell_of_every_corpus_form_is_accounted_for(path):
    from formpipe.extract.document import extract_document
    ex = extract_document(path)
    f = map_form(ex, TPL)
    assert unmapped(f) == []
    built = build_rows(f, ex, 2024, DocInfo("0", str(path), "test"), rules=TPL.rules, budget_items=TPL.blocks["budget"].items)
    assert not [r for r in built.rows["flags"] if r["code"] in ("UNMAPPED_CELL", "MISSING_FIELD")]


def test_rows_after_an_unknown_label_closed_a_block_are_reported_on_that_block_too():
    """A page of task rows whose label column reads as no label the template knows (the page
    turned, the label garbled) closes the task block: its rows are then nowhere. Their cells are
    reported on `tasks` as well as `documents`, so a reader of `tasks` alone sees rows may be missing."""
    head = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
            (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标")]
    first = table(head + [(1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "做甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "甲成")], W5)
    # the page read turned: each cell holds characters of several lines, the amounts a row apart
    cont = [(0, 0, 1, 1, "面盖覆付"), (0, 1, 1, 1, "全在走上"), (0, 2, 1, 1, "取作理管"), (0, 3, 1, 1, "取作工理"),
            (0, 4, 1, 1, "国库集中"), (1, 0, 1, 1, "2 0 0 0"), (1, 1, 1, 1, "3 3"), (1, 2, 1, 1, "4 4")]
    f = mapped(first, table(cont, W5, page=2, table_no=2))
    assert [r.get("name").text for r in f.tasks] == ["甲计划"]
    lost = unmapped(f)
    on_tasks = [n for n in lost if n.dataset == "tasks"]
    assert any("2 0 0 0" in n.message for n in on_tasks)
    assert {n.message for n in on_tasks} == {n.message for n in lost if n.dataset == "documents"}


def test_a_field_label_after_a_block_does_not_report_the_block():
    """Fields after a block (its label known) are the document's: nothing is charged to the block."""
    head = [(0, 0, 2, 1, "年度重点工作任务"), (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "主要实施内容"),
            (0, 3, 1, 1, "拟投入的资金（万元）"), (0, 4, 1, 1, "期望达到的目标")]
    rows = [(1, 1, 1, 1, "甲计划"), (1, 2, 1, 1, "做甲"), (1, 3, 1, 1, "1.00"), (1, 4, 1, 1, "甲成"),
            (2, 0, 1, 1, "未知标签"), (2, 1, 1, 4, "一些文字"),
            (3, 0, 3, 1, "绩效指标")] + [(r + 3, c, rs, cs, t) for r, c, rs, cs, t in IND_HEADER] + [
            (4, 1, 1, 1, "产出指标"), (4, 2, 1, 1, "数量指标"), (4, 3, 1, 1, "丙"), (4, 4, 1, 1, "3")]
    f = mapped(table(head + rows, W5))
    assert [r.get("level3").text for r in f.indicators] == ["丙"]
    lost = unmapped(f)
    # the unknown label's row is reported (documents and tasks); the indicator rows are not
    assert {n.dataset for n in lost} == {"documents", "tasks"}
    assert all("丙" not in n.message for n in lost)
