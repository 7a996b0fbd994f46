"""A person's corrections, kept under outputs/_state/ and applied to the Parquet on every run.

One CSV, `outputs/_state/corrections.csv`, one line per decision, appended by the served review
page (`formpipe review --serve`) or edited by hand:

    doc_id,source_path,dataset,row,field,action,value,who,when
    3f2a…,scans/a.pdf,budget_items,3,amount_wan,correct,1234.50,li,2026-11-29T06:40:00+00:00
    3f2a…,scans/a.pdf,indicators,7,annual_target,accept,,li,2026-11-29T06:41:00+00:00

`row` is the row's key (`row_no`, `task_no`, `seq`; empty for `documents`). `correct` replaces
the value; `accept` says the value as read is right. Re-processing a document rewrites its rows
from the source, so the corrections are applied again after every run that wrote it: each
becomes an `info` flag `CORRECTED` (who, when, the old value) and the ids applied are kept in
the flags file's metadata, so a correction is applied once per write. A document whose every
error flag has a correction or an acceptance at its place becomes `reviewed`. A correction is
keyed by doc_id (the content hash): when the file at its source_path now has other content, the
correction cannot be trusted on it; it is dropped with a warning (moved to
`corrections-dropped.csv`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from formpipe.extract.flags import FlagCode
from formpipe.store.schema import DATASETS
from formpipe.store.writer import atomic_write_table, read_documents

log = logging.getLogger("formpipe")

ROW_KEY = {"budget_items": "row_no", "tasks": "task_no", "indicators": "seq", "documents": None}
# the values a person may correct; the rest are provenance or computed from these
EDITABLE = {
    "documents": ("title", "department", "subordinate_units", "funded_staff", "overall_goal", "other_tasks"),
    "budget_items": ("section", "item", "amount_wan"),
    "tasks": ("name", "content", "funds_wan", "expected_goal"),
    "indicators": ("level1", "level2", "level3", "period_target", "annual_target"),
}
ACTIONS = ("correct", "accept")
APPLIED_KEY = b"formpipe.corrections"  # flags file metadata: ids of the corrections applied to it


@dataclass(frozen=True)
class Correction:
    doc_id: str
    source_path: str
    dataset: str
    row: int | None
    field: str | None
    action: str  # correct | accept
    value: str
    who: str
    when: str  # ISO 8601, UTC

    @property
    def id(self) -> str:
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def place(self) -> tuple[str, int | None, str | None]:
        return self.dataset, self.row, self.field


COLUMNS = tuple(f.name for f in fields(Correction))


def corrections_path(outputs: Path) -> Path:
    return outputs / "_state" / "corrections.csv"


def dropped_path(outputs: Path) -> Path:
    return outputs / "_state" / "corrections-dropped.csv"


def check(c: Correction) -> str | None:
    """Why the correction cannot be applied, or None."""
    if c.action not in ACTIONS:
        return f"action must be one of {', '.join(ACTIONS)}, not {c.action!r}"
    if c.dataset not in EDITABLE:
        return f"dataset must be one of {', '.join(EDITABLE)}, not {c.dataset!r}"
    if c.action == "correct" and c.field not in EDITABLE[c.dataset]:
        return f"{c.dataset}.{c.field} cannot be corrected (one of {', '.join(EDITABLE[c.dataset])})"
    if (ROW_KEY[c.dataset] is None) != (c.row is None) and c.action == "correct":
        return "row must be empty for documents and a row number otherwise"
    return None


def _row_of(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text else None


def load(outputs: Path) -> list[Correction]:
    """Every well-formed line of the corrections file; a bad line is logged and left alone."""
    path = corrections_path(outputs)
    if not path.exists():
        return []
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for n, rec in enumerate(csv.DictReader(f), start=2):
            try:
                c = Correction(rec["doc_id"].strip(), rec.get("source_path") or "", rec["dataset"].strip(),
                               _row_of(rec.get("row") or ""), (rec.get("field") or "").strip() or None,
                               (rec.get("action") or "correct").strip(), rec.get("value") or "",
                               rec.get("who") or "", rec.get("when") or "")
            except (KeyError, ValueError, AttributeError) as e:
                log.warning("%s line %d ignored: %s", path, n, e)
                continue
            why = check(c)
            if why:
                log.warning("%s line %d ignored: %s", path, n, why)
                continue
            out.append(c)
    return out


def append(outputs: Path, items: list[Correction]) -> None:
    """Add lines (one write, O_APPEND: a run reading the file sees whole lines)."""
    path = corrections_path(outputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not path.exists() or path.stat().st_size == 0:
        w.writerow(COLUMNS)
    for c in items:
        w.writerow(["" if getattr(c, k) is None else getattr(c, k) for k in COLUMNS])
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def new(doc_id: str, source_path: str, dataset: str, row: int | None, field: str | None, action: str,
        value: str, who: str) -> Correction:
    return Correction(doc_id, source_path, dataset, row, field, action, value, who,
                      datetime.now(UTC).isoformat(timespec="seconds"))


def _files(outputs: Path, doc_id: str) -> dict[str, Path]:
    out = {}
    for ds in DATASETS:
        found = sorted((outputs / ds).glob(f"year=*/{doc_id}.parquet"))
        if found:
            out[ds] = found[0]
    return out


def _typed(value: str, typ: pa.DataType):
    from formpipe.normalize import parse_amount
    text = value.strip()
    if text == "":
        return None
    if pa.types.is_decimal(typ):
        amount = parse_amount(text)
        if amount is None:
            raise ValueError(f"{value!r} is not an amount")
        return Decimal(amount).quantize(Decimal(1).scaleb(-typ.scale))
    if pa.types.is_integer(typ):
        return int(text)
    return value


def _shown(v) -> str:
    return "empty" if v is None or v == "" else f"“{v}”"


def apply_to_document(outputs: Path, doc_id: str, mine: list[Correction]) -> str | None:
    """Apply the corrections not yet in this document's files; returns its new status if it changed."""
    files = _files(outputs, doc_id)
    if "documents" not in files or "flags" not in files:
        return None
    flags_table = pq.read_table(files["flags"])
    meta = flags_table.schema.metadata or {}
    applied = set(json.loads(meta.get(APPLIED_KEY, b"[]")))
    todo = [c for c in sorted(mine, key=lambda c: c.when) if c.id not in applied]
    if not todo:
        return None
    tables = {ds: pq.read_table(p) for ds, p in files.items() if ds in EDITABLE}
    rows = {ds: t.to_pylist() for ds, t in tables.items()}
    flags = flags_table.to_pylist()
    for c in todo:
        target = _find_row(rows.get(c.dataset, []), c)
        if target is None:
            log.warning("correction of %s %s row %s %s not applied: no such row", c.source_path or doc_id,
                        c.dataset, c.row, c.field)
            continue
        where = next((f for f in flags if (f["dataset"], f["row_ref"], f["field"]) == c.place and f.get("page")), None)
        box = {k: (where or target).get(k) for k in ("page", "x0", "y0", "x1", "y1")}
        if c.action == "correct":
            typ = tables[c.dataset].schema.field(c.field).type
            try:
                value = _typed(c.value, typ)
            except (ValueError, ArithmeticError) as e:
                log.warning("correction of %s %s row %s %s not applied: %s", c.source_path or doc_id,
                            c.dataset, c.row, c.field, e)
                continue
            old = target.get(c.field)
            target[c.field] = value
            message = f"Corrected by {c.who or 'someone'} on {c.when}: was {_shown(old)}, now {_shown(value)}."
        else:
            message = (f"Accepted as read by {c.who or 'someone'} on {c.when}: "
                       f"{_shown(target.get(c.field)) if c.field else 'the row'} is right.")
        flags.append({"doc_id": doc_id, "dataset": c.dataset, "row_ref": c.row, "field": c.field,
                      "code": str(FlagCode.CORRECTED), "severity": "info", "message": message, **box})
        applied.add(c.id)
    document = rows["documents"][0]
    before = document.get("status")
    document["n_flags"] = len(flags)
    if before in ("needs_review", "reviewed"):
        document["status"] = "reviewed" if all_resolved(flags, mine) else "needs_review"
    new_meta = {**meta, APPLIED_KEY: json.dumps(sorted(applied)).encode()}
    for ds in ("budget_items", "tasks", "indicators"):
        if ds in tables:
            atomic_write_table(pa.Table.from_pylist(rows[ds], schema=tables[ds].schema), files[ds])
    atomic_write_table(pa.Table.from_pylist(flags, schema=flags_table.schema.with_metadata(new_meta)), files["flags"])
    atomic_write_table(pa.Table.from_pylist(rows["documents"], schema=tables["documents"].schema), files["documents"])
    return document["status"] if document["status"] != before else None


def _find_row(rows: list[dict], c: Correction) -> dict | None:
    key = ROW_KEY[c.dataset]
    if key is None:
        return rows[0] if rows else None
    return next((r for r in rows if r.get(key) == c.row), None)


def all_resolved(flags: list[dict], mine: list[Correction]) -> bool:
    """Every error flag has a correction or an acceptance at its place (dataset, row, field)."""
    places = {c.place for c in mine}
    return all((f["dataset"], f["row_ref"], f["field"]) in places for f in flags if f["severity"] == "error")


def apply_all(outputs: Path, set_status=None) -> list[str]:
    """Bring every document's files up to date with the corrections; returns warnings.
    `set_status(doc_id, status)` is told of each document whose status changed (the manifest)."""
    items = load(outputs)
    if not items:
        return []
    docs = {d["doc_id"]: d for d in read_documents(outputs)}
    by_path = {d["source_path"]: d["doc_id"] for d in docs.values()}
    warnings, dropped = [], []
    by_doc: dict[str, list[Correction]] = {}
    for c in items:
        if c.doc_id in docs:
            by_doc.setdefault(c.doc_id, []).append(c)
        elif c.source_path and c.source_path in by_path:
            dropped.append(c)
            warnings.append(f"correction of {c.source_path} ({c.dataset} row {c.row} {c.field or ''}) dropped: "
                            f"the file's content changed since it was made")
    for doc_id, mine in by_doc.items():
        status = apply_to_document(outputs, doc_id, mine)
        if status and set_status:
            set_status(doc_id, status)
    if dropped:
        _drop(outputs, items, dropped)
    for w in warnings:
        log.warning(w)
    return warnings


def _drop(outputs: Path, items: list[Correction], dropped: list[Correction]) -> None:
    """Move dropped lines to corrections-dropped.csv (they warn once, and stay readable)."""
    gone = {c.id for c in dropped}
    keep = [c for c in items if c.id not in gone]
    src = corrections_path(outputs)
    append_to = dropped_path(outputs)
    with open(append_to, "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if append_to.stat().st_size == 0:
            w.writerow(COLUMNS)
        for c in dropped:
            w.writerow(["" if getattr(c, k) is None else getattr(c, k) for k in COLUMNS])
    tmp = src.with_name(f".{src.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for c in keep:
            w.writerow(["" if getattr(c, k) is None else getattr(c, k) for k in COLUMNS])
    os.replace(tmp, src)
