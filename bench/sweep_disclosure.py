"""Disclosure sweep: N generated budget-disclosure PDFs (0..n forms among other pages) through the pipeline.

    .venv/bin/python bench/sweep_disclosure.py --count 100 --seed 1 [--list]

Generates the PDFs with their truth (corpus/disclosure.py) under --out (reused when present),
runs `formpipe run` on them and prints one line:

    disclosure: files=… forms=… found=… right_range=… invented=… no_form=…/… failed=…
                fields_exact_or_flagged=… amounts_exact=… silent_wrong_amounts=… …

(review/disclosure_score.py says how each figure is counted); --list prints every problem
and every value that is not exact.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from formpipe.review.disclosure_score import score_outputs

try:  # the generator is a development tool, found from the project root (PYTHONPATH=.), not installed
    from corpus.disclosure import generate
except ImportError as e:
    raise SystemExit(f"run from the project root: PYTHONPATH=. python bench/sweep_disclosure.py ... ({e})") from e

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "disclosure")
    ap.add_argument("--jobs", type=int, default=2, help="LibreOffice processes at once")
    ap.add_argument("--workers", type=int, default=2, help="formpipe run --workers")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    out = args.out.resolve() / f"seed-{args.seed}-n{args.count}"
    started = time.perf_counter()
    if not (out / "truth").exists() or len(list((out / "truth").glob("*.json"))) < args.count:
        generate([f"{args.seed}-{i}" for i in range(args.count)], out, args.jobs)
    gen_s = time.perf_counter() - started
    outputs = out / "outputs"
    if outputs.exists():
        shutil.rmtree(outputs)
    started = time.perf_counter()
    run = subprocess.run([str(ROOT / ".venv" / "bin" / "formpipe"), "run", str(out / "pdf"), "-o", str(outputs),
                          "--no-progress", "--workers", str(args.workers)], capture_output=True, text=True)
    (out / "run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    run_s = time.perf_counter() - started
    res = score_outputs(out / "truth", outputs)
    if args.list:
        for p in res.problems:
            print("FORM", p)
        for m in res.values.mismatches:
            print("MISS", m)
    print(f"disclosure: seed={args.seed} {res.summary()} generate={gen_s:.0f}s run={run_s:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
