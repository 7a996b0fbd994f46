"""Form detection: pages scored against every template, grouped into forms (extract/detect.py).

Documents are built page by page from hand-written kinds of page; the expected forms are
written next to them, never taken from the pipeline.
"""
import pytest

from formpipe.extract.detect import find_forms, no_form_message, restrict
from formpipe.extract.model import Box, Cell, Extraction, Table, TextLine
from formpipe.extract.template import load_templates

DEPT = "department_overall_performance_targets"
PROJ = "project_performance_targets"

# page kind -> (title line or None, rows of cell texts)
PAGES = {
    "prose": ("部门预算编制说明", []),
    "summary": ("2024年收支预算总表", [["收入", "金额", "支出", "金额"], ["财政拨款", "1.00", "基本支出", "2.00"],
                                   ["其他资金", "3.00", "项目支出", "4.00"], ["上年结转", "5.00", "合计", "6.00"]]),
    "spending": ("2024年一般公共预算支出表", [["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
                                        ["2010101", "行政运行", "1.00", "1.00", "0.00"]]),
    "procure": ("2024年政府采购预算表", [["采购项目", "采购品目", "预算金额（万元）", "其中：财政拨款", "其他资金"],
                                     ["办公设备", "计算机", "1.00", "1.00", "0.00"]]),
    "dept": ("2024年部门整体预算绩效目标申报表", [["部门名称", "某市某局"], ["下属二级单位数", "3"],
                                          ["预算整体情况", "部门预算支出", "收入来源"], ["总体绩效目标", "目标"],
                                          ["年度重点工作任务", "名称", "主要实施内容", "拟投入的资金（万元）"]]),
    "dept_more": (None, [["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值"],
                         ["", "产出指标", "数量指标", "培训人次", "≥100人次"]]),
    "dept_title_again": ("2024年部门整体预算绩效目标申报表", [["", "产出指标", "质量指标", "合格率", "≥95%"]]),
    # the running title overlapping a merged cell's text: one text line with both interleaved
    "dept_title_tangled": ("部门整体预质算量指绩标效目标申报表（2024年度）", [["", "产出指标", "质量指标", "合格率", "≥95%"]]),
    "proj": ("2024年项目支出绩效目标申报表", [["项目名称", "某某项目"], ["主管部门", "某市某局", "实施单位", "某中心"],
                                        ["项目资金（元）", "年度资金总额", "1,000.00"], ["项目总体目标", "目标"]]),
    "proj_more": (None, [["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
                         ["", "产出指标", "数量指标", "项目数", "=3个"]]),
    "blank": (None, []),
}


def document(kinds: list[str], joined: set[int] = frozenset()) -> Extraction:
    """Pages of the given kinds; a page number in `joined` continues the table of the page before."""
    tables: list[Table] = []
    lines = []
    for p, kind in enumerate(kinds, start=1):
        title, rows = PAGES[kind]
        if title:
            lines.append(TextLine(p, title, Box(100, 40, 400, 60), 16))
        if not rows:
            continue
        cells = [Cell(p, r, c, 1, 1, text, Box(50 + 90 * c, 80 + 20 * r, 140 + 90 * c, 100 + 20 * r))
                 for r, row in enumerate(rows) for c, text in enumerate(row)]
        if p in joined and tables:
            prev = tables[-1]
            base = prev.n_rows
            cells = [Cell(c.page, c.row + base, c.col, 1, 1, c.text, c.box) for c in cells]
            tables[-1] = Table(prev.table_no, prev.cells + cells, base + len(rows), max(prev.n_cols, 5),
                               (*prev.pages, p))
        else:
            tables.append(Table(len(tables) + 1, cells, len(rows), max(len(r) for r in rows), (p,)))
    return Extraction(len(kinds), tables, lines)


CASES = [
    # (pages, pages whose table continues the page before, expected forms)
    (["prose", "summary", "spending", "procure"], set(), []),
    (["prose", "summary", "dept", "dept_more"], {4}, [(DEPT, 3, 4)]),
    (["dept", "dept_title_again", "dept_title_again"], set(), [(DEPT, 1, 3)]),
    (["dept", "dept_more", "dept_title_tangled", "dept_title_again"], set(), [(DEPT, 1, 4)]),
    (["prose", "dept", "dept_more", "procure"], {4}, [(DEPT, 2, 3)]),  # a joined table of another title
    (["summary", "dept", "dept_more", "proj", "proj_more", "proj", "proj_more"], {3, 5, 7},
     [(DEPT, 2, 3), (PROJ, 4, 5), (PROJ, 6, 7)]),
    (["proj", "proj"], set(), [(PROJ, 1, 1), (PROJ, 2, 2)]),  # two one-page forms in a row
    (["proj", "proj"], {2}, [(PROJ, 1, 1), (PROJ, 2, 2)]),  # … even when the grid joins their tables
    (["procure", "proj", "proj_more", "blank", "spending"], {3}, [(PROJ, 2, 3)]),
    (["dept_more", "prose"], set(), []),  # a lone indicator table is no form
]


@pytest.mark.parametrize("kinds,joined,want", CASES, ids=lambda v: str(v)[:60] if isinstance(v, list) else None)
def test_forms_are_found_with_their_page_ranges(kinds, joined, want):
    forms, _ = find_forms(document(kinds, joined), load_templates())
    assert [(f.template.form_type, f.first_page, f.last_page) for f in forms] == want


def test_prose_that_names_a_form_is_no_form():
    ex = document(["prose", "summary"])
    ex.lines.append(TextLine(1, "本部门2024年部门整体预算绩效目标申报表及项目支出绩效目标申报表详见附表，"
                                "各项目按照预算绩效管理的要求编制绩效目标并随预算一并公开。", Box(50, 100, 500, 112), 10))
    forms, _ = find_forms(ex, load_templates())
    assert forms == []


def test_a_form_reads_only_its_own_pages():
    ex = document(["summary", "dept", "dept_more", "procure"], {3, 4})
    part = restrict(ex, 2, 3)
    assert {c.page for t in part.tables for c in t.cells} == {2, 3}
    assert {ln.page for ln in part.lines} == {2}
    assert not any(c.text == "财政拨款" for t in part.tables for c in t.cells)


def test_the_no_form_message_names_the_pages_titles():
    ex = document(["prose", "summary", "spending", "procure"])
    forms, scores = find_forms(ex, load_templates())
    msg = no_form_message(ex, scores)
    assert msg == ("no form found: 4 page(s), titles 部门预算编制说明, 2024年收支预算总表, "
                   "2024年一般公共预算支出表, 2024年政府采购预算表")
    assert "\n" not in msg


def test_each_form_gets_its_rows_and_a_year_other_than_the_files_is_flagged():
    from formpipe.normalize.assemble import assemble
    from formpipe.normalize.rows import DocInfo
    ex = document(["summary", "dept", "dept_more", "proj", "proj_more"], {3, 5})
    ex.lines[:] = [TextLine(ln.page, ln.text.replace("2024年项目", "2023年项目"), ln.box, ln.size) for ln in ex.lines]
    built = assemble(ex, DocInfo("d", "a.pdf", "0"), load_templates())
    docs = built.rows["documents"]
    assert [(d["form_no"], d["form_type"], d["first_page"], d["last_page"]) for d in docs] == [
        (1, DEPT, 2, 3), (2, PROJ, 4, 5)]
    assert built.year == 2024
    conflicts = [f for f in built.rows["flags"] if f["code"] == "YEAR_CONFLICT"]
    assert [(f["form_no"], f["severity"]) for f in conflicts] == [(2, "error")]
    assert docs[1]["status"] == "needs_review"
    assert [p["project_name"] for p in built.rows["projects"]] == ["某某项目"]
    assert {p["form_no"] for p in built.rows["projects"]} == {2}
    assert {c["form_no"] for c in built.rows["cells"] if c["page"] == 1} == {0}


# -- a form's title over its labels, but no form read: a failure, never a quiet no_form ------------

def _lines_only(texts: list[str], confidence: float = 0.9) -> Extraction:
    """One OCR'd page whose grid gave nothing: its text lines only."""
    lines = [TextLine(1, t, Box(50, 40 + 20 * i, 400, 55 + 20 * i), 12.0, confidence) for i, t in enumerate(texts)]
    return Extraction(pages=1, tables=[], lines=lines, method="ocr")


@pytest.mark.parametrize("texts,fails", [
    # title and labels, read as loose lines because the ruling was too faint to find
    (["2024年部门整体预算绩效目标申报表", "部门名称", "某市某局", "总体绩效目标", "年度重点工作任务"], True),
    (["2024年项目支出绩效目标申报表", "项目名称", "某某项目", "主管部门"], True),
    # a disclosure's contents page names the form, with none of its labels under the title
    (["目录", "一、收支预算总表", "2024年部门整体预算绩效目标申报表", "二、政府采购预算表"], False),
    # labels without the title: some other table sharing words (单位名称, 财政拨款)
    (["部门名称", "总体绩效目标", "年度重点工作任务"], False),
    # a scan whose title was misread: the form shows by six of its labels, one a block's
    (["B隐克", "部门名称", "下属二级单位数", "预算整体情况", "总体绩效目标", "年度主要任务", "主要实施内容"], True),
    (["B隐克", "部门名称", "下属二级单位数", "总体绩效目标", "年度主要任务", "主要实施内容"], False),  # five
    (["B隐克", "部门名称", "下属二级单位数", "总体绩效目标", "名称", "主要实施内容", "期望达到的目标",
      "一级指标"], False),  # no block label: a table sharing column names
])
def test_a_page_showing_a_form_that_was_not_read_is_a_failure(texts, fails):
    from formpipe.extract.detect import score_pages, unread_form
    from formpipe.extract.model import DocumentError
    from formpipe.normalize.assemble import assemble
    from formpipe.normalize.rows import DocInfo

    ex = _lines_only(texts)
    templates = load_templates()
    assert find_forms(ex, templates)[0] == []
    why = unread_form(ex, score_pages(ex, templates), templates)
    assert bool(why) == fails
    if fails:
        assert "page 1" in why
        with pytest.raises(DocumentError, match="no form could be read"):
            assemble(ex, DocInfo("d", "x.pdf", "v"), templates)
    else:
        assert assemble(ex, DocInfo("d", "x.pdf", "v"), templates).summary["status"] == "no_form"


def test_an_untitled_page_of_labels_in_a_text_layer_is_not_a_failure():
    """A text layer's title is read as printed: labels without it are some other table."""
    from dataclasses import replace

    from formpipe.extract.detect import score_pages, unread_form
    texts = ["部门名称", "下属二级单位数", "预算整体情况", "总体绩效目标", "年度主要任务", "主要实施内容"]
    ex = _lines_only(texts)
    templates = load_templates()
    assert unread_form(ex, score_pages(ex, templates), templates)  # the same page OCR'd: a failure
    text = replace(ex, lines=[replace(ln, confidence=1.0) for ln in ex.lines], method="text")
    assert unread_form(text, score_pages(text, templates), templates) is None


def test_labels_run_into_their_values_under_the_title_make_a_failure():
    """A grid that lost its rules holds 部门名称 and its value in one cell: under the form's
    title that still shows a form nobody read (tesseract on an office-harsh scan)."""
    from formpipe.extract.detect import score_pages, unread_form
    from formpipe.extract.model import Cell, Table
    cells = [Cell(1, 0, 0, 1, 1, "部门名称|中山市某某局", Box(50, 100, 500, 120)),
             Cell(1, 1, 0, 1, 1, "预算整体情况，事业发展性支出 预算金额 12.00", Box(50, 120, 500, 200))]
    lines = [TextLine(1, "部门整体预算绩效目标申报表（2019年度）", Box(100, 40, 400, 60), 16.0, 0.9)]
    ex = Extraction(pages=1, tables=[Table(1, cells, 2, 1, pages=(1,))], lines=lines, method="ocr")
    templates = load_templates()
    assert find_forms(ex, templates)[0] == []
    assert "page 1" in (unread_form(ex, score_pages(ex, templates), templates) or "")
    untitled = Extraction(pages=1, tables=ex.tables, lines=[], method="ocr")
    assert unread_form(untitled, score_pages(untitled, templates), templates) is None
