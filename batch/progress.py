"""What the operator sees while a run goes: log set-up (plain or JSON lines) and progress.

A tqdm bar when stderr is a terminal, otherwise one log line per document and a
progress line with the ETA now and then (for cron logs).
"""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

log = logging.getLogger("formpipe")


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
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
    logging.getLogger("formpipe").setLevel(logging.DEBUG if verbose else logging.INFO)
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
                     duration(left), extra={"fields": {"event": "progress", "done": self.done, "total": self.total,
                                                        "pages": self.pages, "pages_per_second": round(rate, 2),
                                                        "eta_seconds": round(left)}})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
