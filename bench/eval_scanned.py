"""Accuracy on scanned sets: `formpipe run` + `formpipe eval` per set, and the pooled figure.

    python bench/eval_scanned.py [--engine rapidocr] [--workers 2] SET_DIR ...

Each SET_DIR is what `python -m corpus.scan --out SET_DIR` writes (pdf/, truth/). One
14-form set holds 187 amounts, so one value is 0.53 points: the harsh profile is also
generated under other seeds (`make corpus-scan-seeds`: same forms, other seal and pen
placements) and pooled, which says more than any one set. Prints a table and writes
bench/results/scan-accuracy-<engine>-<first set>.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from formpipe.review.evaluate import EvalResult, evaluate

ROOT = Path(__file__).resolve().parent.parent


def run_set(set_dir: Path, engine: str, workers: int, out: Path) -> EvalResult:
    cmd = [str(ROOT / ".venv/bin/formpipe"), "run", str(set_dir / "pdf"), "-o", str(out), "--no-progress",
           "--ocr-engine", engine, "--workers", str(workers)]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return evaluate(set_dir / "truth", out)


def row(name: str, r: EvalResult) -> dict:
    return {"set": name, "documents": r.documents,
            "amounts": [r.amounts.exact, r.amounts.total], "short": [r.short.exact, r.short.total],
            "long_errors": r.long_errors, "long_chars": r.long_chars, "unflagged_wrong": r.unflagged_wrong,
            "missing": dict(r.missing), "extra": dict(r.extra)}


def line(d: dict) -> str:
    (ae, at), (se, st) = d["amounts"], d["short"]
    cer = d["long_errors"] / d["long_chars"] if d["long_chars"] else 0.0
    return (f"| {d['set']} | {ae}/{at} ({ae / at:.2%}) | {se}/{st} ({se / st:.2%}) | {cer:.3%} "
            f"| {d['unflagged_wrong']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--engine", default="rapidocr")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, s in enumerate(args.sets):
            rows.append(row(s.name, run_set(s, args.engine, args.workers, Path(tmp) / str(i))))
            print(line(rows[-1]), flush=True)
    if len(rows) > 1:
        pooled = {"set": "pooled", "missing": {}, "extra": {}}
        for key in ("documents", "long_errors", "long_chars", "unflagged_wrong"):
            pooled[key] = sum(r[key] for r in rows)
        for key in ("amounts", "short"):
            pooled[key] = [sum(r[key][0] for r in rows), sum(r[key][1] for r in rows)]
        rows.append(pooled)
        print(line(pooled))
    out = ROOT / "bench" / "results" / f"scan-accuracy-{args.engine}-{args.sets[0].name}.json"
    out.write_text(json.dumps({"engine": args.engine, "sets": rows}, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
