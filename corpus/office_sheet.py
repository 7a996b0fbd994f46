"""Write a FormRecord as an office worksheet (openpyxl), laid out as `Layout` says.

The sheet has six columns: A holds the block labels; B..F the blocks (budget: item | amount |
item | amount over E:F; tasks: name | content over C:D | funds | goal; indicators: 一级 | 二级 |
三级 | 实施周期指标值 | 年度指标值, or one 指标值 over E:F). Rows are laid out first as a list,
then the page break is chosen among them, then cells, merges and borders are written, so a
merged label can be split (or not) where the page breaks.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.pagebreak import Break

from corpus.forms import BUDGET_GRID, FormRecord, group_thousands
from corpus.office import PAGE_MARGIN_PT, POINTS_PER_WIDTH_UNIT, Layout, level1_of_heading
from corpus.render_pdf import INDICATOR_HEADER, SINGLE_TARGET_HEADER, TASK_HEADER

NCOLS = 6
AMOUNT_HEADER = "预算金额（万元）"
LINE_HEIGHT = 1.35  # line pitch as a multiple of the font size, LibreOffice's CJK fonts
CELL_PADDING_PT = 6  # left + right inner margin of a cell
# width of a digit, comma or point as a fraction of the font size, with a margin (most fonts: 0.5-0.56)
DIGIT_EM = 0.62


@dataclass
class Cell:
    col: int            # 1-based
    value: object
    span: int = 1       # columns
    kind: str = "text"  # text | label | header | amount | number | target | title
    fmt: str | None = None


@dataclass
class SheetRow:
    cells: list[Cell]
    block: str          # title, info, budget, goal, tasks, other, indicators
    header: bool = False
    breakable: bool = False  # a manual page break may go right before this row


@dataclass
class VSpan:
    """A label over several rows of one column (block label, 一级, 二级)."""
    col: int
    first: int          # index into the row list
    last: int
    text: str
    kind: str = "label"


@dataclass
class Plan:
    rows: list[SheetRow] = field(default_factory=list)
    spans: list[VSpan] = field(default_factory=list)

    def add(self, row: SheetRow) -> int:
        self.rows.append(row)
        return len(self.rows) - 1


_FULLWIDTH = str.maketrans("0123456789%.", "０１２３４５６７８９％．")


def _wrap_header(rng: random.Random, text: str, on: bool) -> str:
    if not on or len(text) < 5 or rng.random() < 0.4:
        return text
    cut = rng.randint(2, len(text) - 2)
    return text[:cut] + "\n" + text[cut:]


def _amount_cell(col: int, clean: str | None, printed: str | None, lay: Layout, rng: random.Random,
                 span: int = 1) -> Cell:
    """An amount as offices type it: a number with a format, or text; None stays empty."""
    if clean is None:
        return Cell(col, None, span, "amount")
    if printed is not None and printed != clean:
        return Cell(col, printed, span, "amount")  # a print defect, typed as text
    value = Decimal(clean)
    whole = lay.whole_amounts
    mode = lay.amount_format
    if mode == "mixed":
        mode = rng.choice(["0.00", "#,##0.00"])
    if mode == "text":
        return Cell(col, str(int(value)) if whole else clean, span, "amount")
    if mode == "text_grouped":
        return Cell(col, f"{int(value):,}" if whole else group_thousands(clean), span, "amount")
    fmt = mode.replace(".00", "") if whole else mode
    return Cell(col, int(value) if whole else float(value), span, "amount", fmt)


_PERCENT = re.compile(r"^(\d+(?:\.(\d+))?)%$")


def _target_cell(col: int, text: str | None, lay: Layout, span: int = 1) -> Cell:
    if text is None:
        return Cell(col, None, span, "target")
    m = _PERCENT.match(text)
    if lay.percent_cells and m:
        decimals = len(m.group(2) or "")
        fmt = "0%" if not decimals else "0." + "0" * decimals + "%"
        return Cell(col, float(Decimal(m.group(1)) / 100), span, "target", fmt)
    if lay.fancy_comparators:
        text = text.replace("≥", "≧").replace("≤", "≦")
    if lay.fullwidth_targets:
        text = text.translate(_FULLWIDTH)
    return Cell(col, text, span, "target")


def plan_rows(rec: FormRecord, lay: Layout, extras: dict) -> Plan:
    rng = random.Random(f"office-sheet-{lay.seed}")
    plan = Plan()
    plan.add(SheetRow([Cell(1, rec.title, NCOLS, "title")], "title"))
    if lay.subtitle:
        plan.add(SheetRow([Cell(1, f"填报单位（盖章）：{rec.department}", 4, "title"),
                           Cell(5, "金额单位：万元", 2, "title")], "title"))
    labels = lay.labels
    plan.add(SheetRow([Cell(1, labels["department"], 1, "label"), Cell(2, rec.department, 5)], "info"))

    # 基本信息
    first = None
    if rec.funded_staff is not None and lay.staff_same_row:
        first = plan.add(SheetRow([Cell(2, "下属二级单位数", 1, "label"), Cell(3, rec.subordinate_units, 1, "number"),
                                   Cell(4, "财政供养人员数", 1, "label"), Cell(5, rec.funded_staff, 2, "number")], "info"))
        last = first
    else:
        first = last = plan.add(SheetRow([Cell(2, "下属二级单位数", 1, "label"),
                                          Cell(3, rec.subordinate_units, 4, "number")], "info"))
        if rec.funded_staff is not None:
            last = plan.add(SheetRow([Cell(2, "财政供养人员数", 1, "label"),
                                      Cell(3, rec.funded_staff, 4, "number")], "info"))
    plan.spans.append(VSpan(1, first, last, "基本信息"))

    # 预算整体情况: header, two amount rows, header, two amount rows
    first = len(plan.rows)
    for pair in range(2):
        (s1, _), (s2, _) = BUDGET_GRID[2 * pair]
        plan.add(SheetRow([Cell(2, _wrap_header(rng, s1, lay.wrap_headers), 1, "header"),
                           Cell(3, _wrap_header(rng, AMOUNT_HEADER, lay.wrap_headers), 1, "header"),
                           Cell(4, _wrap_header(rng, s2, lay.wrap_headers), 1, "header"),
                           Cell(5, _wrap_header(rng, AMOUNT_HEADER, lay.wrap_headers), 2, "header")],
                          "budget", header=True))
        for row in BUDGET_GRID[2 * pair: 2 * pair + 2]:
            (_, i1), (_, i2) = row
            plan.add(SheetRow([
                Cell(2, i1), _amount_cell(3, rec.budget[i1], rec.printed.get(f"budget.{i1}"), lay, rng),
                Cell(4, i2), _amount_cell(5, rec.budget[i2], rec.printed.get(f"budget.{i2}"), lay, rng, 2)],
                "budget"))
    plan.spans.append(VSpan(1, first, len(plan.rows) - 1, "预算整体情况"))

    goal = "\n".join(extras["goal_lines"]) if extras.get("goal_lines") else rec.shown("overall_goal", rec.overall_goal)
    plan.add(SheetRow([Cell(1, labels["overall_goal"], 1, "label"), Cell(2, goal, 5)], "goal"))

    # 年度重点工作任务
    first = plan.add(SheetRow([Cell(2, _wrap_header(rng, TASK_HEADER[0], lay.wrap_headers), 1, "header"),
                               Cell(3, _wrap_header(rng, TASK_HEADER[1], lay.wrap_headers), 2, "header"),
                               Cell(5, _wrap_header(rng, TASK_HEADER[2], lay.wrap_headers), 1, "header"),
                               Cell(6, _wrap_header(rng, TASK_HEADER[3], lay.wrap_headers), 1, "header")],
                              "tasks", header=True))
    for n, t in enumerate(rec.tasks, 1):
        plan.add(SheetRow([Cell(2, t.name), Cell(3, rec.shown(f"task{n}.content", t.content), 2),
                           _amount_cell(5, t.funds_wan, rec.printed.get(f"task{n}.funds"), lay, rng),
                           Cell(6, t.expected_goal)], "tasks", breakable=n > 1))
    plan.spans.append(VSpan(1, first, len(plan.rows) - 1, labels["tasks"]))

    plan.add(SheetRow([Cell(1, "其他需完成的任务（可选填）", 1, "label"),
                       Cell(2, rec.shown("other_tasks", rec.other_tasks) or None, 5)], "other"))

    _plan_indicators(plan, rec, lay, rng)
    return plan


def _indicator_groups(rec: FormRecord, lay: Layout) -> list[tuple[str, str, list[tuple[int, object]]]]:
    """(level1, level2, [(seq, indicator)]) runs in print order, with the empty headings placed."""
    groups: list[tuple[str, str, list]] = []
    for n, ind in enumerate(rec.indicators, 1):
        if groups and groups[-1][:2] == (ind.level1, ind.level2):
            groups[-1][2].append((n, ind))
        else:
            groups.append((ind.level1, ind.level2, [(n, ind)]))
    for heading in lay.empty_headings:
        l1 = level1_of_heading(heading)
        at = max((k + 1 for k, g in enumerate(groups) if g[0] == l1), default=len(groups))
        groups.insert(at, (l1, heading, []))
    return groups


def _plan_indicators(plan: Plan, rec: FormRecord, lay: Layout, rng: random.Random) -> None:
    single = rec.single_target
    head = SINGLE_TARGET_HEADER if single else INDICATOR_HEADER
    cells = [Cell(2 + k, _wrap_header(rng, h, lay.wrap_headers), 1, "header") for k, h in enumerate(head)]
    if single:
        cells[-1].span = 2
    block_first = plan.add(SheetRow(cells, "indicators", header=True, breakable=True))
    l1_first = None
    groups = _indicator_groups(rec, lay)
    for g, (level1, level2, inds) in enumerate(groups):
        l2_first = len(plan.rows)
        if l1_first is None:
            l1_first = l2_first
        for seq, ind in inds or [(None, None)]:
            if ind is None:  # a heading with nothing under it
                row = [Cell(4, None), Cell(5, None, 2 if single else 1)] + ([] if single else [Cell(6, None)])
            else:
                name = rec.shown(f"ind{seq}.level3", ind.level3)
                if single:
                    row = [Cell(4, name), _target_cell(5, ind.annual_target, lay, 2)]
                else:
                    row = [Cell(4, name), _target_cell(5, ind.period_target, lay),
                           _target_cell(6, ind.annual_target, lay)]
            plan.add(SheetRow(row, "indicators", breakable=True))
        plan.spans.append(VSpan(3, l2_first, len(plan.rows) - 1, level2))
        if g + 1 == len(groups) or groups[g + 1][0] != level1:
            plan.spans.append(VSpan(2, l1_first, len(plan.rows) - 1, level1))
            l1_first = None
    plan.spans.append(VSpan(1, block_first, len(plan.rows) - 1, lay.labels["indicators"]))


def choose_break(plan: Plan, lay: Layout) -> int | None:
    """Index of the row a manual page break goes before, or None."""
    if lay.page_break == "none":
        return None
    if lay.page_break == "before_indicators":
        return next(i for i, r in enumerate(plan.rows) if r.block == "indicators")
    candidates = [i for i, r in enumerate(plan.rows) if r.block == lay.page_break and r.breakable and not r.header]
    if not candidates:
        return None
    return candidates[min(len(candidates) - 1, int(lay.break_at * len(candidates)))]


def plan_with_break(rec: FormRecord, lay: Layout, extras: dict) -> tuple[Plan, int | None]:
    """The row plan and its page break; with `repeat_header_at_break` the block's header row is
    copied to the top of the continuation, and the 一级/二级 labels crossing the break are cut
    around it (the first column's block label still spans both pages)."""
    plan = plan_rows(rec, lay, extras)
    brk = choose_break(plan, lay)
    if brk is None or not lay.repeat_header_at_break or plan.rows[brk].header:
        return plan, brk
    block = plan.rows[brk].block
    header = next(k for k in range(brk, -1, -1) if plan.rows[k].block == block and plan.rows[k].header)
    plan.rows.insert(brk, SheetRow([Cell(c.col, c.value, c.span, c.kind, c.fmt) for c in plan.rows[header].cells],
                                   block, header=True))
    spans = []
    for sp in plan.spans:
        if sp.first >= brk:
            spans.append(VSpan(sp.col, sp.first + 1, sp.last + 1, sp.text, sp.kind))
        elif sp.last < brk:
            spans.append(sp)
        elif sp.col == 1:
            spans.append(VSpan(sp.col, sp.first, sp.last + 1, sp.text, sp.kind))
        else:
            again = sp.text if lay.span_mode in ("merge", "merge_split_repeat") else None
            spans += [VSpan(sp.col, sp.first, brk - 1, sp.text, sp.kind), VSpan(sp.col, brk + 1, sp.last + 1, again, sp.kind)]
    plan.spans = spans
    return plan, brk


def _lines(text: object, width_units: float, font_size: float) -> int:
    if text is None:
        return 1
    per_line = max(1.0, (width_units * POINTS_PER_WIDTH_UNIT - CELL_PADDING_PT) / font_size)
    total = 0
    for part in str(text).split("\n"):
        # a CJK character is one em wide, an ASCII one about half
        ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in part)
        total += max(1, math.ceil(ems / per_line))
    return total


def _number_text(value, fmt: str | None) -> str:
    """A number as its format prints it (the formats this module writes)."""
    if fmt and fmt.endswith("%"):
        places = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
        return f"{value * 100:.{places}f}%"
    grouped = "," if fmt and "," in fmt else ""
    places = 2 if fmt and ".00" in fmt else 0
    return f"{value:{grouped}.{places}f}"


def column_widths(plan: Plan, lay: Layout) -> tuple[list[float], bool]:
    """Column widths and fit-to-width, widened where a number would not fit its cell.

    A number wider than its cell prints as ### (text wraps, numbers do not), and no office
    sends a form like that: the filer widens the column. When that makes the sheet wider
    than the page, fit-to-width is switched on, as the filer would.
    """
    widths = list(lay.col_widths)
    for row in plan.rows:
        for cell in row.cells:
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                need_pt = len(_number_text(cell.value, cell.fmt)) * DIGIT_EM * lay.font_size + CELL_PADDING_PT
                cols = range(cell.col - 1, cell.col - 1 + cell.span)
                have = sum(widths[k] for k in cols)
                if have * POINTS_PER_WIDTH_UNIT < need_pt:
                    widths[cols[-1]] += need_pt / POINTS_PER_WIDTH_UNIT - have
    capacity = ((842 if lay.landscape else 595) - 2 * PAGE_MARGIN_PT) / POINTS_PER_WIDTH_UNIT
    return [round(w, 2) for w in widths], lay.fit_width or sum(widths) > capacity


def _spans_at_break(span: VSpan, brk: int | None, mode: str) -> list[tuple[int, int, str | None]]:
    """The merged ranges (first, last, text) a label becomes; text None: left empty."""
    crosses = brk is not None and span.first < brk <= span.last
    if not crosses or mode == "merge":
        return [(span.first, span.last, span.text)]
    second = span.text if mode == "merge_split_repeat" else None
    return [(span.first, brk - 1, span.text), (brk, span.last, second)]


def build_workbook(  # noqa: C901 (the workbook is written row kind by row kind, as the plan lists them)
rec: FormRecord, lay: Layout, extras: dict) -> tuple[Workbook, int | None]:
    """The workbook and the row index (0-based, into the plan) of its manual page break."""
    plan, brk = plan_with_break(rec, lay, extras)
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效目标表"
    widths, fit_width = column_widths(plan, lay)
    for k, w in enumerate(widths):
        ws.column_dimensions["ABCDEF"[k]].width = w

    side = Side(style=lay.rule_style, color=lay.rule_colour)
    fill = PatternFill("solid", fgColor=lay.header_fill) if lay.header_fill else None
    font = Font(name=lay.font, size=lay.font_size)
    bold = Font(name=lay.font, size=lay.font_size, bold=True)
    amount_align = "center" if lay.centre_amounts else "right"

    def style(c, kind: str) -> None:
        horizontal = {"label": "center", "header": "center", "amount": amount_align, "number": "left",
                      "target": "center", "title": "left"}.get(kind, "left")
        c.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        c.font = bold if kind in ("label", "header") else font
        if fill is not None and kind in ("label", "header"):
            c.fill = fill

    lines_needed = [1] * len(plan.rows)
    for i, row in enumerate(plan.rows):
        r = i + 1
        for cell in row.cells:
            c = ws.cell(r, cell.col, cell.value)
            if cell.kind == "title":
                title_row = i == 0
                c.font = Font(name=lay.font, size=lay.title_size if title_row else lay.font_size, bold=title_row)
                c.alignment = Alignment(horizontal="center" if title_row else ("left" if cell.col == 1 else "right"),
                                        vertical="center")
            else:
                style(c, cell.kind)
            if cell.fmt:
                c.number_format = cell.fmt
            if cell.span > 1:
                ws.merge_cells(start_row=r, start_column=cell.col, end_row=r, end_column=cell.col + cell.span - 1)
            if cell.kind != "title":
                lines_needed[i] = max(lines_needed[i], _lines(cell.value, sum(widths[cell.col - 1: cell.col - 1 + cell.span]),
                                                              lay.font_size))

    no_top: set[tuple[int, int]] = set()  # (excel row, col) whose top rule is left out
    for span in plan.spans:
        if span.first == span.last:
            c = ws.cell(span.first + 1, span.col, span.text)
            style(c, "label")
            lines_needed[span.first] = max(lines_needed[span.first], _lines(span.text, widths[span.col - 1], lay.font_size))
            continue
        if lay.span_mode == "middle_unmerged":
            middle = (span.first + span.last) // 2
            for i in range(span.first, span.last + 1):
                style(ws.cell(i + 1, span.col), "label")
                if i > span.first:
                    no_top.add((i + 1, span.col))
            ws.cell(middle + 1, span.col).value = span.text
            continue
        for first, last, text in _spans_at_break(span, brk, lay.span_mode):
            c = ws.cell(first + 1, span.col, text)
            style(c, "label")
            if last > first:
                ws.merge_cells(start_row=first + 1, start_column=span.col, end_row=last + 1, end_column=span.col)

    table_rows = [i + 1 for i, r in enumerate(plan.rows) if r.block != "title"]
    for r in table_rows:
        for col in range(1, NCOLS + 1):
            top = None if (r, col) in no_top else side
            bottom = None if (r + 1, col) in no_top else side
            ws.cell(r, col).border = Border(left=side, right=side, top=top, bottom=bottom)

    for i, n in enumerate(lines_needed):
        if plan.rows[i].block != "title":
            ws.row_dimensions[i + 1].height = round(n * lay.font_size * LINE_HEIGHT * lay.row_height_factor + 4, 1)
    ws.row_dimensions[1].height = lay.title_size * 2

    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape" if lay.landscape else "portrait"
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ps.fitToWidth, ps.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = PAGE_MARGIN_PT / 72
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:F{len(plan.rows)}"
    if lay.print_title_rows:
        ws.print_title_rows = f"1:{lay.print_title_rows}"
    if lay.footer:
        ws.oddFooter.center.text = lay.footer
        ws.oddFooter.center.size = 9
    if brk is not None:
        ws.row_breaks.append(Break(id=brk))
    return wb, brk
