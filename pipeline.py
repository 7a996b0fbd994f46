"""formpipe: the command line, and the chain that turns one document into rows.

    formpipe run [INPUT ...] [-o OUTPUTS]     forms -> Parquet datasets (incremental, parallel)
    formpipe eval [--truth DIR] [--outputs DIR]  accuracy against hand-checked truth
    formpipe status [-o OUTPUTS]               the last runs and what needs review

One document: file -> Extraction (formpipe.extract) -> RawForm (extract.mapping)
-> rows (formpipe.normalize) -> Parquet (formpipe.store), in `process`. Many
documents: `formpipe.batch.run` decides what to process and runs `process_job`
for each on an executor. Errors are exceptions with an exit code each
(formpipe.errors), turned into one-line messages at this edge, the unexpected
ones included; the traceback only with -v.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from formpipe.batch.progress import setup_logging
from formpipe.batch.run import DEFAULT_TEMPLATE, Job, RunConfig, exit_code, job_lost, pipeline_version
from formpipe.batch.run import run as run_batch
from formpipe.batch.runs import Outcome, RunSummary
from formpipe.batch.sources import Source, discover, display, scan
from formpipe.errors import BadArguments, DocumentsFailed, ExitCode, FormpipeError, Interrupted, OtherError
from formpipe.extract.document import extract_document, source_digest
from formpipe.extract.model import READERS, DocumentError, ExtractOptions, NoFormFound
from formpipe.extract.template import load_template, load_templates
from formpipe.normalize.assemble import assemble
from formpipe.normalize.rows import DocInfo
from formpipe.store.writer import failed_row, review_pages, write_document, write_failed

# the names tests and notebooks reach through this module
__all__ = ["ExitCode", "ExtractOptions", "Job", "RunConfig", "discover", "doc_id_of", "extract_document", "job_lost",
           "main", "pipeline_version", "process", "process_job", "run", "scan"]

log = logging.getLogger("formpipe")


def doc_id_of(path: Path) -> str:
    return source_digest(path)


# -- one document --------------------------------------------------------------

def process(src: Source, outputs: Path, version: str, template: str = DEFAULT_TEMPLATE,
            timings: dict | None = None, options: ExtractOptions = ExtractOptions(),
            doc_id: str | None = None) -> dict:
    """One document end to end; returns its `documents` row. Never raises for bad input.

    `doc_id` when the caller already hashed the file; a file that cannot be read
    at all gets a failed row that is not written (there is no doc_id to file it
    under). `timings`, when given, accumulates seconds per stage (for bench/).
    """
    t = timings if timings is not None else {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        t[stage] = t.get(stage, 0.0) + now - clock
        clock = now

    try:
        doc_id = doc_id or doc_id_of(src.path)
    except (OSError, DocumentError) as e:
        why = str(e) if isinstance(e, DocumentError) else f"cannot read file ({e.strerror or e})"
        return {**failed_row(src.rel, version, why, src.source_root), "doc_id": None, "year": None}
    info = DocInfo(doc_id, src.rel, version, source_root=src.source_root)
    lap("hash")
    try:
        keep = str(review_pages(outputs, doc_id))  # OCR'd pages as read, for `formpipe review`
        ex = extract_document(src.path, replace(options, keep_pages=keep), t)
        clock = time.perf_counter()  # the extractor timed its own stages
        # every template is a form the document may hold; `template` names one to read alone
        templates = load_templates() if template == "auto" else [load_template(template)]
        lap("mapping")
        built = assemble(ex, info, templates)
        lap("normalise")
    except NoFormFound as e:  # read far enough to know: a file of no form is not a failure
        row = {**failed_row(src.rel, version, f"no form found: {e}", src.source_root), "status": "no_form"}
        write_document(outputs, doc_id, None, {"documents": [row]}, version)
        return {**row, "doc_id": doc_id, "year": None}
    except Exception as e:  # one bad document never stops the run
        if isinstance(e, DocumentError):
            reason = str(e)
        elif isinstance(e, MemoryError):
            reason = "memory limit exceeded (MemoryError)"
        else:
            reason = f"internal error ({type(e).__name__}: {e})"
        log.debug("%s failed", src.rel, exc_info=True)
        return write_failed(src.rel, version, doc_id, outputs, reason.splitlines()[0] if reason else type(e).__name__,
                            src.source_root)
    write_document(outputs, doc_id, built.year, built.rows, version)
    lap("parquet write")
    return {**built.summary, "doc_id": doc_id, "year": built.year}


def process_job(job: Job) -> Outcome:
    """The per-document task, as the executors run it."""
    t0 = time.perf_counter()
    if not os.path.lexists(job.src.path):
        return Outcome(job.doc_id, "vanished", "file disappeared during the run")
    row = process(job.src, job.outputs, job.version, job.template, None, job.options, doc_id=job.doc_id)
    out = Outcome.of(row, time.perf_counter() - t0)
    if out.status == "failed" and not os.path.lexists(job.src.path):
        return replace(out, status="vanished", error="file disappeared during the run")
    return out


def worker_init(verbose: bool = False, log_json: bool = False) -> None:
    """Once per worker process: logging like the parent's, and jieba's dictionary loaded.
    OCR models load on the first scanned page (extract.ocr.get_engine caches them)."""
    setup_logging(verbose, log_json)
    from formpipe.normalize.words import tokenizer
    tokenizer()


# -- a run -------------------------------------------------------------------

def run(inputs: list[Path], outputs: Path, progress: bool = True, config: RunConfig = RunConfig()) -> RunSummary:
    """Bring `outputs` up to date with the inputs (README "Nightly batch"), one `process_job` a document."""
    return run_batch(inputs, outputs, doc_id_of, progress,
                     replace(config, task=config.task or process_job, init=config.init or worker_init,
                             after=config.after or _apply_corrections))


_RUN_FIELDS = {f.name for f in dataclasses.fields(RunConfig)}
_OPTION_FIELDS = {f.name for f in dataclasses.fields(ExtractOptions)}


def run_config(**options) -> RunConfig:
    """A RunConfig from keywords; the extraction options (ocr_engine, dpi, force_ocr) may be among them."""
    unknown = set(options) - _RUN_FIELDS - _OPTION_FIELDS
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    extract = {k: options.pop(k) for k in list(options) if k in _OPTION_FIELDS}
    base = options.pop("options", ExtractOptions())
    return RunConfig(**options, options=replace(base, **extract))


def _apply_corrections(outputs: Path, manifest) -> list[tuple[str, str]]:
    """A person's corrections, over what this run wrote (review/corrections.py). A problem
    there is reported, never a reason to fail a run whose documents are all written."""
    from formpipe.review.corrections import apply_all
    try:
        return [("corrections", w) for w in apply_all(outputs, manifest.set_doc_status)]
    except Exception as e:
        log.warning("corrections not applied: %s", e, exc_info=True)
        return [("corrections", f"not applied ({type(e).__name__}: {e})")]


# -- CLI ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="formpipe", description=__doc__.split("\n\n")[0])
    p.add_argument("--version", action="version", version=f"formpipe {pipeline_version()}")
    p.add_argument("-v", "--verbose", action="store_true", help="formpipe's debug logging and tracebacks")
    p.add_argument("--log-json", action="store_true", help="log lines as JSON objects (for machines)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="extract forms into Parquet datasets")
    r.add_argument("inputs", nargs="*", type=Path, default=[Path("corpus")], help="files or folders (default: corpus/)")
    r.add_argument("-o", "--outputs", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    for flag in ("-v", "--verbose"), ("--log-json",):  # also accepted after the command
        r.add_argument(*flag, action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1,
                   help="worker processes (default: the machine's cores; 0: in this process, no limits)")
    r.add_argument("--executor", choices=("local", "dask"), default="local")
    r.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster)")
    r.add_argument("--timeout", type=float, default=600.0, help="seconds per document (default 600; 0: none)")
    r.add_argument("--max-memory-mb", type=int, default=2048, help="per worker process (default 2048; 0: none)")
    r.add_argument("--force", action="store_true", help="process every document again")
    r.add_argument("--retry-failed", action="store_true", help="process failed documents again even if unchanged")
    r.add_argument("--keep-removed", action="store_true", help="keep the rows of files that disappeared")
    r.add_argument("--ocr-engine", choices=("rapidocr", "tesseract"), default="rapidocr")
    r.add_argument("--dpi", type=int, default=300, help="rasterising scanned PDF pages (default 300)")
    r.add_argument("--force-ocr", action="store_true", help="OCR every page even where a text layer exists")
    r.add_argument("--pdf-reader", choices=READERS, default=READERS[0],
                   help="text-layer reader: pdfium (default, fast) or pdfplumber (the reference)")
    e = sub.add_parser("eval", help="compare outputs with truth JSON files")
    e.add_argument("--truth", type=Path, default=Path("corpus/truth"))
    e.add_argument("--outputs", type=Path, default=Path("outputs"))
    e.add_argument("--max-mismatches", type=int, default=200, help="mismatch lines to print at most")
    e.add_argument("--strict", action="store_true", help="exit 1 unless every value matches the truth")
    s = sub.add_parser("status", help="the last runs and the documents that need review")
    s.add_argument("-o", "--outputs", type=Path, default=Path("outputs"))
    s.add_argument("--runs", type=int, default=5, help="how many recent runs to show")
    s.add_argument("--limit", type=int, default=30, help="documents to list at most")
    g = sub.add_parser("debug-grid", help="draw how one scanned page was read (ruling, cells, text) to a PNG")
    g.add_argument("input", type=Path, help="a PDF, an image, or a folder of page images")
    g.add_argument("--page", type=int, default=1)
    g.add_argument("-o", "--out", type=Path, default=Path("debug-grid.png"))
    g.add_argument("--dpi", type=int, default=300)
    g.add_argument("--ocr-engine", choices=("rapidocr", "tesseract"), default="rapidocr")
    s.add_argument("--doc", metavar="ID", help="list one document's flags (its doc_id or a unique prefix)")
    v = sub.add_parser("review", help="an HTML review of the outputs: page images, boxes, values, flags")
    v.add_argument("-o", "--outputs", type=Path, default=Path("outputs"))
    v.add_argument("--serve", action="store_true", help="serve it for editing (corrections) instead of writing files")
    v.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    v.add_argument("--port", type=int, default=8765)
    v.add_argument("--reviewer", default=os.environ.get("USER", "reviewer"), help="name recorded with corrections")
    return p


def config_of(args) -> RunConfig:
    for option, value in (("--workers", args.workers), ("--timeout", args.timeout), ("--max-memory-mb", args.max_memory_mb)):
        if value < 0:
            raise BadArguments(f"{option} must be 0 or more (got {value:g})")
    if not 50 <= args.dpi <= 1200:
        raise BadArguments(f"--dpi must be between 50 and 1200 (got {args.dpi})")
    if args.scheduler and args.executor != "dask":
        raise BadArguments("--scheduler needs --executor dask")
    return RunConfig(workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                     timeout=args.timeout or None, max_memory_mb=args.max_memory_mb or None, force=args.force,
                     retry_failed=args.retry_failed, keep_removed=args.keep_removed,
                     options=ExtractOptions(ocr_engine=args.ocr_engine, dpi=args.dpi, force_ocr=args.force_ocr,
                                            pdf_reader=args.pdf_reader),
                     verbose=args.verbose, log_json=args.log_json)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose, args.log_json)
    try:
        if args.command == "run":
            progress = not (args.no_progress or args.log_json)  # JSON lines and a bar do not mix
            summary = run(args.inputs, args.outputs, progress=progress, config=config_of(args))
            if args.log_json:
                import json
                print(json.dumps({"event": "run_summary", **summary.as_dict()}, ensure_ascii=False))
            else:
                print("\n".join(summary.lines()))
            code = exit_code(summary)
            if code == ExitCode.interrupted:
                raise Interrupted(f"interrupted; {summary.not_processed} document(s) left for the next run")
            if code == ExitCode.documents_failed:
                raise DocumentsFailed(f"{summary.failed} document(s) failed")
            return ExitCode.ok
        if args.command == "debug-grid":
            from formpipe.extract.debuggrid import draw
            print(draw(args.input, args.page, args.out, args.dpi, args.ocr_engine))
            return ExitCode.ok
        if args.command == "eval":
            from formpipe.review.evaluate import evaluate, report
            for option, folder in (("--truth", args.truth), ("--outputs", args.outputs)):
                if not folder.is_dir():
                    raise BadArguments(f"{option} {display(str(folder))}: no such folder")
            result = evaluate(args.truth, args.outputs)
            print(report(result, max_mismatches=args.max_mismatches))
            return ExitCode.documents_failed if args.strict and not result.perfect else ExitCode.ok
        if args.command == "status":
            from formpipe.review.status import document_report, status_report
            if args.doc:
                text = document_report(args.outputs, args.doc)
                if text is None:
                    raise BadArguments(f"--doc {args.doc}: no single document with that id in {display(str(args.outputs))}")
                print(text)
                return ExitCode.ok
            print(status_report(args.outputs, runs=args.runs, limit=args.limit))
            return ExitCode.ok
        if args.command == "review":
            from formpipe.review.cli import review_command
            return review_command(args)
    except FormpipeError as e:
        return _fail(args, str(e), e.exit_code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", ExitCode.interrupted)
    except Exception as e:  # a disk, sqlite or programming error: one line, its own exit code
        return _fail(args, str(OtherError(f"unexpected error ({type(e).__name__}: {e})".splitlines()[0])),
                     ExitCode.other_error)
    return ExitCode.bad_arguments


def _fail(args, message: str, code: ExitCode) -> int:
    """The one line an operator (or, with --log-json, a machine) reads; the traceback with -v."""
    if args.verbose:
        log.debug("traceback", exc_info=True)
    if args.log_json:
        log.error(message, extra={"fields": {"event": "exit", "exit_code": int(code)}})
    else:
        print(f"formpipe: {message}", file=sys.stderr)
    return code
