"""Grid builder on small synthetic PDFs and hand-made segment sets."""
from pathlib import Path

import pytest
from pdfdraw import Spec, make_pdf

from formpipe.extract.document import extract_document
from formpipe.extract.grid import (
    DEFAULT,
    find_intersections,
    glyphs_text,
    intersections_to_boxes,
    join_continued,
    merge_segments,
    page_tables,
    snap_segments,
)
from formpipe.extract.model import Box, Cell, Glyph, PageContent, Segment, Table
from formpipe.extract.scanned import OCR_GRID


def _cells(table):
    return {(c.row, c.col, c.rowspan, c.colspan): c.text for c in table.cells}


def test_snap_and_merge_join_broken_lines():
    segs = [Segment(0, 10, 50, 10), Segment(50, 11.5, 100, 11.5), Segment(0, 40, 100, 40),
            Segment(0, 10, 0, 40), Segment(100.8, 10, 100.8, 40)]
    h, v = merge_segments(snap_segments(segs))
    assert len(h) == 2 and all(len(runs) == 1 for runs in h.values())
    (y_top,) = [y for y in h if y < 20]
    assert h[y_top][0] == (0, 100)
    assert len(v) == 2


def test_merged_cell_found_as_one_box():
    # a 2x2 grid whose left column is one merged cell
    segs = [Segment(0, 0, 100, 0), Segment(50, 20, 100, 20), Segment(0, 40, 100, 40),
            Segment(0, 0, 0, 40), Segment(50, 0, 50, 40), Segment(100, 0, 100, 40)]
    h, v = merge_segments(snap_segments(segs))
    boxes = intersections_to_boxes(find_intersections(h, v), h, v)
    assert sorted((b.x0, b.y0, b.x1, b.y1) for b in boxes) == [(0, 0, 50, 40), (50, 0, 100, 20), (50, 20, 100, 40)]


def test_text_join_has_no_spaces_between_chinese_but_keeps_latin_gaps():
    g = [Glyph(ch, Box(10 + 10 * i + (3 if i >= 2 else 0), 0, 19 + 10 * i + (3 if i >= 2 else 0), 10), 10)
         for i, ch in enumerate("广州市民政局")]
    assert glyphs_text(g) == "广州市民政局"
    latin = [Glyph("a", Box(0, 0, 5, 10), 10), Glyph("b", Box(5, 0, 10, 10), 10), Glyph("c", Box(15, 0, 20, 10), 10)]
    assert glyphs_text(latin) == "ab c"
    two_lines = [Glyph("上", Box(0, 0, 10, 10), 10), Glyph("下", Box(0, 13, 10, 23), 10)]
    assert glyphs_text(two_lines) == "上\n下"


def test_merged_cells_from_pdf(tmp_path: Path):
    spec = Spec([80, 100, 100], [30, 30, 30],
                [(0, 0, 3, 1, "绩效指标"), (0, 1, 1, 2, "表头"), (1, 1, 2, 1, "产出指标"),
                 (1, 2, 1, 1, "100%"), (2, 2, 1, 1, "44, 770. 21")])
    ex = extract_document(make_pdf(tmp_path / "m.pdf", [[spec]]))
    assert len(ex.tables) == 1
    t = ex.tables[0]
    assert (t.n_rows, t.n_cols) == (3, 3)
    assert _cells(t) == {(0, 0, 3, 1): "绩效指标", (0, 1, 1, 2): "表头", (1, 1, 2, 1): "产出指标",
                         (1, 2, 1, 1): "100%", (2, 2, 1, 1): "44, 770. 21"}
    merged = next(c for c in t.cells if c.text == "绩效指标")
    assert merged.box.x0 == pytest.approx(60) and merged.box.y1 - merged.box.y0 == pytest.approx(90, abs=1)


def test_table_continued_over_page_break_is_one_table_with_repeated_header_dropped(tmp_path: Path):
    head = (0, 1, 1, 1, "名称"), (0, 2, 1, 1, "金额（万元）")
    p1 = Spec([80, 100, 100], [30, 30, 30],
              [(0, 0, 3, 1, "任务"), *head, (1, 1, 1, 1, "甲"), (1, 2, 1, 1, "1.00"),
               (2, 1, 1, 1, "乙"), (2, 2, 1, 1, "2.00")], top=700)
    p2 = Spec([80, 100, 100], [30, 30, 30],
              [(0, 0, 3, 1, "任务"), *head, (1, 1, 1, 1, "丙"), (1, 2, 1, 1, "3.00"),
               (2, 1, 1, 1, "丁"), (2, 2, 1, 1, "4.00")], top=60)
    pdf = make_pdf(tmp_path / "c.pdf", [[p1], [p2]], [[(60, 680, "2023年部门整体预算绩效目标申报表")], [(280, 830, "第2页")]])
    ex = extract_document(pdf)
    assert len(ex.tables) == 1, "the continuation must join the first page's table"
    t = ex.tables[0]
    assert t.pages == (1, 2)
    names = [c.text for c in sorted(t.cells, key=lambda c: c.row) if c.col == 1]
    assert names == ["名称", "甲", "乙", "丙", "丁"], "the repeated header row is dropped"
    assert t.n_rows == 5
    assert {ln.text for ln in ex.lines} == {"2023年部门整体预算绩效目标申报表", "第2页"}


def test_new_table_after_title_text_is_not_a_continuation(tmp_path: Path):
    a = Spec([100, 100], [30, 30], [(0, 0, 1, 1, "甲"), (0, 1, 1, 1, "1"), (1, 0, 1, 1, "乙"), (1, 1, 1, 1, "2")], top=700)
    b = Spec([100, 100], [30, 30], [(0, 0, 1, 1, "丙"), (0, 1, 1, 1, "3"), (1, 0, 1, 1, "丁"), (1, 1, 1, 1, "4")], top=120)
    ex = extract_document(make_pdf(tmp_path / "n.pdf", [[a], [b]], [[], [(60, 90, "附表二：项目支出绩效目标申报表")]]))
    assert len(ex.tables) == 2
    assert [t.table_no for t in ex.tables] == [1, 2]


def test_two_tables_on_one_page_stay_apart():
    def rect(x0, y0, x1, y1):
        return [Segment(x0, y0, x1, y0), Segment(x0, y1, x1, y1), Segment(x0, y0, x0, y1), Segment(x1, y0, x1, y1)]
    page = PageContent(1, 595, 842, (Glyph("甲", Box(10, 10, 20, 20), 10), Glyph("乙", Box(10, 210, 20, 220), 10)),
                       tuple(rect(0, 0, 100, 50) + rect(0, 200, 100, 250)))
    tables, lines = page_tables(page)
    assert [t.cells[0].text for t in tables] == ["甲", "乙"]
    assert lines == []


def _part(page: int, dx: float, labels: list[str]) -> Table:
    """A 2-column table part on `page`, moved `dx` points sideways (a scanned page's offset)."""
    edges = (100.0 + dx, 180.0 + dx, 400.0 + dx)
    cells = []
    for r, label in enumerate(labels):
        y = 100.0 + 20 * r
        cells.append(Cell(page, r, 0, 1, 1, label, Box(edges[0], y, edges[1], y + 20)))
        cells.append(Cell(page, r, 1, 1, 1, f"{r}.00", Box(edges[1], y, edges[2], y + 20)))
    return Table(1, cells, len(labels), 2, (page,), edges)


@pytest.mark.parametrize("dx", [0.0, 2.0, 4.5, -5.5])
def test_a_continued_part_a_few_points_off_keeps_its_columns(dx):
    for settings in (DEFAULT, OCR_GRID):
        joined = join_continued([_part(1, 0.0, ["基本支出", "项目支出"]), _part(2, dx, ["财政拨款"])], settings)
        assert joined.n_cols == 2  # no sliver column where the second page's edges sit
        assert {(c.page, c.row, c.col) for c in joined.cells} == {
            (1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1), (2, 2, 0), (2, 2, 1)}
