"""Parquet writer: one file per document per dataset, hive-partitioned by year.

Every file is written to a hidden temporary name in its final folder, fsynced
and renamed into place, so a reader or a crash never sees half a file. The
`documents` file goes last: when it exists, the document's other files do too.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import DATASETS, SCHEMA_VERSION, SCHEMAS

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
WRITE_ORDER = ("cells", "flags", "budget_items", "tasks", "indicators", "documents")


def partition(year: int | None) -> str:
    return f"year={year}" if year is not None else f"year={NULL_PARTITION}"


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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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


def remove_documents(outputs: Path, doc_ids: Iterable[str]) -> int:
    """Delete every file of these documents; `documents` first so none looks complete."""
    n = 0
    for doc_id in doc_ids:
        files = sorted(existing_files(outputs, doc_id), key=lambda p: p.parts[-3] != "documents")
        for p in files:
            p.unlink(missing_ok=True)
            n += 1
    return n


def read_documents(outputs: Path) -> list[dict]:
    """The documents dataset as plain dicts (doc_id, source_path, year, …); [] when absent."""
    root = outputs / "documents"
    out = []
    for p in sorted(root.glob("year=*/*.parquet")):
        year_txt = p.parent.name.split("=", 1)[1]
        year = None if year_txt == NULL_PARTITION else int(year_txt)
        for r in pq.read_table(p, columns=["doc_id", "source_path", "pipeline_version"]).to_pylist():
            out.append({**r, "year": year})
    return out
