"""The same form as a Word table (python-docx), the second office tool chain.

It takes the row plan of corpus/office_sheet.py (the same cells, merges and page break) and
lays it out as Word does: the title as a paragraph (or in the page header, repeated on every
page, where the worksheet has print titles), one table with cell shading and ruled borders,
row heights fitted by the word processor, and at a manual page break a second table on a new
page, with the merged labels split (repeated or not) and the block's header row repeated or not.
Numbers are typed as text: a Word table has no number formats.
"""
from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from corpus.forms import FormRecord
from corpus.office import PAGE_MARGIN_PT, Layout
from corpus.office_sheet import NCOLS, Plan, _number_text, choose_break, plan_rows

# border width in eighths of a point (Word's unit) for each worksheet rule style
RULE_EIGHTHS = {"hair": 2, "thin": 4, "medium": 12}


def _font(run, lay: Layout, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = lay.font
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), lay.font)  # CJK text takes the east-Asian font


def _borders(cell, lay: Layout, no_top: bool = False, no_bottom: bool = False) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        e = OxmlElement(f"w:{edge}")
        off = (edge == "top" and no_top) or (edge == "bottom" and no_bottom)
        e.set(qn("w:val"), "nil" if off else "single")
        if not off:
            e.set(qn("w:sz"), str(RULE_EIGHTHS[lay.rule_style]))
            e.set(qn("w:color"), lay.rule_colour)
        borders.append(e)
    tcpr.append(borders)


def _shade(cell, colour: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    tcpr = cell._tc.get_or_add_tcPr()
    if tcpr.find(qn("w:shd")) is None:
        tcpr.append(shd)


def _write(cell, value, kind: str, lay: Layout, fmt: str | None = None) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _number_text(value, fmt)
    if lay.header_fill and kind in ("label", "header"):
        _shade(cell, lay.header_fill)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    para = cell.paragraphs[0]
    para.alignment = {"label": WD_ALIGN_PARAGRAPH.CENTER, "header": WD_ALIGN_PARAGRAPH.CENTER,
                      "target": WD_ALIGN_PARAGRAPH.CENTER,
                      "amount": WD_ALIGN_PARAGRAPH.CENTER if lay.centre_amounts else WD_ALIGN_PARAGRAPH.RIGHT,
                      }.get(kind, WD_ALIGN_PARAGRAPH.LEFT)
    if value is None:
        return
    for k, line in enumerate(str(value).split("\n")):
        run = para.add_run(line)
        _font(run, lay, lay.font_size, bold=kind in ("label", "header"))
        if k:
            run._element.addprevious(_line_break())


def _line_break():
    br = OxmlElement("w:br")
    r = OxmlElement("w:r")
    r.append(br)
    return r


def _table(doc, plan: Plan, rows: list[int], lay: Layout, widths_pt: list[float]):
    """One Word table holding the plan rows `rows` (indices), spans cut to them."""
    table = doc.add_table(rows=len(rows), cols=NCOLS)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    at = {i: k for k, i in enumerate(rows)}
    for k, w in enumerate(widths_pt):
        for cell in table.columns[k].cells:
            cell.width = Pt(w)
    # rules first (tcPr children have a fixed order: borders before shading and alignment)
    no_top: set[tuple[int, int]] = set()  # (table row, col) printed without the rule above it
    if lay.span_mode == "middle_unmerged":
        for span in plan.spans:
            members = [i for i in rows if span.first <= i <= span.last]
            no_top |= {(at[i], span.col - 1) for i in members[1:]}
    for r in range(len(rows)):
        for c in range(NCOLS):
            _borders(table.cell(r, c), lay, no_top=(r, c) in no_top, no_bottom=(r + 1, c) in no_top)
    for i in rows:
        for c in plan.rows[i].cells:
            cell = table.cell(at[i], c.col - 1)
            if c.span > 1:
                cell = cell.merge(table.cell(at[i], c.col - 1 + c.span - 1))
            _write(cell, c.value, c.kind, lay, c.fmt)
    for span in plan.spans:
        members = [i for i in rows if span.first <= i <= span.last]
        if not members:
            continue
        first, last = members[0], members[-1]
        if lay.span_mode == "middle_unmerged":
            middle = (span.first + span.last) // 2
            for i in members:
                _write(table.cell(at[i], span.col - 1), span.text if i == middle else None, "label", lay)
            continue
        # a table holds one part of a label cut by the page break: the first part has the label,
        # a continuation has it only when labels are repeated
        text = span.text if span.first in at or lay.span_mode == "merge_split_repeat" else None
        cell = table.cell(at[first], span.col - 1)
        if last > first:
            cell = cell.merge(table.cell(at[last], span.col - 1))
        _write(cell, text, "label", lay)
    return table


def build_docx(rec: FormRecord, lay: Layout, extras: dict) -> Document:
    plan = plan_rows(rec, lay, extras)
    brk = choose_break(plan, lay)
    doc = Document()
    section = doc.sections[0]
    if lay.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Pt(PAGE_MARGIN_PT)
    usable = section.page_width.pt - 2 * PAGE_MARGIN_PT
    widths_pt = [w * usable / sum(lay.col_widths) for w in lay.col_widths]

    title_rows = [r for r in plan.rows if r.block == "title"]
    # print titles become the page header: the title on every page, as offices set it up
    target = section.header.paragraphs[0] if lay.print_title_rows else doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    target.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(target.add_run(rec.title), lay, lay.title_size, bold=True)
    if len(title_rows) > 1:
        sub = (section.header.add_paragraph() if lay.print_title_rows == 2 else doc.add_paragraph())
        _font(sub.add_run(f"填报单位（盖章）：{rec.department}\u3000\u3000\u3000金额单位：万元"), lay, lay.font_size)
    if lay.footer:
        para = section.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(para.add_run("第 "), lay, 9)
        _page_field(para)
        _font(para.add_run(" 页"), lay, 9)

    body = [i for i, r in enumerate(plan.rows) if r.block != "title"]
    parts = [body] if brk is None else [[i for i in body if i < brk], [i for i in body if i >= brk]]
    for n, rows in enumerate(parts):
        if n:
            # a small paragraph keeps the two tables apart; the break is the continuation's own
            # "page break before", so no empty line can spill onto a page of its own
            spacer = doc.add_paragraph()
            spacer.paragraph_format.space_before = spacer.paragraph_format.space_after = Pt(0)
            spacer.paragraph_format.line_spacing = Pt(1)
            _font(spacer.add_run(""), lay, 1)
            header = _block_header(plan, rows[0])
            if header is not None and lay.span_mode == "merge_split_repeat":
                rows = [header] + rows
        table = _table(doc, plan, rows, lay, widths_pt)
        if n:
            table.cell(0, 0).paragraphs[0].paragraph_format.page_break_before = True
    return doc


def _block_header(plan: Plan, i: int) -> int | None:
    """The header row of the block that row i belongs to (for a continuation table)."""
    block = plan.rows[i].block
    return next((k for k in range(i, -1, -1) if plan.rows[k].block == block and plan.rows[k].header), None)


def _page_field(para) -> None:
    run = para.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            f = OxmlElement("w:fldChar")
            f.set(qn("w:fldCharType"), tag)
        else:
            f = OxmlElement("w:instrText")
            f.set(qn("xml:space"), "preserve")
            f.text = text
        run._element.append(f)
