"""Scanned-page cost: seconds per page, one process, split by stage, and peak memory.

    python bench/bench_scanned.py [--runs 3] [--engine rapidocr] [--dpi 300] [INPUT ...]

Default input: bench/data/scan300/pdf (make it with
`python -m corpus.scan --out bench/data/scan300 --dpi 300 --profile mild`),
else the committed sample corpus/scan. The OCR models and jieba are loaded
once before timing, as a worker process does; the whole pipeline runs, file
to Parquet. Stages: rasterise / prepare / grid / ocr / anchors / the rest (mapping,
normalising, Parquet writes, hashing).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: the target is per core
ROOT = Path(__file__).resolve().parent.parent

from formpipe import pipeline  # noqa: E402 (after OMP_NUM_THREADS is set)
from formpipe.extract.document import ExtractOptions  # noqa: E402 (after OMP_NUM_THREADS is set)
from formpipe.extract.ocr import get_engine  # noqa: E402 (after OMP_NUM_THREADS is set)
from formpipe.normalize.words import tokenizer  # noqa: E402 (after OMP_NUM_THREADS is set)

STAGES = ("rasterise", "prepare", "grid", "ocr", "anchors")  # anchors: pages whose grid failed the check


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", default="rapidocr")
    ap.add_argument("--dpi", type=int, default=300)
    args = ap.parse_args()
    inputs = args.inputs or [p for p in (ROOT / "bench/data/scan300/pdf", ROOT / "corpus/scan") if p.exists()][:1]
    sources = pipeline.discover(inputs)
    options = ExtractOptions(ocr_engine=args.engine, dpi=args.dpi)
    version = pipeline.pipeline_version()
    tokenizer()
    t0 = time.perf_counter()
    get_engine(args.engine)
    print(f"engine {get_engine(args.engine).version} loaded in {time.perf_counter() - t0:.2f} s (once per process)")
    per_page, stages = [], defaultdict(list)
    for i in range(args.runs):
        timings: dict[str, float] = {}
        pages, t0 = 0, time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            for src in sources:
                row = pipeline.process(src, Path(out), version, timings=timings, options=options)
                pages += row.get("pages") or 0
        total = time.perf_counter() - t0
        per_page.append(total / pages)
        for k in STAGES:
            stages[k].append(timings.get(k, 0.0) / pages)
        stages["the rest"].append(total / pages - sum(timings.get(k, 0.0) for k in STAGES) / pages)
        print(f"run {i + 1}: {pages} pages in {total:.1f} s = {total / pages:.2f} s/page")
    print(f"\n{len(sources)} documents, {pages} pages, {args.engine}, {args.dpi} dpi: "
          f"median {statistics.median(per_page):.2f} s/page (one process)")
    for k in (*STAGES, "the rest"):
        print(f"  {k:<10}{statistics.median(stages[k]):6.2f} s/page")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
