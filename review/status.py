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
    if unfinished:
        lines.append("the last run did not finish (killed?): the next run completes its documents")
    if review:
        lines.append(f"need review ({len(review)}{'+' if len(review) == limit else ''}):")
        for e in review:
            what = e.error if e.status in ("failed", "unreadable") else (
                f"{e.n_flags} flag(s)" if e.status == "needs_review" else "not finished")
            lines.append(f"  {e.status:<12} {e.doc_id or '-':<16}  {e.source_path}: {what}")
    else:
        lines.append("nothing needs review")
    return "\n".join(lines)
