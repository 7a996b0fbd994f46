"""Grid -> form record, driven by a declarative template.

The walk knows no row numbers: the label in a table's first column opens a
block (records, label/amount pairs) or names a field; an empty first-column
cell (a merged label split by a page break) keeps the block open; an unknown
label closes it. Inside a records block the first row names the columns and
each later row is matched to them by horizontal overlap, so merged cells that
start above a row still give it their value.
"""
from __future__ import annotations

import re

from .model import Cell, Extraction, Table, TextLine
from .record import EMPTY, CellRef, RawBudgetItem, RawForm, RawRecord
from .template import BlockSpec, Template, label_key, nearest_label

_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")


def ref(c: Cell, table: Table) -> CellRef:
    return CellRef(c.text, c.page, c.box, c.confidence, table.table_no, c.row, c.col, c.source)


def _overlap(c: Cell, x0: float, x1: float) -> float:
    return max(0.0, min(c.box.x1, x1) - max(c.box.x0, x0))


def _best(cells: list[Cell], x0: float, x1: float) -> Cell | None:
    """The cell that covers most of the column [x0, x1] (at least a third of it)."""
    best, score = None, 0.0
    for c in cells:
        ov = _overlap(c, x0, x1)
        if ov > score:
            best, score = c, ov
    return best if best is not None and score >= (x1 - x0) / 3 else None


def find_title(lines: list[TextLine], tpl: Template) -> CellRef:
    first = [ln for ln in lines if ln.page == min((line.page for line in lines), default=1)]
    hits = [ln for ln in first if any(k in label_key(ln.text) for k in tpl.title_keywords)]
    pool = hits or first
    if not pool:
        return EMPTY
    ln = max(pool, key=lambda line: (line.size, -line.box.y0))
    return CellRef(ln.text, ln.page, ln.box, ln.confidence)


class _Walk:
    """State of one pass over a table's rows."""

    def __init__(self, tpl: Template, form: RawForm):
        self.tpl, self.form = tpl, form
        self.fields = tpl.field_by_label
        self.blocks = tpl.block_by_label
        # per records block: printed column label -> column name
        self.columns = {b.name: {label_key(v): col for col, variants in b.columns.items() for v in variants}
                        for b in tpl.blocks.values() if b.kind == "records"}
        self.block: BlockSpec | None = None
        self.header: list[tuple[str, float, float]] | None = None
        # a header row printed above its block label (flattened exports do this)
        self.pending: tuple[str, list[tuple[str, float, float]]] | None = None

    def find(self, table: dict[str, str], c: Cell) -> str | None:
        """What a cell's label means in `table`: exactly, or (OCR'd cells only) within an edit or two.

        An OCR misread of a label would otherwise lose a whole block; the
        repair is reported as an info flag.
        """
        key = label_key(c.text)
        if key in table:
            return table[key]
        if c.source != "ocr":
            return None
        near = nearest_label(key, table)
        if near is None:
            return None
        self.form.notes.append(("cells", None, None, "LABEL_SNAPPED", "info",
                                f"“{c.text}” (page {c.page}) was read as the label “{near}”."))
        return table[near]

    def table(self, t: Table) -> None:
        self.block, self.header = None, None
        for r in range(t.n_rows):
            covering = t.cells_covering_row(r)
            if not any(c.row == r for c in covering):
                continue
            lead = covering[0] if covering[0].col == 0 else None
            body = [c for c in covering if c is not lead]
            if lead is not None and lead.row == r:
                if self._slid_record(lead, covering):
                    body = covering  # an indicator name slid into the label column
                else:
                    self._label(lead)
            if self.block is None:
                self._pending_header(body)
                self._fields(covering, t)
            elif self.block.kind == "pairs":
                self._pairs(body, r, t)
            else:
                self._records(body, r, t)

    def _label(self, lead: Cell) -> None:
        key = label_key(lead.text)
        if not key:
            return  # split merged label: the block goes on
        name = self.find(self.blocks, lead)
        if name is not None:
            block = self.tpl.blocks[name]
            if block is not self.block:  # the same label again is a continued block
                self.block, self.header = block, None
                if self.pending and self.pending[0] == block.name:
                    self.header = self.pending[1]
                    self.form.columns[block.name] = tuple(col for col, _, _ in self.header)
        else:
            self.block, self.header = None, None
        self.pending = None

    def _slid_record(self, lead: Cell, covering: list[Cell]) -> bool:
        """In a records block, is an unknown first-column text a record's name rather than a label?

        Only when the rest of the row carries numbers (targets, amounts): a new
        section label is followed by prose or nothing.
        """
        key = label_key(lead.text)
        if self.block is None or self.block.kind != "records" or self.header is None:
            return False
        if not key or key in self.blocks or key in self.fields:
            return False
        return any(any(ch.isdigit() for ch in c.text) for c in covering[1:])

    def _pending_header(self, body: list[Cell]) -> None:
        for name, wanted in self.columns.items():
            named = [(col, c.box.x0, c.box.x1) for c in body if (col := self.find(wanted, c))]
            if len(named) >= 3:
                self.pending = (name, named)

    def _fields(self, cells: list[Cell], t: Table) -> None:
        for i, c in enumerate(cells):
            name = self.find(self.fields, c)
            if not name or name in self.form.fields:
                continue
            # the row up to the label: a unit printed there (项目资金（元）) applies to its value
            self.form.label_rows[name] = " ".join(x.text for x in cells[:i + 1])
            right = cells[i + 1] if i + 1 < len(cells) else None
            if right is not None and label_key(right.text) not in self.fields:
                self.form.fields[name] = ref(right, t)
            elif self.tpl.fields[name].kind == "longtext":
                # labels side by side over their texts (项目总体目标 | 年度总体目标): the cell below
                below = _best([x for x in t.cells_covering_row(c.last_row + 1) if x.row == c.last_row + 1],
                              c.box.x0, c.box.x1)
                if below is not None:
                    self.form.fields[name] = ref(below, t)
            elif right is not None:
                self.form.fields[name] = ref(right, t)

    def _pairs(self, body: list[Cell], r: int, t: Table) -> None:
        sections = {label_key(s): s for s in self.block.sections}
        named = [(sec, c.box.x0, c.box.x1) for c in body if (sec := self.find(sections, c))]
        if named:
            self.header = named
            return
        if not self.header:
            return
        for i in range(0, len(body) - 1):
            lab, val = body[i], body[i + 1]
            if lab.row != r or not label_key(lab.text):
                continue
            sec = next((name for name, x0, x1 in self.header if x0 - 2 <= (lab.box.x0 + lab.box.x1) / 2 <= x1 + 2), None)
            if sec is None:
                continue
            items = {label_key(i): i for i in self.block.items}
            item = self.find(items, lab) if items else None
            if item is None and items and lab.source == "ocr":
                # a printed form may name an item the template lacks; a scan's unknown item
                # is more likely a misread one, and the row would be silently mislabelled
                self.form.notes.append(("budget_items", len(self.form.budget), "item", "VOCAB_UNKNOWN", "error",
                                        f"“{lab.text}” (page {lab.page}) is none of the template's budget "
                                        f"items; check the item's name."))
            self.form.budget.append(RawBudgetItem(sec, item or lab.text, ref(val, t)))

    def _records(self, body: list[Cell], r: int, t: Table) -> None:
        spec = self.block
        wanted = self.columns[spec.name]
        named = [(col, c) for c in body if c.row == r and (col := self.find(wanted, c))]
        if self.header is None:
            if len(named) >= 2:
                self.header = [(col, c.box.x0, c.box.x1) for col, c in named]
                self.form.columns[spec.name] = tuple(col for col, _ in named)
            return
        if len(named) >= 2 and len(named) * 2 >= len([c for c in body if c.text]):
            return  # a header row repeated on a continuation page
        rec = {}
        for col, x0, x1 in self.header:
            c = _best(body, x0, x1)
            rec[col] = ref(c, t) if c is not None else EMPTY
        starts = [c for c in body if c.row == r]
        if not any(c.text.strip() for c in starts):
            return
        texts = tuple(ref(c, t) for c in body if c.text.strip() and label_key(c.text) not in self.blocks)
        getattr(self.form, spec.name).append(RawRecord(rec, min(c.page for c in starts), texts))


def map_form(ex: Extraction, tpl: Template) -> RawForm:
    form = RawForm(tpl.form_type, find_title(ex.lines, tpl))
    walk = _Walk(tpl, form)
    for t in ex.tables:
        walk.table(t)
    form.loose_text = [ln.text for ln in ex.lines]
    return form


def find_year(form: RawForm) -> int | None:
    """The budget year: title first, then a 预算年度 field, then the first year in the texts."""
    candidates = [form.title.text]
    by = form.fields.get("budget_year")
    if by and re.fullmatch(r"\s*(19|20)\d{2}\s*年?\s*", by.text):
        return int(re.sub(r"\D", "", by.text))
    candidates += form.loose_text
    candidates += [form.fields[k].text for k in ("overall_goal",) if k in form.fields]
    for text in candidates:
        m = _YEAR.search(text or "")
        if m:
            return int(m.group(1))
    return None
