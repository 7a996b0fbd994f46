"""Per-document limits: a document that hangs (even in C, holding the GIL), eats memory or
crashes its worker becomes a `failed` row, and the run goes on in a fresh worker."""
import os
import re
import shutil
import signal
import time
from pathlib import Path

import psutil
import pyarrow.dataset as ds
import pytest

from formpipe import pipeline
from formpipe.batch import run as batch_run
from formpipe.normalize import assemble
from formpipe.store.schema import hive_partitioning

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "corpus" / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)


# Tasks for the worker processes (module level: they travel pickled by reference).
# "big.pdf" is the largest file, so it is the first task: its worker is the only one.

def hang_in_c(job):
    if job.src.rel == "big.pdf":
        re.match(r"(a+)+$", "a" * 64 + "b")  # catastrophic backtracking: C code that never lets go of the GIL
    return pipeline.process_job(job)


def eat_memory(job):
    if job.src.rel == "big.pdf":
        hog = b"\x01" * (700 * 2**20)  # written, so resident
        time.sleep(120)
        del hog
    return pipeline.process_job(job)


def segfault(job):
    if job.src.rel == "big.pdf":
        os.kill(os.getpid(), signal.SIGSEGV)
    return pipeline.process_job(job)


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PDFS[-1], src / "big.pdf")
    shutil.copy(PDFS[0], src / "small1.pdf")
    shutil.copy(PDFS[1], src / "small2.pdf")
    return src


def sandboxes():
    return [p for p in psutil.Process().children(recursive=True) if "child_main" in " ".join(p.cmdline())]


def documents(out):
    rows = ds.dataset(out / "documents", partitioning=hive_partitioning()).to_table().to_pylist()
    return {r["source_path"]: r for r in rows}


@pytest.mark.parametrize("task, reason", [
    (hang_in_c, "time limit exceeded (3 s)"),
    (eat_memory, "memory limit exceeded"),
    (segfault, "worker process crashed (SIGSEGV)"),
], ids=["hang", "memory", "crash"])
def test_a_runaway_document_fails_alone_and_the_run_goes_on(folder, tmp_path, task, reason):
    out = tmp_path / "out"
    summary = pipeline.run([folder], out, progress=False, config=pipeline.RunConfig(
        workers=1, timeout=3, max_memory_mb=500, task=task))
    assert (summary.processed, summary.failed) == (3, 1)
    assert summary.failures[0][0] == "big.pdf" and summary.failures[0][1].startswith(reason)
    docs = documents(out)
    assert docs["big.pdf"]["status"] == "failed" and docs["big.pdf"]["error"].startswith(reason)
    assert docs["small1.pdf"]["status"] == docs["small2.pdf"]["status"] == "ok"  # done by a fresh worker
    assert not sandboxes(), "no worker outlives the run"
    assert pipeline.run([folder], out, progress=False).processed == 0, "a failed document counts as done"


def test_memory_error_in_process_becomes_a_failed_row(folder, tmp_path, monkeypatch):
    def boom(ex, tpl):
        raise MemoryError
    monkeypatch.setattr(assemble, "map_form", boom)
    summary = pipeline.run([folder / "small1.pdf"], tmp_path / "out", progress=False)
    assert summary.failures == [("small1.pdf", "memory limit exceeded (MemoryError)")]


def test_extraction_options_reach_the_workers(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, "check_ocr_engine", lambda name: None)  # tesseract need not be installed
    opts = pipeline.ExtractOptions(ocr_engine="tesseract", dpi=150, force_ocr=True)
    cfg = pipeline.RunConfig(workers=1, options=opts, task=echo_options)
    pipeline.run([folder / "small1.pdf"], tmp_path / "out", progress=False, config=cfg)
    assert documents(tmp_path / "out")["small1.pdf"]["error"] == "options tesseract 150 True"


def echo_options(job):
    o = job.options
    return pipeline.job_lost(job, f"options {o.ocr_engine} {o.dpi} {o.force_ocr}")


def broken_init(*args):
    raise ImportError("No module named 'onnxruntime'")  # a broken installation, as a worker sees it


def test_workers_that_cannot_start_stop_the_run_without_writing(folder, tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(pipeline, "worker_init", broken_init)
    out = tmp_path / "out"
    code = pipeline.main(["run", str(folder), "-o", str(out), "--workers", "2", "--no-progress"])
    assert code == pipeline.ExitCode.missing_dependency
    err = capfd.readouterr().err
    assert "No module named 'onnxruntime'" in err  # the worker's own error, above the one-line message
    assert err.strip().splitlines()[-1].startswith("formpipe: a worker process died while starting")
    assert not (out / "documents").exists(), "no document was written as failed"
    assert not sandboxes()
    monkeypatch.undo()
    assert pipeline.run([folder], out, progress=False).processed == 3  # the pending files are done next time
