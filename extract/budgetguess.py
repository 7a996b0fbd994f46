"""What a budget block's OCR'd labels name when no label of the template is within an edit of
them: a section or an item under a seal or a pen's tick. Each guess is made only where one answer
stands out, and its row carries an error flag, so the value goes to review with its guess said.

`BudgetGuesses` keeps what one form's pairs block has met (the mapping walk owns one per form);
its methods are called by the walk (extract/mapping.py) as it reads the block's rows.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .flags import Flag, FlagCode
from .model import Cell
from .record import RawForm
from .template import BlockSpec, char_share, label_key, misread_item, nearest_label, one_character_short

# a printed budget item outside the template's list: the longest item name on published
# forms is 12 characters (拟用于对下转移支付资金 is 11); a goal or a note is far longer
MAX_ITEM_CHARS = 16
# an unreadable section label is read by elimination only when it holds this share of the
# section's distinct characters: a seal over 按预算级次划分 left 地环值仅顶开级次划分 (4 of 7); a
# section label the template does not know, printed in its place, shares few or none
SECTION_GUESS_SHARE = 0.5
# ... and, with several sections not yet met, read as the one it holds this share of, more than
# any other's (部门支出 holds 4 of 部门预算支出's 6 distinct characters, 2 of 事业发展性支出's 7)
SECTION_MISREAD_SHARE = 0.6
# an OCR'd item name that is no item is read as the one item it shares this share of distinct
# characters with, more than any other (template.misread_item); its row is flagged for review
ITEM_GUESS_SHARE = 0.5
AMOUNT_LIKE = re.compile(r"[\s\d,，.．０-９，．\-—－()（）万元]*")
# ... or an amount with a mark's residue beside it: at most this many other characters, beside
# at least three digits ("PAS 318,844.78" under a seal's ring); the amount's reading decides
# what is read of it (normalize/numerals.py), and an OCR'd item the template lacks is flagged
MAX_MARK_CHARS = 3
_NOT_AMOUNT = re.compile(r"[^\s\d,，.．０-９，．\-—－()（）万元]")


def fits_item(label: str, value: str) -> bool:
    """Could a label the template does not know be a budget item? A short name beside an amount."""
    if len(label_key(label)) > MAX_ITEM_CHARS:
        return False
    value = value or ""
    if AMOUNT_LIKE.fullmatch(value) is not None:
        return True
    return len(_NOT_AMOUNT.findall(value)) <= MAX_MARK_CHARS and sum(ch.isdigit() for ch in value) >= 3


@dataclass
class BudgetGuesses:
    """One form's pairs block: the sections met, and the guesses made (to flag and to undo)."""

    vocab: set[str]  # every label the template prints (label keys)
    sections_named: set[str] = field(default_factory=set)
    # section -> the text it was read from, and why it names that section
    guessed_sections: dict[str, tuple[str, str]] = field(default_factory=dict)
    guessed_items: dict[int, str] = field(default_factory=dict)  # budget row -> the text its item was guessed from

    def section_row(self, block: BlockSpec, body: list[Cell], named: list[tuple[str, Cell]],
                    below: Sequence[Cell] = ()) -> list[tuple[str, Cell]]:
        """A section row's sections, left to right, with its one unreadable label read by
        elimination where it can be (see by_elimination), else its unreadable labels named by
        the items under them (`below`: the next row's cells; see by_items); the sections are
        remembered as met."""
        guessed = self.by_elimination(block, body, named)
        more = [guessed] if guessed is not None else self.by_items(block, body, named, below)
        if more:
            named = sorted([*named, *more], key=lambda sc: sc[1].box.x0)
        self.sections_named |= {sec for sec, _ in named}
        return named

    def _not_met(self, block: BlockSpec, named: list[tuple[str, Cell]]) -> list[str]:
        """The block's sections neither met before nor named in this row."""
        return [s for s in block.sections if s not in self.sections_named | {sec for sec, _ in named}]

    def _unread(self, body: list[Cell], named: list[tuple[str, Cell]]) -> list[Cell]:
        """A section row's cells that are neither a section, a label of the template nor a number."""
        return [c for c in body if label_key(c.text) and all(c is not n for _, n in named)
                and nearest_label(label_key(c.text), self.vocab) is None and not AMOUNT_LIKE.fullmatch(c.text.strip())]

    def by_items(self, block: BlockSpec, body: list[Cell], named: list[tuple[str, Cell]],
                 below: Sequence[Cell]) -> list[tuple[str, Cell]]:
        """A section row's unreadable labels, each named by the item printed under it where that
        item is one section's alone (the template's section_items) and that section is not yet
        met: a seal over 部门预算支出 left 血门之 API 算支出 (too long a reading for by_elimination)
        over 基本支出 read whole, and the block's two 部门预算支出 rows were lost (flagged)."""
        left = self._not_met(block, named)
        out = []
        for cell in (c for c in self._unread(body, named) if c.source == "ocr"):
            mid = (cell.box.x0 + cell.box.x1) / 2
            under = [label_key(b.text) for b in below if b.box.x0 <= mid <= b.box.x1]
            secs = {s for s in left if any(label_key(i) in under for i in block.section_items.get(s, ()))}
            if len(secs) == 1:
                sec = secs.pop()
                item = next(i for i in block.section_items[sec] if label_key(i) in under)
                self.guessed_sections[sec] = (cell.text.replace("\n", ""), f"the section of the item printed under it, {item}")
                left.remove(sec)
                out.append((sec, cell))
        return out

    def by_elimination(self, block: BlockSpec, body: list[Cell], named: list[tuple[str, Cell]]) -> tuple[str, Cell] | None:
        """A section row's one unreadable section label (a seal over 按预算级次划分 read
        地环值仅顶开级次划分) as the one section of the block not yet met: only when exactly one
        cell of the row is neither a section, a value header nor a number, it was OCR'd, and it
        holds at least SECTION_GUESS_SHARE of that section's characters. With several sections
        not yet met, the one it holds most of (SECTION_MISREAD_SHARE at least), alone."""
        unread = self._unread(body, named)
        left = self._not_met(block, named)
        if len(unread) != 1 or not left or unread[0].source != "ocr":
            return None
        cell, key = unread[0], label_key(unread[0].text)

        def share(sec: str) -> float:
            return char_share(key, label_key(sec))
        if len(left) == 1:
            sec = left[0]
            if share(sec) < SECTION_GUESS_SHARE:
                return None
        else:
            # several sections not yet met (the block's first section row): the one the cell
            # holds the most of, alone, from a reading no longer than it by more than one
            # character (a seal over 部门预算支出 took 预算 out: 部门支出)
            ranked = sorted(((share(s), s) for s in left if len(key) <= len(label_key(s)) + 1), reverse=True)
            if not ranked or ranked[0][0] < SECTION_MISREAD_SHARE or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
                return None
            sec = ranked[0][1]
        self.guessed_sections[sec] = (cell.text.replace("\n", ""), "the one section of the block not yet met")
        return sec, cell

    def item(self, form: RawForm, block: BlockSpec, sec: str, lab: Cell,
             find: Callable[[dict[str, str], Cell], str | None]) -> str | None:
        """The item an item cell names in section `sec`, or None (an item the template lacks, or
        prose). The flags of a guessed section or item go on the row about to be added."""
        row = len(form.budget)
        if sec in self.guessed_sections:
            read, why = self.guessed_sections[sec]
            form.notes.append(Flag("budget_items", row, "section", FlagCode.VOCAB_SNAPPED, "error",
                                   f"This row's section “{sec}” was read from “{read}”, {why}; check the section's name."))
        items = {label_key(i): i for i in block.items}
        if not items:
            return None
        item = find(items, lab)
        if item is not None or lab.source != "ocr":
            return item
        key = label_key(lab.text)
        # a guess is one of the section's own items where the template lists them: 其他事业发, the
        # first line of 其他事业发展性支出 cut off its second, held half of 其他资金 (收入来源's)
        if listed := block.section_items.get(sec):
            items = {label_key(i): i for i in listed}
        if short := one_character_short(key, items):
            form.notes.append(Flag("budget_items", row, "item", FlagCode.VOCAB_SNAPPED, "error",
                                   f"“{lab.text}” (page {lab.page}) was read as the item “{short}”, one "
                                   f"character short of it; check the item's name."))
            return short
        guess = misread_item(key, items, ITEM_GUESS_SHARE)
        if guess is None or any(b.section == sec and b.item == guess for b in form.budget):
            return None
        self.guessed_items[row] = lab.text
        form.notes.append(Flag("budget_items", row, "item", FlagCode.VOCAB_SNAPPED, "error",
                               f"“{lab.text}” (page {lab.page}) was read as the item “{guess}”, the one "
                               f"item sharing most of its characters; check the item's name."))
        return guess

    def items_by_elimination(self, form: RawForm, block: BlockSpec) -> None:
        """A section's one row whose OCR'd item is no item of the template (flagged
        VOCAB_UNKNOWN), where the section prints every item of its list but one, names that one:
        a seal's ring made 财政拨款 read +网圾款 beside 其他资金. Its flag says so, as an error."""
        unknown = {n.row_ref for n in form.notes if n.dataset == "budget_items" and n.field == "item"
                   and n.code == FlagCode.VOCAB_UNKNOWN}
        for sec, listed in block.section_items.items():
            rows = [i for i, b in enumerate(form.budget) if b.section == sec]
            # not a reading guessed as an item the section prints too (unguess_doubled_items):
            # it looks like that item, not like the one missing
            unread = [i for i in rows if i in unknown and i not in self.guessed_items]
            left = [it for it in listed if all(form.budget[i].item != it for i in rows)]
            if len(unread) != 1 or len(left) != 1:
                continue
            i, item = unread[0], left[0]
            read = form.budget[i].item
            if self._looks_like_another(read, item, block):
                continue
            form.budget[i] = replace(form.budget[i], item=item)
            form.notes = [Flag("budget_items", i, "item", FlagCode.VOCAB_SNAPPED, "error",
                               f"“{read}” was read as the item “{item}”, the only item of {sec} not found "
                               "on another row; check the item's name.")
                          if n.dataset == "budget_items" and n.row_ref == i and n.field == "item" and n.code == FlagCode.VOCAB_UNKNOWN
                          else n for n in form.notes]

    @staticmethod
    def _looks_like_another(read: str, item: str, block: BlockSpec) -> bool:
        """Does the reading hold more of another item's characters than of `item`'s, and at
        least ITEM_GUESS_SHARE of them (市本级使田资全市华教区 is no unreadable 项目支出)?"""
        key = label_key(read)
        own = char_share(key, label_key(item))
        shares = (char_share(key, label_key(other)) for other in block.items if other != item)
        return any(share > own and share >= ITEM_GUESS_SHARE for share in shares)

    def unguess_doubled_items(self, form: RawForm) -> None:
        """A misread item guessed as one its section also prints (met further down) was no
        misreading of it: the row keeps the text read, and its flag says it is no item of the
        template."""
        for i, read in self.guessed_items.items():
            row = form.budget[i]
            if not any(j != i and b.section == row.section and b.item == row.item for j, b in enumerate(form.budget)):
                continue
            form.budget[i] = replace(row, item=read)
            form.notes = [Flag("budget_items", i, "item", FlagCode.VOCAB_UNKNOWN, "error",
                               f"“{read}” is none of the template's budget items; check the item's name.")
                          if n.dataset == "budget_items" and n.row_ref == i and n.field == "item" and n.code == FlagCode.VOCAB_SNAPPED
                          else n for n in form.notes]
