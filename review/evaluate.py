"""`formpipe eval`: outputs against truth JSON, per field group.

Groups: amounts (exact decimals), short fields (exact strings/ints), long texts
(character error rate), and rows (missing / extra per dataset). Every mismatch
is listed with its document and field.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

import pyarrow.parquet as pq

from formpipe.normalize.vocab import levenshtein

LONG_FIELDS = ("overall_goal", "other_tasks")
TASK_LONG = ("content",)
TASK_SHORT = ("name", "expected_goal")
IND_SHORT = ("level1", "level2", "level3", "period_target", "annual_target")


@dataclass
class Group:
    total: int = 0
    exact: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.exact += ok

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 1.0


@dataclass
class EvalResult:
    documents: int = 0
    amounts: Group = field(default_factory=Group)
    short: Group = field(default_factory=Group)
    long_chars: int = 0
    long_errors: int = 0
    # wrong amounts whose row carries no error flag: silently wrong, the one thing never allowed
    unflagged_wrong: int = 0
    missing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    extra: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mismatches: list[str] = field(default_factory=list)

    @property
    def cer(self) -> float:
        return self.long_errors / self.long_chars if self.long_chars else 0.0

    @property
    def perfect(self) -> bool:
        return (self.amounts.exact == self.amounts.total and self.short.exact == self.short.total
                and self.long_errors == 0 and not any(self.missing.values()) and not any(self.extra.values()))


def _read(outputs: Path, dataset: str) -> dict[str, list[dict]]:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for p in sorted((outputs / dataset).glob("year=*/*.parquet")):
        year = p.parent.name.split("=", 1)[1]
        for r in pq.read_table(p).to_pylist():
            r["year"] = None if year.startswith("__") or year == "0" else int(year)  # 0: year unknown
            by_doc[r["doc_id"]].append(r)
    return by_doc


def _money(v) -> Decimal | None:
    return None if v is None else Decimal(str(v)).quantize(Decimal("0.01"))


class _Compare:
    def __init__(self, res: EvalResult, doc: str, flagged: frozenset[tuple[str, int | None]] | set[tuple[str, int | None]] = frozenset()):
        self.res, self.doc, self.flagged = res, doc, flagged

    def amount(self, where: str, want, got, row: tuple[str, int | None] | None = None) -> None:
        ok = _money(want) == _money(got)
        self.res.amounts.add(ok)
        if not ok:
            silent = row is not None and row not in self.flagged
            self.res.unflagged_wrong += silent
            note = " (NO error flag on the row)" if silent else ""
            self.res.mismatches.append(f"{self.doc}: {where}: amount expected {want} got {got}{note}")

    def lost_amounts(self, what: str, dataset: str, want: dict, got: dict, column: str) -> None:
        """A truth row the outputs lack loses its amount too: it counts as not exact, and as
        silent unless a row the truth lacks (the same row, its label misread) is flagged, or
        an error names the dataset's missing rows (a flag with no row)."""
        extra_flagged = ((dataset, None) in self.flagged
                         or any((dataset, got[k]["_index"]) in self.flagged for k in got.keys() - want.keys()))
        for k in sorted(want.keys() - got.keys(), key=str):
            self.res.amounts.add(False)
            self.res.unflagged_wrong += not extra_flagged
            note = "" if extra_flagged else " (NO error flag on the row)"
            self.res.mismatches.append(f"{self.doc}: {what} {k}: amount {want[k][column]} lost with its row{note}")

    def short(self, where: str, want, got) -> None:
        ok = want == got
        self.res.short.add(ok)
        if not ok:
            self.res.mismatches.append(f"{self.doc}: {where}: expected {want!r} got {got!r}")

    def long(self, where: str, want: str | None, got: str | None) -> None:
        want, got = want or "", got or ""
        d = levenshtein(want, got)
        self.res.long_chars += max(len(want), 1)
        self.res.long_errors += d
        if d:
            self.res.mismatches.append(f"{self.doc}: {where}: {d} character error(s) in {len(want)}")

    def rows(self, dataset: str, want: dict, got: dict) -> list:
        for k in want.keys() - got.keys():
            self.res.missing[dataset] += 1
            self.res.mismatches.append(f"{self.doc}: {dataset} {k}: missing row")
        for k in got.keys() - want.keys():
            self.res.extra[dataset] += 1
            self.res.mismatches.append(f"{self.doc}: {dataset} {k}: extra row")
        return sorted(want.keys() & got.keys(), key=str)


def compare_document(res: EvalResult, truth: dict, doc: dict, data: dict[str, list[dict]]) -> None:
    flagged = {(f["dataset"], f["row_ref"]) for f in data.get("flags", ()) if f["severity"] == "error"}
    cmp = _Compare(res, PurePosixPath(truth["source_path"]).name, flagged)
    for f in ("department", "form_type"):
        cmp.short(f, truth[f], doc.get(f))
    cmp.short("title", truth.get("title"), doc.get("title"))
    cmp.short("year", truth["year"], doc.get("year"))
    cmp.short("pages", truth.get("pages"), doc.get("pages"))
    for f, v in truth.get("basic_info", {}).items():
        cmp.short(f, v, doc.get(f))
    for f in LONG_FIELDS:
        cmp.long(f, truth.get(f), doc.get(f))

    want = {(b["section"], b["item"]): b for b in truth["budget_items"]}
    got = {(b["section"], b["item"]): {**b, "_index": b.get("row_no", i + 1)} for i, b in enumerate(data["budget_items"])}
    for k in cmp.rows("budget_items", want, got):
        cmp.amount(f"budget {k[0]}/{k[1]}", want[k]["amount_wan"], got[k]["amount_wan"],
                   ("budget_items", got[k]["_index"]))
    cmp.lost_amounts("budget", "budget_items", want, got, "amount_wan")

    want = {t["task_no"]: t for t in truth["tasks"]}
    got = {t["task_no"]: t for t in data["tasks"]}
    for k in cmp.rows("tasks", want, got):
        cmp.amount(f"task {k} funds_wan", want[k]["funds_wan"], got[k]["funds_wan"], ("tasks", k))
        for f in TASK_SHORT:
            cmp.short(f"task {k} {f}", want[k][f], got[k][f])
        for f in TASK_LONG:
            cmp.long(f"task {k} {f}", want[k][f], got[k][f])
    cmp.lost_amounts("task", "tasks", want, {k: {**v, "_index": k} for k, v in got.items()}, "funds_wan")

    want = {i["seq"]: i for i in truth["indicators"]}
    got = {i["seq"]: i for i in data["indicators"]}
    for k in cmp.rows("indicators", want, got):
        for f in IND_SHORT:
            cmp.short(f"indicator {k} {f}", want[k].get(f), got[k].get(f))


def evaluate(truth_dir: Path, outputs: Path) -> EvalResult:
    res = EvalResult()
    data = {ds: _read(outputs, ds) for ds in ("documents", "budget_items", "tasks", "indicators", "flags")}
    docs = [d for rows in data["documents"].values() for d in rows]
    by_path = {d["source_path"]: d for d in docs}
    by_name = {PurePosixPath(d["source_path"]).name: d for d in docs}
    for tf in sorted(truth_dir.glob("*.json")):
        truth = json.loads(tf.read_text(encoding="utf-8"))
        sp = truth["source_path"]
        doc = by_path.get(sp) or by_name.get(PurePosixPath(sp).name)
        if doc is None:
            res.missing["documents"] += 1
            res.mismatches.append(f"{PurePosixPath(sp).name}: document missing from outputs")
            continue
        res.documents += 1
        rows = {ds: data[ds].get(doc["doc_id"], []) for ds in ("budget_items", "tasks", "indicators", "flags")}
        compare_document(res, truth, doc, rows)
    return res


def report(res: EvalResult, max_mismatches: int = 200) -> str:
    lines = [
        f"documents evaluated: {res.documents}",
        f"{'group':<14}{'exact':>8}{'total':>8}{'accuracy':>10}",
        f"{'amounts':<14}{res.amounts.exact:>8}{res.amounts.total:>8}{res.amounts.accuracy:>10.2%}",
        f"{'short fields':<14}{res.short.exact:>8}{res.short.total:>8}{res.short.accuracy:>10.2%}",
        f"long texts: {res.long_errors} character error(s) in {res.long_chars} (CER {res.cer:.3%})",
        f"wrong amounts without an error flag on their row: {res.unflagged_wrong}",
    ]
    for ds in ("documents", "budget_items", "tasks", "indicators"):
        lines.append(f"rows {ds}: missing {res.missing.get(ds, 0)}, extra {res.extra.get(ds, 0)}")
    if res.mismatches:
        lines.append(f"mismatches ({len(res.mismatches)}):")
        lines += [f"  {m}" for m in res.mismatches[:max_mismatches]]
        if len(res.mismatches) > max_mismatches:
            lines.append(f"  … {len(res.mismatches) - max_mismatches} more")
    return "\n".join(lines)
