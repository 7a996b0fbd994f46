"""`formpipe eval` finds what is wrong, per field group, and says where."""
import json
from pathlib import Path

import pytest

from formpipe import pipeline
from formpipe.review.evaluate import evaluate, report

ROOT = Path(__file__).resolve().parent.parent
STEM = "guangzhou-minzheng-2023"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval-out")
    src = tmp_path_factory.mktemp("eval-in") / "pdf"
    src.mkdir()
    (src / f"{STEM}.pdf").write_bytes((ROOT / "corpus" / "pdf" / f"{STEM}.pdf").read_bytes())
    pipeline.run([src.parent], out, progress=False)
    return out


def truth_dir(tmp_path, change):
    truth = json.loads((ROOT / "corpus" / "truth" / f"{STEM}.json").read_text(encoding="utf-8"))
    change(truth)
    d = tmp_path / "truth"
    d.mkdir()
    (d / f"{STEM}.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return d


def test_unchanged_truth_is_perfect(outputs, tmp_path):
    res = evaluate(truth_dir(tmp_path, lambda t: None), outputs)
    assert res.perfect and res.documents == 1 and res.amounts.total == 14


def test_each_kind_of_difference_is_counted_and_named(outputs, tmp_path):
    def change(t):
        t["budget_items"][0]["amount_wan"] = "117897.51"       # a wrong amount
        t["tasks"][1]["name"] = "别的名称"                       # a wrong short field
        t["overall_goal"] = t["overall_goal"][:-3] + "错了。"     # two wrong characters
        t["indicators"].pop()                                   # one extra row in the outputs
        t["tasks"].append({**t["tasks"][0], "task_no": 7})      # one missing row
    res = evaluate(truth_dir(tmp_path, change), outputs)
    # the missing task's funds are lost with it: a second wrong amount
    assert (res.amounts.total - res.amounts.exact, res.short.total - res.short.exact) == (2, 1)
    assert res.amounts.total == 15
    assert res.long_errors == 2
    assert res.extra["indicators"] == 1 and res.missing["tasks"] == 1
    text = report(res)
    assert f"{STEM}.pdf: budget 部门预算支出/基本支出: amount expected 117897.51 got 117897.50" in text
    assert f"{STEM}.pdf: indicators 21: extra row" in text and f"{STEM}.pdf: tasks 7: missing row" in text
    assert f"{STEM}.pdf: task 7: amount " in text and "lost with its row (NO error flag on the row)" in text
    assert not res.perfect


def test_missing_document_and_strict_exit_code(outputs, tmp_path):
    d = truth_dir(tmp_path, lambda t: t.update(source_path="pdf/elsewhere.pdf"))
    res = evaluate(d, outputs)
    assert res.missing["documents"] == 1 and res.documents == 0
    assert pipeline.main(["eval", "--truth", str(d), "--outputs", str(outputs)]) == 0
    assert pipeline.main(["eval", "--truth", str(d), "--outputs", str(outputs), "--strict"]) == pipeline.ExitCode.documents_failed


def _with_flag(outputs, row_ref, field="amount_wan"):
    import pyarrow as pa
    import pyarrow.parquet as pq
    (flags_file,) = (outputs / "flags").glob("year=*/*.parquet")
    table = pq.read_table(flags_file)
    row = {name: None for name in table.schema.names}
    row.update(doc_id=table.column("doc_id")[0].as_py(), dataset="budget_items", row_ref=row_ref, field=field,
               code="LOW_CONFIDENCE", severity="error", message="test")
    pq.write_table(pa.concat_tables([table, pa.Table.from_pylist([row], schema=table.schema)]), flags_file)
    return lambda: pq.write_table(table, flags_file)


def test_an_amount_whose_row_is_misnamed_is_lost_and_silent_unless_that_row_is_flagged(outputs, tmp_path):
    # the truth names budget row 0 otherwise: the outputs' row 0 is extra, the truth's row missing
    d = truth_dir(tmp_path, lambda t: t["budget_items"][0].update(item="基本支岀"))
    res = evaluate(d, outputs)
    assert res.missing["budget_items"] == 1 and res.extra["budget_items"] == 1
    assert res.amounts.total == 14 and res.amounts.exact == 13 and res.unflagged_wrong == 1
    for row_ref, field in ((1, "amount_wan"), (None, "item")):  # the misnamed row (row_no 1), or the missing item
        undo = _with_flag(outputs, row_ref, field)
        try:
            assert evaluate(d, outputs).unflagged_wrong == 0
        finally:
            undo()


def test_a_wrong_amount_counts_as_silent_unless_its_row_has_an_error_flag(outputs, tmp_path):
    # budget row 0 carries no flag: a truth that disagrees with it is a silent error ...
    d = truth_dir(tmp_path, lambda t: t["budget_items"][0].update(amount_wan="1.00"))
    res = evaluate(d, outputs)
    assert res.unflagged_wrong == 1 and "NO error flag" in report(res)
    # ... and once an error flag sits on that row, the same miss is flagged, not silent
    import pyarrow as pa
    import pyarrow.parquet as pq
    (flags_file,) = (outputs / "flags").glob("year=*/*.parquet")
    table = pq.read_table(flags_file)
    row = {name: None for name in table.schema.names}
    row.update(doc_id=table.column("doc_id")[0].as_py(), dataset="budget_items", row_ref=1, field="amount_wan",
               code="LOW_CONFIDENCE", severity="error", message="test")
    extended = pa.concat_tables([table, pa.Table.from_pylist([row], schema=table.schema)])
    pq.write_table(extended, flags_file)
    try:
        assert evaluate(d, outputs).unflagged_wrong == 0
    finally:
        pq.write_table(table, flags_file)
