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

CRUMB_CHARS = 2  # seal-ring residue in a label cell read as lines of 1-2 characters (dev scans: 1, 7, H, 家);
# a second label or a value sharing the cell is longer, so it still stops the match
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
        # per records block: the last header row seen (x-ranges), for the block continued in a new table
        self.headers: dict[str, list[tuple[str, float, float]]] = {}
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
        near = nearest_label(key, table) or self._label_among_crumbs(c.text, table)
        if near is None:
            return None
        self.form.notes.append(("cells", None, None, "LABEL_SNAPPED", "info",
                                f"“{c.text}” (page {c.page}) was read as the label “{near}”."))
        return table[near]

    @staticmethod
    def _label_among_crumbs(text: str, table: dict[str, str]) -> str | None:
        """A label on consecutive lines of an OCR'd cell whose other lines are crumbs.

        A grey seal's ring over a tall label cell reads as lines of one or two
        characters ("绩效指标\n1\n7\nH\n家"); colour cannot take a grey seal out,
        and the crumbs hid the label, which lost the whole block. Only lines of
        at most CRUMB_CHARS characters may be ignored, so a cell holding a label
        and real text (two labels, a label and a value) never matches here.
        """
        lines = [label_key(ln) for ln in text.splitlines()]
        lines = [ln for ln in lines if ln]
        found = set()
        for i in range(len(lines)):
            for j in range(i + 1, len(lines) + 1):
                rest = lines[:i] + lines[j:]
                if not rest or any(len(ln) > CRUMB_CHARS for ln in rest):
                    continue
                run = "".join(lines[i:j])
                hit = run if run in table else nearest_label(run, table)
                if hit is not None:
                    found.add(hit)
        return found.pop() if len(found) == 1 else None

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
                unlabelled = lead is None or lead.row != r or not label_key(lead.text)
                if self.pending and unlabelled:
                    self._open_by_header()
                else:
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
                    self.header = self.headers[block.name] = self.pending[1]
                    self.form.columns[block.name] = tuple(col for col, _, _ in self.header)
                elif block.kind == "records":
                    # the block again in a table of its own (a page whose repeated title kept its
                    # table from joining the one before): its header row stayed on that page
                    self.header = self.headers.get(block.name)
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

    def _open_by_header(self) -> None:
        """A records block whose column header row stands under no label opens by that header.

        A table cut by a page break prints the block's merged label cell on the
        page where most of its rows are; the rows above the break sit beside
        an empty first column, and would be lost waiting for a label. The
        header row (three or more of the block's column names) says what
        they are; the label, when it comes, continues the same block.
        """
        assert self.pending is not None  # the caller checked
        name, header = self.pending
        self.block, self.header = self.tpl.blocks[name], header
        self.headers[name] = header
        self.form.columns[name] = tuple(col for col, _, _ in header)
        self.pending = None

    def _fields(self, cells: list[Cell], t: Table) -> None:
        for i, c in enumerate(cells):
            name = self.find(self.fields, c)
            if name and i + 1 < len(cells) and name not in self.form.fields:
                self.form.fields[name] = ref(cells[i + 1], t)

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
                self.headers[spec.name] = self.header
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
    form.notes.extend(ex.notes)
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
