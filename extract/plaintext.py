"""Flattened text/TSV dumps of a form -> the same grid model.

A dump keeps each table row as one line of tab-separated cells and loses
merged cells: their text sits in whichever row and column the exporter chose.
Each line becomes one grid row with one cell per tab field, on a uniform
column pitch, so the template mapping reads it like any other table; the
row repair in `normalize` then re-reads rows whose cells slid.
"""
from __future__ import annotations

from pathlib import Path

from .model import Box, Cell, Extraction, Table, TextLine

PITCH = 100.0  # points per column; dumps have no geometry, only order
ROW_H = 20.0
TEXT_SUFFIXES = {".txt", ".tsv"}


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("neither UTF-8 nor GB18030 text")


def dump_to_extraction(text: str) -> Extraction:
    """One table per run of tab-separated lines; other lines are loose text (titles)."""
    tables: list[Table] = []
    lines: list[TextLine] = []
    rows: list[list[str]] = []
    for i, line in enumerate(text.splitlines()):
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if line.strip():
            title = line.strip().lstrip("#").strip()
            lines.append(TextLine(1, title, Box(0, i * ROW_H, PITCH * 4, (i + 1) * ROW_H), size=16.0 if line.startswith("#") else 10.0))
    if rows:
        tables.append(_table(rows))
    return Extraction(pages=1, tables=tables, lines=lines, method="text")


def _table(rows: list[list[str]]) -> Table:
    n_cols = max(len(r) for r in rows)
    cells = []
    for r, fields in enumerate(rows):
        for c in range(n_cols):
            text = fields[c].strip() if c < len(fields) else ""
            cells.append(Cell(1, r, c, 1, 1, text, Box(c * PITCH, r * ROW_H, (c + 1) * PITCH, (r + 1) * ROW_H)))
    return Table(1, cells, len(rows), n_cols, (1,), tuple(c * PITCH for c in range(n_cols + 1)))


def extract_text_dump(path: Path) -> Extraction:
    return dump_to_extraction(read_text(path))
