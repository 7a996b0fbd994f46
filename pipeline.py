"""formpipe: CLI and orchestration.

    formpipe run [INPUT ...] [-o OUTPUTS]     forms -> Parquet datasets
    formpipe eval [--truth DIR] [--outputs DIR]  accuracy against hand-checked truth

Orchestration lives here, over plain stage functions:
file -> Extraction (extract/) -> RawForm (extract/mapping) -> rows (normalize/) -> Parquet (store/).
Errors are exceptions with an exit code each, turned into one-line messages at
this edge; the traceback only with -v.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from extract.document import (INPUT_SUFFIXES, DocumentError, ExtractOptions, extract_document,
                              page_images, source_digest)

log = logging.getLogger("formpipe")

def pipeline_version() -> str:
    try:
        from importlib.metadata import version
        return version("formpipe")
    except Exception:  # running from a checkout that was never installed
        return "0+unknown"


class ExitCode(IntEnum):
    ok = 0
    documents_failed = 1  # the run finished; some documents failed
    bad_arguments = 2
    missing_dependency = 3
    interrupted = 130


class FormpipeError(Exception):
    exit_code = ExitCode.documents_failed


class BadArguments(FormpipeError):
    exit_code = ExitCode.bad_arguments


class MissingDependency(FormpipeError):
    exit_code = ExitCode.missing_dependency


# -- stages ------------------------------------------------------------------

def doc_id_of(path: Path) -> str:
    return source_digest(path)


@dataclass(frozen=True)
class Source:
    path: Path
    rel: str  # relative to the input folder, '/'-separated


def discover(inputs: list[Path]) -> list[Source]:
    """Input files under the given files/folders, in a stable order."""
    out: list[Source] = []
    for root in inputs:
        if not root.exists():
            raise BadArguments(f"input not found: {root}")
        if root.is_file():
            out.append(Source(root, root.name))
            continue
        page_dirs = {d for d in sorted(root.rglob("*")) if d.is_dir() and page_images(d)}
        for d in sorted(page_dirs):
            out.append(Source(d, d.relative_to(root).as_posix()))
        for p in sorted(root.rglob("*")):
            if (p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith(".")
                    and p.parent not in page_dirs):
                out.append(Source(p, p.relative_to(root).as_posix()))
        out.sort(key=lambda s: s.rel)
    return out


def process(src: Source, outputs: Path, version: str, template: str = "department_overall",
            timings: dict | None = None, options: ExtractOptions = ExtractOptions()) -> dict:
    """One document end to end; returns its `documents` row. Never raises for bad input.

    `timings`, when given, accumulates seconds per stage (for bench/).
    """
    from datetime import datetime, timezone

    from extract.mapping import find_year, map_form
    from extract.template import load_template
    from normalize.rows import DocInfo, build_rows
    from store.writer import write_document

    t = timings if timings is not None else {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        t[stage] = t.get(stage, 0.0) + now - clock
        clock = now

    doc_id = doc_id_of(src.path)
    info = DocInfo(doc_id, src.rel, version)
    lap("hash")
    try:
        ex = extract_document(src.path, options, t)
        clock = time.perf_counter()  # the extractor timed its own stages
        if not ex.tables:
            raise DocumentError("no ruled table found on any page")
        tpl = load_template(template)
        form = map_form(ex, tpl)
        year = find_year(form)
        lap("mapping")
        built = build_rows(form, ex, year, info, rules=tpl.rules,
                           required=tuple(f.name for f in tpl.fields.values() if f.required))
        lap("normalise")
    except Exception as e:  # one bad document never stops the run
        reason = str(e) if isinstance(e, DocumentError) else f"internal error ({type(e).__name__}: {e})"
        log.debug("%s failed", src.rel, exc_info=True)
        row = failed_row(info, reason.splitlines()[0] if reason else type(e).__name__, datetime.now(timezone.utc))
        write_document(outputs, doc_id, None, {"documents": [row]}, version)
        return {**row, "doc_id": doc_id, "year": None}
    write_document(outputs, doc_id, built.year, built.rows, version)
    lap("parquet write")
    return {**built.rows["documents"][0], "doc_id": doc_id, "year": built.year}


def failed_row(info, reason: str, when) -> dict:
    return {"source_path": info.source_path, "form_type": None, "title": None, "department": None,
            "subordinate_units": None, "funded_staff": None, "overall_goal": None, "other_tasks": None,
            "pages": None, "method": None, "ocr_engine": None, "mean_confidence": None,
            "status": "failed", "n_flags": 0, "pipeline_version": info.pipeline_version,
            "processed_at": when, "error": reason}


@dataclass
class RunSummary:
    processed: int = 0
    failed: int = 0
    needs_review: int = 0
    pages: int = 0
    seconds: float = 0.0
    replaced: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        rate = self.pages / self.seconds if self.seconds else 0.0
        out = [f"processed {self.processed} document(s), {self.pages} page(s) in {self.seconds:.1f} s ({rate:.1f} pages/s)",
               f"ok {self.processed - self.failed - self.needs_review}, needs_review {self.needs_review}, failed {self.failed}"]
        out += [f"failed: {p}: {why}" for p, why in self.failures]
        return out


def run(inputs: list[Path], outputs: Path, progress: bool = True) -> RunSummary:
    from store.writer import read_documents, remove_documents

    sources = discover(inputs)
    version = pipeline_version()
    summary = RunSummary()
    t0 = time.perf_counter()
    before = read_documents(outputs)
    bar = _progress(len(sources), progress)
    done: dict[str, str] = {}
    for src in sources:
        row = process(src, outputs, version)
        done[src.rel] = row["doc_id"]
        summary.processed += 1
        summary.pages += row.get("pages") or 0
        if row["status"] == "failed":
            summary.failed += 1
            summary.failures.append((src.rel, row["error"]))
            log.warning("%s: failed: %s", src.rel, row["error"])
        elif row["status"] == "needs_review":
            summary.needs_review += 1
        bar.update(1)
    bar.close()
    # a changed file has a new doc_id: its old rows go
    stale = {d["doc_id"] for d in before if d["source_path"] in done and done[d["source_path"]] != d["doc_id"]}
    remove_documents(outputs, stale)
    summary.replaced = len(stale)
    summary.seconds = time.perf_counter() - t0
    return summary


class _NoBar:
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit="doc", file=sys.stderr)


# -- CLI ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="formpipe", description=__doc__.split("\n\n")[0])
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging and tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="extract forms into Parquet datasets")
    r.add_argument("inputs", nargs="*", type=Path, default=[Path("corpus")], help="files or folders (default: corpus/)")
    r.add_argument("-o", "--outputs", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    e = sub.add_parser("eval", help="compare outputs with truth JSON files")
    e.add_argument("--truth", type=Path, default=Path("corpus/truth"))
    e.add_argument("--outputs", type=Path, default=Path("outputs"))
    e.add_argument("--max-mismatches", type=int, default=200, help="mismatch lines to print at most")
    e.add_argument("--strict", action="store_true", help="exit 1 unless every value matches the truth")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "run":
            summary = run(args.inputs, args.outputs, progress=not args.no_progress)
            for line in summary.lines():
                print(line)
            return ExitCode.documents_failed if summary.failed else ExitCode.ok
        if args.command == "eval":
            from review.evaluate import evaluate, report
            result = evaluate(args.truth, args.outputs)
            print(report(result, max_mismatches=args.max_mismatches))
            return ExitCode.documents_failed if args.strict and not result.perfect else ExitCode.ok
    except FormpipeError as e:
        if args.verbose:
            log.exception("formpipe failed")
        print(f"formpipe: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("formpipe: interrupted", file=sys.stderr)
        return ExitCode.interrupted
    return ExitCode.bad_arguments


if __name__ == "__main__":
    sys.exit(main())
