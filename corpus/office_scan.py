"""The committed sample of office forms as offices scan and photograph them (corpus/office-scan/).

    python -m corpus.office_scan            # rewrites corpus/office-scan/ identically

The smallest committed office form (corpus/office/, LibreOffice-made) as a 200 dpi
office-harsh scan (pdf/<stem>-200-office-harsh.pdf) and as phone photos
(photo/<stem>-photo/page-N.jpg), with truth/<name>.json (source_path relative to
corpus/office-scan/) and scan-manifest.json (per page: homography, ruling, handwriting, the
photo's quad_px). JPEG quality is lowered to keep the sample small (see COMMITTED_QUALITY);
full sets come from `make corpus-office-scan` into bench/data/.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from corpus.scan import CORPUS_DIR, DEFAULT_SEED, Job, run_jobs

SOURCE = CORPUS_DIR / "office"
OUT = CORPUS_DIR / "office-scan"
# q40 for the scan (the bottom of office-harsh's 40-50) and q50 for the photos: a 3000 x 2250
# photo page is 0.6-0.9 MB at the phone's q82-92 and 150-250 KB at q50 (measured on these
# forms); the whole sample is under 1 MB.
COMMITTED_QUALITY = {"office-harsh": 40, "photo": 50}


def smallest_form(source: Path = SOURCE) -> str:
    pages = {p.stem: json.loads(p.read_text(encoding="utf-8"))["pages"] for p in (source / "truth").glob("*.json")}
    return min(pages, key=lambda s: (pages[s], s))


def committed_jobs(stem: str) -> list[Job]:
    return [Job(stem, "pdf", 200, "office-harsh", f"{stem}-200-office-harsh", COMMITTED_QUALITY["office-harsh"]),
            Job(stem, "photo", 200, "photo", f"{stem}-photo", COMMITTED_QUALITY["photo"])]


def build(out: Path = OUT, source: Path = SOURCE, seed: int = DEFAULT_SEED) -> dict:
    return run_jobs(committed_jobs(smallest_form(source)), out, out / "truth", "", "", seed, src_root=source)


if __name__ == "__main__":
    started = time.perf_counter()
    manifest = build()
    print(f"{len(manifest)} documents -> {OUT} ({time.perf_counter() - started:.1f}s)")
