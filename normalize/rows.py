"""Form record -> typed rows of the six datasets, plus the flags found on the way."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from formpipe.extract.accounting import message as unmapped_message
from formpipe.extract.model import Extraction
from formpipe.extract.record import EMPTY, CellRef, RawForm

from .amountstyle import CENTS, WHOLE, amount_style, lost_cents_point, point_as_comma
from .flags import ERROR, INFO, Flag, FlagCode
from .hierarchy import fill_down, held_level_flags, mend_spills, plausible, realign, snap_level
from .locate import locate_flags
from .numerals import AmountReading, read_amount, rebuild_cents
from .projects import PROJECT_FORM, project_rows
from .targets import parse_target
from .text import clean_text, compact_numbers, strip_trailing_punct
from .validate import indicator_checks, missing_fields, missing_items, sum_rules
from .words import split_indicator

LOW_CONFIDENCE = 0.80  # cells read below this are shown for review


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    source_path: str
    pipeline_version: str
    processed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    source_root: str | None = None  # the input the file was found under, absolute


@dataclass
class FormRows:
    year: int | None
    rows: dict[str, list[dict]]
    flags: list[Flag]


def _box(ref: CellRef) -> dict:
    b = ref.box
    return {"x0": b.x0, "y0": b.y0, "x1": b.x1, "y1": b.y1} if b else {"x0": None, "y0": None, "x1": None, "y1": None}


def _int(text: str) -> int | None:
    m = re.fullmatch(r"\s*(\d+)\s*(个|人|家)?\s*", clean_text(text or ""))
    return int(m.group(1)) if m else None


_ROUND_ZERO = str.maketrans("QD", "00")  # a 0 with a pen stroke through it reads as Q (O, o: always 0)
_ONE_CENT_DIGIT = re.compile(r"[.．。]\d\s*$")


def _ocr_amount(text: str, guess: bool = False) -> AmountReading | None:
    """An OCR'd amount cell the plain reading refused: one line of it an amount, the rest
    stray marks; or separators garbled around the right digits (see rebuild_cents).

    `guess` is for a value already sent to review (read with low confidence): then a
    Q or D in the number is taken for 0 and a stray line of one or two characters
    beside it may hold a digit (a pen tick's end). The guess fills the field; the review
    flag stays, so a person checks it either way.
    """
    lines = [part for ln in text.splitlines() for part in _marks_apart(ln) if part.strip()]
    # a number wrapped in a narrow cell ("13,493.3" over "3") with a mark's crumb beside it (a pen
    # stroke read "一"): the crumb goes, the wrapped lines are read as one number
    wrapped = [ln for ln in lines if _digit_count(ln) or len(ln.strip()) > 2]
    if 1 < len(wrapped) < len(lines) and not _not_a_wrap("\n".join(wrapped)):
        plain = read_amount("\n".join(wrapped))
        if plain.value is not None:
            return AmountReading(plain.value, None, ("stray marks beside the number ignored", *plain.corrections))
    for ln in sorted(lines, key=_digit_count, reverse=True):  # the number is the longest line
        others = [o for o in lines if o is not ln]
        stray_digits = any(ch.isdigit() for o in others for ch in o)
        if stray_digits and not (guess and all(len(o.strip()) <= 2 for o in others)):
            continue
        fixes = ["stray marks beside the number ignored"] if others else []
        candidates: list[tuple[str, list[str]]] = [(ln, [])]
        if guess and any(ch.isdigit() for ch in ln) and ln.translate(_ROUND_ZERO) != ln:
            candidates.append((ln.translate(_ROUND_ZERO), ["Q or D in the number read as 0"]))
        for cand, guessed in candidates:
            plain = read_amount(cand)
            if plain.value is not None:
                return AmountReading(plain.value, None, (*fixes, *guessed, *plain.corrections))
            value = rebuild_cents(cand)
            if value is not None:
                return AmountReading(value, None, (*fixes, *guessed,
                                                   "separators rebuilt from the digits (the last two are cents)"))
    return None


STRAY_WORD_CHARS = 3  # see _marks_apart


def _marks_apart(line: str) -> list[str]:
    """A line's number and, as lines of their own, the short words without digits set apart
    from it by spaces at its start or end: a seal's ring read "PAS" before "318,844.78"."""
    words = line.split()
    if len(words) < 2 or not any(_digit_count(w) for w in words):
        return [line]
    first = next(i for i, w in enumerate(words) if _digit_count(w))
    last = max(i for i, w in enumerate(words) if _digit_count(w))
    stray = words[:first] + words[last + 1:]
    if not stray or any(len(w) > STRAY_WORD_CHARS for w in stray):
        return [line]
    return [" ".join(words[first:last + 1]), *stray]


def _digit_count(line: str) -> int:
    return sum(ch.isdigit() for ch in line)


def _not_a_wrap(text: str) -> bool:
    """A number wrapped in a narrow cell fills its first line: a line of one or two
    characters above a longer one is a mark read as text, not the number's start."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return any(len(a) <= 2 and _digit_count(a) < _digit_count(b) for a, b in zip(lines, lines[1:]))


def _amount(ref: CellRef, dataset: str, row_ref: int | None, col: str, flags: list[Flag], style: str | None = None):
    """An amount cell's value (or None), its flags appended; `style` is the form's (amountstyle.py)."""
    reading = read_amount(ref.text)
    ocr = ref.source == "ocr"
    if ocr and style == WHOLE and reading.reason:
        reading = point_as_comma(ref.text) or reading
    under_review = bool(ref.text.strip()) and ref.confidence < LOW_CONFIDENCE  # guesses only here
    if ocr and style == CENTS and reading.value is not None and (guess := lost_cents_point(ref.text)):
        if under_review:
            reading = guess
        else:  # read surely, but against the form's style: never a quiet guess; the error says why
            reading = AmountReading(guess.value, None, ())
            flags.append(Flag(dataset, row_ref, col, FlagCode.AMOUNT_REPAIRED, ERROR,
                              f"“{ref.text}” (page {ref.page}) has no point, where the form prints every amount to "
                              f"the cent; it is taken as {guess.value}: check it."))
    if ocr and (reading.reason or (under_review and _not_a_wrap(ref.text))):
        reading = _ocr_amount(ref.text, guess=under_review) or reading
    if reading.value is not None and ocr and _ONE_CENT_DIGIT.search(ref.text):
        # printed to the cent: one digit after the point means the other is under a mark or lost;
        # a 0 there is a guess, kept only for a value that goes to review anyway
        if under_review:
            reading = AmountReading(reading.value, None, reading.corrections + (
                "one digit after the point was read; the other cent digit is taken as 0",))
        else:
            reading = AmountReading(None, "it has one digit after the point; the other cent digit was not read.")
    if reading.blank and ocr:  # forms print 0.00; blank on a scan may be ink lost
        flags.append(Flag(dataset, row_ref, col, FlagCode.AMOUNT_MISSING, ERROR,
                          f"Page {ref.page}: no amount was read in this cell; if the form prints one, enter it."))
    if reading.reason:
        flags.append(Flag(dataset, row_ref, col, FlagCode.AMOUNT_UNPARSEABLE, ERROR,
                          f"Page {ref.page}: {reading.reason} Enter the amount by hand."))
    for fix in reading.corrections:
        flags.append(Flag(dataset, row_ref, col, FlagCode.AMOUNT_REPAIRED, INFO, f"“{ref.text}” (page {ref.page}): {fix}."))
    if under_review:
        flags.append(Flag(dataset, row_ref, col, FlagCode.LOW_CONFIDENCE, ERROR,
                          f"“{ref.text}” on page {ref.page} was read with confidence {ref.confidence:.2f}; check it."))
    return reading.value


def low_confidence(ref: CellRef, dataset: str, row_ref: int | None, col: str, flags: list[Flag]) -> None:
    """An OCR'd value read below the threshold goes to review (amounts are checked in _amount)."""
    if ref.text.strip() and ref.confidence < LOW_CONFIDENCE:
        flags.append(Flag(dataset, row_ref, col, FlagCode.LOW_CONFIDENCE, ERROR,
                          f"{col} on page {ref.page} was read with confidence {ref.confidence:.2f}: "
                          f"“{ref.text[:40]}” ; check it."))


def _target_cols(prefix: str, text: str | None) -> dict:
    t = parse_target(text) if text else None
    keys = ("op", "value", "value_max", "unit", "scaled_value", "base_unit")
    return {f"{prefix}_{k}": (getattr(t, k) if t else None) for k in keys}


def budget_rows(form: RawForm, flags: list[Flag]) -> list[dict]:
    out = []
    style = amount_style(_amount_texts(form))
    for i, b in enumerate(form.budget):
        amount = _amount(b.amount, "budget_items", i, "amount_wan", flags, style)
        out.append({"row_no": i + 1, "section": clean_text(b.section), "item": clean_text(b.item), "amount_wan": amount,
                    "raw_text": b.amount.text, "page": b.amount.page, **_box(b.amount),
                    "confidence": b.amount.confidence})
    return out


def _amount_texts(form: RawForm) -> list[str]:
    return [b.amount.text for b in form.budget] + [rec.get("funds").text for rec in form.tasks]


def unmapped_extras(rec, dataset: str, n: int | None, flags: list[Flag], placed: dict | None = None) -> None:
    """A record's cells that fit none of its columns (and that row repair did not place in
    `placed`): reported, never dropped silently."""
    taken = list((placed or {}).values())
    for c in rec.extra:
        if clean_text(c.text) in taken:
            taken.remove(clean_text(c.text))
            continue
        flags.append(Flag(dataset, n, None, FlagCode.UNMAPPED_CELL, ERROR,
                          unmapped_message(c.page, c.table_no, c.row, c.col, c.text)))


_TASK_COLUMNS = ("name", "content", "funds", "expected_goal")
_FIELD_NAMES = {"funds": "funds_wan"}


def shared_cells(rec, cols: tuple[str, ...], dataset: str, n: int, flags: list[Flag]) -> None:
    """An error on each of a record's columns that an OCR'd cell serves together with another:
    a rule lost between two columns down a continued page made one cell of a task's name and
    its content (a 200-dpi office scan), and both took the two columns' text run together. A
    printed merged cell (the text layer's) is as printed, and not flagged."""
    by_cell: dict[tuple, list[str]] = {}
    for col in cols:
        ref = rec.get(col)
        if ref.source == "ocr" and ref.text.strip() and ref.cell is not None:
            by_cell.setdefault(ref.cell, []).append(col)
    for shared in (c for c in by_cell.values() if len(c) > 1):
        for col in shared:
            flags.append(Flag(dataset, n, _FIELD_NAMES.get(col, col), FlagCode.CELL_SHARED, ERROR,
                              f"Row {n}'s {' and '.join(shared)} (page {rec.page}) were read from one cell: a "
                              "rule between their columns may be lost; check both."))


def task_rows(form: RawForm, flags: list[Flag]) -> list[dict]:
    """One row per task record. A record with every column empty is no task: a misread grid cut
    a row into strips and one strip held only crumbs (a seal's, a pen's). Counted as a task it
    moved every later task up one number, under which a reader finds another task's amount with
    no flag (a 200-dpi office scan: 4 such records). Its crumbs are still reported, on `tasks`."""
    out = []
    records = []
    style = amount_style(_amount_texts(form))
    for rec in form.tasks:
        if any(clean_text(rec.get(col).text) for col in _TASK_COLUMNS):
            records.append(rec)
        else:
            unmapped_extras(rec, "tasks", None, flags)
    for n, rec in enumerate(records, start=1):
        unmapped_extras(rec, "tasks", n, flags)
        funds = rec.get("funds")
        if funds is EMPTY and "funds" in form.columns.get("tasks", ()):
            # the row has no cell under the funds column at all (a cell of a misread grid spans it,
            # or the row came from a continuation the columns did not reach): never a quiet None
            flags.append(Flag("tasks", n, "funds_wan", FlagCode.AMOUNT_MISSING, ERROR,
                              f"Task row {n} (page {rec.page}) has no cell under the funds column; "
                              "if the form prints an amount there, enter it."))
        for col in ("name", "content", "expected_goal"):
            low_confidence(rec.get(col), "tasks", n, col, flags)
        shared_cells(rec, _TASK_COLUMNS, "tasks", n, flags)
        out.append({"task_no": n, "name": clean_text(rec.get("name").text),
                    "content": clean_text(rec.get("content").text),
                    "funds_wan": _amount(funds, "tasks", n, "funds_wan", flags, style), "funds_raw": funds.text,
                    "expected_goal": clean_text(rec.get("expected_goal").text), "page": rec.page})
    return out


def _indicator_values(rec, n: int, target_cols: tuple[str, ...], flags: list[Flag]) -> dict[str, str]:
    """Cells by position, or by content when the positions make no sense (a lost grid)."""
    values = {col: clean_text(rec.get(col).text) for col in ("level1", "level2", "level3", *target_cols)}
    texts = [clean_text(c.text) for c in rec.cells]
    if not rec.cells or plausible(values, texts):
        unmapped_extras(rec, "indicators", n, flags)
        return values
    fixed = realign(texts, target_cols)
    if fixed is None:
        flags.append(Flag("indicators", n, None, FlagCode.ROW_UNREADABLE, ERROR,
                          f"Indicator row {n} (page {rec.page}) does not fit the columns: {' | '.join(texts)}."))
        unmapped_extras(rec, "indicators", n, flags)
        return values
    unmapped_extras(rec, "indicators", n, flags, fixed)
    flags.append(Flag("indicators", n, None, FlagCode.ROW_REALIGNED, INFO,
                      f"Indicator row {n} was re-read by content: its cells had slid out of their columns."))
    return fixed


def indicator_rows(form: RawForm, flags: list[Flag]) -> list[dict]:
    has = set(form.columns.get("indicators", ()))
    target_cols = tuple(c for c in ("period_target", "annual_target") if c in has)
    out = []
    spilled = {}
    for col in ("level1", "level2"):
        refs = [(n, rec.get(col)) for n, rec in enumerate(form.indicators, start=1)]
        spilled[col], found = mend_spills([(n, r.page, (r.page, r.table_no, r.row, r.col), r.text) for n, r in refs if r.text],
                                          col)
        flags.extend(found)
    for n, rec in enumerate(form.indicators, start=1):
        values = _indicator_values(rec, n, target_cols, flags)
        for col in ("level1", "level2"):  # a label's lines printed over a rule, put back (not on realigned rows)
            if n in spilled[col] and values[col] == clean_text(rec.get(col).text):
                values[col] = spilled[col][n]
        row: dict[str, Any] = {"seq": n, "page": rec.page}
        for col in ("level3", *target_cols):
            low_confidence(rec.get(col), "indicators", n, col, flags)
        shared_cells(rec, ("level3", *target_cols), "indicators", n, flags)
        for col in ("level1", "level2"):
            raw = rec.get(col)
            row[col], found = snap_level(col, values[col], n, raw=raw.text if raw is not None else None)
            flags.extend(found)
            if any(f.code == FlagCode.VOCAB_UNKNOWN for f in found):  # a vocabulary label needs no review
                low_confidence(rec.get(col), "indicators", n, col, flags)
        row["level3"] = strip_trailing_punct(values["level3"])
        row["level3_tokens"] = split_indicator(row["level3"]) if row["level3"] else []
        for col in ("period_target", "annual_target"):
            row[col] = compact_numbers(values.get(col)) if col in has else None
        out.append(row)
    flags.extend(fill_down(out))
    for rec, row in zip(form.indicators, out, strict=True):
        if any(c.source == "ocr" for c in rec.cells):  # a text layer's merged cell is as printed
            flags.extend(held_level_flags(row))  # after fill_down: a filled row holds it too
        row.update(_target_cols("annual", row["annual_target"]))
        row.update(_target_cols("period", row["period_target"]))
        flags.extend(indicator_checks(row))
    return out


def cell_rows(ex: Extraction) -> list[dict]:
    return [{"page": c.page, "table_no": t.table_no, "row": c.row, "col": c.col, "rowspan": c.rowspan,
             "colspan": c.colspan, "text": c.text, "x0": c.box.x0, "y0": c.box.y0, "x1": c.box.x1,
             "y1": c.box.y1, "confidence": c.confidence, "source": c.source, "located_by": c.located_by}
            for t in ex.tables for c in t.cells]


def anchors_read_rows(ex: Extraction, form_type: str) -> list[Flag]:
    """An error on each records dataset when a page was read by its text alone (extract/anchors.py).

    Without ruling, rows are placed by where their text sits; a row whose text the reading could
    not place is simply not there, and nothing else would say so. The figure that chose this: on
    generated 200-dpi office scans read by anchors, 4 task rows went missing without a flag.
    """
    pages = anchors_pages(ex)
    if not pages:
        return []
    where = ", ".join(map(str, pages))
    datasets = ("indicators",) if form_type == PROJECT_FORM else ("tasks", "indicators")
    return [Flag(ds, None, None, FlagCode.MISSING_FIELD, ERROR,
                 f"Page(s) {where} had no usable ruling and were read by the position of their text: "
                 f"a row may be missing or merged; compare the {ds} rows with the page.") for ds in datasets]


def anchors_pages(ex: Extraction) -> list[int]:
    return sorted({c.page for t in ex.tables for c in t.cells if c.located_by == "anchors"})


def shifted_task_flags(tasks: list[dict], pages: list[int]) -> list[Flag]:
    """An error on the funds of every task row from the first page read by anchors on: a row
    lost there moves every later row up one place, so a task's number (and the amount a reader
    takes for that task) is not sure. Measured: on a 200-dpi office scan a lost task row left
    the next row's amount under the lost task's number with no flag on that row."""
    if not pages:
        return []
    first = pages[0]
    return [Flag("tasks", t["task_no"], "funds_wan", FlagCode.MISSING_FIELD, ERROR,
                 f"Task {t['task_no']} (page {t['page']}) follows page {first}, read by the position of its "
                 f"text: a task row may be missing before it; check that this row and its amount are the "
                 f"form's task {t['task_no']}.")
            for t in tasks if t["page"] and t["page"] >= first]


def build_rows(form: RawForm, ex: Extraction, year: int | None, doc: DocInfo, rules=(),
               required: tuple[str, ...] = ("department", "overall_goal"),
               budget_items: tuple[str, ...] = ()) -> FormRows:
    flags: list[Flag] = list(form.notes)
    field_text = {k: v.text for k, v in form.fields.items()}
    for name, ref in form.fields.items():
        low_confidence(ref, "documents", None, name, flags)
    if form.title.text:
        low_confidence(form.title, "documents", None, "title", flags)
    document: dict[str, Any] = {
        "source_path": doc.source_path, "source_root": doc.source_root, "form_type": form.form_type, "title": clean_text(form.title.text),
        "department": clean_text(field_text.get("department", "")),
        "subordinate_units": _int(field_text.get("subordinate_units", "")),
        "funded_staff": _int(field_text.get("funded_staff", "")),
        "overall_goal": clean_text(field_text.get("overall_goal", "")),
        "other_tasks": clean_text(field_text.get("other_tasks", "")),
        "pages": ex.pages, "method": ex.method, "ocr_engine": ex.ocr_engine,
        "pipeline_version": doc.pipeline_version, "processed_at": doc.processed_at, "error": None,
    }
    budget = budget_rows(form, flags)
    tasks = task_rows(form, flags)
    indicators = indicator_rows(form, flags)
    cells = cell_rows(ex)
    # the second form type: its header and funds as one `projects` row (normalize/projects.py)
    first_page = min((r.page for r in form.fields.values() if r.page), default=None)
    projects = project_rows(form, flags, first_page, rules, _amount) if form.form_type == PROJECT_FORM else []
    found = {**field_text, **document, **(projects[0] if projects else {}), "year": year}
    flags.extend(missing_fields(found, [*required, "year"]))
    flags.extend(sum_rules(budget, rules))
    scanned = any(b.amount.source == "ocr" for b in form.budget) or (not form.budget and ex.method == "ocr")
    flags.extend(missing_items(budget, budget_items, scanned))
    if not indicators:
        flags.append(Flag("indicators", None, None, FlagCode.MISSING_FIELD, ERROR, "No 绩效指标 rows were found on the form."))
    if not tasks and form.form_type != PROJECT_FORM:  # every department form lists its 年度重点工作任务:
        # none read means the block was lost (its funds with it), never that the form has none
        flags.append(Flag("tasks", None, None, FlagCode.MISSING_FIELD, ERROR,
                          "No 年度重点工作任务 rows were found on the form: their funds were not read."))
    flags.extend(anchors_read_rows(ex, form.form_type))
    flags.extend(shifted_task_flags(tasks, anchors_pages(ex)))
    flags = locate_flags(flags, form)
    confs = [c["confidence"] for c in cells]
    document["mean_confidence"] = sum(confs) / len(confs) if confs else 0.0
    document["n_flags"] = len(flags)
    document["status"] = "needs_review" if any(f.severity == ERROR for f in flags) else "ok"
    rows = {"documents": [document], "budget_items": budget, "tasks": tasks, "indicators": indicators,
            "projects": projects, "cells": cells, "flags": [f.row() for f in flags]}
    return FormRows(year, rows, flags)
