"""一级/二级指标 repair: snap to the closed vocabulary, fill down merged cells.

A merged 一级/二级 cell gives every row it covers its text; a merged cell cut by
a page break, or lost by a flattened export, leaves the rows below it blank.
Those blanks take the value of the row above, as the printed form means.
"""
from __future__ import annotations

from .flags import INFO, WARNING, Flag
from .vocab import LEVEL1, LEVEL2, snap

VOCAB = {"level1": LEVEL1, "level2": LEVEL2}
NAMES = {"level1": "一级指标", "level2": "二级指标"}


def snap_level(column: str, text: str, seq: int) -> tuple[str, list[Flag]]:
    """Snap a near-miss (产出指摽 -> 产出指标) within the edit-distance bound."""
    if not text:
        return text, []
    s = snap(text, VOCAB[column])
    if s.value is None:
        return text, [Flag("indicators", seq, column, "VOCAB_UNKNOWN", WARNING,
                           f"{NAMES[column]} “{text}” is not in the known vocabulary; check the printed form.")]
    if s.changed:
        return s.value, [Flag("indicators", seq, column, "VOCAB_SNAPPED", INFO,
                              f"{NAMES[column]} “{text}” was read as “{s.value}” (edit distance {s.distance}).")]
    return s.value, []


def fill_down(rows: list[dict], columns: tuple[str, ...] = ("level1", "level2"),
              reason: str = "a merged cell split by a page break") -> list[Flag]:
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
            flags.append(Flag("indicators", row["seq"], ",".join(filled), "FILLED_DOWN", INFO,
                              f"{'/'.join(NAMES[c] for c in filled)} taken from the row above ({reason})."))
        prev = {c: row.get(c) for c in columns}
    return flags
