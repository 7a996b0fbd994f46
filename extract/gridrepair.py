"""Second tries at a scanned page's grid that failed the check, before the anchors reading.

The grid check (extract/gridcheck.py) says why a grid is unfit: two labels in one cell, cells
overlapping, a label's value outside every cell. Most such faults are one rule lost where the
ruling search found nothing of it. Two repairs bolder than the ones every page gets are tried
here, each kept only when the repaired grid then passes the check:
- the lenient mend (brokenrules.LENIENT): a row's rule through the table carried further to the
  edge, and to an inner rule where nothing lies at its end. On every page it cut a shaded
  label's cell where the label's top strokes had joined a row's rule;
- the label split (extract/labelsplit.py): a cell holding two labels split along the rule its
  neighbours end on between them.
When neither mends the page, its ruling is found again with the edges of its shaded areas added
to its ruling ink (extract/shadeedges.py), and the same tries are made on that: on a phone photo a header's thin grey rules
can vanish into its fill, while the fill's edge stays. They are looked for only then, so a page
that passes, or that the first tries mend, reads as before. A page nothing mends goes to the
anchors reading. A page whose grid passed is still looked over for the label splits the check
cannot see (split_cells).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .brokenrules import LENIENT, mend_broken_rules
from .grid import GridSettings, page_tables
from .gridcheck import check_grid
from .labelsplit import label_splits
from .model import PageContent, Segment, Table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repaired:
    segments: tuple[Segment, ...]  # the page's ruling with the repair's rules added
    how: str  # "lenient mend", "label split", both, or a split on a passed grid


def _with(content: PageContent, segments: tuple[Segment, ...], s: GridSettings) -> tuple[PageContent, list[Table], bool]:
    """The page with `segments` for its ruling, its tables, and whether they pass the check."""
    page = replace(content, segments=segments)
    tables, lines = page_tables(page, s)
    return page, tables, check_grid(tables, lines, segments=segments).ok


def split_cells(content: PageContent, tables: list[Table], s: GridSettings) -> Repaired | None:
    """On a page whose grid passed the check: the label splits the check cannot see
    (labelsplit.py: a cell whose text a column's rule cuts into two labels, holding neither
    whole; a first-column label far off its cell's middle), if any."""
    splits = label_splits(content, tables, s=s, rows=False)
    return Repaired(content.segments + tuple(splits), "label split on a passed grid") if splits else None


def repaired_grid(content: PageContent, tables: list[Table], s: GridSettings,
                  shaded: Callable[[], Sequence[Segment]] | None = None) -> Repaired | None:
    """The first repair of the page's grid that passes the check: the lenient mend, then the
    lenient mend and the label split, then the label split alone; None when none does. The
    lenient mend first: on a failed page, where a label's rule was lost so were stretches of
    others (the header rule under 一级指标 had faded where the label split had been found; split
    alone, the grid passed with the header's cells run into the first indicator's).
    `shaded` gives the page's ruling found again with the edges of its shaded areas
    (extract/shadeedges.py), asked for only when the repairs above fail: that ruling, then the
    same three tries on it."""
    fixed = _repaired(content, tables, s, "")
    if fixed is None and shaded is not None and (ruling := tuple(shaded())):
        page, with_edges, ok = _with(content, ruling, s)
        log.debug("page %d: ruling with shade edges, %d segments, grid %s", content.number, len(ruling), ok)
        fixed = Repaired(page.segments, "shade edges") if ok else _repaired(page, with_edges, s, "shade edges, ")
    return fixed


def _repaired(content: PageContent, tables: list[Table], s: GridSettings, before: str) -> Repaired | None:
    """repaired_grid's three tries on the page's ruling as it stands; `before` names the
    repair already in that ruling."""
    tried: list[tuple[str, PageContent, list[Table]]] = []
    lenient = tuple(mend_broken_rules(list(content.segments), LENIENT))
    if len(lenient) > len(content.segments):
        mended, m_tables, ok = _with(content, lenient, s)
        if ok:
            return Repaired(lenient, before + "lenient mend")
        tried.append(("lenient mend and label split", mended, m_tables))
    tried.append(("label split", content, tables))
    for how, page, page_tables_ in tried:
        splits = label_splits(page, page_tables_, s=s)
        if not splits:
            continue
        segments = page.segments + tuple(splits)
        ok = _with(content, segments, s)[2]
        log.debug("page %d: %s%s, %d cell(s) split, grid %s", content.number, before, how, len(splits), ok)
        if ok:
            return Repaired(segments, before + how)
    return None
