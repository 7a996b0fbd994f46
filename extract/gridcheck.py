"""Is an OCR'd page's grid fit to map? The check that sends a page to the anchors reading.

The grid of a scan is built from the ruling found in the image. Where the ruling is faint,
broken or missing, the grid can look plausible and still be wrong: cells missing (their text
read as loose lines outside any table), two cells run together (one cell holding two labels),
or a label whose value sits outside every cell. Each test uses the templates' vocabulary
(extract/templates/*.toml, every form type: extraction does not know the form yet) and says
why it failed, so a page read by anchors can be traced to its reason.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

from .grid import outer_box
from .model import Cell, Segment, Table, TextLine
from .template import label_key, load_templates, nearest_label

MAX_EDITS = 2  # template.nearest_label's largest edit bound
MIN_LABEL = 4  # shorter labels (名称, 年度) are words of ordinary text, not evidence of a cell
# labels that sit outside every cell: one can be a form's printed note (填报单位 above the table);
# on the dev and corpus scans the grid reads well, 0 of 0 labels sat outside a cell on any page
# with a table; an erased-ruling page has 10-40
MAX_LOOSE_LABELS = 2
# a cell holding more than this many characters is a text (a goal, a task's content), which may
# quote labels (财政拨款, 项目支出) as words: only shorter cells count as holding two labels
MAX_LABEL_CELL = 24
# after a page read by anchors, a page with most of its text outside its cells carries on that
# table (a tick or a seal ring closed into a small spurious "table" on the erased-ruling office
# scans); a ruled page's loose text is its title, notes and footer, well under half
CONTINUED_OUTSIDE = 0.5
# loose text beside a blank value cell counts when its centre lies within this many points of
# the label's row band (a value printed over a lost rule sits in that band)
BAND_SLACK = 2.0
BELOW_REACH = 2.0  # ... and text under a header within this many header heights is its column's
# ... in this many of the header's columns: a lost row holds a task's name, content, amount. One
# line under one column is a note: a handwritten 附件另附 under the last header row of a page,
# 116 pt below it, sent a 200-dpi office scan's page (its ruling whole) to the anchors reading,
# which lost the page's goal
MIN_COLUMNS_BELOW = 2
# ... and the first of those lines starts within this many points of the header: a row's tallest
# cell fills it from its top, so a lost row's first line lies a cell's padding under the header
# (4 pt in the test below, 3-8 pt on the office scans). Handwritten 请复核 and 核对无误, 46 and 62 pt
# under a page's last header row (two columns), sent a 200-dpi office scan's page to the anchors
# reading, which read them as a task and moved every later task's values up one
FIRST_ROW_NEAR_PT = 16.0
# rules of a table's rows that run on past its cells, over text, are rows whose column rule was
# lost (a photo's task block, its name and content columns' rules faded: the table was its amount
# and goal columns, the tasks' names and contents loose lines under its rows' rules). A rule that
# runs this far past the cells, at least two such rules, and this many characters under them
RULED_PAST_PT = 20.0
MIN_RULES_PAST = 2
MIN_CHARS_BESIDE = 4  # ... and as many inside a table's outline in no cell (a seed-11 scan's
# 部门名称 lost its cell's left rule: its row began at the value, the label a loose line)
# two cells whose boxes overlap by more than this each way: the lattice had a rule missing where
# a cell's smallest closed rectangle ran round others (a label column's faded edge made the label
# a box over the budget block's columns), and their text was read twice
OVERLAP_PT = 2.0
# an amount in a label's cell beside the label (`93488.22其他资金`): the rule between the amount's
# cell and the label's was lost (a phone photo of an office form lost one column rule down a
# whole budget block, and every item's amount went with it, flagged); the anchors reading splits
# such a box by the vocabulary
AMOUNT_IN_LABEL = re.compile(r"\d[\d,，]*[.．]\d{2}(?!\d)|\d{4,}")


@dataclass(frozen=True)
class HeaderLabel:
    group: str  # template and block ("department_overall_performance_targets:indicators")
    fill_down: bool  # a merged column (一级指标): its text is centred on the rows it spans


@dataclass(frozen=True)
class Vocabulary:
    """Every printed label of every template, by what it does (keys as template.label_key)."""

    fields: frozenset[str]  # a value is printed right of it
    blocks: frozenset[str]  # a block's label, printed in the first column
    headers: dict[str, tuple[HeaderLabel, ...]]  # column / section / value-header labels
    items: frozenset[str]  # budget item labels (基本支出), each beside its amount
    headings: frozenset[str]  # labels with no value (基本信息)
    titles: frozenset[str] = frozenset()  # title keywords (绩效目标申报表)
    values: frozenset[str] = frozenset()  # the closed lists of column values (产出指标): no labels
    memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)  # match() by key

    @cached_property
    def all(self) -> frozenset[str]:
        return self.fields | self.blocks | self.items | self.headings | frozenset(self.headers)

    @cached_property
    def long_labels(self) -> tuple[str, ...]:
        """Labels of MIN_LABEL characters or more, longest first."""
        return tuple(sorted((x for x in self.all if len(x) >= MIN_LABEL), key=len, reverse=True))

    def match(self, text: str) -> str | None:
        """The label a (possibly misread) text is: exactly, or within nearest_label's edits."""
        key = label_key(text)
        if key in self.all:
            return key
        if key not in self.memo:  # pages repeat their texts; edit distances are the cost here
            near = len(key) >= MIN_LABEL and len(key) <= self.longest + 2
            # a label with more than two characters the key lacks is more than two edits away
            # (nearest_label's bound): leaving it out changes no answer and skips its edit distance
            chars = set(key)
            could = [lab for lab, have in self.char_sets if len(have - chars) <= MAX_EDITS]
            self.memo[key] = nearest_label(key, could) if near and could else None
        return self.memo[key]

    @cached_property
    def char_sets(self) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((lab, frozenset(lab)) for lab in self.all)

    @cached_property
    def longest(self) -> int:
        return max((len(x) for x in self.all), default=0)

    @cached_property
    def long_labels_and_values(self) -> tuple[str, ...]:
        return tuple(sorted({*self.long_labels, *(v for v in self.values if len(v) >= MIN_LABEL)}, key=len, reverse=True))

    def labels_in(self, text: str, with_values: bool = False) -> list[str]:
        """The distinct labels (of MIN_LABEL characters or more) a short text holds, longest
        first, each taking its characters away (预算金额（万元） is one label, not two).
        `with_values`: the closed lists' values count too."""
        key = label_key(text)
        found = []
        for lab in (self.long_labels_and_values if with_values else self.long_labels):
            if lab in key:
                found.append(lab)
                key = key.replace(lab, "\0")
        return found


@cache
def vocabulary() -> Vocabulary:
    fields, blocks, items, headings, titles, values = set(), set(), set(), set(), set(), set()
    headers: dict[str, list[HeaderLabel]] = {}
    for tpl in load_templates():
        fields |= {label_key(lb) for f in tpl.fields.values() for lb in f.labels}
        headings |= {label_key(h) for h in tpl.headings}
        titles |= {label_key(k) for k in tpl.title_keywords}
        for b in tpl.blocks.values():
            blocks |= {label_key(lb) for lb in b.labels}
            items |= {label_key(i) for i in b.items}
            values |= {label_key(v) for vs in b.values.values() for v in vs}
            group = f"{tpl.form_type}:{b.name}"
            named = [(v, col in b.fill_down) for col, vs in b.columns.items() for v in vs]
            named += [(s, False) for s in b.sections] + [(v, False) for v in b.value_headers]
            for text, fill in named:
                headers.setdefault(label_key(text), []).append(HeaderLabel(group, fill))
    return Vocabulary(frozenset(fields), frozenset(blocks), {k: tuple(v) for k, v in headers.items()},
                      frozenset(items), frozenset(headings), frozenset(titles), frozenset(values))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def loose_labels(lines: list[TextLine], vocab: Vocabulary) -> list[str]:
    """Labels in short loose lines: a label that lost its cell; prose (a scanned budget
    disclosure's text pages name 财政拨款, 基本支出 …) runs longer than a cell."""
    return [lab for ln in lines if len(label_key(ln.text)) <= MAX_LABEL_CELL for lab in vocab.labels_in(ln.text)]


def _overlapping(t: Table) -> tuple[Cell, Cell] | None:
    """Two cells of the table whose boxes overlap by more than OVERLAP_PT each way, if any."""
    cells = sorted(t.cells, key=lambda c: c.box.x0)
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            if b.box.x0 >= a.box.x1 - OVERLAP_PT:
                break
            if min(a.box.y1, b.box.y1) - max(a.box.y0, b.box.y0) > OVERLAP_PT:
                return a, b
    return None


def check_grid(tables: list[Table], lines: list[TextLine], vocab: Vocabulary | None = None,
               segments: Sequence[Segment] = ()) -> Verdict:
    """Is the page's grid good enough for the mapping? Fails, with the reason, when labels sit
    outside any cell (cells missing), two cells overlap (a rule missing: text read twice), one
    cell holds two labels or an item label and an amount (a rule lost between them), a label's
    value cell is blank while text sits outside the cells in its row band, a last header row
    has a lost row's text under it, or (given the page's ruling `segments`) text sits beside a
    table under rules of its rows that run on past its cells."""
    vocab = vocab or vocabulary()
    loose = loose_labels(lines, vocab)
    if len(loose) > MAX_LOOSE_LABELS:
        return Verdict(False, f"{len(loose)} template labels outside any cell ({', '.join(loose[:4])} …)")
    for t in tables:
        fault = _rule_missing(t, lines, segments)
        if fault:
            return Verdict(False, fault)
    for t in tables:
        for c in t.cells:
            if len(label_key(c.text)) <= MAX_LABEL_CELL:
                held = vocab.labels_in(c.text)
                if len(held) >= 2:
                    return Verdict(False, f"one cell holds two labels ({held[0]}, {held[1]})")
                if held and held[0] in vocab.items and AMOUNT_IN_LABEL.search(c.text):
                    return Verdict(False, f"one cell holds a label and an amount (“{c.text}”)")
    for t in tables:
        for c in t.cells:
            if vocab.match(c.text) not in vocab.fields | vocab.items:
                continue
            right = [x for x in t.cells_covering_row(c.row) if x.col > c.last_col]
            if right and right[0].text.strip():
                continue
            x_edge = right[0].box.x1 if right else float("inf")
            beside = [ln for ln in lines if ln.box.x0 >= c.box.x1 - BAND_SLACK and ln.box.x0 <= x_edge
                      and c.box.y0 - BAND_SLACK <= (ln.box.y0 + ln.box.y1) / 2 <= c.box.y1 + BAND_SLACK]
            if beside:
                return Verdict(False, f"the value of “{c.text}” is blank while “{beside[0].text}” sits beside it")
        # a header row with no row under it in its table, and text under its columns outside
        under = []
        for c in t.cells:
            if c.last_row < t.n_rows - 1 or vocab.match(c.text) not in vocab.headers:
                continue
            below = [ln for ln in lines if c.box.x0 <= (ln.box.x0 + ln.box.x1) / 2 <= c.box.x1
                     and c.box.y1 - BAND_SLACK <= ln.box.y0 <= c.box.y1 + BELOW_REACH * c.box.height]
            if below:
                under.append((c, min(below, key=lambda ln: ln.box.y0)))
        if len(under) >= MIN_COLUMNS_BELOW and min(ln.box.y0 - c.box.y1 for c, ln in under) <= FIRST_ROW_NEAR_PT:
            (c, ln), _ = under[0], under[1]
            return Verdict(False, f"the columns under “{c.text}” … have no cells while “{ln.text}” … sit there")
    return Verdict(True)


def _rule_missing(t: Table, lines: list[TextLine], segments: Sequence[Segment]) -> str | None:
    """Why table `t` has a rule missing, if it shows: two cells overlapping, or text beside its
    cells under its rows' rules."""
    pair = _overlapping(t)
    if pair is not None:
        return (f"cells overlap (row {pair[0].row}, column {pair[0].col} and row {pair[1].row}, "
                f"column {pair[1].col}): a rule is missing")
    beside = _text_beside(t, lines, segments)
    if beside is not None:
        return f"“{beside.text}” sits beside the table's cells under its rows' rules: a column's rule is missing"
    inside = _text_inside(t, lines)
    if inside is not None:
        return f"“{inside.text}” sits inside the table's outline in no cell: a cell's rule is missing"
    return None


def _text_inside(t: Table, lines: list[TextLine]) -> TextLine | None:
    """A loose line whose middle lies inside table `t`'s outline, where a cell is missing (its
    rules lost), when the loose lines there hold MIN_CHARS_BESIDE characters or more."""
    if not t.cells:
        return None
    out = outer_box(t)
    there = [ln for ln in lines if out.x0 + BAND_SLACK <= (ln.box.x0 + ln.box.x1) / 2 <= out.x1 - BAND_SLACK
             and out.y0 + BAND_SLACK <= (ln.box.y0 + ln.box.y1) / 2 <= out.y1 - BAND_SLACK]
    return _first_of_enough(there)


def _first_of_enough(lines: list[TextLine]) -> TextLine | None:
    """The first of `lines` when together they hold MIN_CHARS_BESIDE characters or more."""
    return lines[0] if sum(len(label_key(ln.text)) for ln in lines) >= MIN_CHARS_BESIDE else None


def _text_beside(t: Table, lines: list[TextLine], segments: Sequence[Segment]) -> TextLine | None:
    """A loose line left or right of table `t`'s cells, within its rows, where MIN_RULES_PAST of
    the rules across the table run on past its cells over the line: the table's cells end
    where a column's rule was lost, not where its rows do."""
    if not segments or not t.cells:
        return None
    out = outer_box(t)
    x0, y0, x1, y1 = out.x0, out.y0, out.x1, out.y1
    rules = [s for s in segments if s.horizontal and y0 - BAND_SLACK <= s.y0 <= y1 + BAND_SLACK]
    for left in (True, False):
        ends = sorted(s.x0 if left else s.x1 for s in rules
                      if (s.x0 <= x0 - RULED_PAST_PT if left else s.x1 >= x1 + RULED_PAST_PT))
        if len(ends) < MIN_RULES_PAST:
            continue
        # the ruled stretch reaches as far as the second rule does (one may be a stray stroke)
        reach = ends[1] if left else ends[-2]
        there = [ln for ln in lines if y0 <= (ln.box.y0 + ln.box.y1) / 2 <= y1
                 and (reach - BAND_SLACK <= ln.box.x0 and ln.box.x1 <= x0 + BAND_SLACK if left
                      else x1 - BAND_SLACK <= ln.box.x0 and ln.box.x1 <= reach + BAND_SLACK)]
        if (first := _first_of_enough(there)) is not None:
            return first
    return None


def outside_share(tables: list[Table], lines: list[TextLine]) -> float:
    """The share of a page's characters that lie outside every cell."""
    inside = sum(len(label_key(c.text)) for t in tables for c in t.cells)
    outside = sum(len(label_key(ln.text)) for ln in lines)
    return outside / (inside + outside) if inside + outside else 0.0


# the foot of a page's table, from its ruling: the lowest long rule that two verticals or more end
# on (within FOOT_END_PT) and none runs past. A handwritten 情况属实 under a faint-ruled page's
# table (read by anchors, 29 pt under the table: inside the anchors' own foot gap) was read as
# two tasks with no name or amount, and every later task's number moved by two
FOOT_END_PT = 4.0
FOOT_RULE_SHARE = 0.5  # a long rule: this share of the page's widest rule at least


def ruled_foot(segments: tuple[Segment, ...] | list[Segment]) -> float | None:
    """Where the ruling says the page's table ends (pt), if it says so plainly."""
    rows = [s for s in segments if s.horizontal]
    downs = [s for s in segments if not s.horizontal]
    if not rows or len(downs) < 2:
        return None
    widest = max(s.x1 - s.x0 for s in rows)
    lowest = max((s for s in rows if s.x1 - s.x0 >= FOOT_RULE_SHARE * widest), key=lambda s: s.y0)
    y = lowest.y0
    ending = [d for d in downs if abs(d.y1 - y) <= FOOT_END_PT and lowest.x0 - FOOT_END_PT <= d.x0 <= lowest.x1 + FOOT_END_PT]
    past = [d for d in downs if d.y1 > y + FOOT_END_PT and d.y0 < y and lowest.x0 <= d.x0 <= lowest.x1]
    return y + FOOT_END_PT if len(ending) >= 2 and not past else None
