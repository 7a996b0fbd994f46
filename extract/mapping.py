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
from dataclasses import replace

from .accounting import unaccounted
from .budgetguess import AMOUNT_LIKE, BudgetGuesses, fits_item
from .columns import best_under, distinct_columns, followed, under_columns
from .flags import Flag, FlagCode
from .model import Cell, Extraction, Table, TextLine
from .record import EMPTY, CellRef, RawBudgetItem, RawForm, RawRecord
from .template import BlockSpec, Template, has_hanzi, label_key, nearest_label

CRUMB_CHARS = 2  # seal-ring residue in a label cell read as lines of 1-2 characters (dev scans: 1, 7, H, 家);
# a second label or a value sharing the cell is longer, so it still stops the match
# a table of one cell, read this unsurely and this short, is no part of the form either: a large
# bold title's strokes and the ruling under it closed into a box, read "L须双" at 0.46, which as
# an unknown label closed the task block and lost the two task rows under it (an office scan)
SPECK_TABLE_CHARS = 4
SPECK_TABLE_CONFIDENCE = 0.5
# a cell with no hanzi read below this is a mark's crumb when nothing else is in its row: a pen
# stroke's pieces read "v" at 0.26, "1" at 0.61 (two characters: a crumb whatever its confidence)
# and "1ZmVV" at 0.54; a value under a seal is capped at 0.6 (extract/scanned.py) and stays a value
CRUMB_CONFIDENCE = 0.6
_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
# a title cell inside a table (2024年市级部门整体预算绩效目标表 is 18 characters)
MAX_TITLE = 40
def ref(c: Cell, table: Table) -> CellRef:
    return CellRef(c.text, c.page, c.box, c.confidence, table.table_no, c.row, c.col, c.source)


def _residue_only(t: Table) -> bool:
    """An OCR'd table whose every non-empty cell holds at most CRUMB_CHARS characters, or a
    one-cell table holding a short unsure reading (see SPECK_TABLE_CHARS)."""
    if not any(c.source == "ocr" for c in t.cells):
        return False
    read = [(key, c.confidence) for c in t.cells if (key := label_key(c.text))]
    if len(read) == 1 and len(t.cells) == 1:
        key, confidence = read[0]
        if len(key) <= SPECK_TABLE_CHARS and confidence < SPECK_TABLE_CONFIDENCE:
            return True
    return all(len(key) <= CRUMB_CHARS for key, _ in read)


def _crumb(c: Cell) -> bool:
    """An OCR'd cell holding what a mark leaves: no hanzi, and a character or two or read unsurely."""
    key = label_key(c.text)
    return (c.source == "ocr" and not has_hanzi(key)
            and (len(key) <= CRUMB_CHARS or c.confidence < CRUMB_CONFIDENCE))


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
        self.sections = {b.name: {label_key(s): s for s in b.sections}
                         for b in tpl.blocks.values() if b.kind == "pairs"}
        self.known = {label_key(x) for x in tpl.headings}
        for b in tpl.blocks.values():
            self.known |= {label_key(x) for x in b.value_headers}
        # every label the template prints: an OCR'd label snaps to the nearest of them all, so a
        # heading (绩效目标) one edit from a block label (绩效指标) is never read as that block
        self.vocab = set(self.fields) | set(self.blocks) | self.known
        for b in tpl.blocks.values():
            self.vocab |= {label_key(x) for x in (*b.sections, *b.items)}
            self.vocab |= {label_key(v) for variants in b.columns.values() for v in variants}
        self.block: BlockSpec | None = None
        self.header: list[tuple[str, float, float]] | None = None
        self.right_edge = 0.0  # the header's table's right edge, to follow a shifted continuation
        self.left_edge = 0.0  # ... and its left edge, to follow one printed wider or narrower
        # every cell that found its place, and the block open where each cell was met
        self.used: set[tuple[int, int, int]] = set()
        self.context: dict[tuple[int, int, int], str | None] = {}
        self.closed: str | None = None  # the block an unknown label closed, until another opens
        self.after_closed: dict[tuple[int, int, int], str] = {}  # cells met meanwhile -> that block
        # per fill-down column: the records whose cell there was empty and ran to the foot of
        # the table; a merged cell cut by a page break prints its text in one part only
        self.cut: dict[str, list[dict]] = {}
        self.part_first: set[int] = set()
        self.guesses = BudgetGuesses(self.vocab)  # the pairs block's sections met, and its guesses
        self.part_last: set[int] = set()

    def find(self, table: dict[str, str], c: Cell, note: bool = True) -> str | None:
        """What a cell's label means in `table`: exactly, or (OCR'd cells only) within an edit or two.

        An OCR misread of a label would otherwise lose a whole block; the
        repair is reported as an info flag.
        """
        key = label_key(c.text)
        if key in table:
            return table[key]
        if c.source != "ocr" or key in self.vocab:
            return None  # not OCR'd, or exactly another label of the template
        near = nearest_label(key, self.vocab)
        if near not in table:
            near = self._label_among_crumbs(c.text, table)
        if near is None:
            return None
        if note:
            self.form.notes.append(Flag("cells", None, None, FlagCode.LABEL_SNAPPED, "info",
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

    def use(self, c: Cell | None, t: Table) -> None:
        if c is not None:
            self.used.add((t.table_no, c.row, c.col))

    def table(self, t: Table) -> None:
        if _residue_only(t):
            return  # seal or pen residue the scan's grid closed into a "table": it neither opens nor
            # closes a block (its cells are still reported as unaccounted); a crumb cell read as an
            # unknown label had closed the task block, and the row after it was lost
        # a block open at the end of the last table goes on in this one (a page break
        # between tables) until a label or a header row says otherwise; its columns
        # follow the table (see columns.followed)
        left = t.col_edges[0] if t.col_edges else min((c.box.x0 for c in t.cells), default=0.0)
        right = t.col_edges[-1] if t.col_edges else max((c.box.x1 for c in t.cells), default=0.0)
        if self.header and self.right_edge:
            self.header = followed(self.header, (self.left_edge, self.right_edge), (left, right))
        self.left_edge, self.right_edge = left, right
        # rows that open / close a page's part of the table: where a merged cell may be cut
        starts: dict[int, int] = {}
        for c in t.cells:
            starts.setdefault(c.row, c.page)
        self.part_first = {r for r in starts if r == 0 or starts.get(r - 1, starts[r]) != starts[r]}
        self.part_last = {r - 1 for r in self.part_first if r} | {t.n_rows - 1}
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
                    self._label(lead, t)
            if self._header_row(body, t):
                pass
            elif self.block is None or self._fields_before_header(body):
                self._fields(covering, t)
            elif self.block.kind == "pairs":
                self._pairs(body, r, t)
            else:
                self._records(body, r, t)
            name = self.block.name if self.block else None
            if name is not None:
                self.closed = None
            for c in covering:
                if c.row == r:
                    self.context.setdefault((t.table_no, c.row, c.col), name)
                    if name is None and self.closed is not None:
                        self.after_closed.setdefault((t.table_no, c.row, c.col), self.closed)
                    if label_key(c.text) in self.known:
                        self.use(c, t)

    @property
    def open_block(self) -> BlockSpec:
        """The block being read; the walk calls the block readers only while one is open."""
        if self.block is None:
            raise RuntimeError("no block is open")
        return self.block

    def _label(self, lead: Cell, t: Table) -> None:
        key = label_key(lead.text)
        if not key:
            return  # split merged label: the block goes on
        if self.block is not None and _crumb(lead):
            return  # a mark's crumb in the label column ("I" at 0.19) is no label: the block goes on
        name = self.find(self.blocks, lead)
        if name is not None:
            self.use(lead, t)
            block = self.tpl.blocks[name]
            if block is not self.block:  # the same label again is a continued block
                self.block, self.header, self.cut = block, None, {}
        elif key in self.known:
            pass  # a heading that carries no value (基本信息): fields follow
        elif self._label_piece(key):
            self.use(lead, t)  # a piece of the block's own label, wrapped over split cells
        else:  # a label the template does not know closes the block; were it a misread of
            # the block's own row (a page read turned, a label garbled), the block's rows are lost
            # with it, so what stays unread until the next block opens is reported there as well
            self.closed = self.block.name if self.block else self.closed
            self.block, self.header = None, None

    def _header_row(self, body: list[Cell], t: Table) -> bool:
        """Is this row a block's header (column names, section names)? It then opens the
        block, found by its content: the block's label may be printed elsewhere in its
        merged range, on another page, or not at all."""
        texts = [c for c in body if c.text.strip()]
        for name, wanted in (*self.columns.items(), *self.sections.items()):
            named = self._distinct([(col, c) for c in texts if (col := self.find(wanted, c, note=False))], wanted)
            rest = [c for c in texts if all(c is not n for _, n in named) and label_key(c.text) not in self.known]
            if len(named) < 2 or (len(named) < 3 and rest):
                continue
            block = self.tpl.blocks[name]
            if block.kind == "pairs":
                if self.block is not block:
                    self.block, self.header = block, None
                self.header = [(sec, c.box.x0, c.box.x1) for sec, c in named]
                self.guesses.sections_named |= {sec for sec, _ in named}
            elif self.block is not block or self.header is None:
                self.block = block
                self.header = [(col, c.box.x0, c.box.x1) for col, c in named]
                self.form.columns[name] = tuple(col for col, _ in named)
            for _, c in named:
                self.find(wanted, c)  # now say what was snapped
                self.use(c, t)
            return True
        return False

    def _distinct(self, named: list[tuple[str, Cell]], wanted: dict[str, str]) -> list[tuple[str, Cell]]:
        """named, each column once (columns.distinct_columns), the change noted."""
        fixed, note = distinct_columns(named, wanted)
        if note:
            self.form.notes.append(Flag("cells", None, None, FlagCode.LABEL_SNAPPED, "info", note))
        return fixed

    def _fields_before_header(self, body: list[Cell]) -> bool:
        """A row of field labels in a records block whose header has not come yet: the block
        was opened early (a section label read as the block's) and these are fields."""
        if self.block is None or self.block.kind != "records" or self.header is not None:
            return False
        return any(self.find(self.fields, c, note=False) for c in body)

    def _label_piece(self, key: str) -> bool:
        """Is `key` a piece of the open block's label (a merged label cut by rules or a page
        break: 预算整体 / 情况, 年度重 / 点工作任务)? One character only as the label's end."""
        if self.block is None or not key:
            return False
        labels = [label_key(lb) for lb in self.block.labels]
        return any(lb.startswith(key) or lb.endswith(key) or (len(key) >= 2 and key in lb) for lb in labels)

    def _slid_record(self, lead: Cell, covering: list[Cell]) -> bool:
        """In a records block, is an unknown first-column text a record's name rather than a label?

        Only when the rest of the row carries numbers (targets, amounts): a new
        section label is followed by prose or nothing.
        """
        key = label_key(lead.text)
        if self.block is None or self.block.kind != "records" or self.header is None:
            return False
        if not key or key in self.blocks or key in self.fields or self._label_piece(key):
            return False
        return any(any(ch.isdigit() for ch in c.text) for c in covering[1:])

    def _fields(self, cells: list[Cell], t: Table) -> None:
        for i, c in enumerate(cells):
            name = self.find(self.fields, c)
            if not name:
                continue
            # the row up to the label: a unit printed there (项目资金（元）) applies to its value
            self.form.label_rows.setdefault(name, " ".join(x.text for x in cells[:i + 1]))
            right = cells[i + 1] if i + 1 < len(cells) else None
            if right is not None and not (self.find(self.fields, right, note=False) or label_key(right.text) in self.known):
                value: Cell | None = right
            elif self.tpl.fields[name].kind == "longtext":
                # labels side by side over their texts (项目总体目标 | 年度总体目标): the cell below
                value = best_under([x for x in t.cells_covering_row(c.last_row + 1) if x.row == c.last_row + 1],
                              c.box.x0, c.box.x1)
            else:
                value = None  # the next cell is another label: this one was left blank
            if value is None:
                continue
            if name not in self.form.fields:
                self.form.fields[name] = ref(value, t)
            elif label_key(self.form.fields[name].text) != label_key(value.text):
                continue  # a second, different value: reported as unaccounted
            self.use(c, t)
            self.use(value, t)
        for c in cells:  # a title printed inside the table
            if any(k in label_key(c.text) for k in self.tpl.title_keywords) and len(label_key(c.text)) <= MAX_TITLE:
                self.use(c, t)

    def _pairs(self, body: list[Cell], r: int, t: Table) -> None:
        sections = self.sections[self.open_block.name]
        named = [(sec, c) for c in body if (sec := self.find(sections, c))]
        if named:
            named = self.guesses.section_row(self.open_block, body, named, [c for c in t.cells if c.row == r + 1])
            self.header = [(sec, c.box.x0, c.box.x1) for sec, c in named]
            for _, c in named:
                self.use(c, t)
            return
        if not self.header:
            return
        crumbs: set[int] = set()
        for i in range(0, len(body) - 1):
            lab, val = body[i], body[i + 1]
            if lab.row != r or not label_key(lab.text) or i in crumbs:
                continue
            after = body[i + 2] if i + 2 < len(body) else None
            if label_key(val.text) and _crumb(val) and after is not None and after.row == r and any(ch.isdigit() for ch in after.text) \
                    and AMOUNT_LIKE.fullmatch(after.text):
                # a pen stroke down the row, taken for a rule, made a cell of its own between the
                # item and its amount, holding the stroke read as "—1" (a photo of an office form):
                # the amount is the next cell's, and the crumb caps its confidence
                crumbs.add(i + 1)
                self.use(val, t)
                val = replace(after, confidence=min(after.confidence, val.confidence))
            sec = next((name for name, x0, x1 in self.header if x0 - 2 <= (lab.box.x0 + lab.box.x1) / 2 <= x1 + 2), None)
            if sec is None:
                continue
            item = self.guesses.item(self.form, self.open_block, sec, lab, self.find)
            if item is None and not fits_item(lab.text, val.text):
                continue  # prose beside the block (a long 总体绩效目标) is no budget item: reported
            if item is None and self.open_block.items and lab.source == "ocr":
                # a printed form may name an item the template lacks; a scan's unknown item
                # is more likely a misread one, and the row would be silently mislabelled
                self.form.notes.append(Flag("budget_items", len(self.form.budget), "item", FlagCode.VOCAB_UNKNOWN, "error",
                                        f"“{lab.text}” (page {lab.page}) is none of the template's budget "
                                        f"items; check the item's name."))
            self.form.budget.append(RawBudgetItem(sec, item or lab.text, ref(val, t)))
            self.use(lab, t)
            self.use(val, t)

    def _mend_cut(self, rec: dict, picked: dict[str, Cell], t: Table) -> None:
        """Give the records above a page break the text of a merged 一级/二级 cell printed
        only below it (and remember empty cells that reach the table's foot for the next table)."""
        for col in self.open_block.fill_down:
            c = picked.get(col)
            if c is None:
                continue
            if c.text.strip():
                if c.row in self.part_first:
                    for earlier in self.cut.get(col, ()):
                        earlier[col] = ref(c, t)
                self.cut.pop(col, None)
            elif c.last_row in self.part_last:
                self.cut.setdefault(col, []).append(rec)
            else:
                self.cut.pop(col, None)

    def _records(self, body: list[Cell], r: int, t: Table) -> None:
        spec = self.open_block
        wanted = self.columns[spec.name]
        named = [(col, c) for c in body if c.row == r and (col := self.find(wanted, c))]
        if self.header is None:
            return  # no header yet: the row's cells are reported as unaccounted
        if len(named) >= 2 and len(named) * 2 >= len([c for c in body if c.text]):
            for _, c in named:
                self.use(c, t)
            return  # a header row repeated on a continuation page
        rec, picked = {}, []
        under = under_columns(body, self.header)
        for col, _, _ in self.header:
            best = under.get(col)
            rec[col] = ref(best, t) if best is not None else EMPTY
            if best is not None:
                picked.append((col, best))
        starts = [c for c in body if c.row == r]
        if not any(c.text.strip() for c in starts):
            return
        own = [c for col, c in picked if c.row == r and c.text.strip()]
        texts_here = [c for c in starts if c.text.strip()]
        valued = [c for col, c in picked if c.text.strip() and col not in spec.fill_down]
        if all(_crumb(c) for c in texts_here + valued):
            # nothing but a mark's crumbs between the rules (a pen stroke cut by the grid into a
            # row of its own): no record, or every later row moves down one (an office scan's
            # indicators 3-9 each took the row above's values). The crumbs are not used, so they
            # are reported as unaccounted on the block
            return
        if (own and len(own) == len(texts_here) and not any(ch.isdigit() for c in own for ch in c.text)
                and all(col in spec.fill_down for col, c in picked if c.row == r and c.text.strip())):
            # a heading with nothing under it (成本指标 left unfilled) is not a record
            for c in own:
                self.use(c, t)
            return
        for _, c in picked:
            self.use(c, t)
        self._mend_cut(rec, dict(picked), t)
        texts = tuple(ref(c, t) for c in body if c.text.strip() and label_key(c.text) not in self.blocks)
        # the row's own cells that fit no column: row repair may place them, else they are reported
        extra = tuple(ref(c, t) for c in starts if c.text.strip() and all(c is not p for _, p in picked))
        for c in starts:
            self.use(c, t)
        records = getattr(self.form, spec.name)
        if records and _continues(records[-1], rec, spec.key):
            records[-1] = _joined(records[-1], rec, texts, extra)
            return
        records.append(RawRecord(rec, min(c.page for c in starts), texts, extra))


def _same_cell(a: CellRef, b: CellRef) -> bool:
    return b.cell is not None and a.cell == b.cell


def _continues(last: RawRecord, rec: dict[str, CellRef], key: str | None) -> bool:
    """Is `rec` the rest of `last`: under the very same non-empty key cell (merged over both rows)?"""
    if key is None or key not in rec:
        return False
    mine, theirs = rec[key], last.get(key)
    return bool(mine.text.strip()) and _same_cell(mine, theirs)


def _joined(last: RawRecord, rec: dict[str, CellRef], texts: tuple[CellRef, ...], extra: tuple[CellRef, ...]) -> RawRecord:
    """`last` with the continuation row's own cells: a cell of its own joins the column's text on
    a new line (a goal cut in two by the line); a cell both rows share is taken once."""
    values = dict(last.values)
    for col, cell in rec.items():
        before = values.get(col, EMPTY)
        if not cell.text.strip() or _same_cell(before, cell):
            continue
        values[col] = cell if not before.text.strip() else replace(before, text=f"{before.text}\n{cell.text}",
                                                                   confidence=min(before.confidence, cell.confidence))
    seen = {(c.page, c.table_no, c.row, c.col) for c in last.cells}
    more = tuple(c for c in texts if (c.page, c.table_no, c.row, c.col) not in seen)
    return RawRecord(values, last.page, last.cells + more, last.extra + extra)


def map_form(ex: Extraction, tpl: Template) -> RawForm:
    form = RawForm(tpl.form_type, find_title(ex.lines, tpl))
    form.notes.extend(ex.notes)
    walk = _Walk(tpl, form)
    for t in ex.tables:
        walk.table(t)
    form.open_block = walk.block.name if walk.block else None
    form.loose_text = [ln.text for ln in ex.lines]
    form.notes.extend(unaccounted(ex.tables, walk.used, walk.context, walk.after_closed))
    walk.guesses.unguess_doubled_items(form)
    for block in tpl.blocks.values():
        walk.guesses.items_by_elimination(form, block)
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
