"""Closed vocabularies of the indicator hierarchy and snapping OCR'd labels to them.

一级/二级指标 cells hold one of a few fixed labels, so an OCR misread
("产出指摽") can be put right by edit distance, provided exactly one label is
that close; a tie is left alone for a person to decide.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from formpipe.extract.template import edit_distance, load_template

# the template's closed lists (extract/templates/department_overall.toml, [blocks.indicators.values])
LEVEL1 = load_template().blocks["indicators"].values["level1"]
LEVEL2 = load_template().blocks["indicators"].values["level2"]
# The 一级指标 each 二级指标 usually sits under on these forms.
LEVEL1_OF_LEVEL2 = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "满意度指标": "满意度指标",
}


@dataclass(frozen=True)
class Snap:
    """``value`` is the vocabulary entry chosen, None when none is close enough
    or two are equally close; ``distance`` is the edit distance to the nearest."""

    value: str | None
    original: str
    distance: int | None
    changed: bool


def levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute one character) turning ``a`` into ``b``."""
    return edit_distance(a, b)


def snap(text: str | None, vocabulary: Iterable[str], max_distance: int = 1) -> Snap:
    """The single vocabulary entry within ``max_distance`` edits of ``text``."""
    original = text or ""
    probe = original.strip()
    if not probe:
        return Snap(None, original, None, False)
    entries = tuple(dict.fromkeys(vocabulary))
    if probe in entries:
        return Snap(probe, original, 0, probe != original)
    best, best_distance, tied = None, None, False
    for entry in entries:
        if abs(len(entry) - len(probe)) > max_distance:
            continue  # cannot be within the bound
        d = levenshtein(probe, entry)
        if d > max_distance:
            continue
        if best_distance is None or d < best_distance:
            best, best_distance, tied = entry, d, False
        elif d == best_distance:
            tied = True
    if best is None or tied:
        return Snap(None, original, best_distance, False)
    return Snap(best, original, best_distance, True)
