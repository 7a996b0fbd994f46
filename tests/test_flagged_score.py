"""The sweep's scorer on hand-made outputs: exact, flagged, silent and lost values counted right."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from formpipe.review.flagged_score import score_outputs

DOC = "d1"


def _write(outputs: Path, dataset: str, rows: list[dict]) -> None:
    folder = outputs / dataset / "year=2023"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([{"doc_id": DOC, **r} for r in rows]), folder / f"{DOC}.parquet")


def _truth(tmp: Path) -> Path:
    truth = {
        "source_path": "pdf/form.pdf", "title": "2023年部门整体预算绩效目标申报表", "department": "某市某局", "year": 2023,
        "basic_info": {"subordinate_units": 3, "funded_staff": None},
        "budget_items": [{"section": "部门预算支出", "item": "基本支出", "amount_wan": "100.00"},
                         {"section": "部门预算支出", "item": "项目支出", "amount_wan": "200.50"},
                         {"section": "收入来源", "item": "财政拨款", "amount_wan": "300.50"},
                         {"section": "收入来源", "item": "其他资金", "amount_wan": None}],
        "tasks": [{"task_no": 1, "name": "甲计划", "content": "做事", "funds_wan": "50.00", "expected_goal": "做好"}],
        "indicators": [{"seq": 1, "level1": "产出指标", "level2": "数量指标", "level3": "完成数", "period_target": None,
                        "annual_target": "≥90%"},
                       {"seq": 2, "level1": "效益指标", "level2": "社会效益指标", "level3": "覆盖率", "period_target": None,
                        "annual_target": "100%"}],
    }
    d = tmp / "truth"
    d.mkdir()
    (d / "form.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return d


def test_exact_flagged_silent_and_lost(tmp_path):
    truth = _truth(tmp_path)
    out = tmp_path / "out"
    _write(out, "documents", [{"source_path": "/x/pdf/form.pdf", "status": "ok", "title": "2023年部门整体预算绩效目标申报表",
                               "department": "某市某局", "subordinate_units": 3, "funded_staff": None}])
    _write(out, "budget_items", [
        {"section": "部门预算支出", "item": "基本支出", "amount_wan": "100.00"},   # exact
        {"section": "部门预算支出", "item": "项目支出", "amount_wan": "20.50"},    # wrong, flagged below
        {"section": "收入来源", "item": "其他资金", "amount_wan": None}])          # blank, exact; 财政拨款 lost
    _write(out, "tasks", [{"task_no": 1, "name": "甲计划。", "funds_wan": "50.00", "expected_goal": "做好"}])
    _write(out, "indicators", [
        {"seq": 1, "level1": "产出指标", "level2": "数量指标", "level3": "完成数", "period_target": None,
         "annual_target": "≧９０％"},                                            # the same after folding
        {"seq": 2, "level1": "产出指标", "level2": "社会效益指标", "level3": "覆盖率", "period_target": None,
         "annual_target": "100%"}])                                              # level1 wrong, silent
    _write(out, "flags", [
        {"dataset": "budget_items", "row_ref": 1, "field": "amount_wan", "code": "SUM_MISMATCH", "severity": "error"},
        {"dataset": "cells", "row_ref": None, "field": None, "code": "UNMAPPED_CELL", "severity": "error"}])
    _write(out, "cells", [{"text": "100.00"}, {"text": "200.50"}, {"text": "300.50"}, {"text": "50.00"}])

    s = score_outputs(truth, out)
    assert (s.documents, s.docs_found, s.docs_ok) == (1, 1, 1)
    assert (s.amounts, s.amounts_exact) == (5, 3)              # 项目支出 wrong, 财政拨款 lost
    assert s.silent_wrong_amounts == 1                         # the lost 财政拨款: nothing says so
    assert s.unaccounted_cells == 1
    assert (s.amounts_in_cells, s.printed_amounts) == (4, 4)
    # short fields: department, title, year, 2 basic info, 2 task fields, 10 indicator fields
    assert s.fields == 5 + 2 + 10 + 5
    assert s.fields - s.exact == 3 and s.flagged == 1          # 项目支出 flagged; 财政拨款 and level1 not
    assert any("覆盖率 level1" in m and "NOT flagged" in m for m in s.mismatches)


def test_missing_document_counts_every_value_lost(tmp_path):
    truth = _truth(tmp_path)
    out = tmp_path / "out"
    for ds in ("documents", "budget_items", "tasks", "indicators", "flags", "cells"):
        (out / ds).mkdir(parents=True)
    s = score_outputs(truth, out)
    assert (s.documents, s.docs_found) == (1, 0)
    assert s.amounts == 5 and s.amounts_exact == 0 and s.silent_wrong_amounts == 5
