"""Find the forms in a document: score every page against every template, group pages into forms.

A budget-disclosure PDF holds a text section, summary tables (收支预算总表, 一般公共预算支出表,
政府采购预算表 …) and then zero or more forms. Each page is scored against each template by
what the template itself declares: its title keywords, and the share of its labels (fields,
block labels, column headers) printed in the page's table cells. A form starts on a page that
carries the template's identity labels (部门名称, 项目名称: one per form) together with its
title or enough of its other labels; it goes on over the following pages while their tables
hold a table (a form's continuation pages may carry none of its labels: a 年度重点工作任务 label
printed on the page before, no repeated title) and no other table's title heads them.
Everything else is a page of no form: it never feeds a form's fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .model import Extraction, Table, TextLine
from .template import Template, label_key, nearest_label

# A page that carries the template's identity label starts a form when it also carries its
# title, or, with the title lost (a scan's title misread, a form printed without one), this
# share of the template's label names. Measured on corpus/ and the dev set: a form's first
# page carries 0.45-0.9 of its template's names; the summary tables of a disclosure (which
# share 财政拨款, 项目支出 … with the forms) carry at most 0.15.
START_SHARE_WITHOUT_TITLE = 0.35
# Without the identity label (OCR lost 部门名称) a titled page with a table starts a form at this
# share (two or three names): a scanned form's first page keeps its title and a few labels even
# when 部门名称 is misread (dev set scan300), and no summary table carries a form's title.
START_SHARE_TITLED = 0.10
# With neither (a scan that lost both title and 部门名称), this share alone: well above the 0.15
# of the summary tables, below the 0.45 a form's first page carries.
START_SHARE_ALONE = 0.40
# A line outside tables that heads some other table: short and ending in 表 (收支预算总表,
# 政府采购预算表（单位：万元）). Lines longer than this are prose.
TITLE_MAX_CHARS = 30
_OTHER_TITLE = re.compile(r"表(（[^）]*）)?$")
# 续表, （续表）, 续上表, 表（续）: a continuation page's marker, not another table's title. Such
# markers are short; a title that merely contains 续 (持续…表) is longer than this.
CONTINUED_MAX_CHARS = 6
# A page printing a form's title over at least this many of its labels holds that form, read or
# not: when no form comes out of the document, it failed; it is not a file of no form. Two: a
# disclosure's contents page names the form in a title-like line, but no labels under it.
UNREAD_FORM_LABELS = 2
# an OCR'd page whose title was misread (tesseract read an office-harsh scan's title as "B隐克")
# still shows the form by its labels: this many of one template's fields, blocks and columns,
# one of them a block, make the document a failure rather than a quiet no_form. Other tables
# that share words (a disclosure's 单位名称, 财政拨款 …) name items, not these (the pages of the
# disclosure sweep's no-form documents hold at most 3)
UNREAD_FORM_LABELS_UNTITLED = 6
# under a form's title, a label this long printed inside a cell's text counts (a lost rule ran it
# into its value: tesseract read an office-harsh page's 部门名称 cell as "部门名称|中山市…"); shorter
# ones (名称, 年度) are words of any text
MIN_QUOTED_LABEL = 4


@dataclass(frozen=True)
class FoundForm:
    """One form found in a document: its template and the pages it covers (1-based, inclusive)."""

    template: Template
    first_page: int
    last_page: int

    @property
    def pages(self) -> range:
        return range(self.first_page, self.last_page + 1)


def label_names(tpl: Template) -> dict[str, str]:
    """Printed label key -> the name it counts for (a field, a block, a block's column)."""
    out: dict[str, str] = {}
    for f in tpl.fields.values():
        for lb in f.labels:
            out[label_key(lb)] = f"field:{f.name}"
    for b in tpl.blocks.values():
        for lb in b.labels:
            out[label_key(lb)] = f"block:{b.name}"
        for col, variants in b.columns.items():
            for v in variants:
                out.setdefault(label_key(v), f"column:{b.name}.{col}")
    return out


def _has(key: str, word: str, fuzzy: bool) -> bool:
    """`word` in `key`; on an OCR'd line, also with one character misread (keywords of 7+)."""
    if word in key:
        return True
    if not fuzzy or len(word) < 7:
        return False
    n = len(word)
    return any(sum(a != b for a, b in zip(key[i:i + n], word)) <= 1 for i in range(len(key) - n + 1))


def _interleaved(key: str, word: str) -> bool:
    """`word`'s characters in order within a stretch of `key` at most twice its length.

    Where a page's running title overlaps a cell's text, a text layer gives one line with
    both interleaved (部门整体预质算量指绩标效目标申报表: the title with 质量指标 inside it);
    that is still the form's own title, not another table's.
    """
    if len(word) < 7:
        return False
    for start in (i for i, ch in enumerate(key) if ch == word[0]):
        pos, end = start, start
        for ch in word[1:]:
            pos = key.find(ch, pos + 1)
            if pos < 0 or pos - start >= 2 * len(word):
                break
            end = pos
        else:
            return end - start < 2 * len(word)
    return False


def _title_strength(lines: list[TextLine], tpl: Template) -> int:
    """Length of the longest title keyword of `tpl` in a short line of the page (0: none).

    The longest keyword wins between templates: 项目支出绩效目标申报表 is a project form
    even though it also contains the department form's 绩效目标申报表.
    """
    best = 0
    for ln in lines:
        key = label_key(ln.text)
        if len(key) > TITLE_MAX_CHARS * 2:
            continue  # prose that mentions a form by name is no title
        for k in tpl.title_keywords:
            if _has(key, label_key(k), ln.confidence < 1.0) or _interleaved(key, label_key(k)):
                best = max(best, len(label_key(k)))
    return best


@dataclass
class PageScore:
    page: int
    hits: dict[str, set[str]]  # form_type -> label names found
    title: dict[str, int]  # form_type -> title strength
    other_title: str | None  # a line heading some other table
    heading: str  # the page's most prominent line, for the no-form message
    tables: bool = False  # the page holds table cells
    other_titles: tuple[str, ...] = ()  # every line that may head some other table
    short_lines: frozenset[str] = frozenset()  # label keys of the page's short lines (running heads)

    def heads_other_table(self, first: PageScore | None = None) -> str | None:
        """The line heading some other table on this page, not counting a running head that the
        page `first` (a form's first page) prints too: a head repeated on every page is furniture."""
        shared = first.short_lines if first is not None and first is not self else frozenset()
        return next((t for t in self.other_titles if label_key(t) not in shared), None)


def score_pages(ex: Extraction, templates: list[Template]) -> list[PageScore]:
    names = {t.form_type: label_names(t) for t in templates}
    out = []
    for p in range(1, ex.pages + 1):
        cells = [c for t in ex.tables for c in t.cells if c.page == p and c.text.strip()]
        lines = [ln for ln in ex.lines if ln.page == p]
        hits: dict[str, set[str]] = {}
        for tpl in templates:
            table = names[tpl.form_type]
            found = set()
            for c in cells:
                key = label_key(c.text)
                name = table.get(key)
                if name is None and c.source == "ocr":
                    near = nearest_label(key, table)
                    name = table.get(near) if near else None
                if name:
                    found.add(name)
            hits[tpl.form_type] = found
        title = {tpl.form_type: _title_strength(lines, tpl) for tpl in templates}
        others = () if any(title.values()) else tuple(
            ln.text for ln in lines if len(label_key(ln.text)) <= TITLE_MAX_CHARS
            and _OTHER_TITLE.search(label_key(ln.text)) and not _continued(label_key(ln.text)))
        heading = max(lines, key=lambda ln: (ln.size, -ln.box.y0)).text.strip() if lines else ""
        short = frozenset(label_key(ln.text) for ln in lines if len(label_key(ln.text)) <= TITLE_MAX_CHARS)
        out.append(PageScore(p, hits, title, others[0] if others else None, heading, bool(cells), others, short))
    return out


def _continued(key: str) -> bool:
    return "续" in key and len(key) <= CONTINUED_MAX_CHARS


def _share(tpl: Template, found: set[str]) -> float:
    total = len(set(label_names(tpl).values()))
    return len(found) / total if total else 0.0


def _identity(tpl: Template, s: PageScore) -> bool:
    return any(f"field:{n}" in s.hits[tpl.form_type] for n in tpl.identity_fields)


def _starts(tpl: Template, s: PageScore) -> bool:
    found = s.hits[tpl.form_type]
    identity = _identity(tpl, s)
    share = _share(tpl, found)
    titled = s.title[tpl.form_type] > 0 and s.title[tpl.form_type] == max(s.title.values()) and s.tables
    if identity and (titled or share >= START_SHARE_WITHOUT_TITLE):
        return True
    return (titled and share >= START_SHARE_TITLED) or share >= START_SHARE_ALONE


def find_forms(ex: Extraction, templates: list[Template]) -> tuple[list[FoundForm], list[PageScore]]:
    """The forms of a document in page order, and every page's score (for the log and the
    no-form message)."""
    scores = score_pages(ex, templates)
    forms: list[FoundForm] = []
    current: FoundForm | None = None
    for s in scores:
        starting = [t for t in templates if _starts(t, s)]
        if current is not None and s.page == current.last_page + 1 and not _identity(current.template, s):
            # a title printed again on every page, over the same form's labels, starts nothing
            starting = [t for t in starting if t is not current.template]
        if starting:
            best = max(starting, key=lambda t: (s.title[t.form_type], _share(t, s.hits[t.form_type])))
            if current is not None:
                forms.append(current)
            current = FoundForm(best, s.page, s.page)
            continue
        own_title = current is not None and s.title[current.template.form_type] > 0
        other = current is not None and s.heads_other_table(scores[current.first_page - 1]) is not None
        if current is not None and s.page == current.last_page + 1 and (not other or own_title) and (
                own_title or s.tables):
            current = replace(current, last_page=s.page)
            continue
        if current is not None:
            forms.append(current)
            current = None
    if current is not None:
        forms.append(current)
    return [_reach_back(f, scores, forms) for f in forms], scores


def _reach_back(form: FoundForm, scores: list[PageScore], forms: list[FoundForm]) -> FoundForm:
    """A form found on a page without its identity label (its first page misread on a scan, the
    title repeated on the next) starts earlier: take in the pages before it that carry its
    labels, no other table's title, and belong to no form."""
    taken = {p for f in forms for p in f.pages}
    by_page = {s.page: s for s in scores}
    first = form.first_page
    if _identity(form.template, by_page[first]):
        return form
    while first > 1:
        s = by_page[first - 1]
        if s.page in taken or s.other_title is not None or not s.hits[form.template.form_type]:
            break
        first -= 1
    return replace(form, first_page=first)


def restrict(ex: Extraction, first: int, last: int) -> Extraction:
    """The part of a document on pages first..last: only what a form there may read."""
    def inside(p: int) -> bool:
        return first <= p <= last

    tables = []
    for t in ex.tables:
        cells = [c for c in t.cells if inside(c.page)]
        if cells:
            tables.append(Table(t.table_no, cells, t.n_rows, t.n_cols,
                                tuple(p for p in t.pages if inside(p)), t.col_edges))
    # a page's own findings (NO_TABLE) go with it; a finding about no page goes with every form
    notes = [n for n in ex.notes if n.page is None or inside(n.page)]
    return replace(ex, tables=tables, lines=[ln for ln in ex.lines if inside(ln.page)], notes=notes)


def no_form_message(ex: Extraction, scores: list[PageScore], limit: int = 5) -> str:
    """One line saying what a document without a form looked like."""
    titles: list[str] = []
    for s in scores:
        t = re.sub(r"\s+", " ", s.heading)[:TITLE_MAX_CHARS]
        if t and t not in titles:
            titles.append(t)
    shown = ", ".join(titles[:limit]) + (", …" if len(titles) > limit else "")
    tables = ", no ruled table" if not ex.tables else ""
    return f"no form found: {ex.pages} page(s){tables}" + (f", titles {shown}" if shown else "")


def unread_form(ex: Extraction, scores: list[PageScore], templates: list[Template]) -> str | None:
    """Why a document without a form found is a failure, not `no_form`: a page printing a
    form's title over its labels (in cells or loose lines), whose tables gave no form (ruling
    too faint to find, say). None when no page looks like that."""
    for s in scores:
        for tpl in templates:
            if not s.title[tpl.form_type]:
                continue
            found = _labels_on_page(ex, s, tpl, within=True)
            if len(found) >= UNREAD_FORM_LABELS:
                return (f"a {tpl.form_type} form's title and {len(found)} of its labels are on page {s.page}, "
                        f"but no form could be read from its tables; check the page (faint or missing ruling?)")
    if ex.method == "text":
        return None  # a text layer's title is read as printed: no title, no form
    for s in scores:
        for tpl in templates:
            found = _labels_on_page(ex, s, tpl)
            if len(found) >= UNREAD_FORM_LABELS_UNTITLED and any(n.startswith("block:") for n in found):
                return (f"{len(found)} labels of a {tpl.form_type} form are on page {s.page} (its title was not read), "
                        f"but no form could be read from it; check the page")
    return None


def _labels_on_page(ex: Extraction, s: PageScore, tpl: Template, within: bool = False) -> set[str]:
    """The template's label names found on page `s`: in its cells, and in its loose lines
    (an OCR'd line misread by a character or two counts for the label it is nearest).
    `within`: labels of MIN_QUOTED_LABEL characters or more printed inside a cell's text count
    too (a grid that lost its rules runs a label and its value into one cell)."""
    table = label_names(tpl)
    found = set(s.hits[tpl.form_type])
    for ln in ex.lines:
        if ln.page == s.page:
            key = label_key(ln.text)
            near = key if key in table else (nearest_label(key, table) if ln.confidence < 1.0 else None)
            if near:
                found.add(table[near])
    if within:
        long_keys = [k for k in table if len(k) >= MIN_QUOTED_LABEL]
        for t in ex.tables:
            for c in t.cells:
                if c.page == s.page:
                    key = label_key(c.text)
                    found |= {table[k] for k in long_keys if k in key}
    return found
