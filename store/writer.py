"""Parquet writer: one file per document per dataset, hive-partitioned by year.

Every file is written to a hidden temporary name in its final folder, fsynced
and renamed into place, so a reader or a crash never sees half a file. The
`documents` file goes last: when it exists, the document's other files do too.
"""
from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from formpipe.extract.flags import ERROR, FlagCode

from .schema import DATASETS, SCHEMA_VERSION, SCHEMAS

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # where earlier versions filed documents with no year
# A document whose year is unknown (every failed one) is filed under year=0, not under the
# hive null folder: with one null folder present pandas' plain read_parquet stops ("Cannot yet
# unify dictionaries with nulls", pandas-dev/pandas#55400) and `year` turns float; with 0 every
# reader (pandas, polars, duckdb, pyarrow) reads every dataset as it is and `year` stays an integer.
UNKNOWN_YEAR = 0
WRITE_ORDER = ("cells", "flags", "budget_items", "tasks", "indicators", "projects", "documents")
_WRITER = socket.gethostname().replace(".", "_").replace("-", "_") or "host"


def partition(year: int | None) -> str:
    return f"year={year if year is not None else UNKNOWN_YEAR}"


def document_path(outputs: Path, dataset: str, doc_id: str, year: int | None) -> Path:
    return outputs / dataset / partition(year) / f"{doc_id}.parquet"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_table(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` so that `path` is either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{_WRITER}-{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            pq.write_table(table, f, compression="zstd")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def to_table(dataset: str, doc_id: str, rows: list[dict], pipeline_version: str) -> pa.Table:
    schema = SCHEMAS[dataset].with_metadata({
        "formpipe.schema_version": SCHEMA_VERSION,
        "formpipe.pipeline_version": pipeline_version,
        "formpipe.dataset": dataset,
    })
    full = [{**r, "doc_id": doc_id} for r in rows]
    return pa.Table.from_pylist(full, schema=schema)


def review_pages(outputs: Path, doc_id: str) -> Path:
    """Where a document's OCR'd pages are kept as read (extract/keep.py), for `formpipe review`."""
    return outputs / "_review" / "pages" / doc_id


def existing_files(outputs: Path, doc_id: str) -> list[Path]:
    return [p for ds in DATASETS for p in (outputs / ds).glob(f"year=*/{doc_id}.parquet")]


def write_document(outputs: Path, doc_id: str, year: int | None, rows: dict[str, list[dict]],
                   pipeline_version: str) -> list[Path]:
    """Replace every row of `doc_id` in every dataset with `rows`."""
    tables = {ds: to_table(ds, doc_id, rows.get(ds, []), pipeline_version) for ds in DATASETS}
    written = []
    for ds in WRITE_ORDER:
        path = document_path(outputs, ds, doc_id, year)
        atomic_write_table(tables[ds], path)
        written.append(path)
    keep = set(written)
    for stale in existing_files(outputs, doc_id):  # the year changed since the last run
        if stale not in keep:
            stale.unlink(missing_ok=True)
    return written


def write_failed(source_path: str, version: str, doc_id: str, outputs: Path, reason: str,
                 source_root: str | None = None) -> dict:
    """Replace the document's rows with its failed `documents` row; returns the row."""
    flags = failed_flags(reason)
    row = {**failed_row(source_path, version, reason, source_root), "n_flags": len(flags)}
    write_document(outputs, doc_id, None, {"documents": [row], "flags": flags}, version)
    return {**row, "doc_id": doc_id, "year": None}


def failed_flags(reason: str) -> list[dict]:
    """An error on `documents` and on each row dataset of a failed file: whoever reads only
    `budget_items` or `tasks` learns that this file's rows are missing, not that it has none."""
    return [{"form_no": 0, "dataset": ds, "row_ref": None, "field": None, "code": FlagCode.DOCUMENT_FAILED.value,
             "severity": ERROR, "message": f"The file could not be read, so none of its {ds} rows are here: {reason}",
             "page": None, "x0": None, "y0": None, "x1": None, "y1": None}
            for ds in ("documents", "budget_items", "tasks", "indicators")]


def failed_row(source_path: str, version: str, reason: str, source_root: str | None = None) -> dict:
    """The `documents` row of a document that could not be processed."""
    return {"source_path": source_path, "source_root": source_root, "form_no": 0, "form_type": None,
            "first_page": None, "last_page": None, "title": None, "department": None,
            "subordinate_units": None, "funded_staff": None, "overall_goal": None, "other_tasks": None,
            "pages": None, "method": None, "ocr_engine": None, "mean_confidence": None,
            "status": "failed", "n_flags": 0, "pipeline_version": version,
            "processed_at": datetime.now(UTC), "error": reason}


def remove_documents(outputs: Path, doc_ids: Iterable[str]) -> int:
    """Delete every file of these documents; `documents` first so none looks complete."""
    n = 0
    for doc_id in doc_ids:
        files = sorted(existing_files(outputs, doc_id), key=lambda p: p.parts[-3] != "documents")
        for p in files:
            p.unlink(missing_ok=True)
            n += 1
        shutil.rmtree(review_pages(outputs, doc_id), ignore_errors=True)
    return n


def read_documents(outputs: Path) -> list[dict]:
    """The documents dataset as plain dicts (doc_id, source_path, year, …); [] when absent."""
    root = outputs / "documents"
    out = []
    for p in sorted(root.glob("year=*/*.parquet")):
        year_txt = p.parent.name.split("=", 1)[1]
        year = None if year_txt in (NULL_PARTITION, str(UNKNOWN_YEAR)) else int(year_txt)
        for r in pq.read_table(p, columns=["doc_id", "source_path", "pipeline_version"]).to_pylist():
            out.append({**r, "year": year})
    return out


def present_documents(outputs: Path) -> set[str]:
    """doc_ids that have a `documents` file (so every file of theirs is in place)."""
    out: set[str] = set()
    try:
        parts = [e.path for e in os.scandir(outputs / "documents") if e.is_dir() and e.name.startswith("year=")]
    except FileNotFoundError:
        return out
    for part in parts:
        with os.scandir(part) as it:
            out.update(e.name[:-8] for e in it if e.name.endswith(".parquet") and not e.name.startswith("."))
    return out


def cleanup_temporaries(outputs: Path, max_age: float = 3600.0) -> int:
    """Delete temporary files left by killed writers: this host's whose process is gone,
    any host's older than `max_age` seconds. Readers never see them (hidden names)."""
    import psutil
    n = 0
    for ds in DATASETS:
        for tmp in (outputs / ds).glob("year=*/.*.tmp"):
            writer = tmp.name.rsplit(".", 2)[-2]  # .<doc>.parquet.<host>-<pid>.tmp
            host, _, pid = writer.rpartition("-")
            try:
                dead = host == _WRITER and pid.isdigit() and not psutil.pid_exists(int(pid))
                if dead or time.time() - tmp.stat().st_mtime > max_age:
                    tmp.unlink()
                    n += 1
            except OSError:
                continue
    return n
