"""The batch job's memory: which source file became which document, written by what.

`outputs/_state/manifest.sqlite`, one row per source file, keyed by (input
root, path under it) as raw bytes, so non-UTF-8 names stay exact keys.

Why SQLite and not Parquet: the manifest changes one row at a time, right
after each document's files are in place, and each change must be atomic and
survive a SIGKILL at any moment. SQLite gives a small transaction per document
(WAL journal; a killed process loses at most the transaction in flight, and a
lost transaction only means the document is processed again), keyed look-ups,
and one file. A Parquet manifest would have to be rewritten whole for every
document, or updated in batches that a crash loses. Only the orchestrating
process (the lock holder) opens it for writing; workers never touch it.

Rows of a document are removed through the `garbage` table: a doc_id that a
file no longer points to is added in the same transaction that changes the
file's row, removed from `outputs/` afterwards, and then dropped from
`garbage`. A crash in between leaves the id in `garbage` for the next run.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

DONE = frozenset({"ok", "needs_review", "reviewed", "failed", "no_form"})
FORMAT = "1"

_DDL = """
CREATE TABLE IF NOT EXISTS files (
    root BLOB NOT NULL, rel BLOB NOT NULL, source_path TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER,
    doc_id TEXT, pending TEXT, status TEXT NOT NULL, error TEXT,
    pages INTEGER, n_flags INTEGER, year INTEGER, method TEXT,
    pipeline_version TEXT, schema_version TEXT, ocr_engine TEXT, dpi INTEGER, force_ocr INTEGER,
    processed_at TEXT, missing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (root, rel));
CREATE INDEX IF NOT EXISTS files_doc ON files (doc_id);
CREATE TABLE IF NOT EXISTS garbage (doc_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class Entry:
    root: bytes
    rel: bytes
    source_path: str
    size: int | None
    mtime_ns: int | None
    doc_id: str | None
    pending: str | None
    status: str  # pending | ok | needs_review | no_form | failed | unreadable
    error: str | None
    pages: int | None
    n_flags: int | None
    year: int | None
    method: str | None
    pipeline_version: str | None
    schema_version: str | None
    ocr_engine: str | None
    dpi: int | None
    force_ocr: int | None
    processed_at: str | None
    missing: int


_COLS = ", ".join(f.name for f in fields(Entry))


@dataclass(frozen=True)
class WriterKey:
    """What wrote a document. A document written under another key is processed again."""

    pipeline: str
    schema: str
    ocr_engine: str
    dpi: int
    force_ocr: bool

    def stale(self, e: Entry) -> str | None:
        """Why `e` must be processed again under this key, or None.

        The OCR engine and dpi matter only for documents that were OCR'd (method
        ocr/mixed) or that failed; a text-layer document is not re-read when
        only the engine changes.
        """
        if e.pipeline_version != self.pipeline:
            return f"pipeline version {e.pipeline_version} -> {self.pipeline}"
        if e.schema_version != self.schema:
            return f"schema version {e.schema_version} -> {self.schema}"
        if bool(e.force_ocr) != self.force_ocr:
            return "--force-ocr changed"
        if e.method != "text" and (e.ocr_engine, e.dpi) != (self.ocr_engine, self.dpi):
            return f"OCR engine/dpi {e.ocr_engine}/{e.dpi} -> {self.ocr_engine}/{self.dpi}"
        return None


def decide(e: Entry | None, stamp: tuple[int, int] | None, key: WriterKey, present: set[str],
           force: bool = False, retry_failed: bool = False) -> str:
    """'skip' (unchanged, not even hashed), 'check' (hash; skip if the content is the same)
    or 'process'."""
    if force or e is None or e.status not in DONE or e.doc_id not in present:
        return "process"
    if key.stale(e) or (retry_failed and e.status == "failed"):
        return "process"
    if stamp is not None and stamp == (e.size, e.mtime_ns):
        return "skip"
    return "check"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        if readonly:
            # a WAL database opened read-only still writes its -shm file; where the folder or
            # file cannot be written (read-only share), open it as immutable instead
            writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            self.con = sqlite3.connect(f"file:{path}?{'mode=ro' if writable else 'immutable=1'}", uri=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con = sqlite3.connect(path)
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
            with self.con:
                self.con.executescript(_DDL)
                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))

    def close(self) -> None:
        self.con.close()

    # -- reading ---------------------------------------------------------------
    def entries(self, root: bytes) -> dict[bytes, Entry]:
        cur = self.con.execute(f"SELECT {_COLS} FROM files WHERE root = ?", (root,))
        return {r[1]: Entry(*r) for r in cur}

    def entry(self, root: bytes, rel: bytes) -> Entry | None:
        r = self.con.execute(f"SELECT {_COLS} FROM files WHERE root = ? AND rel = ?", (root, rel)).fetchone()
        return Entry(*r) if r else None

    def review(self, limit: int = 50) -> list[Entry]:
        """Files whose documents need a person: failed, unreadable, needs_review, never finished."""
        order = "CASE status WHEN 'failed' THEN 0 WHEN 'unreadable' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END"
        cur = self.con.execute(f"SELECT {_COLS} FROM files WHERE status NOT IN ('ok', 'reviewed', 'no_form') AND missing = 0 "
                               f"ORDER BY {order}, source_path LIMIT ?", (limit,))
        return [Entry(*r) for r in cur]

    def counts(self) -> dict[str, int]:
        cur = self.con.execute("SELECT CASE WHEN missing THEN 'missing (kept)' ELSE status END, count(*) "
                               "FROM files GROUP BY 1")
        return dict(cur.fetchall())

    def get_meta(self, key: str) -> str | None:
        r = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return r[0] if r else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.con:
            if value is None:
                self.con.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writing ---------------------------------------------------------------
    def mark_pending(self, items: Iterable[tuple[bytes, bytes, str, str]]) -> None:
        """Before dispatch: (root, rel, source_path, doc_id). A run killed after this
        processes these files again, and knows which doc_id may have half its files."""
        with self.con:
            self.con.executemany(
                "INSERT INTO files (root, rel, source_path, pending, status) VALUES (?, ?, ?, ?, 'pending') "
                "ON CONFLICT (root, rel) DO UPDATE SET pending = excluded.pending, status = 'pending', "
                "source_path = excluded.source_path, missing = 0", list(items))

    def record(self, root: bytes, rel: bytes, source_path: str, stamp: tuple[int, int] | None,
               result: dict, key: WriterKey) -> None:
        """After a document's files are all in place. `result`: doc_id, status, error, pages,
        n_flags, year, method. The file's previous doc_id, if another, becomes garbage."""
        with self.con:
            old = self.con.execute("SELECT doc_id, pending FROM files WHERE root = ? AND rel = ?",
                                   (root, rel)).fetchone()
            size, mtime = stamp if stamp else (None, None)
            self.con.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (root, rel, source_path, size, mtime, result["doc_id"], result["status"], result.get("error"),
                 result.get("pages"), result.get("n_flags"), result.get("year"), result.get("method"),
                 key.pipeline, key.schema, key.ocr_engine, key.dpi, int(key.force_ocr), _now()))
            for was in (old or ()):
                if was and was != result["doc_id"]:
                    self.con.execute("INSERT OR IGNORE INTO garbage VALUES (?)", (was,))

    def set_doc_status(self, doc_id: str, status: str) -> None:
        """A person reviewed the document (review/corrections.py): its files say so too."""
        with self.con:
            self.con.execute("UPDATE files SET status = ? WHERE doc_id = ?", (status, doc_id))

    def unreadable(self, root: bytes, rel: bytes, source_path: str, error: str) -> None:
        """The file is listed but cannot be read: its earlier rows (if any) stay."""
        with self.con:
            self.con.execute(
                "INSERT INTO files (root, rel, source_path, status, error, processed_at) "
                "VALUES (?, ?, ?, 'unreadable', ?, ?) ON CONFLICT (root, rel) DO UPDATE SET "
                "status = 'unreadable', error = excluded.error, processed_at = excluded.processed_at, "
                "size = NULL, mtime_ns = NULL, missing = 0", (root, rel, source_path, error, _now()))

    def touch(self, root: bytes, rel: bytes, stamp: tuple[int, int]) -> None:
        """Same content under a new size/mtime (or back after going missing): remember it."""
        with self.con:
            self.con.execute("UPDATE files SET size = ?, mtime_ns = ?, missing = 0 WHERE root = ? AND rel = ?",
                             (*stamp, root, rel))

    def forget(self, root: bytes, rels: Iterable[bytes], keep: bool) -> int:
        """Files gone from their folder: rows removed (their documents become garbage),
        or marked missing and kept (`--keep-removed`)."""
        rels = list(rels)
        with self.con:
            if keep:
                self.con.executemany("UPDATE files SET missing = 1 WHERE root = ? AND rel = ?",
                                     [(root, r) for r in rels])
                return 0
            for r in rels:
                for doc in self.con.execute("SELECT doc_id, pending FROM files WHERE root = ? AND rel = ?",
                                            (root, r)).fetchone() or ():
                    if doc:
                        self.con.execute("INSERT OR IGNORE INTO garbage VALUES (?)", (doc,))
            self.con.executemany("DELETE FROM files WHERE root = ? AND rel = ?", [(root, r) for r in rels])
        return len(rels)

    def collect_garbage(self, remove: Callable[[list[str]], int]) -> int:
        """Remove the documents no file points to any more; returns how many had files."""
        ids = [r[0] for r in self.con.execute("SELECT doc_id FROM garbage")]
        if not ids:
            return 0
        used = {r[0] for r in self.con.execute(
            "SELECT doc_id FROM files WHERE doc_id IN (SELECT doc_id FROM garbage) UNION "
            "SELECT pending FROM files WHERE pending IN (SELECT doc_id FROM garbage)")}
        # files first: a crash here leaves the ids in garbage for the next run
        removed = sum(1 for d in ids if d not in used and remove([d]))
        with self.con:
            self.con.executemany("DELETE FROM garbage WHERE doc_id = ?", [(d,) for d in ids])
        return removed


@dataclass
class Plan:
    todo: list = field(default_factory=list)  # (source, doc_id): the first file with these bytes
    twins: dict = field(default_factory=dict)  # doc_id -> further sources with the same bytes
    skipped: int = 0  # unchanged: not parsed
    gone: list = field(default_factory=list)  # listed, then not found
    unreadable: list = field(default_factory=list)  # (source, one-line reason)


def plan(manifest: Manifest, sources: Iterable, key: WriterKey, present: set[str],
         digest: Callable[[Path], str], force: bool = False, retry_failed: bool = False) -> Plan:
    """What to do with each source (batch.sources.Source). Unchanged files (same size and
    mtime) are not even hashed; the others are, and the hash decides."""
    out, entries = Plan(), {}
    for src in sources:
        if src.root_key not in entries:
            entries[src.root_key] = manifest.entries(src.root_key)
        e = entries[src.root_key].get(src.key)
        what = decide(e, src.stamp, key, present, force, retry_failed)
        if what == "skip":
            out.skipped += 1
            if e.missing:
                manifest.touch(src.root_key, src.key, src.stamp)
            continue
        try:
            doc_id = digest(src.path)
        except FileNotFoundError:
            out.gone.append(src)
            continue
        except Exception as err:  # noqa: BLE001 - permissions, I/O errors, a page folder that changed
            why = f"cannot read file ({err.strerror or err})" if isinstance(err, OSError) else str(err)
            out.unreadable.append((src, why.splitlines()[0]))
            manifest.unreadable(src.root_key, src.key, src.rel, why.splitlines()[0])
            continue
        if what == "check" and doc_id == e.doc_id:
            out.skipped += 1
            manifest.touch(src.root_key, src.key, src.stamp)
        elif doc_id in out.twins:
            out.twins[doc_id].append(src)
        else:
            out.twins[doc_id] = []
            out.todo.append((src, doc_id))
    return out


def sweep(manifest: Manifest, folders: dict[bytes, list[bytes]], listed: set[tuple[bytes, bytes]],
          gone: Iterable, keep: bool) -> list[str]:
    """Forget the files that are gone from the input folders this run listed (their
    documents become garbage), or mark them missing with `keep`. Files under a sub-folder
    that could not be listed are not gone. A folder that lists empty while the manifest
    knows files in it is left alone (an unmounted share must not wipe the outputs).
    Returns warnings."""
    warnings, listed_roots = [], {r for r, _ in listed}
    for rkey, unlisted in folders.items():
        known = manifest.entries(rkey)
        lost = [rel for rel, e in known.items() if (rkey, rel) not in listed and not (e.missing and keep)
                and not any(rel.startswith(u + b"/") for u in unlisted)]
        if lost and rkey not in listed_roots and len(lost) == len(known):
            warnings.append(f"{os.fsdecode(rkey)!r} lists no input files but {len(lost)} were recorded from it; "
                            "their rows are kept (unmounted?)")
            continue
        manifest.forget(rkey, lost, keep)
    for src in gone:
        if src.root_key not in folders:
            manifest.forget(src.root_key, [src.key], keep)
    return warnings
