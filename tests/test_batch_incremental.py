"""Incremental runs: unchanged files skipped unparsed, changed ones replaced, removed ones removed."""
import os
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from formpipe import pipeline
from formpipe.batch import run as batch_run
from formpipe.batch.manifest import Manifest
from formpipe.store import schema
from formpipe.store.schema import DATASETS, hive_partitioning

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "corpus" / "pdf").glob("*.pdf"))


def run(src, out, **cfg):
    return pipeline.run([src], out, progress=False, config=pipeline.RunConfig(**cfg))


def documents(out) -> dict[str, dict]:
    t = ds.dataset(out / "documents", partitioning=hive_partitioning()).to_table()
    rows = t.to_pylist()
    assert len({r["doc_id"] for r in rows}) == len(rows), "one row per document"
    return {r["source_path"]: r for r in rows}


def ids_on_disk(out) -> dict[str, set[str]]:
    return {d: {p.stem for p in (out / d).glob("year=*/*.parquet")} for d in DATASETS}


def assert_consistent(out) -> None:
    """Every dataset holds files of exactly the documents in `documents`."""
    on_disk = ids_on_disk(out)
    for d in DATASETS:
        assert on_disk[d] == on_disk["documents"], d


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(PDFS[0], src / "a.pdf")
    shutil.copy(PDFS[1], src / "b.pdf")
    shutil.copy(PDFS[2], src / "sub" / "c.pdf")
    return src


@pytest.fixture
def spy(monkeypatch):
    """Counts hashes and parses done by the run (in this process: workers=0)."""
    calls = {"hash": 0, "parse": 0}
    real_hash, real_extract = pipeline.doc_id_of, pipeline.extract_document

    def hash_(path):
        calls["hash"] += 1
        return real_hash(path)

    def extract(*a, **k):
        calls["parse"] += 1
        return real_extract(*a, **k)
    monkeypatch.setattr(pipeline, "doc_id_of", hash_)
    monkeypatch.setattr(pipeline, "extract_document", extract)
    return calls


def test_unchanged_files_are_neither_hashed_nor_parsed(folder, tmp_path, spy):
    out = tmp_path / "out"
    first = run(folder, out)
    assert (first.processed, first.skipped, spy["parse"]) == (3, 0, 3)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if "_state" not in p.parts}
    spy.update(hash=0, parse=0)
    again = run(folder, out)
    assert (again.processed, again.skipped) == (0, 3)
    assert spy == {"hash": 0, "parse": 0}
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if "_state" not in p.parts} == before


def test_a_touched_file_is_hashed_but_not_parsed(folder, tmp_path, spy):
    out = tmp_path / "out"
    run(folder, out)
    st = (folder / "a.pdf").stat()
    os.utime(folder / "a.pdf", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    spy.update(hash=0, parse=0)
    again = run(folder, out)
    assert (again.processed, again.skipped, spy["hash"], spy["parse"]) == (0, 3, 1, 0)
    spy.update(hash=0)
    run(folder, out)  # the new mtime was remembered
    assert spy["hash"] == 0


def test_a_changed_file_replaces_its_rows(folder, tmp_path):
    out = tmp_path / "out"
    run(folder, out)
    old = documents(out)["b.pdf"]["doc_id"]
    shutil.copy(PDFS[3], folder / "b.pdf")
    again = run(folder, out)
    assert (again.processed, again.replaced, again.skipped) == (1, 1, 2)
    docs = documents(out)
    assert len(docs) == 3 and docs["b.pdf"]["doc_id"] != old
    assert all(old not in ids for ids in ids_on_disk(out).values())
    assert_consistent(out)


def test_removed_files_rows_go_unless_kept(folder, tmp_path):
    out = tmp_path / "out"
    run(folder, out)
    gone = documents(out)["sub/c.pdf"]["doc_id"]
    (folder / "sub" / "c.pdf").unlink()
    kept = run(folder, out, keep_removed=True)
    assert kept.removed == 0 and "sub/c.pdf" in documents(out)
    assert run(folder, out, keep_removed=True).removed == 0
    removed = run(folder, out)
    assert removed.removed == 1 and set(documents(out)) == {"a.pdf", "b.pdf"}
    assert all(gone not in ids for ids in ids_on_disk(out).values())
    assert_consistent(out)


def test_a_file_back_after_going_missing_is_not_processed_again(folder, tmp_path):
    out = tmp_path / "out"
    run(folder, out)
    shutil.move(folder / "a.pdf", tmp_path / "a.pdf")
    run(folder, out, keep_removed=True)
    shutil.move(tmp_path / "a.pdf", folder / "a.pdf")
    back = run(folder, out)
    assert (back.processed, back.skipped, back.removed) == (0, 3, 0)
    m = Manifest(out / "_state" / "manifest.sqlite")
    assert not any(e.missing for e in m.entries(os.fsencode(str(folder.absolute()))).values())
    m.close()


def test_force_and_version_bumps_process_everything_again(folder, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(folder, out)
    assert run(folder, out, force=True).processed == 3
    assert run(folder, out).processed == 0
    monkeypatch.setattr(batch_run, "pipeline_version", lambda: "99.0")
    bumped = run(folder, out)
    assert bumped.processed == 3 and {d["pipeline_version"] for d in documents(out).values()} == {"99.0"}
    monkeypatch.setattr(schema, "SCHEMA_VERSION", "99.0")
    assert run(folder, out).processed == 3
    assert run(folder, out).processed == 0
    assert_consistent(out)


def test_another_ocr_engine_reprocesses_only_ocr_and_failed_documents(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, "check_ocr_engine", lambda name: None)  # tesseract need not be installed
    out = tmp_path / "out"
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really")
    assert run(folder, out).failed == 1
    tess = run(folder, out, options=pipeline.ExtractOptions(ocr_engine="tesseract"))
    assert (tess.processed, tess.skipped) == (1, 3)  # text-layer documents do not depend on the engine
    assert run(folder, out, options=pipeline.ExtractOptions(ocr_engine="tesseract")).processed == 0
    assert run(folder, out, retry_failed=True, options=pipeline.ExtractOptions(ocr_engine="tesseract")).processed == 1


def test_outputs_deleted_by_hand_are_written_again(folder, tmp_path):
    out = tmp_path / "out"
    run(folder, out)
    doc = documents(out)["a.pdf"]["doc_id"]
    next((out / "documents").glob(f"year=*/{doc}.parquet")).unlink()
    again = run(folder, out)
    assert again.processed == 1 and "a.pdf" in documents(out)


def test_identical_files_are_processed_once_and_kept_while_one_remains(folder, tmp_path):
    out = tmp_path / "out"
    shutil.copy(folder / "a.pdf", folder / "twin.pdf")
    first = run(folder, out)
    assert first.processed == 3 and len(documents(out)) == 3  # a.pdf and twin.pdf are one document
    (folder / "a.pdf").unlink()
    assert run(folder, out).removed == 0 and len(documents(out)) == 3
    (folder / "twin.pdf").unlink()
    assert run(folder, out).removed == 1 and len(documents(out)) == 2
    assert_consistent(out)


def test_a_renamed_file_keeps_one_document_under_its_new_name(folder, tmp_path):
    out = tmp_path / "out"
    run(folder, out)
    (folder / "a.pdf").rename(folder / "renamed.pdf")
    again = run(folder, out)
    assert again.processed == 1 and again.removed == 0
    assert set(documents(out)) == {"renamed.pdf", "b.pdf", "sub/c.pdf"}
    assert_consistent(out)


def test_an_input_folder_that_lists_empty_does_not_wipe_the_outputs(folder, tmp_path, caplog):
    out = tmp_path / "out"
    run(folder, out)
    shutil.rmtree(folder)
    folder.mkdir()  # an unmounted share looks like this
    assert run(folder, out).removed == 0 and len(documents(out)) == 3
    assert "rows are kept" in caplog.text


def test_other_input_folders_rows_are_left_alone(folder, tmp_path):
    out = tmp_path / "out"
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(PDFS[4], other / "x.pdf")
    run(folder, out)
    run(other, out)
    assert len(documents(out)) == 4  # a run over one folder does not remove another folder's documents
    (other / "x.pdf").unlink()
    shutil.copy(PDFS[5], other / "y.pdf")
    run(other, out)
    assert set(documents(out)) == {"a.pdf", "b.pdf", "sub/c.pdf", "y.pdf"}
