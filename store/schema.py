"""The output contract as pyarrow schemas (documented in store/SCHEMA.md).

Renaming or retyping a column is a breaking change: bump SCHEMA_VERSION.
`year` is the hive partition key: it lives in the folder name, not in the files.
"""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1.0"
DATASETS = ("documents", "budget_items", "tasks", "indicators", "projects", "cells", "flags")

MONEY = pa.decimal128(18, 2)
# project forms print 元 to the fen: in 万元 that needs six decimals to stay exact
MONEY_WAN6 = pa.decimal128(20, 6)
_BOX = [("x0", pa.float32()), ("y0", pa.float32()), ("x1", pa.float32()), ("y1", pa.float32())]


def _target(prefix: str) -> list[tuple[str, pa.DataType]]:
    return [
        (f"{prefix}_op", pa.string()),
        (f"{prefix}_value", pa.float64()),
        (f"{prefix}_value_max", pa.float64()),
        (f"{prefix}_unit", pa.string()),
        (f"{prefix}_scaled_value", pa.float64()),
        (f"{prefix}_base_unit", pa.string()),
    ]


_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "documents": [
        ("source_path", pa.string()),
        ("source_root", pa.string()),
        ("form_type", pa.string()),  # null when no form was found
        ("first_page", pa.int16()),  # the pages of the file that hold this form
        ("last_page", pa.int16()),
        ("title", pa.string()),
        ("department", pa.string()),
        ("subordinate_units", pa.int32()),
        ("funded_staff", pa.int32()),
        ("overall_goal", pa.string()),
        ("other_tasks", pa.string()),
        ("pages", pa.int16()),
        ("method", pa.string()),
        ("ocr_engine", pa.string()),
        ("mean_confidence", pa.float32()),
        ("status", pa.string()),
        ("n_flags", pa.int32()),
        ("pipeline_version", pa.string()),
        ("processed_at", pa.timestamp("us", tz="UTC")),
        ("error", pa.string()),  # one-line reason when status is failed
    ],
    "budget_items": [
        ("row_no", pa.int32()),
        ("section", pa.string()),
        ("item", pa.string()),
        ("amount_wan", MONEY),
        ("raw_text", pa.string()),
        ("page", pa.int16()),
        *_BOX,
        ("confidence", pa.float32()),
    ],
    "tasks": [
        ("task_no", pa.int16()),
        ("name", pa.string()),
        ("content", pa.string()),
        ("funds_wan", MONEY),
        ("funds_raw", pa.string()),
        ("expected_goal", pa.string()),
        ("page", pa.int16()),
    ],
    "indicators": [
        ("seq", pa.int16()),
        ("level1", pa.string()),
        ("level2", pa.string()),
        ("level3", pa.string()),
        ("level3_tokens", pa.list_(pa.string())),
        ("period_target", pa.string()),
        ("annual_target", pa.string()),
        *_target("annual"),
        *_target("period"),
        ("page", pa.int16()),
    ],
    "projects": [
        ("project_name", pa.string()),
        ("project_nature", pa.string()),
        ("project_category", pa.string()),
        ("competent_department", pa.string()),
        ("implementing_unit", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("unit_printed", pa.string()),
        ("total_funds_wan", MONEY_WAN6),
        ("annual_funds_wan", MONEY_WAN6),
        ("annual_fiscal_wan", MONEY_WAN6),
        ("carryover_wan", MONEY_WAN6),
        ("other_funds_wan", MONEY_WAN6),
        ("funds_raw", pa.string()),
        ("long_term_goal", pa.string()),
        ("annual_goal", pa.string()),
        ("page", pa.int16()),
    ],
    "cells": [
        ("page", pa.int16()),
        ("table_no", pa.int16()),
        ("row", pa.int16()),
        ("col", pa.int16()),
        ("rowspan", pa.int16()),
        ("colspan", pa.int16()),
        ("text", pa.string()),
        *_BOX,
        ("confidence", pa.float32()),
        ("source", pa.string()),
        ("located_by", pa.string()),  # grid (ruling) | anchors (a scan's page read without its ruling)
    ],
    "flags": [
        ("dataset", pa.string()),
        ("row_ref", pa.int32()),
        ("field", pa.string()),
        ("code", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("page", pa.int16()),
        *_BOX,
    ],
}

SCHEMAS: dict[str, pa.Schema] = {
    # form_no: 1-based order of the form within its file; 0 for a file with no form (or failed)
    name: pa.schema([("doc_id", pa.string()), ("form_no", pa.int16()), *cols]) for name, cols in _COLUMNS.items()
}
PARTITION = pa.field("year", pa.int16())


def columns(dataset: str) -> list[str]:
    return SCHEMAS[dataset].names


def hive_partitioning():
    """Explicit partitioning for readers (year int16). Not needed since documents with no
    year are filed under `year=0` (store.writer.UNKNOWN_YEAR); kept for outputs written by
    earlier versions, which used `year=__HIVE_DEFAULT_PARTITION__`.
    """
    import pyarrow.dataset as ds
    return ds.partitioning(pa.schema([PARTITION]), flavor="hive")
