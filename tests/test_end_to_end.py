"""The whole pipeline over the bundled corpus, checked against the truth files."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from formpipe import pipeline
from formpipe.review.evaluate import evaluate
from formpipe.store.schema import hive_partitioning

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_PDF = "pdf/guangzhou-minzheng-2023.pdf"


@pytest.fixture(scope="module")
def born_digital(tmp_path_factory):
    """The corpus without its scanned sample (that one has tests/test_scanned_corpus.py)."""
    root = tmp_path_factory.mktemp("corpus")
    for sub in ("pdf", "seeds"):
        shutil.copytree(CORPUS / sub, root / sub)
    (root / "truth").mkdir()
    for t in (CORPUS / "truth").glob("*.json"):
        if not t.name.startswith("scan-"):
            shutil.copy(t, root / "truth" / t.name)
    return root


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, born_digital):
    out = tmp_path_factory.mktemp("outputs")
    summary = pipeline.run([born_digital], out, progress=False)
    assert summary.failed == 0, summary.failures
    return out


def test_eval_is_perfect_on_the_born_digital_corpus(outputs, born_digital):
    res = evaluate(born_digital / "truth", outputs)
    n_truth = len(list((born_digital / "truth").glob("*.json")))
    assert res.documents == n_truth >= 13
    assert res.mismatches == []
    assert res.amounts.total > 100 and res.amounts.accuracy == 1.0
    assert res.short.accuracy == 1.0 and res.cer == 0.0
    assert res.perfect


def _seed_doc_id(outputs, source_path):
    docs = pd.read_parquet(outputs / "documents", partitioning=hive_partitioning())
    return docs.loc[docs.source_path == source_path, "doc_id"].item()


def test_notebook_read_of_the_seed_indicators(outputs):
    truth = json.loads((CORPUS / "truth" / "guangzhou-minzheng-2023.json").read_text(encoding="utf-8"))
    ind = pd.read_parquet(outputs / "indicators")
    seed = ind[ind.doc_id == _seed_doc_id(outputs, SEED_PDF)].sort_values("seq")
    assert len(seed) == 21
    assert list(zip(seed.level1, seed.level2)) == [(t["level1"], t["level2"]) for t in truth["indicators"]]
    assert (seed.year == 2023).all()
    tail = seed[seed.level3 == "社会救助对象政策认可程度"].iloc[0]
    assert (tail.level1, tail.level2, tail.annual_op, tail.annual_value) == ("效益指标", "社会效益指标", ">=", 90.0)
    people = seed[seed.level3 == "全年社工服务人次"].iloc[0]
    assert (people.annual_unit, people.annual_scaled_value, people.annual_base_unit) == ("万人次", 4_000_000.0, "人次")
    assert all("".join(t) == n for t, n in zip(seed.level3_tokens, seed.level3))


def test_duckdb_queries_the_datasets(outputs, born_digital):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    total = con.execute(f"select sum(amount_wan) from '{outputs}/budget_items/**/*.parquet' "
                    f"where item = '市本级使用资金' and year = 2023 and doc_id = '{_seed_doc_id(outputs, SEED_PDF)}'").fetchone()[0]
    assert str(total) == "214409.60"
    n_docs = con.execute(f"select count(*) from read_parquet('{outputs}/documents/**/*.parquet', hive_partitioning=true)").fetchone()[0]
    assert n_docs == len(list(born_digital.rglob("*.pdf"))) + len(list(born_digital.glob("seeds/*.txt")))


def test_provenance_points_back_to_page_and_cell(outputs):
    doc = _seed_doc_id(outputs, SEED_PDF)
    items = pd.read_parquet(outputs / "budget_items")
    row = items[(items.doc_id == doc) & (items.item == "基本支出")].iloc[0]
    assert row.raw_text == "117,897.50" and row.page == 1 and row.x1 > row.x0 and row.y1 > row.y0
    cells = pd.read_parquet(outputs / "cells")
    hit = cells[(cells.doc_id == doc) & (cells.text == "117,897.50")].iloc[0]
    assert (hit.x0, hit.y0) == pytest.approx((row.x0, row.y0))
    tasks = pd.read_parquet(outputs / "tasks")
    t5 = tasks[(tasks.doc_id == doc) & (tasks.task_no == 5)].iloc[0]
    assert t5.funds_raw == "44, 770. 21" and str(t5.funds_wan) == "44770.21"


def test_rerun_replaces_rows_and_bad_files_fail_alone(outputs, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / SEED_PDF, src / "seed.pdf")
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    out = tmp_path / "out"
    first = pipeline.run([src], out, progress=False)
    assert (first.processed, first.failed) == (2, 1)
    assert "broken.pdf" in first.failures[0][0] and first.failures[0][1]
    pipeline.run([src], out, progress=False)
    ind = pd.read_parquet(out / "indicators", partitioning=hive_partitioning())
    assert len(ind) == 21, "a re-run must not duplicate rows"
    docs = pd.read_parquet(out / "documents", partitioning=hive_partitioning()).set_index("source_path")
    assert docs.loc["broken.pdf", "year"] == 0 and docs.loc["seed.pdf", "year"] == 2023
    assert docs.loc["broken.pdf", "status"] == "failed" and docs.loc["seed.pdf", "status"] in ("ok", "needs_review")
    # the same path with new content: the old document's rows go
    shutil.copy(CORPUS / "pdf" / sorted(p.name for p in (CORPUS / "pdf").glob("*.pdf") if "minzheng" not in p.name)[0], src / "seed.pdf")
    pipeline.run([src], out, progress=False)
    docs = pd.read_parquet(out / "documents", partitioning=hive_partitioning())
    assert len(docs) == 2 and len(pd.read_parquet(out / "indicators", partitioning=hive_partitioning()).doc_id.unique()) == 1
    assert _seed_doc_id(out, "seed.pdf") != _seed_doc_id(outputs, SEED_PDF)


def test_every_file_has_versions_in_metadata(outputs):
    for f in list(outputs.rglob("*.parquet"))[:30]:
        meta = pq.read_schema(f).metadata
        assert meta[b"formpipe.schema_version"] and meta[b"formpipe.pipeline_version"]


def test_cli_run_and_eval(tmp_path, capsys):
    out = tmp_path / "o"
    assert pipeline.main(["run", str(CORPUS / "pdf" / "guangzhou-minzheng-2023.pdf"), "-o", str(out), "--no-progress"]) == 0
    assert "processed 1 document(s)" in capsys.readouterr().out
    assert pipeline.main(["run", str(tmp_path / "nope"), "-o", str(out)]) == pipeline.ExitCode.bad_arguments
    assert "input not found" in capsys.readouterr().err


def test_an_unexpected_error_in_one_document_does_not_stop_the_run(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.pdf", "b.pdf"):
        shutil.copy(CORPUS / SEED_PDF, src / name)
    (src / "b.pdf").write_bytes((src / "b.pdf").read_bytes() + b"\n%")  # other bytes, other doc_id
    from formpipe.normalize import assemble
    real = assemble.map_form
    calls = []

    def flaky(ex, tpl):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("surprise")
        return real(ex, tpl)
    monkeypatch.setattr(assemble, "map_form", flaky)
    summary = pipeline.run([src], tmp_path / "out", progress=False)
    assert (summary.processed, summary.failed) == (2, 1)
    assert summary.failures[0] == ("a.pdf", "internal error (KeyError: 'surprise')")
