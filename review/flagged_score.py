"""Score outputs against truth the way a user is let down: a value is fine when it is exact or an
error flag says it may be wrong; a wrong amount nobody flagged is the failure that counts.

Used by the layout sweep (bench/sweep_office.py). Differs from `formpipe eval` in three ways:
rows are aligned by name (one lost indicator does not shift every later one), texts are
compared after folding width and comparator spellings (≧ and ≥, １００％ and 100%), and a
field counts as "flagged" when an `error` flag names its dataset, row (or no row) and field
(or no field); a lost row only by an error about its dataset with no row.
"""
from __future__ import annotations

import difflib
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

import pyarrow.parquet as pq

from formpipe.extract.flags import FlagCode

TRAILING = "。.．;；，,"
COMPARATORS = {"≧": "≥", "≦": "≤", ">=": "≥", "<=": "≤", "＞＝": "≥", "＜＝": "≤"}
UNMAPPED_CODE = str(FlagCode.UNMAPPED_CELL)


def norm(text) -> str:
    """Compare-form of a short text: width folded (NFKC), comparators unified, no whitespace."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    for a, b in COMPARATORS.items():
        s = s.replace(a, b)
    return "".join(s.split())


def name_norm(text) -> str:
    return norm(text).rstrip(TRAILING)


def money(v) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        return Decimal(str(v).replace(",", "").replace(" ", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


@dataclass
class Score:
    documents: int = 0
    docs_found: int = 0
    docs_ok: int = 0
    fields: int = 0
    exact: int = 0
    flagged: int = 0          # not exact, but an error flag covers it
    amounts: int = 0
    amounts_exact: int = 0
    silent_wrong_amounts: int = 0
    unaccounted_cells: int = 0
    # truth amounts some cell of the `cells` dataset holds: what extraction found, before mapping
    amounts_in_cells: int = 0
    printed_amounts: int = 0
    # long texts (goals) among `fields`, and their character errors against the truth (CER)
    long_fields: int = 0
    long_exact: int = 0
    long_chars: int = 0
    long_char_errors: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def exact_or_flagged(self) -> float:
        return (self.exact + self.flagged) / self.fields if self.fields else 1.0

    @property
    def short_exact(self) -> float:
        short = self.fields - self.long_fields
        return (self.exact - self.long_exact) / short if short else 1.0

    @property
    def long_cer(self) -> float:
        return self.long_char_errors / self.long_chars if self.long_chars else 0.0

    def summary(self) -> str:
        pct = lambda a, b: f"{a / b:.4f}" if b else "n/a"  # noqa: E731
        return (f"fields_exact_or_flagged={self.exact_or_flagged:.4f} fields_exact={pct(self.exact, self.fields)} "
                f"amounts_exact={pct(self.amounts_exact, self.amounts)} ({self.amounts_exact}/{self.amounts}) "
                f"silent_wrong_amounts={self.silent_wrong_amounts} "
                f"unaccounted_cells={self.unaccounted_cells} amounts_in_cells={self.amounts_in_cells}/{self.printed_amounts} "
                f"docs_ok={self.docs_ok}/{self.documents} "
                f"docs_found={self.docs_found}/{self.documents} wrong={self.fields - self.exact}/{self.fields}")


def _load(outputs: Path, dataset: str) -> dict[str, list[dict]]:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for p in sorted((outputs / dataset).glob("year=*/*.parquet")):
        # the year is the hive partition (the folder name), not a column of the file
        year = p.parent.name.split("=", 1)[1]
        for r in pq.read_table(p).to_pylist():
            r.setdefault("year", int(year) if year.isdigit() else None)
            by_doc[r["doc_id"]].append(r)
    return by_doc


def _align(want: list[dict], got: list[dict], key: str) -> list[tuple[dict, dict | None]]:
    """Pair truth rows with output rows by name order (difflib), unmatched truth rows with None."""
    a = [name_norm(r[key]) for r in want]
    b = [name_norm(r.get(key)) for r in got]
    pairs: dict[int, dict] = {}
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("equal", "replace"):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                pairs[i] = got[j]
    return [(w, pairs.get(i)) for i, w in enumerate(want)]


class _Doc:
    def __init__(self, score: Score, name: str, doc: dict, flags: list[dict]):
        self.score, self.name, self.doc = score, name, doc
        self.errors = [f for f in flags if f["severity"] == "error"]

    def lost_covered(self, dataset: str) -> bool:
        """A lost row is flagged only by an error about the dataset as a whole (no row): a flag
        on some other row of it does not tell anyone that this one is missing."""
        return any(f["dataset"] == dataset and f["row_ref"] is None for f in self.errors)

    def covered(self, dataset: str, row_ref=None, fld: str | None = None) -> bool:
        for f in self.errors:
            if f["dataset"] != dataset:
                continue
            if row_ref is not None and f["row_ref"] not in (None, row_ref):
                continue
            if fld is not None and f["field"] not in (None, fld):
                continue
            return True
        return False

    def field(self, what: str, ok: bool, flag: bool, detail: str) -> None:
        s = self.score
        s.fields += 1
        s.exact += ok
        s.flagged += (not ok) and flag
        if not ok:
            s.mismatches.append(f"{self.name}: {what}: {detail}{'' if flag else ' (NOT flagged)'}")

    def amount(self, what: str, want, got_row: dict | None, column: str, dataset: str, row_ref) -> None:
        got = None if got_row is None else got_row.get(column)
        ok = got_row is not None and money(want) == money(got)
        flag = self.covered(dataset, row_ref, column) if got_row is not None else self.lost_covered(dataset)
        self.score.amounts += 1
        self.score.amounts_exact += ok
        self.score.silent_wrong_amounts += (not ok) and not flag
        shown = "row lost" if got_row is None else f"got {got!r}"
        self.field(what, ok, flag, f"expected {want} {shown}")


def score_document(score: Score, truth: dict, doc: dict, data: dict[str, list[dict]]) -> None:
    d = _Doc(score, PurePosixPath(truth["source_path"]).name, doc, data["flags"])
    doc_flag = d.covered("documents") or doc.get("status") == "needs_review"
    for f in ("department", "title"):
        d.field(f, name_norm(doc.get(f)) == name_norm(truth.get(f)), d.covered("documents", None, f),
                f"expected {truth.get(f)!r} got {doc.get(f)!r}")
    d.field("year", doc.get("year") == truth["year"], d.covered("documents", None, "year"),
            f"expected {truth['year']} got {doc.get('year')}")
    for f, v in truth.get("basic_info", {}).items():
        d.field(f, doc.get(f) == v, d.covered("documents", None, f) or (v is not None and doc_flag and doc.get(f) is None),
                f"expected {v!r} got {doc.get(f)!r}")

    # flags name a budget item by its row_no (1-based); outputs written before row_no by the index
    got_budget = {name_norm(b["item"]): (b.get("row_no", i), b) for i, b in enumerate(data["budget_items"])}
    for b in truth["budget_items"]:
        i, row = got_budget.get(name_norm(b["item"]), (None, None))
        d.amount(f"budget {b['item']}", b["amount_wan"], row, "amount_wan", "budget_items", i)

    got_tasks = sorted(data["tasks"], key=lambda r: r["task_no"])
    for t, g in _align(truth["tasks"], got_tasks, "name"):
        ref = g and g["task_no"]
        d.amount(f"task {t['name']} funds", t["funds_wan"], g, "funds_wan", "tasks", ref)
        for f in ("name", "expected_goal"):
            got = g and g.get(f)
            d.field(f"task {t['name']} {f}", g is not None and name_norm(got) == name_norm(t[f]),
                    d.covered("tasks", ref, f) if g else d.lost_covered("tasks"), f"expected {t[f]!r} got {got!r}")

    got_ind = sorted(data["indicators"], key=lambda r: r["seq"])
    for t, g in _align(truth["indicators"], got_ind, "level3"):
        ref = g and g["seq"]
        for f in ("level1", "level2", "level3", "period_target", "annual_target"):
            want, got = t.get(f), g and g.get(f)
            ok = g is not None and (name_norm(got) == name_norm(want) if f.startswith("level") else norm(got) == norm(want))
            d.field(f"indicator {t['level3']} {f}", ok, d.covered("indicators", ref, f) if g else d.lost_covered("indicators"),
                    f"expected {want!r} got {got!r}")
    # rows the truth does not have: a made-up indicator or task is a wrong value too
    for ds, key, want in (("tasks", "name", truth["tasks"]), ("indicators", "level3", truth["indicators"])):
        wanted = {name_norm(w[key]) for w in want}
        for g in data[ds]:
            if name_norm(g.get(key)) not in wanted:
                ref = g["task_no"] if ds == "tasks" else g["seq"]
                d.field(f"{ds} extra row {g.get(key)!r}", False, d.covered(ds, ref), "not in the truth")


def score_outputs(truth_dir: Path, outputs: Path) -> Score:
    score = Score()
    data = {ds: _load(outputs, ds) for ds in ("documents", "budget_items", "tasks", "indicators", "flags", "cells")}
    by_name = {PurePosixPath(d["source_path"]).name: d for rows in data["documents"].values() for d in rows}
    for tf in sorted(truth_dir.glob("*.json")):
        truth = json.loads(tf.read_text(encoding="utf-8"))
        score.documents += 1
        doc = by_name.get(PurePosixPath(truth["source_path"]).name)
        if doc is None:  # every value of the document is lost, with nothing to say so
            score.mismatches.append(f"{PurePosixPath(truth['source_path']).name}: document missing from outputs")
            score_document(score, truth, {}, {ds: [] for ds in ("budget_items", "tasks", "indicators", "flags")})
            continue
        score.docs_found += 1
        score.docs_ok += doc.get("status") == "ok"
        rows = {ds: data[ds].get(doc["doc_id"], []) for ds in ("budget_items", "tasks", "indicators", "flags")}
        score.unaccounted_cells += sum(f["code"] == UNMAPPED_CODE for f in rows["flags"])
        score_document(score, truth, doc, rows)
        in_cells = {money(c["text"].replace("\n", "")) for c in data["cells"].get(doc["doc_id"], []) if c["text"]}
        printed = [b["amount_wan"] for b in truth["budget_items"] if b["amount_wan"] is not None]
        printed += [t["funds_wan"] for t in truth["tasks"] if t["funds_wan"] is not None]
        score.printed_amounts += len(printed)
        score.amounts_in_cells += sum(money(a) in in_cells for a in printed)
    return score
