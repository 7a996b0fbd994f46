"""一级/二级指标 repair: snap to the closed vocabulary, fill down merged cells.

A merged 一级/二级 cell gives every row it covers its text; a merged cell cut by
a page break, or lost by a flattened export, leaves the rows below it blank.
Those blanks take the value of the row above, as the printed form means.
"""
from __future__ import annotations

from dataclasses import dataclass

from .flags import ERROR, INFO, WARNING, Flag, FlagCode
from .targets import looks_like_target
from .text import clean_text
from .vocab import LEVEL1, LEVEL2, snap

CRUMB_CHARS = 2  # as extract.mapping: seal-ring residue reads as lines of 1-2 characters; no
# 一级/二级 name is that short
VOCAB = {"level1": LEVEL1, "level2": LEVEL2}
NAMES = {"level1": "一级指标", "level2": "二级指标"}
# A label too tall for its merged cell is printed centred over it, its first or last lines over the
# rule in the next cell (LibreOffice does not clip). Seen: one line of 服务对象/满意度指标, in 2 of
# 300 generated layouts; two lines is the most a two-row merged cell can push out.
SPILL_LINES = 2


def _without_crumbs(raw: str) -> str:
    """An OCR'd cell's text without its lines of at most CRUMB_CHARS characters (a grey seal's ring)."""
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    kept = [ln for ln in lines if len(ln) > CRUMB_CHARS]
    return "".join(kept) if len(kept) < len(lines) else ""


def snap_level(column: str, text: str, seq: int, raw: str | None = None) -> tuple[str, list[Flag]]:
    """Snap a near-miss (产出指摽 -> 产出指标) within the edit-distance bound.

    `raw` is the cell as read, lines kept: when the text does not snap and
    short lines around it are seal crumbs ("效益指标\n一\n生"), the rest may.
    """
    if not text:
        return text, []
    s = snap(text, VOCAB[column])
    rest = _without_crumbs(raw or "") if s.value is None else ""
    value = snap(rest, VOCAB[column]).value if rest else None
    if value is not None:
        return value, [Flag("indicators", seq, column, FlagCode.VOCAB_SNAPPED, INFO,
                            f"{NAMES[column]} “{text}” was read as “{value}”: the lines of one or two "
                            f"characters beside it are marks, not print.")]
    if s.value is None:
        return text, [Flag("indicators", seq, column, FlagCode.VOCAB_UNKNOWN, WARNING,
                           f"{NAMES[column]} “{text}” is not in the known vocabulary; check the printed form.")]
    if s.changed:
        return s.value, [Flag("indicators", seq, column, FlagCode.VOCAB_SNAPPED, INFO,
                              f"{NAMES[column]} “{text}” was read as “{s.value}” (edit distance {s.distance}).")]
    return s.value, []


def _exact(text: str, column: str) -> bool:
    return bool(text) and snap(text, VOCAB[column]).value == text


def _join(lines: list[str]) -> str:
    return clean_text("\n".join(lines))


def _spill(upper: list[str], lower: list[str], column: str) -> tuple[str, str] | None:
    """Both cells' texts once the lines one printed over the rule into the other go back,
    when exactly that makes both vocabulary labels; None when no such move does."""
    if _exact(_join(upper), column) and _exact(_join(lower), column):
        return None
    def whole(lines: list[str]) -> bool:  # a label, or nothing (a merged cell's part cut off by a page break)
        return not lines or _exact(_join(lines), column)

    for k in range(1, SPILL_LINES + 1):
        if k <= len(upper) and whole(upper[:-k]) and _exact(_join(upper[-k:] + lower), column):
            return _join(upper[:-k]), _join(upper[-k:] + lower)
        if k <= len(lower) and _exact(_join(upper + lower[:k]), column) and whole(lower[k:]):
            return _join(upper + lower[:k]), _join(lower[k:])
    return None


def _has_extra_lines(lines: list[str], column: str) -> bool:
    """A label plus lines that are none of it: text spilled in from a neighbour. Lines of
    CRUMB_CHARS or fewer are a seal's ring on a scan, which snap_level reads past."""
    if _exact(_join(lines), column):
        return False
    for k in range(1, min(SPILL_LINES, len(lines) - 1) + 1):
        for label, extra in ((lines[k:], lines[:k]), (lines[:-k], lines[-k:])):
            if _exact(_join(label), column) and any(len(ln.strip()) > CRUMB_CHARS for ln in extra):
                return True
    return False


@dataclass
class _Run:
    """The rows of one 一级/二级 cell, as mend_spills walks them."""

    ident: object
    page: int
    text: str
    seqs: list[int]
    mended: bool = False


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def mend_spills(cells: list[tuple[int, int, object, str]], column: str) -> tuple[dict[int, str], list[Flag]]:
    """Put back the lines of a 一级/二级 label printed over a rule into the next cell.

    `cells`: (seq, page, cell identity, text as printed with its line breaks) of each indicator
    row, in order; rows under one merged cell share its identity. Text spills over a rule on one
    page only: the two parts of a cell cut by a page break are the mapping's to join, not this.
    Returns the mended text by seq, and the flags: `TEXT_SPILLED` info where lines went back, error where a cell holds a label plus lines
    that no move explains (the value may have lost or gained words; a person must look).
    """
    runs: list[_Run] = []  # consecutive rows under one cell
    for seq, page, ident, text in cells:
        if runs and runs[-1].ident == ident:
            runs[-1].seqs.append(seq)
        else:
            runs.append(_Run(ident, page, text, [seq]))
    mended: dict[int, str] = {}
    flags: list[Flag] = []
    for above, below in zip(runs, runs[1:]):
        upper, lower = _lines(above.text), _lines(below.text)
        fixed = _spill(upper, lower, column) if upper and lower and above.page == below.page else None
        if fixed is None:
            continue
        for run, value in ((above, fixed[0]), (below, fixed[1])):
            run.text, run.mended = value, True
            mended.update(dict.fromkeys(run.seqs, value))
        flags.append(Flag("indicators", below.seqs[0], column, FlagCode.TEXT_SPILLED, INFO,
                          f"{NAMES[column]} “{_join(upper)}” / “{_join(lower)}”: lines printed over the rule "
                          f"between the two cells were put back, giving “{fixed[0] or '(blank)'}” / “{fixed[1] or '(blank)'}”."))
    for run in runs:
        lines = _lines(run.text)
        if not run.mended and _has_extra_lines(lines, column):
            flags += [Flag("indicators", seq, column, FlagCode.TEXT_SPILLED, ERROR,
                           f"{NAMES[column]} “{_join(lines)}” holds a label and other lines: text of the "
                           f"cell above or below may be printed over the rule; check the printed form.") for seq in run.seqs]
    return mended, flags


# a level value held with other text counts this long or longer (every value is 4 characters or more)
MIN_HELD_LEVEL = 4


def held_level(text: str, column: str) -> str | None:
    """The 一级/二级 value an indicator cell's text holds beside other text, if it holds one: a
    rule lost between two cells of an OCR'd row (a photo's shaded 二级指标 column lost its edge
    rule, and 经济效益指标 was read with the 三级指标 names beside it into one cell; realigned by
    content, the row's 三级指标 read 社会效益指标校园安全服务受益人次). None when the text is a
    value of its own column (服务对象满意度指标 holds 满意度指标, and is one)."""
    key = clean_text(text).replace("\n", "")
    if not key or (column in VOCAB and _is_level(key, column)):
        return None
    found = [v for v in (*LEVEL2, *LEVEL1) if len(v) >= MIN_HELD_LEVEL and v in key and v != key]
    return max(found, key=len) if found else None


def held_level_flags(row: dict) -> list[Flag]:
    """An error on each level or name of an indicator row that holds a 一级/二级 value beside
    other text (held_level); for OCR'd rows, filled down rows included."""
    out = []
    for col in ("level1", "level2", "level3"):
        value = held_level(row.get(col) or "", col)
        if value is not None:
            out.append(Flag("indicators", row["seq"], col, FlagCode.CELL_SHARED, ERROR,
                            f"{NAMES.get(col, '三级指标')} “{row[col]}” holds “{value}” and other text: a rule "
                            "between two cells may be lost; check the printed form."))
    return out


def fill_down(rows: list[dict], columns: tuple[str, ...] = ("level1", "level2"),
              reason: str = "the printed cell is merged over several rows") -> list[Flag]:
    """Fill blank hierarchy cells from the row above, in place; one info flag per filled row.

    A level is only carried while the levels to its left are unchanged, so a
    new 一级指标 never inherits the previous group's 二级指标.
    """
    flags = []
    prev: dict[str, str] = {}
    for row in rows:
        filled = []
        for i, col in enumerate(columns):
            if not row.get(col) and prev.get(col):
                parents_same = all(row.get(p) == prev.get(p) for p in columns[:i])
                if parents_same:
                    row[col] = prev[col]
                    filled.append(col)
        if filled:
            flags.append(Flag("indicators", row["seq"], ",".join(filled), FlagCode.FILLED_DOWN, INFO,
                              f"{'/'.join(NAMES[c] for c in filled)} taken from the row above ({reason})."))
        prev = {c: row.get(c) or "" for c in columns}
    return flags


def _is_level(text: str, column: str) -> bool:
    return bool(text) and snap(text, VOCAB[column]).value is not None


def plausible(values: dict[str, str], texts: list[str]) -> bool:
    """Do the cells under the header columns make sense as an indicator row?

    No: a name that looks like a target or a level, a level cell holding
    something outside the vocabulary, or a non-empty cell that no column took.
    """
    name = values.get("level3", "")
    if not name or looks_like_target(name) or _is_level(name, "level1") or _is_level(name, "level2"):
        return False
    for col in ("level1", "level2"):
        if values.get(col) and not _is_level(values[col], col):
            return False
    used = [v for v in values.values() if v]
    rest = list(texts)
    for v in used:
        if v in rest:
            rest.remove(v)
    return not rest


def realign(texts: list[str], target_columns: tuple[str, ...]) -> dict[str, str] | None:
    """Re-read a row from its cells' content alone: levels from the vocabulary,
    the first non-target text as the name, the rest as targets in column order.
    """
    out = {"level1": "", "level2": "", "level3": ""}
    rest = list(texts)
    for col in ("level1", "level2"):
        if rest and _is_level(rest[0], col):
            out[col] = rest.pop(0)
    if not rest or looks_like_target(rest[0]):
        return None
    out["level3"] = rest.pop(0)
    if len(rest) > len(target_columns) or any(not looks_like_target(t) for t in rest):
        return None
    if len(rest) < len(target_columns):  # too few values: the yearly one is the one always printed
        rest = [""] * (len(target_columns) - len(rest)) + rest
    out.update(zip(target_columns, rest))
    return out
