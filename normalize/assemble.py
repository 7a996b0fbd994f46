"""A whole document -> the rows of every dataset: one row set per form found, tagged `form_no`.

extract.detect finds the forms (pages and template); each form is mapped from its own pages
only and normalised on its own, so its cells, flags and row numbers belong to it. A document
with no form is one `documents` row with status `no_form` and a one-line description.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from formpipe.extract.detect import find_forms, no_form_message, restrict, unread_form
from formpipe.extract.mapping import find_year, map_form
from formpipe.extract.model import DocumentError, Extraction, Table
from formpipe.extract.overflow import follow, left_page_flags
from formpipe.extract.template import Template

from .flags import FlagCode
from .rows import DocInfo, build_rows, cell_rows

log = logging.getLogger("formpipe")

ROW_DATASETS = ("documents", "budget_items", "tasks", "indicators", "projects", "cells", "flags")


@dataclass
class DocumentRows:
    year: int | None
    rows: dict[str, list[dict]]
    summary: dict  # the document's outcome: status, n_flags, pages, … (for the run summary)


def _no_form(ex: Extraction, info: DocInfo, message: str) -> dict:
    return {"source_path": info.source_path, "form_no": 0, "form_type": None, "first_page": None,
            "last_page": None, "title": None, "department": None, "subordinate_units": None,
            "funded_staff": None, "overall_goal": None, "other_tasks": None, "pages": ex.pages,
            "method": ex.method, "ocr_engine": ex.ocr_engine, "mean_confidence": None, "status": "no_form",
            "n_flags": 0, "pipeline_version": info.pipeline_version, "processed_at": info.processed_at,
            "error": message}


def assemble(ex: Extraction, info: DocInfo, templates: list[Template]) -> DocumentRows:
    forms, scores = find_forms(ex, templates)
    forms, left = follow(ex, forms, scores)  # pages after a form that carry it on, or may
    rows: dict[str, list[dict]] = {ds: [] for ds in ROW_DATASETS}
    in_form = {p for f in forms for p in f.pages}
    others = [s for s in scores if s.page not in in_form]
    if others:  # pages of no form are ignored; the log says what they were
        log.info("%s: %d form(s) %s; %d other page(s), titles %s", info.source_path, len(forms),
                 ", ".join(f"{f.template.form_type} pages {f.first_page}-{f.last_page}" for f in forms),
                 len(others), ", ".join(s.heading[:30] for s in others if s.heading) or "-")
    if not forms:
        why = unread_form(ex, scores, templates)
        if why:  # a form is there and was not read: a failure, never a quiet no_form
            raise DocumentError(why)
        row = _no_form(ex, info, no_form_message(ex, scores))
        rows["documents"] = [row]
        rows["cells"] = [{**c, "form_no": 0} for c in cell_rows(ex)]
        return DocumentRows(None, rows, row)
    year = None
    for form_no, found in enumerate(forms, start=1):
        part = restrict(ex, found.first_page, found.last_page)
        tpl = found.template
        form = map_form(part, tpl)
        form.notes += left_page_flags(found, left[form_no - 1], form.open_block)
        form_year = find_year(form)
        year = year if year is not None else form_year
        built = build_rows(form, part, form_year, info, rules=tpl.rules,
                           required=tuple(f.name for f in tpl.fields.values() if f.required),
                           budget_items=tpl.blocks["budget"].items if "budget" in tpl.blocks else ())
        built.rows["documents"][0].update(first_page=found.first_page, last_page=found.last_page, pages=ex.pages,
                                          _year=form_year)
        for ds in ROW_DATASETS:
            rows[ds] += [{**r, "form_no": form_no} for r in built.rows.get(ds, [])]
    _year_conflicts(rows, year)
    outside = restrict_outside(ex, in_form)
    rows["cells"] += [{**c, "form_no": 0} for c in cell_rows(outside)]
    docs = rows["documents"]
    status = "needs_review" if any(d["status"] == "needs_review" for d in docs) else "ok"
    summary = {**docs[0], "status": status, "n_flags": sum(d["n_flags"] for d in docs)}
    return DocumentRows(year, rows, summary)


def _year_conflicts(rows: dict[str, list[dict]], year: int | None) -> None:
    """A file is filed under one year (the hive partition): a form stating another is flagged,
    its year is otherwise silently wrong."""
    for doc in rows["documents"]:
        own = doc.pop("_year", None)
        if own is not None and year is not None and own != year:
            rows["flags"].append({"form_no": doc["form_no"], "dataset": "documents", "row_ref": None, "field": "year",
                                  "code": str(FlagCode.YEAR_CONFLICT), "severity": "error",
                                  "message": f"This form states the year {own}; its file is filed under {year} "
                                             f"(the year of the file's first form)."})
            doc["n_flags"] += 1
            doc["status"] = "needs_review"


def restrict_outside(ex: Extraction, pages: set[int]) -> Extraction:
    """The cells of pages that hold no form (kept in `cells` with form_no 0, for audit)."""
    tables = []
    for t in ex.tables:
        cells = [c for c in t.cells if c.page not in pages]
        if cells:
            tables.append(Table(t.table_no, cells, t.n_rows, t.n_cols, t.pages, t.col_edges))
    return replace(ex, tables=tables)
