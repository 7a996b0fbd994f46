"""The rough edges a new user hit (issue 13, item 5): each test failed before its fix."""
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from formpipe import pipeline
from formpipe.batch.lock import OutputsLock
from formpipe.batch.sources import scan

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "corpus" / "pdf" / "guangzhou-minzheng-2023.pdf"
SEED = ROOT / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt"
DATASETS = ("documents", "budget_items", "tasks", "indicators", "cells", "flags")


@pytest.fixture(scope="module")
def run_with_a_failure(tmp_path_factory):
    """One born-digital form, one text dump, and one broken file (a failed document)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(PDF, src / "form.pdf")
    shutil.copy(SEED, src / "seed.txt")
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    (src / "notes.docx").write_bytes(b"x")
    (src / "budget.xlsx").write_bytes(b"x")
    (src / "more.docx").write_bytes(b"x")
    out = tmp_path_factory.mktemp("out")
    summary = pipeline.run([src], out, progress=False)
    assert summary.failed == 1
    return src, out, summary


def test_a_page_image_folder_named_as_input_is_one_document(tmp_path):
    from PIL import Image
    doc = tmp_path / "scan-0042"
    doc.mkdir()
    for n in (1, 2):
        Image.new("L", (20, 20), 255).save(doc / f"page-{n}.png")
    found = scan([doc])
    assert [(s.path, s.rel) for s in found.sources] == [(doc, "scan-0042")]


@pytest.mark.parametrize("dataset", DATASETS)
def test_pandas_polars_and_duckdb_read_every_dataset_with_a_failed_document_present(run_with_a_failure, dataset):
    import duckdb
    import polars as pl
    _, out, _ = run_with_a_failure
    df = pd.read_parquet(out / dataset)  # no partitioning= needed
    years = df["year"].astype(int)
    assert years.notna().all() and set(years) <= {0, 2023}
    if dataset == "documents":
        assert sorted(zip(df["source_path"], years)) == [("broken.pdf", 0), ("form.pdf", 2023), ("seed.txt", 2023)]
    lf = pl.read_parquet(str(out / dataset / "**" / "*.parquet"), hive_partitioning=True)
    assert lf.height == len(df) and lf.schema["year"].is_integer()
    ((n, kind),) = duckdb.sql(f"select count(*), typeof(any_value(year)) from '{out / dataset}/**/*.parquet'").fetchall()
    assert n == len(df) and kind in ("BIGINT", "INTEGER", "SMALLINT")


def test_flags_join_their_budget_rows_by_row_no_and_carry_page_and_box(run_with_a_failure):
    _, out, _ = run_with_a_failure
    items = pd.read_parquet(out / "budget_items")
    for _, group in items.groupby("doc_id"):
        assert list(group["row_no"]) == list(range(1, len(group) + 1))
    flags = pd.read_parquet(out / "flags", dtype_backend="numpy_nullable")
    assert str(flags["row_ref"].dtype) == "Int32"
    # every located flag of a budget item sits on that item's cell
    on_items = flags[flags["dataset"] == "budget_items"].dropna(subset=["row_ref"])
    joined = on_items.merge(items, left_on=["doc_id", "row_ref"], right_on=["doc_id", "row_no"], suffixes=("", "_item"))
    assert len(joined) == len(on_items)
    for c in ("page", "x0", "y0", "x1", "y1"):
        assert (joined[c].astype(float) == joined[f"{c}_item"].astype(float)).all()


def test_budget_flags_get_the_box_of_their_amount():
    """A hand-built flag on budget row 0 (mapping's count) lands on row_no 1 with that cell's box."""
    from formpipe.extract.model import Box
    from formpipe.extract.record import CellRef, RawBudgetItem, RawForm
    from formpipe.normalize.flags import Flag
    from formpipe.normalize.locate import locate_flags
    form = RawForm("x", CellRef(""), budget=[RawBudgetItem("s", "基本支出", CellRef("1.00", 2, Box(10, 20, 30, 40)))])
    (f,) = locate_flags([Flag("budget_items", 0, "amount_wan", "LOW_CONFIDENCE", "error", "m")], form)
    assert (f.row_ref, f.page, f.x0, f.y0, f.x1, f.y1) == (1, 2, 10, 20, 30, 40)
    (g,) = locate_flags([Flag("budget_items", None, "item", "MISSING_FIELD", "error", "m")], form)
    assert g.row_ref is None and g.page is None


def test_status_reads_read_only_outputs(run_with_a_failure):
    _, out, _ = run_with_a_failure
    base = Path(tempfile.mkdtemp(prefix="formpipe-ro-"))  # pytest's tmp folders are private to their owner
    os.chmod(base, 0o755)
    ro = base / "ro"
    shutil.copytree(out, ro)
    for p in (ro / "_state").glob("manifest.sqlite-*"):
        p.unlink()  # as after a clean close: nothing to share the WAL through
    cmd = [sys.executable, "-m", "formpipe", "status", "-o", str(ro)]
    if os.geteuid() == 0:  # root ignores permissions: ask as nobody
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    subprocess.run(["chmod", "-R", "a-w,a+rX", str(ro)], check=True)
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(ro)], check=True)
        shutil.rmtree(base)
    assert res.returncode == 0, res.stderr
    assert "broken.pdf" in res.stdout and "readonly" not in res.stderr


def test_status_recognises_a_live_run_and_counts_by_severity(run_with_a_failure, capsys):
    _, out, _ = run_with_a_failure
    from formpipe.review.status import status_report
    with OutputsLock(out / "_state" / "lock"):
        text = status_report(out)
    assert f"a run is in progress: formpipe run pid {os.getpid()}" in text
    assert "did not finish" not in text
    flags = pd.read_parquet(out / "flags")
    seed_id = pd.read_parquet(out / "documents").set_index("source_path").loc["seed.txt", "doc_id"]
    n_info = int(((flags["doc_id"] == seed_id) & (flags["severity"] == "info")).sum())
    assert pipeline.main(["status", "-o", str(out), "--doc", seed_id[:8]]) == 0
    shown = capsys.readouterr().out
    assert f"0 error(s), 0 warning(s), {n_info} info" in shown and shown.count("\n  info ") == n_info
    assert pipeline.main(["status", "-o", str(out), "--doc", "ffffffffff"]) == pipeline.ExitCode.bad_arguments


def test_verbose_is_formpipe_debug_only():
    from formpipe.batch.progress import setup_logging
    try:
        setup_logging(True, False)
        assert logging.getLogger("formpipe").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("formpipe.extract.scanned").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("pdfminer.psparser").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("pdfminer.pdfpage").isEnabledFor(logging.WARNING)
    finally:
        setup_logging(False, False)


def test_two_inputs_with_the_same_file_name_get_distinct_source_paths_and_their_root(tmp_path):
    for d in ("A", "B"):
        (tmp_path / d).mkdir()
    shutil.copy(SEED, tmp_path / "A" / "form.txt")
    (tmp_path / "B" / "form.txt").write_text(SEED.read_text(encoding="utf-8").replace("2023", "2024"), encoding="utf-8")
    out = tmp_path / "out"
    pipeline.run([tmp_path / "A" / "form.txt", tmp_path / "B" / "form.txt"], out, progress=False)
    docs = pd.read_parquet(out / "documents")
    assert sorted(docs["source_path"]) == ["A/form.txt", "B/form.txt"]
    assert set(docs["source_root"]) == {tmp_path.as_posix()}
    single = tmp_path / "out1"
    pipeline.run([tmp_path / "A"], single, progress=False)
    d = pd.read_parquet(single / "documents")
    assert list(d["source_path"]) == ["form.txt"] and list(d["source_root"]) == [(tmp_path / "A").as_posix()]


def test_eval_fails_on_a_missing_folder(tmp_path, capsys):
    code = pipeline.main(["eval", "--strict", "--outputs", str(tmp_path / "nope")])
    assert code == pipeline.ExitCode.bad_arguments
    assert "--outputs" in capsys.readouterr().err


def test_the_run_says_which_files_it_skipped_for_their_type(run_with_a_failure):
    _, _, summary = run_with_a_failure
    assert "skipped by type: 3 file(s) not a PDF, image or text dump (2 .docx, 1 .xlsx)" in summary.lines()
    assert summary.as_dict()["skipped_by_type"] == {".docx": 2, ".xlsx": 1}


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        pipeline.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("formpipe ")


@pytest.mark.parametrize("option, value, others", [
    ("--dpi", "0", ("--workers", "--timeout", "--max-memory-mb")),
    ("--timeout", "-1", ("--workers", "--dpi", "--max-memory-mb")),
])
def test_an_option_error_names_that_option_alone(tmp_path, capsys, option, value, others):
    code = pipeline.main(["run", str(SEED), "-o", str(tmp_path), option, value])
    err = capsys.readouterr().err
    assert code == pipeline.ExitCode.bad_arguments and option in err
    assert not any(o in err for o in others)


def CellRef_(text: str, ocr: bool = False):  # noqa: N802 (reads as the class it builds)
    from formpipe.extract.record import CellRef
    return CellRef(text, page=2, source="ocr" if ocr else "text")


@pytest.mark.parametrize("values, columns, flagged", [
    ({"name": CellRef_("甲计划")}, ("name", "content", "funds", "expected_goal"), True),  # no cell under 资金
    ({"name": CellRef_("甲计划"), "funds": CellRef_("", ocr=False)}, ("name", "content", "funds", "expected_goal"), False),
    ({"name": CellRef_("甲计划"), "funds": CellRef_("12.00")}, ("name", "content", "funds", "expected_goal"), False),
    ({"name": CellRef_("甲计划")}, ("name", "content", "expected_goal"), False),  # a form whose tasks have no funds column
])
def test_a_task_row_with_no_funds_cell_is_flagged(values, columns, flagged):
    """A task row that lacks a cell under the funds column is an error, never a quiet None;
    a blank printed cell of a born-digital form is not (it is a cell, read as printed)."""
    from formpipe.extract.record import RawForm, RawRecord
    from formpipe.normalize.rows import task_rows
    form = RawForm("x", CellRef_(""), tasks=[RawRecord(values, page=2)], columns={"tasks": columns})
    flags: list = []
    (row,) = task_rows(form, flags)
    assert row["funds_wan"] == (Decimal(values["funds"].text) if values.get("funds") and values["funds"].text else None)
    missing = [f for f in flags if f.code == "AMOUNT_MISSING" and f.row_ref == 1 and f.severity == "error"]
    assert bool(missing) is flagged


def test_a_failed_document_says_so_in_every_row_dataset(run_with_a_failure):
    """A reader of `tasks` alone must learn that a failed file's rows are missing, not absent."""
    _, out, _ = run_with_a_failure
    docs = pd.read_parquet(out / "documents")
    failed = docs[docs["status"] == "failed"]
    assert len(failed) == 1
    flags = pd.read_parquet(out / "flags")
    mine = flags[flags["doc_id"] == failed["doc_id"].iloc[0]]
    assert set(mine["dataset"]) == {"documents", "budget_items", "tasks", "indicators"}
    assert set(mine["code"]) == {"DOCUMENT_FAILED"} and set(mine["severity"]) == {"error"}
    assert mine["row_ref"].isna().all()
    assert int(failed["n_flags"].iloc[0]) == len(mine)


def test_a_task_record_of_crumbs_only_is_no_task_and_its_crumbs_are_reported():
    """A grid cut a task row into strips; a strip holding only a seal's crumbs is no task. Counted
    as one it moved the next task's amount under its number; dropped, the numbers are the form's
    and the crumbs stay reported on `tasks`."""
    from formpipe.extract.record import RawForm, RawRecord
    from formpipe.normalize.rows import task_rows
    cols = ("name", "content", "funds", "expected_goal")
    crumbs = RawRecord({}, page=2, extra=(CellRef_("W", ocr=True),))
    blank = RawRecord({"name": CellRef_(" "), "funds": CellRef_("")}, page=2)
    form = RawForm("x", CellRef_(""), columns={"tasks": cols}, tasks=[
        RawRecord({"name": CellRef_("甲计划"), "funds": CellRef_("1.00")}, page=2), crumbs, blank,
        RawRecord({"name": CellRef_("乙计划"), "funds": CellRef_("2.00")}, page=2)])
    flags: list = []
    rows = task_rows(form, flags)
    assert [(r["task_no"], r["name"], r["funds_wan"]) for r in rows] == [(1, "甲计划", Decimal("1.00")),
                                                                       (2, "乙计划", Decimal("2.00"))]
    crumb_flags = [f for f in flags if f.code == "UNMAPPED_CELL"]
    assert [(f.dataset, f.row_ref, f.severity) for f in crumb_flags] == [("tasks", None, "error")]
    assert "W" in crumb_flags[0].message


WHOLE = ["36,415", "1,807", "4,797", "16,729"]  # a form printing whole amounts grouped by commas


@pytest.mark.parametrize("others, read, want", [
    (WHOLE, "24.340", Decimal("24340")),  # a group's comma read as a point
    (WHOLE, "1.117.897", Decimal("1117897")),  # read plainly anyway: more than one point is grouping
    (WHOLE, "3.94", Decimal("3.94")),  # two places: read as printed
    (WHOLE[:3], "24.340", None),  # three grouped amounts decide nothing
    (WHOLE + ["12.50"], "24.340", None),  # a form with cents: the point may be one
    (["36415.00", "1807.00", "4797.00", "16729.00"], "24.340", None),
])
def test_a_point_in_a_whole_amounts_form_is_a_comma(others, read, want):
    from formpipe.extract.record import RawBudgetItem, RawForm
    from formpipe.normalize.rows import budget_rows
    items = [RawBudgetItem("部门预算支出", f"项{i}", CellRef_(t, ocr=True)) for i, t in enumerate(others)]
    form = RawForm("x", CellRef_(""), budget=[*items, RawBudgetItem("部门预算支出", "基本支出", CellRef_(read, ocr=True))])
    flags: list = []
    rows = budget_rows(form, flags)
    assert rows[-1]["amount_wan"] == want
    mine = [f for f in flags if f.row_ref == len(others)]
    if want is None:
        assert any(f.code == "AMOUNT_UNPARSEABLE" and f.severity == "error" for f in mine)
    elif "." in read and read.count(".") == 1 and len(read.split(".")[1]) == 3:
        assert any(f.code == "AMOUNT_REPAIRED" for f in mine)  # the repair is reported


@pytest.mark.parametrize("source, same_cell, flagged", [
    ("ocr", True, {"name", "content"}),  # a rule lost between the columns: both took one cell's text
    ("ocr", False, set()),  # two cells with the same text are two cells
    ("text", True, set()),  # a printed merged cell is as printed
])
def test_one_ocr_cell_read_into_two_columns_is_an_error_on_both(source, same_cell, flagged):
    from formpipe.extract.model import Box
    from formpipe.extract.record import CellRef, RawForm, RawRecord
    from formpipe.normalize.rows import task_rows
    text = "社会养老服务计划 推进养老服务设施标准化建设"
    cell = CellRef(text, page=2, box=Box(80, 100, 300, 200), table_no=3, row=1, col=1, source=source)
    other = CellRef(text, page=2, box=Box(300, 100, 380, 200), table_no=3, row=1, col=2, source=source)
    rec = RawRecord({"name": cell, "content": cell if same_cell else other,
                     "funds": CellRef("12.00", page=2, box=Box(380, 100, 420, 200), table_no=3, row=1, col=3, source=source)},
                    page=2)
    form = RawForm("x", CellRef_(""), tasks=[rec], columns={"tasks": ("name", "content", "funds", "expected_goal")})
    flags: list = []
    task_rows(form, flags)
    shared = [f for f in flags if f.code == "CELL_SHARED"]
    assert {f.field for f in shared} == flagged
    assert all(f.severity == "error" and f.row_ref == 1 and f.dataset == "tasks" for f in shared)
