"""Born-digital throughput: the whole pipeline, file to Parquet, one process.

    python bench/bench_born_digital.py [--runs 5] [INPUT ...]

Prints pages/s per run, the median, where the time goes (median seconds per
stage) and the peak resident memory of this process.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

import pipeline  # noqa: E402
from extract.grid import document_tables, page_tables  # noqa: E402
from extract.mapping import find_year, map_form  # noqa: E402
from extract.model import Extraction  # noqa: E402
from extract.pdftext import page_content  # noqa: E402
from extract.template import load_template  # noqa: E402
from normalize.rows import DocInfo, build_rows  # noqa: E402
from normalize.words import tokenizer  # noqa: E402
from store.writer import write_document  # noqa: E402


def one_pass(sources, out: Path, tpl) -> tuple[int, dict[str, float]]:
    """Process every file, timing each stage; the same stage functions `formpipe run` uses."""
    t = defaultdict(float)
    pages = 0
    for src in sources:
        t0 = time.perf_counter()
        doc_id = pipeline.doc_id_of(src.path)
        per_page, sizes = [], []
        with pdfplumber.open(src.path) as pdf:
            for page in pdf.pages:
                t1 = time.perf_counter()
                content = page_content(page)
                t2 = time.perf_counter()
                per_page.append(page_tables(content))
                t3 = time.perf_counter()
                t["pdf parse (pdfplumber)"] += t2 - t1
                t["grid"] += t3 - t2
                sizes.append((content.width, content.height))
        t4 = time.perf_counter()
        tables, lines = document_tables(per_page)
        ex = Extraction(len(sizes), tables, lines, page_sizes=tuple(sizes))
        form = map_form(ex, tpl)
        t5 = time.perf_counter()
        built = build_rows(form, ex, find_year(form), DocInfo(doc_id, src.rel, "bench"), rules=tpl.rules)
        t6 = time.perf_counter()
        write_document(out, doc_id, built.year, built.rows, "bench")
        t7 = time.perf_counter()
        t["grid"] += t5 - t4  # joining and mapping
        t["normalise"] += t6 - t5
        t["parquet write"] += t7 - t6
        t["total"] += t7 - t0
        pages += len(sizes)
    t["other (open, hash)"] = t["total"] - sum(v for k, v in t.items() if k != "total")
    return pages, t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", type=Path, default=[ROOT / "corpus" / "pdf"])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sources = [s for s in pipeline.discover(args.inputs) if s.path.suffix.lower() == ".pdf"]
    tpl = load_template()
    tokenizer()  # the dictionary load is paid once per process, before timing
    rates, stages = [], defaultdict(list)
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            pages, t = one_pass(sources, Path(out), tpl)
        rates.append(pages / t["total"])
        for k, v in t.items():
            stages[k].append(v)
        print(f"run {i + 1}: {pages} pages in {t['total']:.2f} s = {rates[-1]:.1f} pages/s")
    total = statistics.median(stages["total"])
    print(f"\n{len(sources)} documents, {pages} pages; median {statistics.median(rates):.1f} pages/s (one process)")
    for k in sorted(stages, key=lambda k: -statistics.median(stages[k])):
        if k != "total":
            med = statistics.median(stages[k])
            print(f"  {k:<24}{med:7.2f} s  {med / total:6.1%}  {1000 * med / pages:6.1f} ms/page")
    # the same work through the real entry point, as a check on the staged timing above
    whole = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            summary = pipeline.run(args.inputs, Path(out), progress=False)
        whole.append(summary.pages / summary.seconds)
    print(f"formpipe run (pipeline.run): median {statistics.median(whole):.1f} pages/s over {args.runs} runs")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
