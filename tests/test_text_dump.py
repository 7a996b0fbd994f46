"""Flattened text dumps (the seed) through the same mapping, row repair and normalisers."""
import json
from decimal import Decimal
from pathlib import Path

import pytest

from formpipe.extract.mapping import find_year, map_form
from formpipe.extract.plaintext import dump_to_extraction, extract_text_dump
from formpipe.extract.template import load_template
from formpipe.normalize.rows import DocInfo, build_rows

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt"
TRUTH = json.loads((ROOT / "corpus" / "truth" / "000_9c2dbdb951fe852d.json").read_text(encoding="utf-8"))
TPL = load_template()


def build(ex):
    form = map_form(ex, TPL)
    return build_rows(form, ex, find_year(form), DocInfo("x", "seed.txt", "test"), rules=TPL.rules)


@pytest.fixture(scope="module")
def seed():
    return build(extract_text_dump(SEED))


def test_seed_document_fields(seed):
    doc = seed.rows["documents"][0]
    assert seed.year == 2023
    for f in ("title", "department", "overall_goal", "other_tasks"):
        assert doc[f] == TRUTH[f]
    assert doc["subordinate_units"] == 18 and doc["funded_staff"] is None
    assert doc["status"] == "ok"


def test_seed_budget_items_exact(seed):
    got = {(b["section"], b["item"]): b["amount_wan"] for b in seed.rows["budget_items"]}
    want = {(b["section"], b["item"]): Decimal(b["amount_wan"]) for b in TRUTH["budget_items"]}
    assert got == want and len(got) == 8


def test_seed_tasks_exact(seed):
    got = [(t["task_no"], t["name"], t["content"], t["funds_wan"], t["expected_goal"]) for t in seed.rows["tasks"]]
    want = [(t["task_no"], t["name"], t["content"], Decimal(t["funds_wan"]), t["expected_goal"]) for t in TRUTH["tasks"]]
    assert got == want and len(got) == 6
    assert [t["funds_raw"] for t in seed.rows["tasks"]][4] == "44, 770. 21"


def test_seed_indicators_repaired(seed):
    cols = ("level1", "level2", "level3", "period_target", "annual_target")
    got = [tuple(i[c] for c in cols) for i in seed.rows["indicators"]]
    want = [tuple(i[c] for c in cols) for i in TRUTH["indicators"]]
    assert got == want and len(got) == 21
    realigned = sorted(f.row_ref for f in seed.flags if f.code == "ROW_REALIGNED")
    assert realigned == list(range(9, 22))
    assert all(f.severity == "info" for f in seed.flags), [f for f in seed.flags if f.severity != "info"]


def test_slid_and_short_rows_in_a_small_dump():
    dump = "\n".join([
        "## 2022年部门整体预算绩效目标申报表",
        "部门名称\t某区民政局\t\t",
        "总体绩效目标\t做好民政工作。\t\t",
        "\t一级指标\t二级指标\t三级指标\t实施周期指标值\t年度指标值",
        "绩效指标\t产出指标\t数量指标\t服务人次\t400万人次\t300万人次",
        "\t\t质量指标\t及时率.\t100%\t100%",        # aligned
        "\t覆盖率\t\t\t≥90%\t≥95%",                  # name slid left, values right
        "办结率\t100%\t100%",                         # name in the label column
        "\t只有一个值的指标\t≥80%",                   # one value: the yearly one
        "审核意见\t同意",                              # a new section closes the block
    ])
    built = build(dump_to_extraction(dump))
    rows = [(i["level1"], i["level2"], i["level3"], i["period_target"], i["annual_target"]) for i in built.rows["indicators"]]
    assert rows == [("产出指标", "数量指标", "服务人次", "400万人次", "300万人次"),
                    ("产出指标", "质量指标", "及时率", "100%", "100%"),
                    ("产出指标", "质量指标", "覆盖率", "≥90%", "≥95%"),
                    ("产出指标", "质量指标", "办结率", "100%", "100%"),
                    ("产出指标", "质量指标", "只有一个值的指标", "", "≥80%")]
    assert built.year == 2022
    codes = {(f.row_ref, f.code) for f in built.flags}
    assert {(3, "ROW_REALIGNED"), (4, "ROW_REALIGNED"), (5, "ROW_REALIGNED")} <= codes
    assert (2, "ROW_REALIGNED") not in codes
    assert (5, "MISSING_FIELD") not in codes


def test_unparseable_amount_and_broken_sum_are_flagged():
    dump = "\n".join([
        "## 2022年部门整体预算绩效目标申报表",
        "部门名称\t某局\t\t\t",
        "预算整体情况\t部门预算支出\t预算金额（万元）\t收入来源\t预算金额（万元）",
        "\t基本支出\t约500\t财政拨款\t100.00",
        "\t事业发展性支出\t预算金额（万元）\t按预算级次划分\t预算金额（万元）",
        "\t财政专项资金\t0.00\t市本级使用资金\t60.00",
        "\t其他事业发展性支出\t1.00\t拟用于对下转移支付资金\t30.00",
    ])
    built = build(dump_to_extraction(dump))
    by_code = {f.code: f for f in built.flags}
    assert by_code["AMOUNT_UNPARSEABLE"].severity == "error" and "约500" in by_code["AMOUNT_UNPARSEABLE"].message
    assert by_code["SUM_MISMATCH"].severity == "error" and "90.00" in by_code["SUM_MISMATCH"].message
    assert ("documents", "overall_goal") in {(f.dataset, f.field) for f in built.flags if f.code == "MISSING_FIELD"}
    assert built.rows["documents"][0]["status"] == "needs_review"


def test_a_department_form_whose_tasks_were_lost_says_so():
    """A department form always lists its 年度重点工作任务; none read is an error on the tasks
    dataset (their funds are amounts), as none read for 绩效指标 is on the indicators."""
    dump = "\n".join([
        "## 2022年部门整体预算绩效目标申报表",
        "部门名称\t某局\t\t\t",
        "总体绩效目标\t推进各项工作。",
        "绩效指标\t一级指标\t二级指标\t三级指标\t指标值",
        "\t产出指标\t数量指标\t服务人次\t300万人次",
    ])
    built = build(dump_to_extraction(dump))
    assert built.rows["tasks"] == []
    lost = [f for f in built.flags if f.dataset == "tasks" and f.code == "MISSING_FIELD"]
    assert len(lost) == 1 and lost[0].severity == "error" and lost[0].row_ref is None


def test_a_form_with_its_tasks_read_has_no_missing_tasks_flag(seed):
    assert not [f for f in seed.flags if f.dataset == "tasks" and f.code == "MISSING_FIELD"]
