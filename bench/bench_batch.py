"""The nightly batch, end to end: `formpipe run` as the operator runs it, in a subprocess.

    python -m corpus.generate --count 2000 --out bench/data/big --seed 7   # once (git-ignored)
    python bench/bench_batch.py [--data bench/data/big] [--runs 3] [--workers 1 2]

For each worker count: `--runs` first runs into a fresh outputs folder (wall
time, pages/s), each followed by a no-change re-run over the same outputs (wall
time: listing, stat, manifest, nothing parsed). Peak resident memory of every
worker process is sampled every 0.2 s with psutil. Prints every run and the
medians, and writes them to bench/results/batch.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "import sys; from formpipe import pipeline; sys.exit(pipeline.main())", "--log-json", "run"]


class PeakMemory(threading.Thread):
    """Peak RSS (MB) of a process and, separately, of each of its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.parent = 0.0
        self.workers: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                self.parent = max(self.parent, self.root.memory_info().rss / 2**20)
                for p in self.root.children(recursive=True):
                    rss = p.memory_info().rss / 2**20
                    self.workers[p.pid] = max(self.workers.get(p.pid, 0.0), rss)
            except psutil.Error:
                continue


def formpipe(data: Path, out: Path, workers: int) -> tuple[float, dict, PeakMemory]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([*CLI, str(data), "-o", str(out), "--workers", str(workers), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    mem = PeakMemory(proc.pid)
    mem.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t0
    mem.done.set()
    mem.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"formpipe exited {proc.returncode}")
    return wall, json.loads(stdout.strip().splitlines()[-1]), mem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "big")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    if not args.data.exists():
        raise SystemExit(f"{args.data} missing: python -m corpus.generate --count 2000 --out {args.data} --seed 7")
    results = {}
    for w in args.workers:
        first, again, pps, worker_mb, parent_mb = [], [], [], [], []
        for i in range(args.runs):
            with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "data") as tmp:
                out = Path(tmp) / "outputs"
                wall, s, mem = formpipe(args.data, out, w)
                assert s["processed"] == s["discovered"], s
                first.append(wall)
                pps.append(s["pages"] / wall)
                worker_mb.append(max(mem.workers.values(), default=0.0))
                parent_mb.append(mem.parent)
                wall2, s2, _ = formpipe(args.data, out, w)
                assert s2["processed"] == 0 and s2["skipped"] == s["discovered"], s2
                again.append(wall2)
            print(f"workers {w} run {i + 1}: {s['discovered']} files, {s['pages']} pages in {wall:.1f} s "
                  f"= {pps[-1]:.1f} pages/s; no-change re-run {wall2:.2f} s; peak RSS per worker "
                  f"{worker_mb[-1]:.0f} MB, parent {parent_mb[-1]:.0f} MB", flush=True)
        results[w] = {"first_run_s": statistics.median(first), "pages_per_s": statistics.median(pps),
                      "rerun_s": statistics.median(again), "peak_worker_mb": max(worker_mb),
                      "peak_parent_mb": max(parent_mb), "runs": args.runs, "pages": s["pages"],
                      "files": s["discovered"]}
    print("\nmedians (wall time of the whole command, start-up included):")
    for w, r in results.items():
        print(f"  {w} worker(s): first run {r['first_run_s']:.1f} s ({r['pages_per_s']:.1f} pages/s), "
              f"no-change re-run {r['rerun_s']:.2f} s, peak RSS per worker {r['peak_worker_mb']:.0f} MB "
              f"(parent {r['peak_parent_mb']:.0f} MB)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
