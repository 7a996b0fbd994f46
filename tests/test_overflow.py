"""Pages after a form that detection left to no form (extract/overflow.py): joined when they carry
the form's table on, an error when they may, left alone when they are plainly another table.

Documents are built page by page from hand-written pages; what should happen to each is written
next to it, never taken from the pipeline."""
import pytest

from formpipe.extract.detect import find_forms
from formpipe.extract.model import Box, Cell, Extraction, Table, TextLine
from formpipe.extract.overflow import follow, left_page_flags, lines_up
from formpipe.extract.template import load_templates

PROJ = "project_performance_targets"
FORM_W = [60, 90, 90, 160, 80]
FORM = [["项目名称", "某某项目", "主管部门", "某局", ""], ["项目资金（元）", "年度资金申请总额", "1,000.00", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], ["", "产出指标", "数量指标", "项目数", "=3个"]]
ROWS = [["", "产出指标", "质量指标", "合格率", "≥95%"], ["", "效益指标", "社会效益指标", "满意度", "≥90%"]]
HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]
PROCURE = [["采购项目", "采购品目", "预算金额（万元）", "其中：财政拨款", "其他资金"], ["办公设备", "计算机", "1.00", "1.00", "0.00"]]

# page kind -> (title lines, rows, column widths, x of the table's left edge, OCR'd)
PAGES = {
    "form": (["2024年项目支出绩效目标申报表"], FORM, FORM_W, 50, False),
    "rows": ([], ROWS, FORM_W, 50, False),                       # no title, no header: the rows go on
    "rows_continued": (["续表"], ROWS, FORM_W, 50, False),        # a continuation marker over them
    "rows_shifted_scan": ([], ROWS, [61, 89, 91, 158, 81], 62, True),  # a scan: the sheet placed 12 pt aside
    "rows_other_title": (["2024年政府采购预算表"], ROWS, FORM_W, 50, False),
    "header_other_title": (["2024年政府采购预算表"], [["指标", *HEADER], ["", "产出指标", "数量指标", "项数", "1个"]],
                           [40, 100, 100, 120, 100], 70, False),
    "procure": (["2024年政府采购预算表"], PROCURE, [90, 90, 90, 100, 90], 50, False),
    "untitled_other": ([], [["科目编码", "科目名称", "合计"], ["2010101", "行政运行", "1.00"]], [100, 150, 100], 50, False),
    "labels_no_table": (["一级指标", "二级指标", "三级指标", "指标值", "产出指标 质量指标 合格率 ≥95%"], [], [], 50, True),
    "prose": (["本部门绩效指标按规定填报，一级指标和二级指标按财政部门口径，", "三级指标由各单位细化。"], [], [], 50, False),
    # a photo's last page of indicator rows, its ruling not found: loose lines run across the
    # columns, with the levels' values in them and no label
    "values_no_table": (["时效指标 学前教育资金支付及时率 90% 90%", "效益指标经济效益指标资金使用效益 逐步提升"], [], [], 50, True),
    "prose_one_value": (["本年度产出指标均按计划完成，资金使用规范。"], [], [], 50, True),
    "blank": ([], [], [], 50, False),
}


def document(kinds: list[str], running_head: str | None = None) -> Extraction:
    tables, lines = [], []
    for p, kind in enumerate(kinds, start=1):
        titles, rows, widths, left, ocr = PAGES[kind]
        conf = 0.95 if ocr else 1.0
        heads = [running_head] if running_head else []
        for i, text in enumerate(heads + titles):
            lines.append(TextLine(p, text, Box(100, 20 + 20 * i, 400, 36 + 20 * i), 16 if i == len(heads) else 10, conf))
        if not rows:
            continue
        xs = [float(left)]
        for w in widths:
            xs.append(xs[-1] + w)
        cells = [Cell(p, r, c, 1, 1, text, Box(xs[c], 100 + 20 * r, xs[c + 1], 120 + 20 * r), conf,
                      "ocr" if ocr else "text")
                 for r, row in enumerate(rows) for c, text in enumerate(row)]
        tables.append(Table(len(tables) + 1, cells, len(rows), len(widths), (p,), tuple(xs)))
    return Extraction(len(kinds), tables, lines)


CASES = [
    # (pages, running head on every page, forms expected (first, last), pages flagged per form)
    (["form", "rows"], None, [(1, 2)], [[]]),
    (["form", "rows_continued"], None, [(1, 2)], [[]]),
    (["form", "rows", "procure"], "2024年部门预算公开表", [(1, 2)], [[]]),  # a running head is no title
    (["form", "blank", "rows"], None, [(1, 3)], [[]]),                     # a blank verso between
    (["form", "rows_shifted_scan"], None, [(1, 2)], [[]]),
    (["form", "rows_other_title", "procure"], None, [(1, 1)], [[2]]),      # lines up under another title
    (["form", "header_other_title"], None, [(1, 1)], [[2]]),               # repeats the form's header
    (["form", "labels_no_table"], None, [(1, 1)], [[2]]),                  # the form's labels, no ruling
    (["form", "blank", "labels_no_table"], None, [(1, 1)], [[3]]),
    (["form", "values_no_table"], None, [(1, 1)], [[2]]),                  # the levels' values, no ruling
    (["form", "prose_one_value"], None, [(1, 1)], [[]]),                   # one value in a sentence
    (["form", "procure"], None, [(1, 1)], [[]]),                           # shares 财政拨款, 其他资金: another table
    (["form", "prose"], None, [(1, 1)], [[]]),
    (["form", "blank", "untitled_other"], None, [(1, 1)], [[]]),
    (["form", "rows_other_title", "form", "rows"], None, [(1, 1), (3, 4)], [[2], []]),
]


@pytest.mark.parametrize("kinds, head, want, flagged", CASES, ids=[" ".join(c[0]) + (" +head" if c[1] else "") for c in CASES])
def test_pages_after_a_form(kinds, head, want, flagged):
    ex = document(kinds, head)
    found, scores = find_forms(ex, load_templates())
    forms, left = follow(ex, found, scores)
    assert [(f.template.form_type, f.first_page, f.last_page) for f in forms] == [(PROJ, a, b) for a, b in want]
    assert [[lp.page for lp in pages] for pages in left] == flagged


def test_a_page_left_out_is_an_error_on_the_rows_it_may_hold():
    ex = document(["form", "rows_other_title"])
    found, scores = find_forms(ex, load_templates())
    forms, left = follow(ex, found, scores)
    flags = left_page_flags(forms[0], left[0], "indicators")
    assert [(f.code, f.severity, f.dataset, f.row_ref, f.page) for f in flags] == [
        ("UNMAPPED_CELL", "error", "indicators", None, 2), ("UNMAPPED_CELL", "error", "documents", None, 2)]
    assert all("Page 2" in f.message and "2024年政府采购预算表" in f.message for f in flags)
    ex = document(["form", "header_other_title"])  # the header says which block: that dataset only
    forms, left = follow(ex, *find_forms(ex, load_templates()))
    assert [f.dataset for f in left_page_flags(forms[0], left[0], None)] == ["indicators"]


@pytest.mark.parametrize("widths, left, same", [
    (FORM_W, 50, True),
    ([61, 89, 91, 158, 81], 62, True),     # a scan's few points
    ([60, 90, 90, 160], 50, False),         # narrower: the last column missing is another table
    ([60, 180, 160, 80], 50, True),         # two columns merged: every rule it has is the form's
    ([70, 80, 90, 160, 80], 50, False),     # a rule elsewhere
    (FORM_W, 150, False),                   # beside the form's table
    ([100, 100], 50, False),                # too few columns to say
])
def test_lines_up(widths, left, same):
    def cells(ws, x):
        xs = [float(x)]
        for w in ws:
            xs.append(xs[-1] + w)
        return [Cell(1, 0, c, 1, 1, "x", Box(xs[c], 0, xs[c + 1], 20)) for c in range(len(ws))]
    assert lines_up(cells(FORM_W, 50), cells(widths, left)) is same
