"""Corrections kept under outputs/_state/ and applied on every later run (issue 13, item 2)."""
import csv
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from formpipe import pipeline
from formpipe.review import corrections as C

SEED = Path(__file__).resolve().parent.parent / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt"
PRINTED, UNREADABLE = "117,897.50", "约117,897.50"  # 基本支出 as printed; a value the reader refuses


def _docs(out):
    return pd.read_parquet(out / "documents").set_index("source_path")


def _item(out, item):
    b = pd.read_parquet(out / "budget_items")
    return b[b["item"] == item].iloc[0]


@pytest.fixture
def flagged(tmp_path):
    """A text dump whose 基本支出 amount cannot be read: one AMOUNT_UNPARSEABLE error."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "form.txt").write_text(SEED.read_text(encoding="utf-8").replace(PRINTED, UNREADABLE), encoding="utf-8")
    out = tmp_path / "out"
    pipeline.run([src], out, progress=False)
    errors = pd.read_parquet(out / "flags").query("severity == 'error'")
    assert list(errors["code"]) == ["AMOUNT_UNPARSEABLE"] and _docs(out).loc["form.txt", "status"] == "needs_review"
    return src, out


def _correct(out, value="117897.50", action="correct"):
    doc = _docs(out).loc["form.txt"]
    row_no = int(_item(out, "基本支出")["row_no"])
    C.append(out, [C.new(doc["doc_id"], "form.txt", "budget_items", row_no, "amount_wan", action, value, "archivist")])


def test_a_correction_applies_on_the_next_run_with_a_flag_saying_who_when_and_the_old_value(flagged):
    src, out = flagged
    _correct(out)
    pipeline.run([src], out, progress=False)  # nothing changed: the document is not re-read
    assert _item(out, "基本支出")["amount_wan"] == Decimal("117897.50")
    flags = pd.read_parquet(out / "flags")
    (corrected,) = flags[flags["code"] == "CORRECTED"].itertuples()
    assert corrected.severity == "info" and "archivist" in corrected.message and "was empty" in corrected.message
    assert _docs(out).loc["form.txt", "status"] == "reviewed"
    assert "nothing needs review" in __import__("review.status", fromlist=["x"]).status_report(out)


def test_a_correction_survives_reprocessing_and_is_applied_once(flagged):
    src, out = flagged
    _correct(out)
    for _ in range(2):
        pipeline.run([src], out, progress=False, config=pipeline.RunConfig(force=True))
    assert _item(out, "基本支出")["amount_wan"] == Decimal("117897.50")
    assert (pd.read_parquet(out / "flags")["code"] == "CORRECTED").sum() == 1
    assert _docs(out).loc["form.txt", "status"] == "reviewed"


def test_accepting_the_error_is_enough_for_reviewed_but_changes_no_value(flagged):
    src, out = flagged
    _correct(out, value="", action="accept")
    pipeline.run([src], out, progress=False)
    assert pd.isna(_item(out, "基本支出")["amount_wan"]) and _docs(out).loc["form.txt", "status"] == "reviewed"


def test_a_correction_is_dropped_with_a_warning_when_the_content_changed(flagged, caplog):
    src, out = flagged
    _correct(out)
    (src / "form.txt").write_text(SEED.read_text(encoding="utf-8").replace(PRINTED, "1.00"), encoding="utf-8")
    summary = pipeline.run([src], out, progress=False)
    assert any("dropped: the file's content changed" in why for _, why in summary.notes)
    assert _item(out, "基本支出")["amount_wan"] == Decimal("1.00")
    assert not (pd.read_parquet(out / "flags")["code"] == "CORRECTED").any()
    with open(C.dropped_path(out), encoding="utf-8") as f:
        assert [r["value"] for r in csv.DictReader(f)] == ["117897.50"]
    assert C.load(out) == []


def test_a_bad_line_is_ignored_with_a_warning(tmp_path, caplog):
    path = C.corrections_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("doc_id,source_path,dataset,row,field,action,value,who,when\n"
                    "abc,a.pdf,budget_items,1,doc_id,correct,x,me,2026\n"
                    "abc,a.pdf,budget_items,1,amount_wan,correct,1.00,me,2026\n", encoding="utf-8")
    assert [c.field for c in C.load(tmp_path)] == ["amount_wan"]
    assert "cannot be corrected" in caplog.text
