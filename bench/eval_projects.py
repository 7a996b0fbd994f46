"""Score a run over generated project forms (corpus/project_scan.py) against their truth.

    PYTHONPATH=. .venv/bin/python -m corpus.project_scan --count 8 --seed 3 --dpi 200 --profile harsh
    .venv/bin/python bench/eval_projects.py bench/data/projects/scan200-harsh [--list] [--workers 2]

Runs `formpipe run` on the folder (outputs under <folder>-outputs, replaced), then scores it with
review/disclosure_score.py against <folder>/../truth and prints one `projects:` line: forms found
with their pages, amounts exact, fields exact or flagged, silent wrong amounts; --list prints
every value that is not exact and every form problem.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from formpipe.review.disclosure_score import score_outputs

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a folder of project-form PDFs made by corpus/project_scan.py")
    ap.add_argument("--truth", type=Path, help="default: the folder's sibling truth/")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    folder = args.folder.resolve()
    truth = args.truth or folder.parent / "truth"
    outputs = folder.parent / f"{folder.name}-outputs"
    if outputs.exists():
        shutil.rmtree(outputs)
    run = subprocess.run([str(ROOT / ".venv" / "bin" / "formpipe"), "run", str(folder), "-o", str(outputs),
                          "--no-progress", "--workers", str(args.workers)], capture_output=True, text=True)
    (outputs / "run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    res = score_outputs(truth, outputs)
    if args.list:
        for p in res.problems:
            print("FORM", p)
        for m in res.values.mismatches:
            print("MISS", m)
    v = res.values
    print(f"projects: {folder.name} forms={res.forms} found={res.found} right_range={res.right_range} "
          f"invented={res.invented} failed={res.failed} short={v.short_exact:.4f} longCER={v.long_cer:.4f} "
          f"{v.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
