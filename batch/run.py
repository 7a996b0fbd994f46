"""A batch run: bring an outputs folder up to date with input folders (README "Nightly batch").

List the inputs (sources.py), decide per file against the manifest (manifest.py)
what to do, run the per-document task for each document on an executor
(executors.py, dask_executor.py), record each result in the manifest once its
files are in place, sweep the rows of files that are gone, append the run to
runs.parquet (runs.py). The per-document task itself is the caller's
(`formpipe.pipeline.process_job`): this package knows files, not forms.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from formpipe.errors import BadArguments, ExitCode, MissingDependency, OutputsLocked
from formpipe.extract.model import ExtractOptions
from formpipe.store import schema
from formpipe.store.writer import cleanup_temporaries, present_documents, remove_documents, write_failed

from .executors import ClusterUnavailable, describe, execute, stop_on_signals
from .lock import LockHeld, OutputsLock
from .manifest import Manifest, WriterKey, plan, sweep
from .progress import Progress
from .runs import Outcome, RunSummary, append_run
from .sandbox import Limits, StartupFailed
from .sources import Discovery, InputError, Source, display, scan
from .work import Work

log = logging.getLogger("formpipe")

DEFAULT_TEMPLATE = "auto"  # every template in extract/templates/: a file may hold forms of each type


def pipeline_version() -> str:
    try:
        return version("formpipe")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"


@dataclass(frozen=True)
class Job:
    """One document for a worker: what the per-document task needs, picklable."""

    src: Source
    doc_id: str
    outputs: Path
    version: str
    options: ExtractOptions = ExtractOptions()
    template: str = DEFAULT_TEMPLATE


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
    template: str = DEFAULT_TEMPLATE
    task: Callable[[Job], Outcome] | None = None  # the per-document task, module-level (pickled by reference)
    init: Callable[..., None] | None = None  # once per worker process, with (verbose, log_json)
    # after the documents, before the run is recorded: (outputs, manifest) -> notes for the summary
    # (the pipeline applies a person's corrections here)
    after: Callable[[Path, Manifest], list[tuple[str, str]]] | None = None
    verbose: bool = False
    log_json: bool = False


def job_lost(job: Job, reason: str) -> Outcome:
    """The worker was killed (time/memory limit) or died: the document gets a failed row."""
    log.debug("%s: %s", job.src.rel, reason)
    try:
        row = write_failed(job.src.rel, job.version, job.doc_id, job.outputs, reason, job.src.source_root)
    except OSError as e:
        return Outcome(job.doc_id, "failed", f"{reason}; its failed row could not be written ({e})")
    return Outcome.of(row)


def check_ocr_engine(name: str) -> None:
    try:
        from formpipe.extract.ocr import EngineUnavailable, check_engine
    except ImportError:  # the [ocr] extra is not installed: born-digital only
        log.debug("formpipe.extract.ocr not importable; OCR engine not checked", exc_info=True)
        return
    try:
        check_engine(name)
    except EngineUnavailable as e:
        raise MissingDependency(f"OCR engine {name}: {e}") from e


def exit_code(summary: RunSummary) -> ExitCode:
    if summary.interrupted:
        return ExitCode.interrupted
    return ExitCode.documents_failed if summary.failed else ExitCode.ok


def run(inputs: list[Path], outputs: Path, doc_id_of: Callable[[Path], str], progress: bool = True,
        config: RunConfig = RunConfig()) -> RunSummary:
    """Bring `outputs` up to date with the inputs; `config.task` processes one document."""
    if config.task is None:
        raise BadArguments("a batch run needs a per-document task")
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
        return _run_locked(found, inputs, outputs, manifest, doc_id_of, progress, config)
    finally:
        manifest.close()
        lock.release()


def _run_locked(found: Discovery, inputs: list[Path], outputs: Path, manifest: Manifest,
                doc_id_of: Callable[[Path], str], progress: bool, config: RunConfig) -> RunSummary:
    assert config.task is not None  # checked by run()
    started, t0, run_id = datetime.now(UTC), time.perf_counter(), uuid.uuid4().hex[:12]
    version, opts = pipeline_version(), config.options
    key = WriterKey(version, schema.SCHEMA_VERSION, opts.ocr_engine, opts.dpi, opts.force_ocr)
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
            work = Work(config.task, job_lost, config.init, (config.verbose, config.log_json),
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
    if config.after is not None:
        summary.notes += config.after(outputs, manifest)

    summary.seconds = time.perf_counter() - t0
    manifest.set_meta("open_run", None)
    append_run(outputs, summary, run_id=run_id, started=started, finished=datetime.now(UTC),
               exit_code=exit_code(summary), inputs=[display(str(p)) for p in inputs],
               executor=describe(config.executor, config.workers, config.scheduler), workers=config.workers,
               versions={"pipeline_version": version, "schema_version": schema.SCHEMA_VERSION, "ocr_engine": opts.ocr_engine})
    log.info("run finished", extra={"fields": {"event": "run_summary", "run_id": run_id, **summary.as_dict()}})
    return summary
