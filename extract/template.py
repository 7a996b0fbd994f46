"""Declarative form templates (TOML in extract/templates/) and label matching."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent / "templates"

_BRACKETS = str.maketrans({"(": "（", ")": "）", ":": "", "：": ""})
_SPACE = re.compile(r"\s+|<[^>]*>")


@lru_cache(maxsize=65536)  # the mapping asks for the same cells' keys many times
def label_key(text: str) -> str:
    """Canonical form of a printed label: no whitespace/tags, full-width brackets, no colons."""
    t = unicodedata.normalize("NFKC", text or "")
    t = _SPACE.sub("", t).translate(_BRACKETS)
    return t.rstrip("*＊")


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Edits (insert, delete, substitute one character) turning `a` into `b`; with `limit`,
    any distance beyond it is returned as limit + 1, found as soon as a row of the table
    exceeds it (label snapping asks only "within 1 or 2?": matching an OCR'd page's labels
    against the vocabulary took 0.18 s a page with every table filled in)."""
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if limit is not None and min(cur) > limit:  # a row's minimum never falls further down
            return limit + 1
        prev = cur
    return prev[-1] if limit is None else min(prev[-1], limit + 1)


def has_hanzi(text: str) -> bool:
    """Does `text` hold a CJK ideograph (what OCR crumbs of a mark do not)?"""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def nearest_label(key: str, labels) -> str | None:
    """The one label within the edit bound of an OCR'd key, else None.

    One edit for labels of 4-9 characters, two from 10; shorter labels (名称)
    must match exactly, and a tie is no match: a wrong snap would be silent.
    """
    if len(key) < 4:
        return None
    # OCR junk around a whole label (a seal's ring read as "A7AW6ESA 7其他资金"): the label,
    # when nothing else in the cell is Chinese
    inside = [lab for lab in labels if len(lab) >= 4 and lab in key
              and not has_hanzi(key.replace(lab, "", 1))]
    if len(inside) == 1:
        return inside[0]
    bound = 1 if len(key) < 10 else 2
    best, best_d, tied = None, bound + 1, False
    for lab in labels:
        if abs(len(lab) - len(key)) > bound or len(lab) < 4:
            continue
        d = edit_distance(key, lab, bound)
        if d < best_d:
            best, best_d, tied = lab, d, False
        elif d == best_d:
            tied = True
    return None if tied or best_d > bound else best


MIN_SHORT_ITEM = 3  # a two-character reading (支出) names no item well enough


def one_character_short(key: str, items: dict[str, str]) -> str | None:
    """The one item whose name is `key` with one character more, if exactly one is. A mark over
    a budget item's name takes a character out of the reading (基支出, 财政拨 under a tick on two
    200-dpi office scans), and a three-character key is below nearest_label's length floor. The
    items of one block's section are few (2-4) and none is another one character short."""
    if len(key) < MIN_SHORT_ITEM:
        return None
    hits = [name for k, name in items.items() if len(k) == len(key) + 1
            and any(k[:i] + k[i + 1:] == key for i in range(len(k)))]
    return hits[0] if len(hits) == 1 else None


def char_share(key: str, name: str) -> float:
    """The share of `name`'s distinct characters that `key` holds."""
    chars = set(name)
    return sum(1 for ch in chars if ch in key) / len(chars) if chars else 0.0


def misread_item(key: str, items: dict[str, str], share: float) -> str | None:
    """The one item `key` is most likely a misreading of: as long as it (one character either
    way), holding at least `share` of its distinct characters, and alone in holding the most.
    A pen's tick through a budget item's name turns characters into others (财政拨款 read
    欧政援款 on a 200-dpi office scan): no edit bound takes two of four, but the two kept are
    none of the other items' (其他资金)."""
    scored = []
    for k, name in items.items():
        if abs(len(k) - len(key)) > 1:
            continue
        scored.append((char_share(key, k), name))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < share or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    kind: str = "text"  # text | int | longtext
    required: bool = False


@dataclass(frozen=True)
class BlockSpec:
    name: str
    labels: tuple[str, ...]
    kind: str  # pairs | records
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sections: tuple[str, ...] = ()
    value_headers: tuple[str, ...] = ()
    fill_down: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # pairs blocks: the row labels printed (OCR reads snap to them)
    # pairs blocks: the items each section prints (an unreadable item is the one its section lacks)
    section_items: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # records blocks: the column whose cell is one record's own (a task's name); a row under the
    # same cell of it as the record above (merged over both rows) continues that record
    key: str | None = None
    # records blocks: the closed lists a column's values come from (一级指标: 产出指标, 效益指标 …)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SumRule:
    name: str
    total: tuple[str, str]
    parts: tuple[tuple[str, str], ...]
    tolerance: str = "0.01"


@dataclass(frozen=True)
class Template:
    form_type: str
    title_keywords: tuple[str, ...]
    fields: dict[str, FieldSpec]
    blocks: dict[str, BlockSpec]
    rules: tuple[SumRule, ...]
    headings: tuple[str, ...] = ()  # printed labels that carry no value (基本信息)
    # fields printed once per form (部门名称, 项目名称): a page carrying one starts a form
    identity_fields: tuple[str, ...] = ()

    @property
    def field_by_label(self) -> dict[str, str]:
        return {label_key(lb): f.name for f in self.fields.values() for lb in f.labels}

    @property
    def block_by_label(self) -> dict[str, str]:
        return {label_key(lb): b.name for b in self.blocks.values() for lb in b.labels}


def _parse(data: dict) -> Template:
    fields = {n: FieldSpec(n, tuple(d["labels"]), d.get("kind", "text"), bool(d.get("required", False)))
              for n, d in data.get("fields", {}).items()}
    blocks = {}
    for n, d in data.get("blocks", {}).items():
        blocks[n] = BlockSpec(
            n, tuple(d["labels"]), d["kind"],
            columns={k: tuple(v) for k, v in d.get("columns", {}).items()},
            sections=tuple(d.get("sections", ())), value_headers=tuple(d.get("value_headers", ())),
            fill_down=tuple(d.get("fill_down", ())), items=tuple(d.get("items", ())),
            section_items={k: tuple(v) for k, v in d.get("section_items", {}).items()},
            key=d.get("key"), values={k: tuple(v) for k, v in d.get("values", {}).items()},
        )
    rules = tuple(SumRule(r["name"], tuple(r["total"]), tuple(tuple(p) for p in r["parts"]), str(r.get("tolerance", "0.01")))
                  for r in data.get("rules", ()))
    identity = tuple(data.get("identity_fields", [n for n, f in fields.items() if f.required][:1]))
    return Template(data["form_type"], tuple(data.get("title_keywords", ())), fields, blocks, rules,
                    tuple(data.get("headings", ())), identity)


@cache
def load_template(name: str = "department_overall") -> Template:
    path = Path(name) if name.endswith(".toml") else TEMPLATE_DIR / f"{name}.toml"
    with open(path, "rb") as f:
        return _parse(tomllib.load(f))


def load_templates() -> list[Template]:
    """Every template in extract/templates/, in name order: the forms a document may hold."""
    return [load_template(p.stem) for p in sorted(TEMPLATE_DIR.glob("*.toml"))]
