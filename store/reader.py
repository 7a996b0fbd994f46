"""Reading a dataset back with the contract's types, whatever partitions it holds.

The partitioning and the schema are given (a file written before a column was added
reads with it null), integer columns with nulls stay integers (pandas' nullable dtypes)
instead of turning into floats, and the year of a document whose year is unknown (filed
under year=0) is null.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from .schema import DATASETS, PARTITION, SCHEMAS, hive_partitioning
from .writer import UNKNOWN_YEAR

_NULLABLE_INTS = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                  pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def read_table(outputs: Path, dataset: str) -> pa.Table:
    """The dataset as one Arrow table (with `year`); empty, with its schema, when nothing is written."""
    if dataset not in SCHEMAS:
        raise ValueError(f"unknown dataset {dataset!r}; one of {', '.join(DATASETS)}")
    schema = SCHEMAS[dataset].append(PARTITION)
    folder = Path(outputs) / dataset
    if not folder.is_dir():
        return schema.empty_table()
    files = [str(p) for p in sorted(folder.rglob("*.parquet")) if not p.name.startswith(".")]
    if not files:
        return schema.empty_table()
    return ds.dataset(files, schema=schema, format="parquet", partitioning=hive_partitioning(),
                      partition_base_dir=str(folder)).to_table()


def read_dataset(outputs: Path, dataset: str) -> pd.DataFrame:
    """The dataset as a pandas frame: nullable integers, Decimal money, strings as objects."""
    frame = read_table(outputs, dataset).to_pandas(types_mapper=_NULLABLE_INTS.get)
    # a document with no known year is filed under year=0 (store/writer.py): here it is null
    frame["year"] = frame["year"].astype(pd.Int16Dtype()).mask(frame["year"] == UNKNOWN_YEAR)
    return frame
