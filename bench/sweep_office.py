"""Layout sweep: N random office-made forms (openpyxl -> LibreOffice PDF) through the pipeline.

    .venv/bin/python bench/sweep_office.py --count 300 --seed 1 --out bench/data/sweep [--list]

Generates the forms with their truth (corpus/office_export.py), runs `formpipe run` on them,
and prints one line:

    sweep: forms=N fields_exact_or_flagged=… fields_exact=… amounts_exact=… silent_wrong_amounts=…
           unaccounted_cells=… docs_ok=…/N …

(review/flagged_score.py says how each figure is counted), and with --list every mismatch.
The same --seed and --count give the same workbooks and truth. Forms already generated under
--out are reused unless --regenerate.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.office_export import form_seed, generate  # noqa: E402
from review.flagged_score import score_outputs  # noqa: E402


def sweep(count: int, seed: str, out: Path, *, jobs: int = 2, workers: int | None = None,
          regenerate: bool = False, score_only: bool = False) -> tuple[object, dict]:
    """Generate (or reuse), run and score; returns the Score and timings in seconds."""
    out = out.resolve()  # the input folder links to the generated files by absolute path
    seeds = [form_seed(seed, i) for i in range(count)]
    timings = {"generate": 0.0, "run": 0.0}
    if score_only:
        return score_outputs(out / "inputs" / "truth", out / "outputs"), timings
    started = time.perf_counter()
    if regenerate and out.exists():
        shutil.rmtree(out)
    wanted = [s for s in seeds if regenerate or not (out / "truth" / f"office-{s}.json").exists()]
    if wanted:
        generate(wanted, out, jobs)
    timings["generate"] = time.perf_counter() - started
    # only this sweep's forms: a folder reused with another --count holds others too
    inputs = out / "inputs"
    if inputs.exists():
        shutil.rmtree(inputs)
    (inputs / "pdf").mkdir(parents=True)
    (inputs / "truth").mkdir()
    for s in seeds:
        for sub, ext in (("pdf", "pdf"), ("truth", "json")):
            (inputs / sub / f"office-{s}.{ext}").symlink_to(out / sub / f"office-{s}.{ext}")
    outputs = out / "outputs"
    if outputs.exists():
        shutil.rmtree(outputs)
    started = time.perf_counter()
    cmd = [str(ROOT / ".venv" / "bin" / "formpipe"), "run", str(inputs / "pdf"), "-o", str(outputs), "--no-progress"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    (out / "run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    timings["run"] = time.perf_counter() - started
    return score_outputs(inputs / "truth", outputs), timings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "sweep")
    ap.add_argument("--jobs", type=int, default=2, help="LibreOffice processes at once")
    ap.add_argument("--workers", type=int, help="formpipe run --workers (default: its own)")
    ap.add_argument("--regenerate", action="store_true", help="make the forms again even if present")
    ap.add_argument("--list", action="store_true", help="print every mismatch")
    ap.add_argument("--score-only", action="store_true", help="score the outputs of the last run under --out again")
    args = ap.parse_args(argv)
    score, t = sweep(args.count, args.seed, args.out, jobs=args.jobs, workers=args.workers,
                     regenerate=args.regenerate, score_only=args.score_only)
    if args.list:
        for m in score.mismatches:
            print("MISS", m)
    print(f"sweep: forms={args.count} seed={args.seed} {score.summary()} "
          f"generate={t['generate']:.0f}s run={t['run']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
