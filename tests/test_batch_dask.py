"""The same per-document task on a Dask LocalCluster: the same outputs as a local run."""
import re
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from formpipe import pipeline
from formpipe.store.schema import DATASETS, hive_partitioning

pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def content(out) -> dict:
    got = {}
    for d in DATASETS:
        t = ds.dataset(out / d, partitioning=hive_partitioning()).to_table()
        if "processed_at" in t.column_names:
            t = t.drop_columns(["processed_at"])
        got[d] = sorted(map(repr, t.to_pylist()))
    return got


def files(out) -> dict[str, dict]:
    return {p.relative_to(out).as_posix(): pq.read_schema(p).metadata
            for p in out.rglob("*.parquet") if "_state" not in p.parts}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The born-digital corpus and the text seed (the scanned corpus is for the slow OCR tests)."""
    src = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS / "pdf", src / "pdf")
    shutil.copytree(CORPUS / "seeds", src / "seeds")
    return src


def test_the_corpus_on_a_local_cluster_equals_the_local_run(corpus, tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    first = pipeline.run([corpus], local, progress=False, config=pipeline.RunConfig(workers=2))
    on_dask = pipeline.run([corpus], dask, progress=False, config=pipeline.RunConfig(executor="dask", workers=2))
    assert (on_dask.processed, on_dask.failed, on_dask.pages) == (first.processed, 0, first.pages) and first.processed >= 15
    assert files(dask) == files(local)  # same files, same metadata
    assert content(dask) == content(local)
    again = pipeline.run([corpus], dask, progress=False, config=pipeline.RunConfig(executor="dask", workers=2))
    assert (again.processed, again.skipped) == (0, first.processed)  # the manifest works the same


def hang_in_c(job):
    if job.src.rel == "hang.pdf":
        re.match(r"(a+)+$", "a" * 64 + "b")
    return pipeline.process_job(job)


def test_the_time_limit_holds_on_dask_workers(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    pdfs = sorted((CORPUS / "pdf").glob("*.pdf"))
    shutil.copy(pdfs[0], src / "hang.pdf")
    shutil.copy(pdfs[1], src / "fine.pdf")
    summary = pipeline.run([src], tmp_path / "out", progress=False, config=pipeline.RunConfig(
        executor="dask", workers=1, timeout=3, task=hang_in_c))
    assert summary.failures == [("hang.pdf", "time limit exceeded (3 s)")]
    assert summary.processed == 2


def test_an_unreachable_scheduler_is_a_missing_dependency(tmp_path, monkeypatch, capsys):
    from formpipe.batch import dask_executor
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", "1s")
    pdf = next((CORPUS / "pdf").glob("*.pdf"))
    code = pipeline.main(["run", str(pdf), "-o", str(tmp_path / "o"), "--executor", "dask",
                          "--scheduler", "tcp://127.0.0.1:9"])
    assert code == pipeline.ExitCode.missing_dependency
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("formpipe: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "o" / "documents").exists()
