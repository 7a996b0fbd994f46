"""The office-made forms: the truth is what the workbook holds, the layouts cover the variants,
and forms exported by LibreOffice go through the real pipeline without a silent wrong amount.

The workbook is read back with openpyxl and interpreted here on its own terms (labels, merged
ranges, ruled ranges, number formats), independently of how corpus/office_sheet.py wrote it.
"""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

openpyxl = pytest.importorskip("openpyxl")

from corpus.office import AMOUNT_FORMATS, BREAKS, SPANS, office_form  # noqa: E402
from corpus.office_export import COMMITTED_SEEDS, soffice  # noqa: E402
from corpus.office_sheet import build_workbook, choose_break, plan_rows  # noqa: E402
from formpipe.review.flagged_score import name_norm, norm, score_outputs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OFFICE = ROOT / "corpus" / "office"
needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed (make setup)")


# ---------------------------------------------------------------- reading a workbook back

def _read_back(  # noqa: C901 (one branch per kind of row the sheet can hold, read back in order)
path: Path) -> dict:
    """Values as a reader of the sheet finds them: label -> right neighbour, blocks by header."""
    ws = openpyxl.load_workbook(path).active
    merged_top = {}  # (row, col) of every cell in a merged range -> its top-left (row, col)
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged_top[(r, c)] = (rng.min_row, rng.min_col)

    def val(r, c):
        return ws.cell(*merged_top.get((r, c), (r, c))).value

    def shown(cell):
        """The cell as printed: a number through its format."""
        v, fmt = cell.value, cell.number_format
        if isinstance(v, (int, float)) and fmt.endswith("%"):
            places = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
            return f"{Decimal(str(v)) * 100:.{places}f}%"
        return v

    rows = range(1, ws.max_row + 1)
    label_right = {}
    for r in rows:
        for c in range(1, 6):
            v = ws.cell(r, c).value
            if isinstance(v, str):
                label_right.setdefault(v, val(r, c + 1))
    out = {"title": ws.cell(1, 1).value, "department": label_right.get("部门名称") or label_right.get("单位名称"),
           "subordinate_units": label_right.get("下属二级单位数"), "funded_staff": label_right.get("财政供养人员数"),
           "budget": {}, "tasks": [], "indicators": []}
    items = {"基本支出", "项目支出", "财政拨款", "其他资金", "财政专项资金", "其他事业发展性支出",
             "市本级使用资金", "拟用于对下转移支付资金"}
    for r in rows:
        for c in (2, 4):
            if ws.cell(r, c).value in items:
                out["budget"][ws.cell(r, c).value] = ws.cell(r, c + 1).value
    task_header = next(r for r in rows if str(ws.cell(r, 2).value or "").replace("\n", "") == "名称")
    other = next(r for r in rows if str(ws.cell(r, 1).value or "").startswith("其他需完成"))
    ind_header = next(r for r in rows if str(ws.cell(r, 2).value or "").replace("\n", "") == "一级指标")
    def is_header(r: int) -> bool:  # a header row printed again after a page break
        return str(ws.cell(r, 2).value or "").replace("\n", "") in ("名称", "一级指标")

    for r in range(task_header + 1, other):
        if is_header(r):
            continue
        out["tasks"].append({"name": ws.cell(r, 2).value, "content": ws.cell(r, 3).value,
                             "funds": ws.cell(r, 5).value, "goal": ws.cell(r, 6).value})
    single = (ind_header, 5) in merged_top and merged_top.get((ind_header, 6)) == (ind_header, 5)

    def ruled(r: int, c: int) -> bool:
        top = ws.cell(r, c).border.top
        return top is not None and top.style is not None

    def ruled_label(r: int, c: int, previous: str | None) -> str | None:
        """Label of the ruled range (merged, or delimited by top rules) holding row r of column c."""
        start = merged_top.get((r, c), (r, c))[0]
        while start > ind_header + 1 and (start, c) not in merged_top and not ruled(start, c) and not is_header(start - 1):
            start -= 1
        end = r
        while end < ws.max_row and not ruled(end + 1, c) and (end + 1, c) not in merged_top:
            end += 1
        if (r, c) in merged_top:
            return val(r, c) or previous   # a split merge left empty continues the label before
        texts = [ws.cell(k, c).value for k in range(start, end + 1) if ws.cell(k, c).value]
        return texts[0] if texts else previous

    l1 = l2 = None
    for r in range(ind_header + 1, ws.max_row + 1):
        if is_header(r):
            continue
        l1, l2 = ruled_label(r, 2, l1), ruled_label(r, 3, l2)
        name = ws.cell(r, 4).value
        if not name:
            continue  # a heading with nothing under it
        targets = [shown(ws.cell(r, 5))] if single else [shown(ws.cell(r, 5)), shown(ws.cell(r, 6))]
        out["indicators"].append({"level1": l1, "level2": l2, "level3": name, "targets": targets})
    return out


def _amount(v) -> Decimal | None:
    if v is None:
        return None
    return Decimal(str(v).replace(",", "").replace(" ", "")).quantize(Decimal("0.01"))


def _clean_target(v) -> str:
    return norm(v.translate(str.maketrans("０１２３４５６７８９％．", "0123456789%.")) if isinstance(v, str) else v)


SEEDS = [f"t{i}" for i in range(16)] + ["t16", "t44", "t54"] + COMMITTED_SEEDS  # + header again at a break


@pytest.mark.parametrize("seed", SEEDS)
def test_truth_is_what_the_workbook_holds(seed, tmp_path):
    from corpus.forms import to_truth
    rec, layout, extras = office_form(seed)
    wb, _ = build_workbook(rec, layout, extras)
    wb.save(tmp_path / "f.xlsx")
    truth = to_truth(rec, "x.pdf", 1)
    got = _read_back(tmp_path / "f.xlsx")

    assert got["title"] == truth["title"]
    assert got["department"] == truth["department"]
    assert got["subordinate_units"] == truth["basic_info"]["subordinate_units"]
    assert got["funded_staff"] == truth["basic_info"]["funded_staff"]
    assert {k: _amount(v) for k, v in got["budget"].items()} == \
        {b["item"]: _amount(b["amount_wan"]) for b in truth["budget_items"]}
    assert [t["name"] for t in got["tasks"]] == [t["name"] for t in truth["tasks"]]
    assert [_amount(t["funds"]) for t in got["tasks"]] == [_amount(t["funds_wan"]) for t in truth["tasks"]]
    assert [t["goal"] for t in got["tasks"]] == [t["expected_goal"] for t in truth["tasks"]]
    assert len(got["indicators"]) == len(truth["indicators"])
    for g, t in zip(got["indicators"], truth["indicators"]):
        assert (g["level1"], g["level2"], name_norm(g["level3"])) == (t["level1"], t["level2"], t["level3"])
        want = [t["annual_target"]] if t["period_target"] is None else [t["period_target"], t["annual_target"]]
        assert [_clean_target(x) for x in g["targets"]] == [norm(x) for x in want]


# ---------------------------------------------------------------- the layouts cover the variants

def test_layouts_cover_the_variants():
    seen: dict[str, Counter] = {k: Counter() for k in (
        "break", "span", "format", "titles", "landscape", "fit", "blank", "empty_heading", "odd", "percent",
        "comparators", "fullwidth", "goal_lines", "staff_row", "single", "whole", "break_in_level1", "title",
        "header_again")}
    for i in range(200):
        rec, lay, extras = office_form(f"cover{i}")
        plan = plan_rows(rec, lay, extras)
        brk = choose_break(plan, lay)
        seen["break"][lay.page_break] += 1
        seen["span"][lay.span_mode] += 1
        seen["format"][lay.amount_format] += 1
        seen["titles"][lay.print_title_rows] += 1
        seen["landscape"][lay.landscape] += 1
        seen["fit"][lay.fit_width] += 1
        seen["blank"][bool(lay.blank_amounts)] += 1
        seen["empty_heading"][bool(lay.empty_headings)] += 1
        seen["odd"][lay.odd_level2] += 1
        seen["percent"][lay.percent_cells] += 1
        seen["comparators"][lay.fancy_comparators] += 1
        seen["fullwidth"][lay.fullwidth_targets] += 1
        seen["goal_lines"][lay.goal_lines > 0] += 1
        seen["staff_row"][(rec.funded_staff is not None, lay.staff_same_row)] += 1
        seen["single"][rec.single_target] += 1
        seen["whole"][lay.whole_amounts] += 1
        seen["title"]["市级" in rec.title] += 1
        seen["header_again"][lay.repeat_header_at_break] += 1
        if brk is not None and lay.page_break == "indicators":
            # a break with the same 一级 on both sides of it: inside a merged 一级 range
            spans = [s for s in plan.spans if s.col == 2 and s.first < brk <= s.last]
            seen["break_in_level1"][bool(spans)] += 1
    assert set(seen["break"]) == set(BREAKS)
    assert set(seen["span"]) == set(SPANS)
    assert set(seen["format"]) == set(AMOUNT_FORMATS)
    assert set(seen["titles"]) == {0, 1, 2}
    assert set(seen["staff_row"]) >= {(True, True), (True, False), (False, True)}
    for k in ("landscape", "fit", "blank", "empty_heading", "odd", "percent", "comparators", "fullwidth",
              "goal_lines", "single", "whole", "break_in_level1", "title", "header_again"):
        assert set(seen[k]) == {True, False}, k


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_any_seed_gives_consistent_truth(n):
    seed = f"h{n}"
    rec, lay, extras = office_form(seed)
    again = office_form(seed)
    assert (rec, lay, extras) == again                                    # deterministic per seed
    blank = set(lay.blank_amounts)
    for item, amount in rec.budget.items():
        assert (amount is None) == (item in blank)
        if amount is not None:
            assert re.fullmatch(r"\d+\.\d\d", amount)
            if lay.whole_amounts:
                assert amount.endswith(".00")
    assert not set(lay.empty_headings) & {i.level2 for i in rec.indicators}  # empty headings are not indicators
    if extras.get("goal_lines"):
        assert rec.overall_goal == "".join(extras["goal_lines"])
        assert all(line.startswith(f"目标{k}：") for k, line in enumerate(extras["goal_lines"], 1))
    plan = plan_rows(rec, lay, extras)
    brk = choose_break(plan, lay)
    if brk is not None:
        want = "indicators" if lay.page_break == "before_indicators" else lay.page_break
        assert plan.rows[brk].block == want and plan.rows[brk - 1].block != "title"
    # every level-3 indicator of the truth is one row of the plan, in order
    printed = [c.value for r in plan.rows if r.block == "indicators" and not r.header for c in r.cells
               if c.col == 4 and c.value]
    assert [name_norm(p) for p in printed] == [i.level3 for i in rec.indicators]


# ---------------------------------------------------------------- exported by LibreOffice

@needs_soffice
def test_committed_sample_regenerates(tmp_path):
    """corpus/office/ is what the generator makes (truth exactly; PDFs carry LibreOffice's dates)."""
    from corpus.office_export import generate
    pdfs = generate(COMMITTED_SEEDS, tmp_path, jobs=1)
    assert sorted(p.name for p in pdfs) == sorted(p.name for p in (OFFICE / "pdf").glob("*.pdf"))
    for pdf in pdfs:
        made = json.loads((tmp_path / "truth" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
        committed = json.loads((OFFICE / "truth" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
        assert {**made, "source_path": committed["source_path"]} == committed


def _run_and_score(pdf_dir: Path, truth_dir: Path, out: Path):
    from formpipe import pipeline
    summary = pipeline.run([pdf_dir], out, progress=False)
    assert summary.failed == 0, summary.failures
    return score_outputs(truth_dir, out)


@pytest.fixture(scope="module")
def committed_score(tmp_path_factory):
    root = tmp_path_factory.mktemp("office")
    shutil.copytree(OFFICE / "pdf", root / "pdf")
    truth = root / "truth"
    truth.mkdir()
    for t in (OFFICE / "truth").glob("*.json"):
        data = json.loads(t.read_text(encoding="utf-8"))
        data["source_path"] = f"pdf/{Path(data['source_path']).name}"
        (truth / t.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return _run_and_score(root / "pdf", truth, tmp_path_factory.mktemp("out"))


def test_committed_office_forms_are_all_read(committed_score):
    assert committed_score.documents == committed_score.docs_found == len(COMMITTED_SEEDS)
    assert committed_score.amounts >= 8 * len(COMMITTED_SEEDS)


def test_committed_office_forms_have_no_silent_wrong_amount(committed_score):
    assert committed_score.silent_wrong_amounts == 0, "\n".join(committed_score.mismatches[:40])
    assert committed_score.exact_or_flagged == 1.0
    assert committed_score.unaccounted_cells == 0


@needs_soffice
@pytest.mark.slow
def test_small_sweep_through_libreoffice(tmp_path):
    """Layouts other than the committed ones, exported now, through the pipeline: no wrong amount goes unflagged."""
    from corpus.office_export import form_seed, generate
    generate([form_seed("ci", i) for i in range(4)], tmp_path / "set", jobs=1)
    score = _run_and_score(tmp_path / "set" / "pdf", tmp_path / "set" / "truth", tmp_path / "out")
    assert score.docs_found == 4
    assert score.silent_wrong_amounts == 0, "\n".join(score.mismatches[:40])


# ---------------------------------------------------------------- the Word tool chain

@pytest.mark.parametrize("seed", ["w1", "w2", "w3", "c79", "c103"])
def test_word_table_holds_the_truth(seed, tmp_path):
    """The Word document's tables, read back with python-docx, hold every truth value in order."""
    docx = pytest.importorskip("docx")
    from corpus.forms import to_truth
    from corpus.office_docx import build_docx
    rec, layout, extras = office_form(seed)
    build_docx(rec, layout, extras).save(tmp_path / "f.docx")
    truth = to_truth(rec, "x.pdf", 1)
    rows = []
    for table in docx.Document(tmp_path / "f.docx").tables:
        for row in table.rows:
            cells = []
            for c in row.cells:  # a merged cell repeats across its grid columns: keep it once
                if not cells or c._tc is not cells[-1][0]:
                    cells.append((c._tc, c.text))
            rows.append([t for _, t in cells])
    by_label = {r[k]: r[k + 1] for r in rows for k in range(len(r) - 1)}
    for b in truth["budget_items"]:
        assert _amount(by_label[b["item"]] or None) == _amount(b["amount_wan"]), b["item"]
    task_rows = [r for r in rows if any(r[k] == t["name"] for t in truth["tasks"] for k in range(len(r)))]
    assert [next(x for x in r if x in {t["name"] for t in truth["tasks"]}) for r in task_rows] == \
        [t["name"] for t in truth["tasks"]]
    names = [name_norm(x) for r in rows for x in r if name_norm(x) in {i["level3"] for i in truth["indicators"]}]
    assert names == [i["level3"] for i in truth["indicators"]]
