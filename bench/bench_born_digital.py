"""Born-digital throughput: the whole pipeline, file to Parquet, one process.

    python bench/bench_born_digital.py [--runs 5] [--reader pdfium|pdfplumber] [INPUT ...]

Runs `formpipe run`'s per-document function over the inputs several times and
prints pages/s per run, the median, where the time goes (median seconds per
stage, as the stages time themselves) and the peak resident memory.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from formpipe import pipeline
from formpipe.extract.model import READERS, ExtractOptions
from formpipe.normalize.words import tokenizer

ROOT = Path(__file__).resolve().parent.parent


def one_pass(sources, out: Path, version: str, options: ExtractOptions) -> tuple[int, float, dict[str, float]]:
    timings: dict[str, float] = {}
    pages = 0
    t0 = time.perf_counter()
    for src in sources:
        row = pipeline.process(src, out, version, options=options, timings=timings)
        pages += row.get("pages") or 0
    return pages, time.perf_counter() - t0, timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", type=Path, default=[ROOT / "corpus" / "pdf"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reader", choices=READERS, default=READERS[0], help="text-layer reader (default pdfium)")
    args = ap.parse_args()
    sources = [s for s in pipeline.discover(args.inputs) if s.path.suffix.lower() == ".pdf"]
    version = pipeline.pipeline_version()
    tokenizer()  # the dictionary load is paid once per process, before timing
    rates, totals, stages = [], [], defaultdict(list)
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            pages, total, t = one_pass(sources, Path(out), version, ExtractOptions(pdf_reader=args.reader))
        rates.append(pages / total)
        totals.append(total)
        for k, v in t.items():
            stages[k].append(v)
        print(f"run {i + 1}: {pages} pages in {total:.2f} s = {rates[-1]:.1f} pages/s")
    total = statistics.median(totals)
    print(f"\n{args.reader}: {len(sources)} documents, {pages} pages; median {statistics.median(rates):.1f} pages/s (one process)")
    for k in sorted(stages, key=lambda k: -statistics.median(stages[k])):
        med = statistics.median(stages[k])
        print(f"  {k:<16}{med:7.2f} s  {med / total:6.1%}  {1000 * med / pages:6.1f} ms/page")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
