"""The schema in code matches the contract document; the writer is atomic and replaces rows."""
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from formpipe.store.schema import DATASETS, SCHEMA_VERSION, SCHEMAS
from formpipe.store.writer import document_path, remove_documents, write_document

DOC = Path(__file__).resolve().parent.parent / "store" / "SCHEMA.md"


def contract() -> dict[str, dict[str, str]]:
    """Column -> type text per dataset, read from the tables of store/SCHEMA.md."""
    out, current = {}, None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^## (\S+)", line)
        if m:
            current = "common" if m.group(1) == "Common" else m.group(1)
            out.setdefault(current, {})
        elif current and line.startswith("| ") and not line.startswith(("| column", "|---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for name in (n.strip() for n in cells[0].split(",")):
                if re.fullmatch(r"[a-z0-9_]+", name):
                    out[current][name] = cells[1]
    return out


def arrow_matches(t: pa.DataType, want: str) -> bool:
    w = want.lower()
    if w.startswith("as above"):
        return True
    checks = {"string": pa.types.is_string, "int16": lambda x: x == pa.int16(), "int32": lambda x: x == pa.int32(),
              "float32": lambda x: x == pa.float32(), "float64": lambda x: x == pa.float64(),
              "decimal128(18,2)": lambda x: x == pa.decimal128(18, 2),
              "decimal128(20,6)": lambda x: x == pa.decimal128(20, 6), "date32": lambda x: x == pa.date32(),
              "list<string>": lambda x: x == pa.list_(pa.string()),
              "timestamp[us, tz=utc]": lambda x: x == pa.timestamp("us", tz="UTC")}
    key = next(k for k in checks if w.startswith(k))
    return checks[key](t)


@pytest.mark.parametrize("dataset", DATASETS)
def test_code_schema_follows_the_contract(dataset):
    spec = contract()
    want = {**spec["common"], **spec[dataset]}
    schema = SCHEMAS[dataset]
    for col, typ in want.items():
        if col == "year":
            continue  # the hive partition key lives in the folder name
        assert col in schema.names, f"{dataset}.{col} missing"
        assert arrow_matches(schema.field(col).type, typ), f"{dataset}.{col}: {schema.field(col).type} vs {typ}"
    # every column the code writes is documented
    assert set(schema.names) <= set(want), set(schema.names) - set(want)


def _rows(amount="1.50"):
    return {"budget_items": [{"section": "收入来源", "item": "财政拨款", "amount_wan": Decimal(amount), "raw_text": amount,
                              "page": 1, "x0": 1, "y0": 2, "x1": 3, "y1": 4, "confidence": 1.0}],
            "documents": [{"source_path": "a.pdf", "status": "ok", "n_flags": 0}]}


def test_write_is_complete_and_carries_versions(tmp_path):
    files = write_document(tmp_path, "abc", 2023, _rows(), "9.9")
    assert len(files) == len(DATASETS)
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"
    t = pq.read_table(document_path(tmp_path, "budget_items", "abc", 2023))
    meta = t.schema.metadata
    assert meta[b"formpipe.schema_version"] == SCHEMA_VERSION.encode()
    assert meta[b"formpipe.pipeline_version"] == b"9.9"
    assert t.column("amount_wan").to_pylist() == [Decimal("1.50")]
    assert t.schema.field("amount_wan").type == pa.decimal128(18, 2)


def test_rewrite_replaces_rows_and_follows_a_year_change(tmp_path):
    write_document(tmp_path, "abc", 2022, _rows("1.00"), "1")
    write_document(tmp_path, "abc", 2023, _rows("2.00"), "1")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert all("year=2023" in f for f in files) and len(files) == len(DATASETS)
    t = pq.read_table(tmp_path / "budget_items")
    assert t.column("amount_wan").to_pylist() == [Decimal("2.00")]


def test_unknown_year_goes_to_year_0_so_every_partition_is_an_integer(tmp_path):
    write_document(tmp_path, "abc", None, _rows(), "1")
    write_document(tmp_path, "def", 2023, _rows(), "1")
    assert (tmp_path / "documents" / "year=0" / "abc.parquet").exists()
    import pyarrow.dataset as ds
    t = ds.dataset(tmp_path / "documents", partitioning="hive").to_table().sort_by("doc_id")
    assert t.column("year").to_pylist() == [0, 2023]


def test_remove_documents(tmp_path):
    write_document(tmp_path, "abc", 2023, _rows(), "1")
    write_document(tmp_path, "def", 2023, _rows(), "1")
    assert remove_documents(tmp_path, ["abc"]) == len(DATASETS)
    assert {p.stem for p in tmp_path.rglob("*.parquet")} == {"def"}


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    write_document(tmp_path, "abc", 2023, _rows("1.00"), "1")
    import formpipe.store.writer as w

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(w.pq, "write_table", boom)
    with pytest.raises(OSError):
        write_document(tmp_path, "abc", 2023, _rows("2.00"), "1")
    assert pq.read_table(tmp_path / "budget_items").column("amount_wan").to_pylist() == [Decimal("1.00")]
    assert not list(tmp_path.rglob("*.tmp"))
