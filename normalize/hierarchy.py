"""一级/二级指标 repair: snap to the closed vocabulary, fill down merged cells.

A merged 一级/二级 cell gives every row it covers its text; a merged cell cut by
a page break, or lost by a flattened export, leaves the rows below it blank.
Those blanks take the value of the row above, as the printed form means.
"""
from __future__ import annotations

from .flags import INFO, WARNING, Flag, FlagCode
from .targets import looks_like_target
from .vocab import LEVEL1, LEVEL2, snap

CRUMB_CHARS = 2  # as extract.mapping: seal-ring residue reads as lines of 1-2 characters; no
# 一级/二级 name is that short
VOCAB = {"level1": LEVEL1, "level2": LEVEL2}
NAMES = {"level1": "一级指标", "level2": "二级指标"}


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
