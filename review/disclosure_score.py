"""Score a run over disclosure PDFs (corpus/disclosure.py) against their truth.

Per file: every truth form must come out as a `documents` row of the same form_type and page
range (first_page..last_page); an output form whose pages match no truth form is invented; a
file with no form must be one `no_form` row. Each found form's values are scored the way
review/flagged_score.py scores a department form (exact, or covered by an error flag; a wrong
amount nobody flagged is silent), with the rows of its own form_no only; project forms add
their `projects` row (amounts in 万元, six decimals) and their indicators.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

import pyarrow.parquet as pq

from formpipe.extract.template import edit_distance
from formpipe.review.flagged_score import Score, _align, _Doc, name_norm, norm, score_document

DATASETS = ("documents", "budget_items", "tasks", "indicators", "projects", "flags")
PROJECT_TEXT = ("project_name", "project_nature", "project_category", "competent_department", "implementing_unit",
                "start_date", "end_date", "unit_printed", "long_term_goal", "annual_goal")
PROJECT_LONG = ("long_term_goal", "annual_goal")
PROJECT_AMOUNTS = ("total_funds_wan", "annual_funds_wan", "annual_fiscal_wan", "carryover_wan", "other_funds_wan")


@dataclass
class FormScore:
    files: int = 0
    forms: int = 0
    found: int = 0  # a form of the right type starting on the right page
    right_range: int = 0  # … and ending on the right page
    invented: int = 0
    no_form_files: int = 0
    no_form_right: int = 0  # files without a form that came out as one no_form row
    failed: int = 0
    values: Score = field(default_factory=Score)
    by_type: dict[str, Score] = field(default_factory=dict)  # the same figures per form type
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"files={self.files} forms={self.forms} found={self.found} right_range={self.right_range} "
                f"invented={self.invented} no_form={self.no_form_right}/{self.no_form_files} failed={self.failed} "
                f"{self.values.summary()}" + "".join(f"\n  {t}: {v.summary()}" for t, v in sorted(self.by_type.items())))


def _load(outputs: Path, dataset: str) -> dict[str, list[dict]]:
    """Rows per doc_id, with `year` from the hive folder name (a file alone does not carry it)."""
    out: dict[str, list[dict]] = {}
    for p in sorted((outputs / dataset).glob("year=*/*.parquet")):
        year = p.parent.name.split("=", 1)[1]
        for r in pq.read_table(p).to_pylist():
            out.setdefault(r["doc_id"], []).append({**r, "year": int(year) if year.isdigit() else None})
    return out


def _exact6(v) -> Decimal | None:
    return None if v is None else Decimal(str(v)).quantize(Decimal("0.000001"))


def score_project(score: Score, truth: dict, doc: dict, data: dict[str, list[dict]], name: str) -> None:
    d = _Doc(score, name, doc, data["flags"])
    want = truth["project"]
    got = data["projects"][0] if data["projects"] else None
    for f in PROJECT_TEXT:
        g = None if got is None else got.get(f)
        g = str(g) if g is not None and f.endswith("_date") else g
        ok = got is not None and name_norm(g) == name_norm(want[f])
        d.field(f"project {f}", ok, d.covered("projects", None, f) or d.covered("documents", None, f),
                f"expected {want[f]!r} got {g!r}")
        if f in PROJECT_LONG:
            truth_text = name_norm(want[f]) or ""
            score.long_fields += 1
            score.long_exact += ok
            score.long_chars += len(truth_text)
            score.long_char_errors += edit_distance(name_norm(g) or "", truth_text)
    for f in PROJECT_AMOUNTS:
        g = None if got is None else got.get(f)
        ok = got is not None and _exact6(g) == _exact6(want[f])
        flag = d.covered("projects", None, f) or d.covered("projects", None, "unit_printed")
        score.amounts += 1
        score.amounts_exact += ok
        score.silent_wrong_amounts += (not ok) and not flag
        d.field(f"project {f}", ok, flag, f"expected {want[f]} got {g}")
    d.field("year", doc.get("year") == truth["year"], d.covered("documents", None, "year"),
            f"expected {truth['year']} got {doc.get('year')}")
    got_ind = sorted(data["indicators"], key=lambda r: r["seq"])
    for t, g in _align(truth["indicators"], got_ind, "level3"):
        ref = g and g["seq"]
        for f in ("level1", "level2", "level3", "annual_target"):
            w, v = t.get(f), g and g.get(f)
            ok = g is not None and (name_norm(v) == name_norm(w) if f.startswith("level") else norm(v) == norm(w))
            d.field(f"indicator {t['level3']} {f}", ok, d.covered("indicators", ref, f) if g else d.covered("indicators"),
                    f"expected {w!r} got {v!r}")


def score_outputs(truth_dir: Path, outputs: Path) -> FormScore:
    res = FormScore()
    data = {ds: _load(outputs, ds) for ds in DATASETS}
    by_name: dict[str, list[dict]] = {}
    for rows in data["documents"].values():
        for d in rows:
            by_name.setdefault(PurePosixPath(d["source_path"]).name, []).append(d)
    for tf in sorted(truth_dir.glob("*.json")):
        truth = json.loads(tf.read_text(encoding="utf-8"))
        name = PurePosixPath(truth["source_path"]).name
        res.files += 1
        docs = sorted(by_name.get(name, []), key=lambda d: d["form_no"])
        if any(d["status"] == "failed" for d in docs) or not docs:
            res.failed += 1
            res.problems.append(f"{name}: {'failed: ' + docs[0]['error'] if docs else 'missing from outputs'}")
        got_forms = [d for d in docs if d["status"] not in ("failed", "no_form")]
        if not truth["forms"]:
            res.no_form_files += 1
            ok = len(docs) == 1 and docs[0]["status"] == "no_form"
            res.no_form_right += ok
            if not ok:
                res.problems.append(f"{name}: no form in the file, got {[(d['form_type'], d['first_page'], d['last_page']) for d in docs]}")
        matched = set()
        for want in truth["forms"]:
            res.forms += 1
            got = next((d for d in got_forms if d["first_page"] == want["first_page"]
                        and d["form_type"] == want["form_type"]), None)
            if got is None:
                res.problems.append(f"{name}: form {want['form_no']} ({want['form_type']}, pages "
                                    f"{want['first_page']}-{want['last_page']}) not found")
                continue
            matched.add(got["form_no"])
            res.found += 1
            if got["last_page"] == want["last_page"]:
                res.right_range += 1
            else:
                res.problems.append(f"{name}: form {want['form_no']} ends on page {got['last_page']}, "
                                    f"truth {want['last_page']}")
            form_rows = {ds: [r for r in data[ds].get(got["doc_id"], []) if r.get("form_no") == got["form_no"]]
                    for ds in DATASETS}
            label = f"{name}#{want['form_no']}"
            for sc in (res.values, res.by_type.setdefault(want["form_type"], Score())):
                if want["form_type"] == "project_performance_targets":
                    score_project(sc, want, got, form_rows, label)
                else:
                    score_document(sc, {**want, "source_path": label}, got, form_rows)
        for d in got_forms:
            if d["form_no"] not in matched:
                res.invented += 1
                res.problems.append(f"{name}: invented form {d['form_no']} ({d['form_type']}, pages "
                                    f"{d['first_page']}-{d['last_page']})")
    return res
