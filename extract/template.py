"""Declarative form templates (TOML in extract/templates/) and label matching."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent / "templates"

_BRACKETS = str.maketrans({"(": "（", ")": "）", ":": "", "：": ""})
_SPACE = re.compile(r"\s+|<[^>]*>")


def label_key(text: str) -> str:
    """Canonical form of a printed label: no whitespace/tags, full-width brackets, no colons."""
    t = unicodedata.normalize("NFKC", text or "")
    t = _SPACE.sub("", t).translate(_BRACKETS)
    return t.rstrip("*＊")


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
            fill_down=tuple(d.get("fill_down", ())),
        )
    rules = tuple(SumRule(r["name"], tuple(r["total"]), tuple(tuple(p) for p in r["parts"]), str(r.get("tolerance", "0.01")))
                  for r in data.get("rules", ()))
    return Template(data["form_type"], tuple(data.get("title_keywords", ())), fields, blocks, rules)


@lru_cache(maxsize=None)
def load_template(name: str = "department_overall") -> Template:
    path = Path(name) if name.endswith(".toml") else TEMPLATE_DIR / f"{name}.toml"
    with open(path, "rb") as f:
        return _parse(tomllib.load(f))
