"""`formpipe status`: the last runs, and the documents that need a person."""
from __future__ import annotations

import logging
from datetime import UTC
from pathlib import Path

from formpipe.batch.progress import duration

log = logging.getLogger("formpipe")


def _when(ts) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else "?"


def status_report(outputs: Path, runs: int = 5, limit: int = 30) -> str:
    """The last `runs` runs and up to `limit` documents that need review, as text."""
    from formpipe.batch.lock import live_holder
    from formpipe.batch.manifest import Manifest
    from formpipe.batch.runs import read_runs

    history = read_runs(outputs)
    state = outputs / "_state" / "manifest.sqlite"
    if not history and not state.exists():
        return f"no formpipe runs recorded in {outputs}"
    lines = [f"last {min(runs, len(history))} of {len(history)} run(s) in {outputs}:",
             f"  {'started (UTC)':<19}  {'took':>7}  {'outcome':<11} {'exit':>4}  {'done':>6} {'skipped':>7} "
             f"{'failed':>6} {'review':>6} {'no_form':>7} {'removed':>7} {'pages/s':>8}"]
    for r in history[-runs:]:
        lines.append(f"  {_when(r['started_at']):<19}  {duration(r['seconds'] or 0):>7}  {r['outcome']:<11} "
                     f"{r['exit_code']:>4}  {r['processed']:>6} {r['skipped']:>7} {r['failed']:>6} "
                     f"{r['needs_review']:>6} {r.get('no_form') or 0:>7} {r['removed']:>7} {r['pages_per_second'] or 0:>8.1f}")
    holder = live_holder(state.parent / "lock")
    if holder:
        lines.append(f"a run is in progress: {holder}")
    if not state.exists():
        return "\n".join(lines)
    m = Manifest(state, readonly=True)
    try:
        counts = m.counts()
        review = m.review(limit)
        unfinished = m.get_meta("open_run")
    finally:
        m.close()
    lines.append("files: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if unfinished and not holder:
        lines.append("the last run did not finish (killed?): the next run completes its documents")
    if review:
        lines.append(f"need review ({len(review)}{'+' if len(review) == limit else ''}):")
        for e in review:
            what = e.error if e.status in ("failed", "unreadable") else (
                severity_counts(outputs, e.doc_id) if e.status == "needs_review" else "not finished")
            lines.append(f"  {e.status:<12} {e.doc_id or '-':<16}  {e.source_path}: {what}")
    else:
        lines.append("nothing needs review")
    return "\n".join(lines)


def _flags_of(outputs: Path, doc_id: str) -> list[dict]:
    import pyarrow.parquet as pq
    out: list[dict] = []
    for p in sorted((outputs / "flags").glob(f"year=*/{doc_id}.parquet")):
        out += pq.read_table(p).to_pylist()
    return out


def severity_counts(outputs: Path, doc_id: str | None) -> str:
    """"2 error(s), 1 warning(s), 30 info": what a person must look at comes first."""
    flags = _flags_of(outputs, doc_id) if doc_id else []
    n = {s: sum(f["severity"] == s for f in flags) for s in ("error", "warning", "info")}
    return f"{n['error']} error(s), {n['warning']} warning(s), {n['info']} info"


def document_report(outputs: Path, doc_id: str) -> str | None:
    """Every flag of one document (a doc_id or a unique prefix of one), errors first; None if unknown."""
    from formpipe.store.writer import read_documents
    docs = [d for d in read_documents(outputs) if d["doc_id"].startswith(doc_id)]
    if len(docs) != 1:
        return None
    d = docs[0]
    flags = sorted(_flags_of(outputs, d["doc_id"]),
                   key=lambda f: ({"error": 0, "warning": 1}.get(f["severity"], 2), f["dataset"], f["row_ref"] or 0))
    lines = [f"{d['doc_id']}  {d['source_path']}  year {d['year']}: {severity_counts(outputs, d['doc_id'])}"]
    for f in flags:
        where = f["dataset"] + (f" row {f['row_ref']}" if f["row_ref"] is not None else "") + (
            f" {f['field']}" if f["field"] else "") + (f" (page {f['page']})" if f.get("page") else "")
        lines.append(f"  {f['severity']:<7} {f['code']:<18} {where}: {f['message']}")
    return "\n".join(lines)
