"""What the operator sees: progress while a run goes, JSON log lines for machines,
and `formpipe status` (the last runs, and the documents that need a person)."""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger("formpipe")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (tests and tools swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(verbose: bool, log_json: bool) -> None:
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if log_json else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.formpipe = True
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "formpipe", False)] + [handler]
    # -v is formpipe's own debug: the libraries' DEBUG (pdfminer alone writes ~700,000 lines
    # for the corpus) stays out; their warnings still show
    root.setLevel(logging.INFO)
    for ours in ("formpipe", "extract", "normalize", "store", "review"):
        logging.getLogger(ours).setLevel(logging.DEBUG if verbose else logging.INFO)
    for chatty in ("pdfminer", "PIL", "matplotlib", "fsspec"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    for noisy in ("distributed", "tornado", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


class Progress:
    """A tqdm bar (documents, pages, pages/s, ETA) when stderr is a terminal; otherwise a log
    line per document and a progress line with the ETA at most every `every` seconds."""

    def __init__(self, total: int, bar: bool, every: float = 30.0):
        self.total, self.done, self.pages, self.every = total, 0, 0, every
        self.t0 = self.last = time.monotonic()
        self.bar = None
        if bar and total and sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)

    def update(self, source_path: str, status: str, pages: int, seconds: float, error: str | None) -> None:
        self.done += 1
        self.pages += pages
        rate = self.pages / max(time.monotonic() - self.t0, 1e-9)
        fields = {"event": "document", "source_path": source_path, "status": status, "pages": pages,
                  "seconds": round(seconds, 3), "error": error}
        if status == "failed":
            log.warning("%s: failed: %s", source_path, error, extra={"fields": fields})
        else:  # one line per document in a log file; under a progress bar only with -v
            log.log(logging.DEBUG if self.bar is not None else logging.INFO, "%s: %s, %d page(s), %.2f s",
                    source_path, status, pages, seconds, extra={"fields": fields})
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.pages} pages, {rate:.1f} pages/s", refresh=False)
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            left = (now - self.t0) / self.done * (self.total - self.done)
            log.info("%d/%d documents, %d pages, %.1f pages/s, ETA %s", self.done, self.total, self.pages, rate,
                     _duration(left), extra={"fields": {"event": "progress", "done": self.done, "total": self.total,
                                                        "pages": self.pages, "pages_per_second": round(rate, 2),
                                                        "eta_seconds": round(left)}})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _when(ts) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if ts else "?"


def status_report(outputs: Path, runs: int = 5, limit: int = 30) -> str:
    """The last `runs` runs and up to `limit` documents that need review, as text."""
    from store.lock import live_holder
    from store.manifest import Manifest
    from store.runs import read_runs

    history = read_runs(outputs)
    state = outputs / "_state" / "manifest.sqlite"
    if not history and not state.exists():
        return f"no formpipe runs recorded in {outputs}"
    lines = [f"last {min(runs, len(history))} of {len(history)} run(s) in {outputs}:",
             f"  {'started (UTC)':<19}  {'took':>7}  {'outcome':<11} {'exit':>4}  {'done':>6} {'skipped':>7} "
             f"{'failed':>6} {'review':>6} {'removed':>7} {'pages/s':>8}"]
    for r in history[-runs:]:
        lines.append(f"  {_when(r['started_at']):<19}  {_duration(r['seconds'] or 0):>7}  {r['outcome']:<11} "
                     f"{r['exit_code']:>4}  {r['processed']:>6} {r['skipped']:>7} {r['failed']:>6} "
                     f"{r['needs_review']:>6} {r['removed']:>7} {r['pages_per_second'] or 0:>8.1f}")
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
    from store.writer import read_documents
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
