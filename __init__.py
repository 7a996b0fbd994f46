"""formpipe: Chinese budget-performance forms, born-digital or scanned, to typed Parquet.

In a notebook::

    import formpipe
    formpipe.run(["forms/"], "outputs")               # incremental; see the README's "Nightly batch"
    items = formpipe.read("outputs", "budget_items")   # a pandas frame, the contract's types

The stages, in the order data flows through them: `formpipe.extract` (file -> grid of
cells -> form record), `formpipe.normalize` (record -> typed rows), `formpipe.store`
(rows -> Parquet, the schema), `formpipe.batch` (many files: manifest, workers, runs),
`formpipe.review` (eval, status). `formpipe.pipeline` is the CLI over them.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from formpipe.batch.runs import RunSummary

try:
    __version__ = version("formpipe")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "read", "run"]


def read(outputs: str | Path, dataset: str) -> pd.DataFrame:
    """One dataset of a run's outputs as a pandas frame with the contract's types.

    `year` comes back as a nullable integer (a failed document has none) and money
    as `decimal.Decimal` objects; every partition file is read, whatever it holds.
    """
    from formpipe.store.reader import read_dataset

    return read_dataset(Path(outputs), dataset)


def run(inputs: list[str | Path] | str | Path, outputs: str | Path = "outputs", **options: Any) -> RunSummary:
    """Bring `outputs` up to date with `inputs` (files or folders); returns the run summary.

    Keyword options are those of `formpipe.batch.run.RunConfig` (`workers`, `force`,
    `retry_failed`, `keep_removed`, …); the extraction options (`ocr_engine`, `dpi`,
    `force_ocr`) may be given here too.
    """
    from formpipe.pipeline import run as run_pipeline
    from formpipe.pipeline import run_config

    paths = [Path(inputs)] if isinstance(inputs, (str, Path)) else [Path(p) for p in inputs]
    return run_pipeline(paths, Path(outputs), progress=False, config=run_config(**options))
