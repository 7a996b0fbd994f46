"""Render a FormRecord as a born-digital, ruled-table PDF the way government forms are printed.

The form is one logical table.  Rows never split across pages; merged cells in the
block-label column and the 一级/二级指标 columns are split into one box per page, the
continuation box drawn empty or with the label repeated, as real forms do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from corpus.forms import BUDGET_GRID, FormRecord, group_thousands

FONT_FILES = {
    "serif": ("UMing", "/usr/share/fonts/truetype/arphic/uming.ttc", 0.88),
    "sans": ("WQYZenHei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0.80),
}
DEFAULT_LABELS = {"department": "部门名称", "overall_goal": "总体绩效目标",
                  "tasks": "年度重点工作任务", "indicators": "绩效指标"}
ALT_LABELS = {"department": "单位名称", "overall_goal": "部门整体绩效目标",
              "tasks": "年度主要任务", "indicators": "年度绩效指标"}
TASK_HEADER = ["名称", "主要实施内容", "拟投入的资金（万元）", "期望达到的目标（概述）"]
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值"]
SINGLE_TARGET_HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]


@dataclass
class Style:
    font: str = "serif"                 # serif | sans
    font_size: float = 10.5
    landscape: bool = False
    margin_x: float = 50
    margin_top: float = 60
    margin_bottom: float = 60
    line_width: float = 0.75
    padding: float = 3
    leading: float = 1.3                # line height as a multiple of the font size
    label_width: float = 0.13           # block-label column, fraction of the table width
    # Fractions of the width right of the block-label column.
    budget_cols: tuple[float, ...] = (0.27, 0.23, 0.27, 0.23)
    task_cols: tuple[float, ...] = (0.17, 0.45, 0.15, 0.23)
    indicator_cols: tuple[float, ...] = (0.13, 0.15, 0.34, 0.19, 0.19)  # 4 when one 指标值 column
    amount_align: str = "right"         # right | center
    labels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    repeat_headers: bool = False        # repeat the block's header row on a continuation page
    repeat_task_label: bool = True      # label text in continuation parts of budget/task label cells
    repeat_indicator_labels: bool = False  # same for 绩效指标 and the 一级/二级 cells
    subtitle: bool = False              # 填报单位（盖章）…金额单位：万元 under the title
    footer: bool = False                # 第 N 页 共 M 页
    break_before_indicator: int | None = None  # force a page break before this indicator seq


@dataclass
class Box:
    x0: float
    x1: float
    text: str
    align: str = "auto"   # auto: centred when it fits one line, else left
    nowrap: bool = False


@dataclass
class Row:
    boxes: list[Box]
    block: str | None = None
    is_header: bool = False
    keep_with_next: bool = False
    break_before: bool = False


@dataclass
class Span:
    """A merged cell over several rows of one column."""
    x0: float
    x1: float
    text: str
    rows: set[int]
    repeat: bool


_OPENING = set("（《“‘「【")
_CLOSING = set("，。、；：？！）》”’」】%…")
_TOKEN = re.compile(r"[!-~]+|.", re.S)


def _tokens(text: str) -> list[str]:
    """Unbreakable units: ASCII runs, single CJK chars, punctuation glued to its neighbour."""
    out: list[str] = []
    glue_next = False
    for tok in _TOKEN.findall(text):
        if out and (glue_next or tok[0] in _CLOSING):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok[-1] in _OPENING
    return out


class Typesetter:
    def __init__(self, style: Style):
        name, path, ascent = FONT_FILES[style.font]
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        self.font, self.size, self.ascent = name, style.font_size, ascent
        self.pad, self.lead = style.padding, style.font_size * style.leading

    def width(self, s: str, size: float | None = None) -> float:
        return _string_width(s, self.font, size or self.size)

    def wrap(self, text: str, width: float) -> list[str]:
        avail = width - 2 * self.pad
        lines, cur = [], ""
        for tok in _tokens(text):
            if self.width(cur + tok) <= avail or not cur:
                if not cur and self.width(tok) > avail:   # longer than the cell: break by chars
                    for ch in tok:
                        if cur and self.width(cur + ch) > avail:
                            lines.append(cur)
                            cur = ""
                        cur += ch
                else:
                    cur += tok
            else:
                lines.append(cur)
                cur = tok
        return lines + [cur] if cur else lines or [""]

    def lines_of(self, box: Box) -> list[str]:
        if box.nowrap:
            if self.width(box.text) > box.x1 - box.x0 - 2 * self.pad:
                raise ValueError(f"{box.text!r} does not fit its column")
            return [box.text]
        return self.wrap(box.text, box.x1 - box.x0)

    def height(self, box: Box) -> float:
        return len(self.lines_of(box)) * self.lead + 2 * self.pad if box.text else 0.0


@cache
def _string_width(s: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(s, font, size)


def _edges(x0: float, x1: float, fracs: tuple[float, ...]) -> list[float]:
    xs, acc = [x0], 0.0
    for f in fracs:
        acc += f
        xs.append(x0 + (x1 - x0) * acc / sum(fracs))
    xs[-1] = x1
    return xs


def _widen(ts: Typesetter, xs: list[float], col: int, texts: list[str]) -> None:
    """Amounts never wrap: grow column `col` leftwards (shrinking its left neighbour) to fit them."""
    need = max(ts.width(t) for t in texts) + 2 * ts.pad + 2
    xs[col] = min(xs[col], xs[col + 1] - need)


def build_table(rec: FormRecord, st: Style, ts: Typesetter, left: float,
                right: float) -> tuple[list[Row], list[Span]]:
    """Lay the record out as rows of boxes plus merged-cell spans (x positions only)."""
    lab = left + (right - left) * st.label_width
    rows: list[Row] = []
    spans: list[Span] = []

    def add(boxes: list[Box], **kw) -> int:
        rows.append(Row(boxes, **kw))
        return len(rows) - 1

    def block_span(label: str, ids: list[int], repeat: bool) -> None:
        spans.append(Span(left, lab, label, set(ids), repeat))

    add([Box(left, lab, st.labels["department"]), Box(lab, right, rec.department)])
    bx = _edges(lab, right, st.budget_cols)
    for col in (1, 3):
        items = [row[col // 2][1] for row in BUDGET_GRID]
        _widen(ts, bx, col, [rec.shown(f"budget.{i}", group_thousands(rec.budget[i])) for i in items])
    info = [add([Box(lab, bx[1], "下属二级单位数"), Box(bx[1], right, str(rec.subordinate_units))])]
    if rec.funded_staff is not None:
        info.append(add([Box(lab, bx[1], "财政供养人员数"), Box(bx[1], right, str(rec.funded_staff))]))
    block_span("基本信息", info, True)

    ids = []
    for r, grid_row in enumerate(BUDGET_GRID):
        if r % 2 == 0:
            (s1, _), (s2, _) = grid_row
            ids.append(add([Box(bx[0], bx[1], s1), Box(bx[1], bx[2], "预算金额（万元）"),
                            Box(bx[2], bx[3], s2), Box(bx[3], bx[4], "预算金额（万元）")],
                           block="budget", is_header=True, keep_with_next=True))
        cells = []
        for c, (_, item) in enumerate(grid_row):
            amount = rec.shown(f"budget.{item}", group_thousands(rec.budget[item]))
            cells += [Box(bx[2 * c], bx[2 * c + 1], item),
                      Box(bx[2 * c + 1], bx[2 * c + 2], amount, st.amount_align, nowrap=True)]
        ids.append(add(cells, block="budget"))
    block_span("预算整体情况", ids, st.repeat_task_label)

    add([Box(left, lab, st.labels["overall_goal"]), Box(lab, right, rec.shown("overall_goal", rec.overall_goal))])

    tx = _edges(lab, right, st.task_cols)
    _widen(ts, tx, 2, [rec.shown(f"task{n}.funds", group_thousands(t.funds_wan)) for n, t in enumerate(rec.tasks, 1)])
    ids = [add([Box(tx[i], tx[i + 1], h) for i, h in enumerate(TASK_HEADER)],
               block="tasks", is_header=True, keep_with_next=True)]
    for n, t in enumerate(rec.tasks, 1):
        funds = rec.shown(f"task{n}.funds", group_thousands(t.funds_wan))
        ids.append(add([Box(tx[0], tx[1], t.name), Box(tx[1], tx[2], rec.shown(f"task{n}.content", t.content)),
                        Box(tx[2], tx[3], funds, st.amount_align, nowrap=True),
                        Box(tx[3], tx[4], t.expected_goal)], block="tasks"))
    block_span(st.labels["tasks"], ids, st.repeat_task_label)

    add([Box(left, lab, "其他需完成的任务（可选填）"), Box(lab, right, rec.shown("other_tasks", rec.other_tasks))])

    single = rec.single_target
    header = SINGLE_TARGET_HEADER if single else INDICATOR_HEADER
    ix = _edges(lab, right, st.indicator_cols[: len(header)])
    ids = [add([Box(ix[i], ix[i + 1], h) for i, h in enumerate(header)],
               block="indicators", is_header=True, keep_with_next=True)]
    groups: dict[tuple[int, str], list[int]] = {}
    for n, ind in enumerate(rec.indicators, 1):
        targets = [ind.annual_target] if single else [ind.period_target or "", ind.annual_target]
        cells = [Box(ix[2], ix[3], rec.shown(f"ind{n}.level3", ind.level3))]
        cells += [Box(ix[3 + i], ix[4 + i], t) for i, t in enumerate(targets)]
        rid = add(cells, block="indicators", break_before=n == st.break_before_indicator)
        ids.append(rid)
        groups.setdefault((1, ind.level1), []).append(rid)
        groups.setdefault((2, ind.level1 + "/" + ind.level2), []).append(rid)
    block_span(st.labels["indicators"], ids, st.repeat_indicator_labels)
    for (level, key), members in groups.items():
        spans.append(Span(ix[level - 1], ix[level], key.split("/")[-1], set(members), st.repeat_indicator_labels))
    return rows, spans


Pages = list[list[tuple[int, float]]]   # per page: (row id, y of the row's top edge)


def paginate(rows: list[Row], heights: list[float], first_top: float, top: float,
             bottom: float, st: Style) -> Pages:
    pages: Pages = [[]]
    y = first_top
    header_of: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.is_header and row.block:
            header_of[row.block] = i
        need = heights[i] + (heights[i + 1] if row.keep_with_next else 0)
        if pages[-1] and (row.break_before or y - need < bottom):
            pages.append([])
            y = top
            if st.repeat_headers and not row.is_header and row.block in ("tasks", "indicators"):
                h = header_of[row.block]
                pages[-1].append((h, y))
                y -= heights[h]
        pages[-1].append((i, y))
        y -= heights[i]
    return pages


def span_parts(span: Span, pages: Pages, heights: list[float]) -> list[tuple[int, float, float, int]]:
    """(page, top, bottom, last row id) of each per-page piece of a merged cell."""
    parts = []
    for p, placed in enumerate(pages):
        mine = [(rid, y) for rid, y in placed if rid in span.rows]
        if mine:
            parts.append((p, mine[0][1], mine[-1][1] - heights[mine[-1][0]], mine[-1][0]))
    return parts


def layout(rows: list[Row], spans: list[Span], ts: Typesetter, first_top: float, top: float,
           bottom: float, st: Style) -> tuple[Pages, list[float]]:
    min_h = ts.lead + 2 * ts.pad + 4
    heights = [max([min_h] + [ts.height(b) for b in r.boxes]) for r in rows]
    for i, hgt in enumerate(heights):
        if hgt > top - bottom - min_h:
            raise ValueError(f"row {i} is taller than a page ({hgt:.0f} pt)")
    for _ in range(20):
        # Grow rows until every merged cell piece that shows text can hold it; repaginate.
        pages = paginate(rows, heights, first_top, top, bottom, st)
        changed = False
        for span in spans:
            need = ts.height(Box(span.x0, span.x1, span.text))
            for k, (_, ytop, ybot, last) in enumerate(span_parts(span, pages, heights)):
                if (k == 0 or span.repeat) and ytop - ybot < need - 0.01:
                    heights[last] += need - (ytop - ybot)
                    changed = True
        if not changed:
            return pages, heights
    raise RuntimeError("layout did not settle")


def _cell(c: canvas.Canvas, ts: Typesetter, box: Box, ytop: float, ybot: float, text: bool = True) -> None:
    for x0, y0, x1, y1 in ((box.x0, ytop, box.x1, ytop), (box.x0, ybot, box.x1, ybot),
                           (box.x0, ytop, box.x0, ybot), (box.x1, ytop, box.x1, ybot)):
        c.line(x0, y0, x1, y1)
    if not (text and box.text):
        return
    lines = ts.lines_of(box)
    align = box.align if box.align != "auto" else ("center" if len(lines) == 1 else "left")
    y = (ytop + ybot) / 2 + len(lines) * ts.lead / 2
    for line in lines:
        base = y - (ts.lead - ts.size) / 2 - ts.size * ts.ascent
        if align == "left":
            c.drawString(box.x0 + ts.pad, base, line)
        elif align == "right":
            c.drawRightString(box.x1 - ts.pad, base, line)
        else:
            c.drawCentredString((box.x0 + box.x1) / 2, base, line)
        y -= ts.lead


def render(rec: FormRecord, st: Style, path: str) -> int:
    """Write the PDF; returns its page count."""
    width, height = landscape(A4) if st.landscape else A4
    ts = Typesetter(st)
    left, right = st.margin_x, width - st.margin_x
    rows, spans = build_table(rec, st, ts, left, right)

    title_size = st.font_size + 6
    title_base = height - st.margin_top - title_size
    first_top = title_base - title_size * 0.9
    if st.subtitle:
        sub_base = first_top - st.font_size
        first_top = sub_base - st.font_size * 0.8
    pages, heights = layout(rows, spans, ts, first_top, height - st.margin_top, st.margin_bottom, st)

    c = canvas.Canvas(path, pagesize=(width, height), invariant=1)
    for p, placed in enumerate(pages):
        c.setLineWidth(st.line_width)
        if p == 0:
            c.setFont(ts.font, title_size)
            c.drawCentredString(width / 2, title_base, rec.title)
            if st.subtitle:
                c.setFont(ts.font, st.font_size)
                c.drawString(left, sub_base, f"填报单位（盖章）：{rec.department}\u3000\u3000金额单位：万元")
        c.setFont(ts.font, st.font_size)
        for rid, ytop in placed:
            for box in rows[rid].boxes:
                _cell(c, ts, box, ytop, ytop - heights[rid])
        for span in spans:
            for k, (sp, ytop, ybot, _) in enumerate(span_parts(span, pages, heights)):
                if sp == p:
                    _cell(c, ts, Box(span.x0, span.x1, span.text), ytop, ybot, text=k == 0 or span.repeat)
        if st.footer:
            c.drawCentredString(width / 2, st.margin_bottom / 2, f"第 {p + 1} 页 共 {len(pages)} 页")
        c.showPage()
    c.save()
    return len(pages)
