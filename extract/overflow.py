"""Pages right after a form that detection gave to no form: joined when they plainly carry the
form's table on, flagged when they may.

extract/detect.py ends a form at the first page that heads another table (a short line ending in
表), holds no table, or is blank. A form cut short there would lose the rows printed on the page
with nothing to say so, the worst failure. So the first page after each form that holds anything
(a blank page or two skipped) is looked at for the form's own evidence:

- its top table lines up with the table at the foot of the form's last page (the same column
  rules, at least MIN_COLUMNS columns), or a row of it repeats a header row of one of the
  template's records blocks (一级指标 | 二级指标 | 三级指标 …);
- it carries FLAG_LABELS or more of the template's label names or values of its closed lists
  (a photo's last page of indicator rows, its ruling not found, printed 时效指标, 效益指标 and
  经济效益指标 and no label: it was neither read nor flagged, and nine indicators were lost).

A page that heads no other table and lines up or repeats the header joins the form (the form's
pages then run over the blank pages before it), and the page after it is looked at the same way.
A page that heads another table but lines up with the form or repeats its header, and a page
without a table (its ruling lost) or after a blank page that carries the form's labels, is not
read: the form gets an UNMAPPED_CELL error naming the page. A page headed by another table's
title whose columns are its own (a 政府采购预算表 sharing 财政拨款 and 其他资金 with a project
form) is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .detect import FoundForm, PageScore, label_names
from .flags import Flag, FlagCode
from .model import Box, Cell, Extraction
from .template import Template, label_key, nearest_label

# Column rules of one table on two pages, once the left edges are aligned: a text layer prints
# them to 0.1 pt; scans straightened at 200 dpi place them within about 2 pt (1 px is 0.36 pt).
EDGE_TOLERANCE = 4.0
# How far a continued table may sit sideways from the form's: a scan places each sheet a few
# points apart; a table beside the form's is no continuation of it.
MAX_SHIFT = 30.0
# A table lines up with the form's only with this many columns: two-column tables (label | value)
# are too common to say anything.
MIN_COLUMNS = 3
# Blank pages skipped between a form and a page that may carry it on (a blank verso).
MAX_BLANK = 2
# Label names of the form's template that make a page without a table (or after a blank page)
# suspect. The disclosure's summary tables carry at most two (财政拨款, 其他资金: a project form's
# field labels), and they print another table's title, which lets them go.
FLAG_LABELS = 2
# closed-list values this long or longer count as the form's words wherever a text holds them
# (every value of the indicator levels is 4 characters or more: 产出指标 … 服务对象满意度指标)
MIN_VALUE = 4


@dataclass(frozen=True)
class LeftPage:
    """A page after a form that may carry some of it and was not read into it."""

    page: int
    why: str
    block: str | None  # the records block whose header it repeats, if it does
    box: Box | None


def _page_tables(ex: Extraction, page: int) -> list[list[Cell]]:
    """The cells on `page` of each table that has some there, top table first."""
    parts = [[c for c in t.cells if c.page == page] for t in ex.tables]
    return sorted((p for p in parts if p), key=lambda cells: min(c.box.y0 for c in cells))


def _edges(cells: list[Cell]) -> list[float]:
    xs = sorted({round(x, 1) for c in cells for x in (c.box.x0, c.box.x1)})
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > EDGE_TOLERANCE:
            out.append(x)
    return out


def lines_up(form_cells: list[Cell], page_cells: list[Cell]) -> bool:
    """Does the page's table carry the same column rules as the form's (left edges aligned)?"""
    a, b = _edges(form_cells), _edges(page_cells)
    if len(b) < MIN_COLUMNS + 1 or len(a) < MIN_COLUMNS + 1:
        return False
    shift = b[0] - a[0]
    if abs(shift) > MAX_SHIFT or abs((b[-1] - b[0]) - (a[-1] - a[0])) > EDGE_TOLERANCE:
        return False
    return all(any(abs(x - shift - y) <= EDGE_TOLERANCE for y in a) for x in b)


def _named(text: str, ocr: bool, table: dict[str, str]) -> str | None:
    key = label_key(text)
    if key in table:
        return table[key]
    near = nearest_label(key, table) if ocr else None
    return table[near] if near else None


def header_block(cells: list[Cell], tpl: Template) -> str | None:
    """The records block of `tpl` a row of `cells` names two or more columns of (a header row)."""
    rows: dict[int, list[Cell]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c)
    for block in tpl.blocks.values():
        if block.kind != "records":
            continue
        table = {label_key(v): col for col, variants in block.columns.items() for v in variants}
        for row in rows.values():
            if len({n for c in row if (n := _named(c.text, c.source == "ocr", table))}) >= 2:
                return block.name
    return None


def _values(tpl: Template) -> dict[str, str]:
    """The values of the template's closed lists (产出指标, 时效指标), key -> the name each counts for."""
    return {label_key(v): f"value:{b.name}.{col}:{label_key(v)}"
            for b in tpl.blocks.values() for col, values in b.values.items() for v in values
            if len(label_key(v)) >= MIN_VALUE}


def _label_hits(ex: Extraction, page: int, tpl: Template) -> list[str]:
    """The template's label names printed on the page, in its cells or its loose lines, and the
    values of its closed lists held in them: a page of indicator rows carried on overleaf prints
    no label, only those, and with its ruling lost its loose lines run across the columns
    (效益指标经济效益指标学前教育学位资金使逐步提升)."""
    table, values = label_names(tpl), _values(tpl)
    found: dict[str, str] = {}
    texts = [(c.text, c.source == "ocr") for t in ex.tables for c in t.cells if c.page == page]
    texts += [(ln.text, ln.confidence < 1.0) for ln in ex.lines if ln.page == page]
    for text, ocr in texts:
        for part in text.splitlines() or [text]:
            key = label_key(part)
            named = [(_named(part, ocr, table), part.strip())] + [(name, v) for v, name in values.items() if v in key]
            for name, shown in named:
                if name and name not in found:
                    found[name] = shown
    return list(found.values())


def _blank(ex: Extraction, page: int) -> bool:
    return not any(ln.page == page and ln.text.strip() for ln in ex.lines) and not any(
        c.page == page and c.text.strip() for t in ex.tables for c in t.cells)


def _box(cells: list[Cell]) -> Box | None:
    if not cells:
        return None
    return Box(min(c.box.x0 for c in cells), min(c.box.y0 for c in cells),
               max(c.box.x1 for c in cells), max(c.box.y1 for c in cells))


def follow(ex: Extraction, forms: list[FoundForm], scores: list[PageScore]) -> tuple[list[FoundForm], list[list[LeftPage]]]:
    """The forms with the pages that plainly carry them on joined, and per form the pages after
    it that may carry some of it but were not read into it."""
    out: list[FoundForm] = []
    left: list[list[LeftPage]] = []
    for i, form in enumerate(forms):
        stop = forms[i + 1].first_page if i + 1 < len(forms) else ex.pages + 1
        doubts: list[LeftPage] = []
        while True:
            page, skipped = form.last_page + 1, 0
            while page < stop and skipped < MAX_BLANK and _blank(ex, page):
                page, skipped = page + 1, skipped + 1
            if page >= stop or _blank(ex, page):
                break
            verdict = _judge(ex, form, scores, page, skipped)
            if verdict is None:
                break
            if isinstance(verdict, LeftPage):
                doubts.append(verdict)
                break
            form = replace(form, last_page=page)
        out.append(form)
        left.append(doubts)
    return out, left


def _judge(ex: Extraction, form: FoundForm, scores: list[PageScore], page: int, skipped: int) -> LeftPage | bool | None:
    """True: the page carries the form on; a LeftPage: it may, and is not read; None: not the form's."""
    tpl = form.template
    s = scores[page - 1]
    title = s.heads_other_table(scores[form.first_page - 1]) if s.title[tpl.form_type] == 0 else None
    tables = _page_tables(ex, page)
    foot = _page_tables(ex, form.last_page)
    foot_cells = max(foot, key=lambda cells: max(c.box.y1 for c in cells)) if foot else []
    top = tables[0] if tables else []
    aligned = bool(top) and lines_up(foot_cells, top)
    block = header_block([c for cells in tables for c in cells], tpl)
    if tables and title is None and (aligned or block):
        return True
    box = _box(top)
    if aligned or block:
        why = ("its table lines up with the form's table" if aligned else
               f"it repeats the header of the form's {block} block")
        return LeftPage(page, f"{why}, under the title “{title}”", block, box)
    if title is not None:
        return None  # another table, with columns of its own
    hits = _label_hits(ex, page, tpl)
    if len(hits) >= FLAG_LABELS and (not tables or skipped):
        where = "holds no ruled table" if not tables else f"comes after {skipped} blank page(s)"
        return LeftPage(page, f"it carries the form's labels {', '.join(hits[:4])} and {where}", None, box)
    return None


def left_page_flags(form: FoundForm, left: list[LeftPage], open_block: str | None) -> list[Flag]:
    """UNMAPPED_CELL errors for each page left out, on every dataset whose rows it may hold."""
    names = {"budget": "budget_items", "tasks": "tasks", "indicators": "indicators"}
    flags = []
    for lp in left:
        # the block whose header it repeats; else the block open at the form's end and the
        # document's own fields, which may follow that block (其他需完成的任务 after the tasks)
        datasets = [names[lp.block]] if lp.block in names else [names.get(open_block or "", "documents"), "documents"]
        b = lp.box
        for dataset in dict.fromkeys(datasets):
            flags.append(Flag(dataset, None, None, FlagCode.UNMAPPED_CELL, "error",
                              f"Page {lp.page} follows this form (pages {form.first_page}-{form.last_page}) and {lp.why}, "
                              f"but was not read as part of it; check whether rows of the form are printed there.",
                              lp.page, *((b.x0, b.y0, b.x1, b.y1) if b else (None,) * 4)))
    return flags

