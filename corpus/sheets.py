"""A small worksheet writer for the disclosure generator's parts (corpus/disclosure.py).

A `Grid` is rows of cells (column, text, column span, row span) over six columns, with a
title printed above the ruled table and free text rows (no rules) for prose pages. It is
saved as an .xlsx that LibreOffice exports to PDF, the office tool chain of corpus/office*.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

NCOLS = 6
PAGE_MARGIN_IN = 0.6
LINE_HEIGHT = 1.4  # row pitch per text line, as a multiple of the font size


@dataclass
class GCell:
    col: int  # 1-based
    text: object
    span: int = 1  # columns
    rows: int = 1  # rows (a merged label)
    kind: str = "text"  # text | label | amount
    fmt: str | None = None  # a number format when `text` is a number


@dataclass
class Grid:
    title: str
    widths: list[float]
    rows: list[list[GCell]] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)  # paragraphs printed without rules, above the table
    subtitle: str | None = None
    font: str = "SimSun"
    font_size: float = 10.5
    landscape: bool = False


def _lines(text: object, width_units: float, size: float) -> int:
    """Text lines a cell of this width needs (a CJK character is about one font size wide)."""
    chars_per_line = max(1, int(width_units * 7 / size))
    return sum(max(1, math.ceil(len(part) / chars_per_line)) for part in str(text or "").split("\n"))


def save(grid: Grid, path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    for k, w in enumerate(grid.widths):
        ws.column_dimensions["ABCDEF"[k]].width = w
    font = Font(name=grid.font, size=grid.font_size)
    bold = Font(name=grid.font, size=grid.font_size, bold=True)
    side = Side(style="thin", color="000000")
    r = 1
    ws.cell(r, 1, grid.title).font = Font(name=grid.font, size=grid.font_size + 6, bold=True)
    ws.cell(r, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=NCOLS)
    ws.row_dimensions[r].height = (grid.font_size + 6) * 2
    if grid.subtitle:
        r += 1
        ws.cell(r, 1, grid.subtitle).font = font
        ws.cell(r, 1).alignment = Alignment(horizontal="right")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=NCOLS)
    total = sum(grid.widths)
    for para in grid.prose:
        r += 1
        c = ws.cell(r, 1, "\u3000\u3000" + para)
        c.font, c.alignment = font, Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=NCOLS)
        ws.row_dimensions[r].height = _lines(para, total, grid.font_size) * grid.font_size * LINE_HEIGHT + 4
    first = r + 1
    needed = [1] * len(grid.rows)
    for i, row in enumerate(grid.rows):
        rr = first + i
        for cell in row:
            c = ws.cell(rr, cell.col, cell.text)
            c.font = bold if cell.kind == "label" else font
            horizontal = {"label": "center", "amount": "right"}.get(cell.kind, "left")
            c.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
            if cell.fmt:
                c.number_format = cell.fmt
            if cell.span > 1 or cell.rows > 1:
                ws.merge_cells(start_row=rr, start_column=cell.col, end_row=rr + cell.rows - 1,
                               end_column=cell.col + cell.span - 1)
            if cell.rows == 1:
                width = sum(grid.widths[cell.col - 1:cell.col - 1 + cell.span])
                needed[i] = max(needed[i], _lines(cell.text, width, grid.font_size))
    last = first + len(grid.rows) - 1
    for rr in range(first, last + 1):
        for col in range(1, NCOLS + 1):
            ws.cell(rr, col).border = Border(left=side, right=side, top=side, bottom=side)
        ws.row_dimensions[rr].height = needed[rr - first] * grid.font_size * LINE_HEIGHT + 4
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape" if grid.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ps.fitToWidth, ps.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = PAGE_MARGIN_IN
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:F{max(last, r)}"
    wb.save(path)
