"""Crash safety: SIGKILL at any moment, clean stops on SIGINT/SIGTERM, one run at a time."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from formpipe import pipeline
from formpipe.batch.lock import OutputsLock
from formpipe.batch.runs import read_runs
from formpipe.store.schema import DATASETS, hive_partitioning

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CLI = [sys.executable, "-c", "import sys, pipeline; sys.exit(pipeline.main())"]


N = 8  # documents: 7 born-digital forms and the text seed


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    pdfs = sorted((CORPUS / "pdf").glob("*.pdf"))
    assert "guangzhou-minzheng-2023.pdf" in {p.name for p in pdfs[:N - 1]}
    for p in pdfs[:N - 1] + sorted((CORPUS / "seeds").glob("*.txt")):
        shutil.copy(p, src / p.name)
    return src


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    """A clean, uninterrupted run: what every recovered run must equal."""
    out = tmp_path_factory.mktemp("ref")
    assert pipeline.run([inputs], out, progress=False).failed == 0
    return out


def start(inputs, out, *extra):
    return subprocess.Popen([*CLI, "run", str(inputs), "-o", str(out), "--no-progress", *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def wait_for_documents(proc, out, n, limit=120):
    t0 = time.monotonic()
    while len(list((out / "documents").glob("year=*/*.parquet"))) < n:
        assert proc.poll() is None, f"the run ended before {n} document(s): {proc.communicate()}"
        assert time.monotonic() - t0 < limit, "the run made no progress"
        time.sleep(0.02)


def table(out, dataset):
    return ds.dataset(out / dataset, partitioning=hive_partitioning()).to_table()


def assert_readable(out):
    for f in out.rglob("*.parquet"):
        pq.read_table(f)
    ids = table(out, "documents").column("doc_id").to_pylist()
    assert len(ids) == len(set(ids)), "no document twice"
    for d in DATASETS:
        table(out, d)


def content(out) -> dict:
    """Every dataset's rows, without the processing timestamp, in a stable order."""
    got = {}
    for d in DATASETS:
        t = table(out, d)
        if "processed_at" in t.column_names:
            t = t.drop_columns(["processed_at"])
        got[d] = sorted(map(repr, t.to_pylist()))
    return got


@pytest.mark.parametrize("after", [1, N // 2])
def test_sigkill_mid_run_then_a_clean_rerun_finishes_the_job(inputs, reference, tmp_path, after):
    out = tmp_path / "out"
    proc = start(inputs, out, "--workers", "2")
    wait_for_documents(proc, out, after)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "worker processes die with their parent"
    assert_readable(out)  # whatever moment it was killed at

    again = subprocess.run([*CLI, "run", str(inputs), "-o", str(out), "--no-progress", "--workers", "2"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert again.returncode == 0, again.stderr
    assert_readable(out)
    assert content(out) == content(reference)
    assert not list(out.rglob(".*.tmp")), "temporary files of the killed run are cleaned up"
    assert pipeline.run([inputs], out, progress=False).processed == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_after_the_documents_in_flight(inputs, reference, tmp_path, sig):
    out = tmp_path / "out"
    proc = start(inputs, out, "--workers", "1")
    wait_for_documents(proc, out, 1)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == pipeline.ExitCode.interrupted, stderr
    assert "stopping after the documents in flight" in stderr
    assert "left for the next run" in stdout and "formpipe: interrupted" in stderr
    done = len(table(out, "documents"))
    assert 1 <= done < N
    last = read_runs(out)[-1]
    assert last["outcome"] == "interrupted" and last["exit_code"] == 130 and last["processed"] == done
    assert_readable(out)
    rest = pipeline.run([inputs], out, progress=False)
    assert rest.processed == N - done
    assert content(out) == content(reference)


def test_a_second_run_on_the_same_outputs_refuses(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    held = OutputsLock(out / "_state" / "lock").acquire()
    try:
        code = pipeline.main(["run", str(inputs / "guangzhou-minzheng-2023.pdf"), "-o", str(out), "--workers", "0"])
        assert code == pipeline.ExitCode.outputs_locked
        err = capsys.readouterr().err.strip()
        assert err.startswith("formpipe: outputs") and f"pid {os.getpid()}" in err and len(err.splitlines()) == 1
    finally:
        held.release()
    assert not (out / "documents").exists(), "the refused run wrote nothing"
    assert pipeline.main(["run", str(inputs / "guangzhou-minzheng-2023.pdf"), "-o", str(out), "--workers", "0"]) == 0


def test_a_dead_process_does_not_hold_the_lock(tmp_path):
    lock = tmp_path / "out" / "_state" / "lock"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from formpipe.batch.lock import OutputsLock; "
                               "held = OutputsLock(__import__('pathlib').Path(sys.argv[1])).acquire(); print('held', flush=True); "
                               "time.sleep(60)", str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match=f"pid {holder.pid}"):
            OutputsLock(lock).acquire()
    finally:
        holder.kill()
        holder.wait()
    OutputsLock(lock).acquire().release()  # SIGKILLed holder: the lock is free, nothing to clean up
