"""formpipe: CLI and orchestration.

    formpipe run [INPUT ...] [-o OUTPUTS]     forms -> Parquet datasets (incremental, parallel)
    formpipe eval [--truth DIR] [--outputs DIR]  accuracy against hand-checked truth
    formpipe status [-o OUTPUTS]               the last runs and what needs review

Orchestration lives here, over plain stage functions:
file -> Extraction (extract/) -> RawForm (extract/mapping) -> rows (normalize/) -> Parquet (store/).
A run: list the inputs, decide per file against the manifest (store/manifest.py)
what to do, run `process_job` for each document on an executor (store/executors.py,
store/dask_executor.py), record each result in the manifest once its files are
in place. Errors are exceptions with an exit code each, turned into one-line
messages at this edge; the traceback only with -v.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from enum import IntEnum
from pathlib import Path
from typing import Callable

from extract.document import DocumentError, ExtractOptions, extract_document, source_digest
from review.status import setup_logging
from store.runs import Outcome, RunSummary
from store.sources import Discovery, InputError, Source, discover, display, scan  # noqa: F401 (discover: API)
from store.writer import failed_row, review_pages, write_failed

log = logging.getLogger("formpipe")


def pipeline_version() -> str:
    try:
        from importlib.metadata import version
        return version("formpipe")
    except Exception:  # running from a checkout that was never installed
        return "0+unknown"


class ExitCode(IntEnum):
    ok = 0  # every document ok or flagged for review (or nothing to do)
    documents_failed = 1  # the run finished; some documents failed
    bad_arguments = 2
    missing_dependency = 3
    outputs_locked = 4  # another run is using the outputs folder
    interrupted = 130  # SIGINT/SIGTERM: stopped after the documents in flight


class FormpipeError(Exception):
    exit_code = ExitCode.documents_failed


class DocumentsFailed(FormpipeError):
    exit_code = ExitCode.documents_failed


class BadArguments(FormpipeError):
    exit_code = ExitCode.bad_arguments


class MissingDependency(FormpipeError):
    exit_code = ExitCode.missing_dependency


class OutputsLocked(FormpipeError):
    exit_code = ExitCode.outputs_locked


class Interrupted(FormpipeError):
    exit_code = ExitCode.interrupted


def doc_id_of(path: Path) -> str:
    return source_digest(path)


# -- one document --------------------------------------------------------------

def process(src: Source, outputs: Path, version: str, template: str = "department_overall",
            timings: dict | None = None, options: ExtractOptions = ExtractOptions(),
            doc_id: str | None = None) -> dict:
    """One document end to end; returns its `documents` row. Never raises for bad input.

    `doc_id` when the caller already hashed the file; a file that cannot be read
    at all gets a failed row that is not written (there is no doc_id to file it
    under). `timings`, when given, accumulates seconds per stage (for bench/).
    """
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
        if not ex.tables:
            raise DocumentError("no ruled table found on any page")
        tpl = load_template(template)
        form = map_form(ex, tpl)
        year = find_year(form)
        lap("mapping")
        built = build_rows(form, ex, year, info, rules=tpl.rules,
                           required=tuple(f.name for f in tpl.fields.values() if f.required),
                           budget_items=tpl.blocks["budget"].items if "budget" in tpl.blocks else ())
        lap("normalise")
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
    return {**built.rows["documents"][0], "doc_id": doc_id, "year": built.year}


@dataclass(frozen=True)
class Job:
    """One document for a worker: what `process_job` needs, picklable."""

    src: Source
    doc_id: str
    outputs: Path
    version: str
    options: ExtractOptions = ExtractOptions()
    template: str = "department_overall"


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


def job_lost(job: Job, reason: str) -> Outcome:
    """The worker was killed (time/memory limit) or died: the document gets a failed row."""
    log.debug("%s: %s", job.src.rel, reason)
    try:
        row = write_failed(job.src.rel, job.version, job.doc_id, job.outputs, reason, job.src.source_root)
    except OSError as e:
        return Outcome(job.doc_id, "failed", f"{reason}; its failed row could not be written ({e})")
    return Outcome.of(row)


def worker_init(verbose: bool = False, log_json: bool = False) -> None:
    """Once per worker process: logging like the parent's, and jieba's dictionary loaded.
    OCR models load on the first scanned page (extract.ocr.get_engine caches them)."""
    setup_logging(verbose, log_json)
    from normalize.words import tokenizer
    tokenizer()


# -- a run -------------------------------------------------------------------

@dataclass(frozen=True)
class RunConfig:
    workers: int = 0  # 0: in this process, no limits (the Python API default); N: N worker processes
    executor: str = "local"  # local | dask
    scheduler: str | None = None  # dask: scheduler address; None starts a LocalCluster
    timeout: float | None = 600.0  # seconds per document (worker processes only)
    max_memory_mb: int | None = 2048  # per worker process (worker processes only)
    force: bool = False  # process every document again
    retry_failed: bool = False  # process failed documents again even if unchanged
    keep_removed: bool = False  # keep the rows of files that disappeared
    options: ExtractOptions = ExtractOptions()
    template: str = "department_overall"
    task: Callable[[Job], Outcome] | None = None  # the per-document task (default process_job)
    verbose: bool = False
    log_json: bool = False


def check_ocr_engine(name: str) -> None:
    try:
        from extract.ocr import EngineUnavailable, check_engine
    except ImportError:  # the OCR package is not there (yet): born-digital only
        log.debug("extract.ocr not importable; OCR engine not checked", exc_info=True)
        return
    try:
        check_engine(name)
    except EngineUnavailable as e:
        raise MissingDependency(f"OCR engine {name}: {e}") from e


def exit_code(summary: RunSummary) -> ExitCode:
    if summary.interrupted:
        return ExitCode.interrupted
    return ExitCode.documents_failed if summary.failed else ExitCode.ok


def run(inputs: list[Path], outputs: Path, progress: bool = True, config: RunConfig = RunConfig()) -> RunSummary:
    """Bring `outputs` up to date with the inputs; see README "Nightly batch"."""
    from store.lock import LockHeld, OutputsLock
    from store.manifest import Manifest

    if config.workers < 0 or config.executor not in ("local", "dask"):
        raise BadArguments("--workers must be 0 or more and --executor local or dask")
    try:
        found = scan(inputs)
    except InputError as e:
        raise BadArguments(str(e)) from None
    check_ocr_engine(config.options.ocr_engine)
    try:
        lock = OutputsLock(outputs / "_state" / "lock").acquire()
    except LockHeld as e:
        raise OutputsLocked(str(e)) from None
    except OSError as e:
        raise BadArguments(f"cannot use outputs folder {display(str(outputs))} ({e.strerror or e})") from None
    manifest = Manifest(outputs / "_state" / "manifest.sqlite")
    try:
        return _run_locked(found, inputs, outputs, manifest, progress, config)
    finally:
        manifest.close()
        lock.release()


def _run_locked(found: Discovery, inputs, outputs: Path, manifest, progress: bool, config: RunConfig) -> RunSummary:
    from review.status import Progress
    from store.executors import ClusterUnavailable, Work, describe, execute, stop_on_signals
    from store.manifest import WriterKey, plan, sweep
    from store.runs import append_run
    from store.sandbox import Limits, StartupFailed
    from store.schema import SCHEMA_VERSION
    from store.writer import cleanup_temporaries, present_documents, remove_documents

    started, t0, run_id = datetime.now(timezone.utc), time.perf_counter(), uuid.uuid4().hex[:12]
    version, opts = pipeline_version(), config.options
    key = WriterKey(version, SCHEMA_VERSION, opts.ocr_engine, opts.dpi, opts.force_ocr)
    summary = RunSummary(discovered=len(found.sources), notes=list(found.notes), unsupported=dict(found.unsupported))

    def remove(ids):
        return remove_documents(outputs, ids)

    if manifest.get_meta("open_run"):  # the last run was killed: its leftovers go
        cleanup_temporaries(outputs)
    manifest.set_meta("open_run", run_id)
    manifest.collect_garbage(remove)

    todo = plan(manifest, found.sources, key, present_documents(outputs), doc_id_of, config.force, config.retry_failed)
    summary.skipped = todo.skipped
    for src, why in todo.unreadable:  # listed, but not even its bytes could be read
        summary.failed += 1
        summary.failures.append((src.rel, why))
    gone, twins = list(todo.gone), todo.twins
    jobs = [Job(replace(src, path=src.path.absolute()), doc_id, outputs.absolute(), version, opts, config.template)
            for src, doc_id in todo.todo]
    manifest.mark_pending((s.root_key, s.key, s.rel, j.doc_id) for j in jobs for s in (j.src, *twins[j.doc_id]))
    if config.workers:  # largest first: no big document starts last and holds up the end
        jobs.sort(key=lambda j: -(j.src.stamp or (0, 0))[0])
    log.info("%d file(s): %d to process, %d unchanged", len(found.sources), len(jobs), summary.skipped,
             extra={"fields": {"event": "plan", "files": len(found.sources), "to_process": len(jobs),
                               "unchanged": summary.skipped}})

    stop, finished = threading.Event(), 0
    bar = Progress(len(jobs), progress)
    with stop_on_signals(stop):
        try:
            work = Work(config.task or process_job, job_lost, worker_init, (config.verbose, config.log_json),
                        Limits(config.timeout or None, config.max_memory_mb or None))
            for job, out in execute(jobs, work, config.executor, config.workers, config.scheduler, stop):
                finished += 1
                bar.update(job.src.rel, out.status, out.pages, out.seconds, out.error)
                if out.status == "vanished":  # its twins, if any, stay pending for the next run
                    gone.append(job.src)
                    continue
                summary.count(job.src.rel, out.status, out.pages, out.error)
                for s in (job.src, *twins[job.doc_id]):
                    manifest.record(s.root_key, s.key, s.rel, s.stamp, asdict(out), key)
                summary.replaced += manifest.collect_garbage(remove)
        except KeyboardInterrupt:  # a second signal: the workers in flight were killed
            stop.set()
        except (StartupFailed, ClusterUnavailable) as e:  # every document would fail: stop, write nothing
            raise MissingDependency(str(e)) from None
        finally:
            bar.close()
    summary.interrupted = stop.is_set() and finished < len(jobs)
    summary.not_processed = len(jobs) - finished

    summary.vanished = len(gone)
    summary.notes += [(s.rel, "file disappeared during the run") for s in gone]
    listed = {(s.root_key, s.key) for s in found.sources} - {(s.root_key, s.key) for s in gone}
    for warning in sweep(manifest, found.folders, listed, gone, config.keep_removed):
        log.warning(warning)
    summary.removed = manifest.collect_garbage(remove)
    summary.notes += _apply_corrections(outputs, manifest)

    summary.seconds = time.perf_counter() - t0
    manifest.set_meta("open_run", None)
    append_run(outputs, summary, run_id=run_id, started=started, finished=datetime.now(timezone.utc),
               exit_code=exit_code(summary), inputs=[display(str(p)) for p in inputs],
               executor=describe(config.executor, config.workers, config.scheduler), workers=config.workers,
               versions={"pipeline_version": version, "schema_version": SCHEMA_VERSION, "ocr_engine": opts.ocr_engine})
    log.info("run finished", extra={"fields": {"event": "run_summary", "run_id": run_id, **summary.as_dict()}})
    return summary


def _apply_corrections(outputs: Path, manifest) -> list[tuple[str, str]]:
    """A person's corrections, over what this run wrote (review/corrections.py). A problem
    there is reported, never a reason to fail a run whose documents are all written."""
    from review.corrections import apply_all
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
    e = sub.add_parser("eval", help="compare outputs with truth JSON files")
    e.add_argument("--truth", type=Path, default=Path("corpus/truth"))
    e.add_argument("--outputs", type=Path, default=Path("outputs"))
    e.add_argument("--max-mismatches", type=int, default=200, help="mismatch lines to print at most")
    e.add_argument("--strict", action="store_true", help="exit 1 unless every value matches the truth")
    s = sub.add_parser("status", help="the last runs and the documents that need review")
    s.add_argument("-o", "--outputs", type=Path, default=Path("outputs"))
    s.add_argument("--runs", type=int, default=5, help="how many recent runs to show")
    s.add_argument("--limit", type=int, default=30, help="documents to list at most")
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
                     options=ExtractOptions(ocr_engine=args.ocr_engine, dpi=args.dpi, force_ocr=args.force_ocr),
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
        if args.command == "eval":
            from review.evaluate import evaluate, report
            for option, folder in (("--truth", args.truth), ("--outputs", args.outputs)):
                if not folder.is_dir():
                    raise BadArguments(f"{option} {display(str(folder))}: no such folder")
            result = evaluate(args.truth, args.outputs)
            print(report(result, max_mismatches=args.max_mismatches))
            return ExitCode.documents_failed if args.strict and not result.perfect else ExitCode.ok
        if args.command == "status":
            from review.status import document_report, status_report
            if args.doc:
                text = document_report(args.outputs, args.doc)
                if text is None:
                    raise BadArguments(f"--doc {args.doc}: no single document with that id in {display(str(args.outputs))}")
                print(text)
                return ExitCode.ok
            print(status_report(args.outputs, runs=args.runs, limit=args.limit))
            return ExitCode.ok
        if args.command == "review":
            from review.cli import review_command
            return review_command(args)
    except FormpipeError as e:
        return _fail(args, str(e), e.exit_code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", ExitCode.interrupted)
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


if __name__ == "__main__":
    import pipeline  # workers find the task functions as pipeline.*, not __main__.*
    sys.exit(pipeline.main())
