"""Checks over normalised rows -> flags. Rules that are data live in the template."""
from __future__ import annotations

from decimal import Decimal

from .flags import ERROR, WARNING, Flag, FlagCode

FIELD_NAMES = {
    "department": "部门名称", "overall_goal": "总体绩效目标", "year": "预算年度", "title": "表名",
}


def missing_fields(document: dict, required: list[str]) -> list[Flag]:
    out = []
    for name in required:
        if document.get(name) in (None, ""):
            out.append(Flag("documents", None, name, FlagCode.MISSING_FIELD, ERROR,
                            f"{FIELD_NAMES.get(name, name)} was not found on the form; enter it by hand."))
    return out


def missing_items(items: list[dict], expected, scanned: bool) -> list[Flag]:
    """The template's budget items a form did not yield: a row lost to a misread label (a scan)
    or to a layout the mapping did not follow (a text layer) is otherwise a silent gap."""
    found = {r["item"] for r in items}
    how = "read from the scan" if scanned else "found on the form"
    return [Flag("budget_items", None, "item", FlagCode.MISSING_FIELD, ERROR,
                 f"The budget item “{name}” was not {how}; if the form prints it, enter it.")
            for name in expected if name not in found]


def sum_rules(items: list[dict], rules) -> list[Flag]:
    """Each rule: total == sum(parts) within its tolerance (万元). Silent when a value is absent."""
    by_key = {(r["section"], r["item"]): r["amount_wan"] for r in items}
    index = {(r["section"], r["item"]): i for i, r in enumerate(items)}
    out = []
    for rule in rules:
        total = by_key.get(tuple(rule.total))
        parts = [by_key.get(tuple(p)) for p in rule.parts]
        if total is None or any(p is None for p in parts):
            continue
        got = sum((p for p in parts if p is not None), Decimal(0))
        if abs(got - total) > Decimal(rule.tolerance):
            names = " + ".join(p[1] for p in rule.parts)
            # one of these amounts is wrong (printed or read): every one goes to review
            for key in (tuple(rule.total), *map(tuple, rule.parts)):
                out.append(Flag("budget_items", index[key], "amount_wan", FlagCode.SUM_MISMATCH, ERROR,
                                f"{names} = {got} but {rule.total[1]} = {total} (rule “{rule.name}”); "
                                f"check these amounts."))
    return out


def indicator_checks(row: dict) -> list[Flag]:
    out = []
    seq = row["seq"]
    if not row.get("level3"):
        out.append(Flag("indicators", seq, "level3", FlagCode.MISSING_FIELD, ERROR,
                        f"Indicator {seq} has no 三级指标 name; read it from the form."))
    if not row.get("annual_target"):
        out.append(Flag("indicators", seq, "annual_target", FlagCode.MISSING_FIELD, ERROR,
                        f"Indicator {seq} has no 年度指标值; read it from the form."))
    for which in ("annual", "period"):
        text = row.get(f"{which}_target") or ""
        if row.get(f"{which}_op") == "text" and any(ch.isdigit() for ch in text):
            out.append(Flag("indicators", seq, f"{which}_target", FlagCode.TARGET_UNPARSEABLE, WARNING,
                            f"Target “{text}” of indicator {seq} has a number that could not be parsed."))
    return out
