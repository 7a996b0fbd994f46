"""What a run did: the summary it prints and its row in `outputs/_state/runs.parquet`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from formpipe.store.writer import atomic_write_table

RUNS_SCHEMA = pa.schema([
    ("run_id", pa.string()),
    ("started_at", pa.timestamp("us", tz="UTC")),
    ("finished_at", pa.timestamp("us", tz="UTC")),
    ("outcome", pa.string()),  # finished | interrupted
    ("exit_code", pa.int16()),
    ("inputs", pa.string()),  # JSON list of the input paths
    ("executor", pa.string()),
    ("workers", pa.int32()),
    ("discovered", pa.int32()),
    ("processed", pa.int32()),
    ("skipped", pa.int32()),  # unchanged: not parsed
    ("ok", pa.int32()),
    ("needs_review", pa.int32()),
    ("no_form", pa.int32()),  # read, no form of a known type found (not failures)
    ("failed", pa.int32()),
    ("vanished", pa.int32()),
    ("replaced", pa.int32()),
    ("removed", pa.int32()),
    ("not_processed", pa.int32()),  # left for the next run by an interruption
    ("pages", pa.int64()),
    ("seconds", pa.float64()),
    ("pages_per_second", pa.float64()),
    ("pipeline_version", pa.string()),
    ("schema_version", pa.string()),
    ("ocr_engine", pa.string()),
    ("failures", pa.string()),  # JSON list of [source_path, reason], first 100
])


@dataclass(frozen=True)
class Outcome:
    """What a worker reports back: enough for the manifest, the summary and the log."""

    doc_id: str | None
    status: str  # ok | needs_review | no_form | failed | vanished
    error: str | None = None
    pages: int = 0
    n_flags: int = 0
    year: int | None = None
    method: str | None = None
    seconds: float = 0.0

    @classmethod
    def of(cls, row: dict, seconds: float = 0.0) -> Outcome:
        return cls(row["doc_id"], row["status"], row.get("error"), row.get("pages") or 0,
                   row.get("n_flags") or 0, row.get("year"), row.get("method"), seconds)


@dataclass
class RunSummary:
    discovered: int = 0
    processed: int = 0
    skipped: int = 0  # unchanged since the last run (size/mtime or content hash)
    failed: int = 0
    needs_review: int = 0
    no_form: int = 0  # read, but holding no form of a known type (not a failure)
    vanished: int = 0  # listed at the start, gone when its turn came
    replaced: int = 0  # documents whose file changed: old rows removed
    removed: int = 0  # documents whose file disappeared: rows removed
    not_processed: int = 0
    pages: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # skipped inputs and why
    unsupported: dict[str, int] = field(default_factory=dict)  # files skipped for their type: suffix -> count

    def count(self, source_path: str, status: str, pages: int, error: str | None) -> None:
        """One document processed in this run."""
        self.processed += 1
        self.pages += pages
        if status == "failed":
            self.failed += 1
            self.failures.append((source_path, error))
        elif status == "needs_review":
            self.needs_review += 1
        elif status == "no_form":
            self.no_form += 1

    @property
    def ok(self) -> int:
        return self.processed - self.failed - self.needs_review - self.no_form

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        out = [f"processed {self.processed} document(s), {self.pages} page(s) in {self.seconds:.1f} s "
               f"({self.rate:.1f} pages/s); skipped {self.skipped} unchanged",
               f"ok {self.ok}, needs_review {self.needs_review}, no_form {self.no_form}, failed {self.failed}; "
               f"replaced {self.replaced}, removed {self.removed}"]
        out += [f"failed: {p}: {why}" for p, why in self.failures]
        out += [f"skipped: {p}: {why}" for p, why in self.notes]
        if self.unsupported:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.unsupported.items()))
            out.append(f"skipped by type: {sum(self.unsupported.values())} file(s) not a PDF, image or text dump ({kinds})")
        if self.interrupted:
            out.append(f"interrupted: {self.not_processed} document(s) left for the next run")
        return out

    def as_dict(self) -> dict:
        return {"discovered": self.discovered, "processed": self.processed, "skipped": self.skipped,
                "ok": self.ok, "needs_review": self.needs_review, "no_form": self.no_form, "failed": self.failed,
                "vanished": self.vanished, "replaced": self.replaced, "removed": self.removed,
                "not_processed": self.not_processed, "pages": self.pages, "seconds": round(self.seconds, 3),
                "pages_per_second": round(self.rate, 2), "interrupted": self.interrupted,
                "failures": [list(f) for f in self.failures], "skipped_inputs": [list(n) for n in self.notes],
                "skipped_by_type": dict(self.unsupported)}


def runs_path(outputs: Path) -> Path:
    return outputs / "_state" / "runs.parquet"


def append_run(outputs: Path, summary: RunSummary, *, run_id: str, started: datetime, finished: datetime,
               exit_code: int, inputs: list[str], executor: str, workers: int, versions: dict) -> None:
    d = summary.as_dict()
    row = {**{k: d[k] for k in RUNS_SCHEMA.names if k in d}, "run_id": run_id, "started_at": started,
           "finished_at": finished, "outcome": "interrupted" if summary.interrupted else "finished",
           "exit_code": int(exit_code), "inputs": json.dumps(inputs, ensure_ascii=False),
           "executor": executor, "workers": workers, "failures": json.dumps(summary.failures[:100], ensure_ascii=False),
           **versions}
    new = pa.Table.from_pylist([row], schema=RUNS_SCHEMA)
    path = runs_path(outputs)
    if path.exists():
        try:
            new = pa.concat_tables([pq.read_table(path), new], promote_options="default")
        except (pa.ArrowInvalid, OSError, ValueError):  # unreadable history is not worth failing a run
            pass
    atomic_write_table(new, path)


def read_runs(outputs: Path) -> list[dict]:
    path = runs_path(outputs)
    if not path.exists():
        return []
    return pq.read_table(path).to_pylist()
