"""The review pages: an index of documents, and per document its pages with every cell box,
the values beside them, and each flag in plain words with a zoomed crop of its value.

Every text shown comes from documents anyone can write, so every one goes through `esc`
(a cell may hold `<script>` or `<img onerror=…>`). The pages carry no script at all: the
Content-Security-Policy forbids every script (inline or not), styles other than the one
block below (pinned by its hash) and images other than the embedded ones. Corrections are
plain HTML forms (POST, with the session's token) that only the served review shows.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pyarrow.parquet as pq

from formpipe.extract.flags import FlagCode

from .corrections import EDITABLE, ROW_KEY
from .pages import crop, jpeg, page_image

CSS = """
body{font:14px/1.45 sans-serif;margin:0;color:#222;background:#f4f4f2}
header{padding:10px 16px;background:#fff;border-bottom:1px solid #ccc}
main{display:flex;gap:16px;padding:16px;align-items:flex-start}
.pages{flex:0 0 auto}
.side{flex:1 1 0;min-width:420px}
svg.sheet{display:block;width:860px;height:auto;background:#fff;margin-bottom:16px;box-shadow:0 1px 3px #999}
rect.cell{fill:none;stroke:#3b7dd8;stroke-width:.5;stroke-opacity:.55}
rect.flag{fill-opacity:.18;stroke-width:1.6}
rect.sev-error{fill:#e0201b;stroke:#e0201b}
rect.sev-warning{fill:#e69a00;stroke:#e69a00}
rect.sev-info{fill:#2a9d3a;stroke:#2a9d3a;fill-opacity:.08}
table{border-collapse:collapse;background:#fff;margin-bottom:16px;width:100%}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
tr.has-error td{background:#fde8e7}
.badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.b-error{background:#c8231d}.b-warning{background:#b77900}.b-info{background:#2a7d36}
.b-ok{background:#2a7d36}.b-needs_review{background:#c8231d}.b-reviewed{background:#3b5bd8}.b-failed{background:#555}
li.flag{background:#fff;border:1px solid #ddd;margin:0 0 8px;padding:8px;list-style:none}
li.flag img{display:block;max-width:100%;margin:6px 0;border:1px solid #ccc}
ol.flags{padding:0}
form{margin-top:6px}
input[type=text]{width:60%}
.resolved{color:#2a5bd8;font-weight:bold}
.note{background:#fff8d8;padding:6px 10px;border:1px solid #e6d47a;margin:0 16px}
"""
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (f"default-src 'none'; script-src 'none'; img-src data:; style-src '{CSS_HASH}'; "
       "form-action 'self'; base-uri 'none'")

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
CODE_WORDS = {
    "AMOUNT_UNPARSEABLE": "the amount could not be read as a number",
    "AMOUNT_MISSING": "no amount was read where one is printed",
    "AMOUNT_REPAIRED": "the amount was repaired",
    "LOW_CONFIDENCE": "read with low confidence",
    "SUM_MISMATCH": "the amounts do not add up",
    "MISSING_FIELD": "a value is missing",
    "TARGET_UNPARSEABLE": "the target could not be parsed",
    "LABEL_SNAPPED": "a label was read with a typo and matched to the form's",
    "VOCAB_SNAPPED": "a name was read with a typo and matched to the vocabulary",
    "VOCAB_UNKNOWN": "a name is not one the form uses",
    "FILLED_DOWN": "taken from the row above (merged cell)",
    "ROW_REALIGNED": "the row's cells were re-read by content",
    "ROW_UNREADABLE": "the row does not fit the columns",
    "CELL_SHARED": "one cell was read into two columns",
    "CORRECTED": "a person's correction or acceptance",
}


def esc(value) -> str:
    """Any value as HTML text or attribute content (quotes too)."""
    return escape("" if value is None else str(value), quote=True)


def data_uri(jpeg_bytes: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes).decode("ascii")


@dataclass
class Doc:
    row: dict  # documents row (+ year)
    data: dict[str, list[dict]]  # dataset -> rows of this document

    @property
    def doc_id(self) -> str:
        return self.row["doc_id"]

    def flags(self) -> list[dict]:
        return sorted(self.data.get("flags", []), key=lambda f: (SEVERITY_ORDER.get(f["severity"], 3),
                                                                   f["dataset"], f["row_ref"] or 0))

    def resolved(self) -> set[tuple]:
        """Places (dataset, row_ref, field) a person corrected or accepted."""
        return {(f["dataset"], f["row_ref"], f["field"]) for f in self.data.get("flags", []) if f["code"] == FlagCode.CORRECTED}

    def count(self, severity: str) -> int:
        return sum(f["severity"] == severity for f in self.data.get("flags", []))


ALL = ("budget_items", "tasks", "indicators", "cells", "flags")


def read_docs(outputs: Path, doc_id: str | None = None, datasets: tuple[str, ...] = ALL) -> list[Doc]:
    """Documents with their rows, from the Parquet files (one file per document per dataset);
    the index needs only `flags` (for its counts)."""
    out = []
    pattern = f"year=*/{doc_id}.parquet" if doc_id else "year=*/*.parquet"
    for p in sorted((outputs / "documents").glob(pattern)):
        row = pq.read_table(p).to_pylist()[0]
        row["year"] = p.parent.name.split("=", 1)[1]
        data = {}
        for ds in datasets:
            f = outputs / ds / p.parent.name / p.name
            data[ds] = pq.read_table(f).to_pylist() if f.exists() else []
        out.append(Doc(row, data))
    return out


def _head(title: str) -> str:
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f'<meta name="referrer" content="no-referrer"><title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body>")


def index_page(docs: list[Doc], link) -> str:
    order = {"needs_review": 0, "failed": 1, "reviewed": 2, "ok": 3}
    rows = []
    for d in sorted(docs, key=lambda d: (order.get(d.row["status"], 4), d.row["source_path"] or "")):
        r = d.row
        rows.append(f'<tr><td><a href="{esc(link(d.doc_id))}">{esc(r["source_path"])}</a></td>'
                    f'<td><span class="badge b-{esc(r["status"])}">{esc(r["status"])}</span></td>'
                    f'<td>{esc(r["year"])}</td><td>{d.count("error")}</td><td>{d.count("warning")}</td>'
                    f'<td>{esc(r.get("pages"))}</td><td>{esc(r.get("department"))}</td><td>{esc(r.get("error"))}</td></tr>')
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.row["status"]] = counts.get(d.row["status"], 0) + 1
    summary = ", ".join(f"{esc(k)} {v}" for k, v in sorted(counts.items()))
    return (_head("formpipe review") + f"<header><h1>formpipe review</h1><p>{len(docs)} document(s): {summary}</p>"
            "</header><main><table><tr><th>source</th><th>status</th><th>year</th><th>errors</th><th>warnings</th>"
            "<th>pages</th><th>department</th><th>reason</th></tr>" + "".join(rows) + "</table></main></body></html>")


def _pages_html(doc: Doc, images: dict) -> str:
    out = []
    for page in range(1, (doc.row.get("pages") or 0) + 1):
        rgb = images.get(page)
        if rgb is None:
            out.append(f'<p class="note">page {page}: no image (the source is not at hand)</p>')
            continue
        h, w = rgb.shape[:2]
        wpt, hpt = w * 72.0 / _dpi(), h * 72.0 / _dpi()
        parts = [f'<svg class="sheet" id="page-{page}" viewBox="0 0 {wpt:.2f} {hpt:.2f}" '
                 f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="page {page}">',
                 f'<image href="{data_uri(jpeg(rgb, 70))}" x="0" y="0" width="{wpt:.2f}" height="{hpt:.2f}"/>']
        for c in doc.data["cells"]:
            if c["page"] == page and c["x0"] is not None:
                parts.append(_rect(c, "cell", c.get("text")))
        flags = list(enumerate(doc.flags()))
        for i, f in reversed(flags):  # errors drawn last, on top
            if f.get("page") == page and f.get("x0") is not None:
                parts.append(_rect(f, f"flag sev-{esc(f['severity'])}", f["message"], f"flag-box-{i}"))
        parts.append("</svg>")
        out.append("".join(parts))
    return "".join(out)


def _dpi() -> float:
    from formpipe.extract.keep import REVIEW_DPI
    return float(REVIEW_DPI)


def _rect(r: dict, cls: str, title, ident: str | None = None) -> str:
    x0, y0, x1, y1 = (float(r[k]) for k in ("x0", "y0", "x1", "y1"))
    id_attr = f' id="{ident}"' if ident else ""
    return (f'<rect{id_attr} class="{cls}" x="{x0:.2f}" y="{y0:.2f}" width="{max(x1 - x0, 0.5):.2f}" '
            f'height="{max(y1 - y0, 0.5):.2f}"><title>{esc(title)}</title></rect>')


def _value_of(doc: Doc, f: dict):
    if f["dataset"] == "documents":
        return doc.row.get(f["field"]) if f["field"] else None
    key = ROW_KEY.get(f["dataset"])
    row = next((r for r in doc.data.get(f["dataset"], []) if key and r.get(key) == f["row_ref"]), None)
    return row.get(f["field"]) if row and f["field"] else None


def _flag_html(doc: Doc, f: dict, i: int, images: dict, form) -> str:
    where = f["dataset"] + (f" row {f['row_ref']}" if f["row_ref"] is not None else "") + (
        f" · {f['field']}" if f["field"] else "") + (f" · page {f['page']}" if f.get("page") else "")
    parts = [f'<li class="flag" id="flag-{i}"><span class="badge b-{esc(f["severity"])}">{esc(f["severity"])}</span> '
             f'<b>{esc(CODE_WORDS.get(f["code"], f["code"]))}</b> <small>({esc(f["code"])}; {esc(where)})</small>'
             f'<div>{esc(f["message"])}</div>']
    if f["severity"] == "error" and (f["dataset"], f["row_ref"], f["field"]) in doc.resolved():
        parts.append('<div class="resolved">✓ corrected or accepted by a person (see the CORRECTED flag)</div>')
    if f["field"]:
        parts.append(f'<div>value now: <b class="value">{esc(_value_of(doc, f))}</b></div>')
    rgb = images.get(f.get("page"))
    if rgb is not None and f.get("x0") is not None:
        cut = crop(rgb, (f["x0"], f["y0"], f["x1"], f["y1"]))
        if cut:
            parts.append(f'<img class="crop" alt="the value on the page" src="{data_uri(cut)}">')
    if form is not None and f["severity"] == "error":
        parts.append(form(doc, f, _value_of(doc, f)))
    parts.append("</li>")
    return "".join(parts)


# the row datasets shown beside the pages: (dataset, heading, row key, columns, column heads)
_VALUE_TABLES = (
    ("budget_items", "预算整体情况", "row_no", ("section", "item", "amount_wan", "raw_text"),
     ("section", "item", "amount (万元)", "as printed")),
    ("tasks", "年度重点工作任务", "task_no", ("name", "funds_wan", "expected_goal"), ("name", "funds (万元)", "expected goal")),
    ("indicators", "绩效指标", "seq", ("level1", "level2", "level3", "annual_target"), ("一级", "二级", "三级", "年度指标值")),
)


def _values_html(doc: Doc) -> str:
    errors = {(f["dataset"], f["row_ref"]) for f in doc.data["flags"] if f["severity"] == "error"}
    out = ["<h2>Values</h2><table><tr><th>field</th><th>value</th></tr>"]
    for k in EDITABLE["documents"]:
        out.append(f"<tr><td>{esc(k)}</td><td>{esc(doc.row.get(k))}</td></tr>")
    for dataset, title, key, columns, heads in _VALUE_TABLES:
        out.append(f"</table><h3>{title} ({dataset})</h3><table><tr><th>#</th>"
                   + "".join(f"<th>{h}</th>" for h in heads) + "</tr>")
        for r in doc.data[dataset]:
            cls = ' class="has-error"' if (dataset, r[key]) in errors else ""
            out.append(f"<tr{cls}><td>{esc(r[key])}</td>" + "".join(f"<td>{esc(r[c])}</td>" for c in columns) + "</tr>")
    out.append("</table>")
    return "".join(out)


def document_page(outputs: Path, doc: Doc, index_link: str, form=None, note: str | None = None) -> str:
    """One document's review page; `form(doc, flag, value)` gives the correction form (served only)."""
    images = {}
    for page in range(1, (doc.row.get("pages") or 0) + 1):
        rgb = page_image(outputs, doc.row, page)
        if rgb is not None:
            images[page] = rgb
    r = doc.row
    flags = doc.flags()
    head = (f'<header><a href="{esc(index_link)}">← all documents</a><h1>{esc(r["source_path"])}</h1>'
            f'<p><span class="badge b-{esc(r["status"])}" id="status">{esc(r["status"])}</span> '
            f'doc_id {esc(r["doc_id"])} · year {esc(r["year"])} · {esc(r.get("method"))} · '
            f'{doc.count("error")} error(s), {doc.count("warning")} warning(s), {doc.count("info")} info'
            f'{" · " + esc(r["error"]) if r.get("error") else ""}</p></header>')
    notice = f'<p class="note">{esc(note)}</p>' if note else ""
    flag_items = "".join(_flag_html(doc, f, i, images, form) for i, f in enumerate(flags))
    return (_head(f"{r['source_path']} · formpipe review") + head + notice +
            f'<main><div class="pages">{_pages_html(doc, images)}</div><div class="side">'
            f'<h2>Flags</h2><ol class="flags">{flag_items}</ol>{_values_html(doc)}</div></main></body></html>')


def atomic_write_bytes(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_static(outputs: Path) -> Path:
    """outputs/_review/index.html and one doc-<id>.html per document, each self-contained."""
    dest = outputs / "_review"
    docs = read_docs(outputs, datasets=("flags",))
    for d in docs:
        page = dest / f"doc-{d.doc_id}.html"
        if page.exists() and page.stat().st_mtime_ns > _written(outputs, d):
            continue  # nothing new since it was made: a second review of a big batch is quick
        (full,) = read_docs(outputs, d.doc_id)
        atomic_write_bytes(document_page(outputs, full, "index.html").encode("utf-8"), page)
    index = dest / "index.html"
    atomic_write_bytes(index_page(docs, lambda doc_id: f"doc-{doc_id}.html").encode("utf-8"), index)
    return index


def _written(outputs: Path, doc: Doc) -> int:
    """When the document's files were last written (its documents file goes last)."""
    return max(p.stat().st_mtime_ns for p in (outputs / "documents").glob(f"year=*/{doc.doc_id}.parquet"))
