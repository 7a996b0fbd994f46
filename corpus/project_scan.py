"""Project forms, born-digital (LibreOffice) and scanned (corpus/scan.py's degradations), with truth.

    python -m corpus.project_scan --count 10 --seed 1 --out bench/data/projects [--dpi 300 --profile mild]

Writes <out>/pdf/<stem>.pdf (born-digital), <out>/scan<dpi>-<profile>/<stem>.pdf (image-only)
and <out>/truth/<stem>.json in the disclosure truth format (one form per file, pages 1..N), so
review/disclosure_score.py scores both folders.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pypdfium2 as pdfium

from corpus.forms import write_truth
from corpus.office_export import convert
from corpus.project_form import project_form
from corpus.scan import PROFILES, Source, encode_jpeg, scan_page, write_pdf
from corpus.sheets import save

CORPUS_DIR = Path(__file__).resolve().parent


class ProjectSource(Source):
    """A generated project form as a source page set for corpus/scan.py (no seal over amounts)."""

    def __init__(self, path: Path, truth: dict):  # noqa: D107 - Source reads corpus/ files; this one is given
        self.stem, self.path, self.truth = path.stem, path, truth
        self.pdf = pdfium.PdfDocument(path)

    def seal_spec(self, rng):
        return None


def generate(seeds: list[str], out: Path, jobs: int = 2) -> list[Path]:
    made = []
    for seed in seeds:
        grid, truth = project_form(seed)
        path = out / "xlsx" / f"project-{seed}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        save(grid, path)
        made.append((path, truth))
    convert([p for p, _ in made if not (out / "pdf" / f"{p.stem}.pdf").exists()], out / "pdf", jobs)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    pdfs = []
    for path, truth in made:
        pdf = out / "pdf" / f"{path.stem}.pdf"
        doc = pdfium.PdfDocument(str(pdf))
        record = {"source_path": f"pdf/{pdf.name}", "pages": len(doc),
                  "forms": [{"form_no": 1, **truth, "first_page": 1, "last_page": len(doc)}]}
        doc.close()
        write_truth(record, out / "truth" / f"{path.stem}.json")
        pdfs.append(pdf)
    return pdfs


def scan(pdfs: list[Path], out: Path, dpi: int, profile: str, seed: int = 7) -> Path:
    folder = out / f"scan{dpi}-{profile}"
    for pdf in pdfs:
        truth = json.loads((out / "truth" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
        src = ProjectSource(pdf, truth)
        pages = []
        for i in range(len(src)):
            img, _ = scan_page(src, i, profile, dpi, seed)
            pages.append({"jpeg": encode_jpeg(img, dpi, PROFILES[profile].jpeg_quality), "size": src.size(i)})
        write_pdf(folder / pdf.name, pages, src)
    return folder


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=CORPUS_DIR.parent / "bench" / "data" / "projects")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--profile", default="mild", choices=sorted(PROFILES))
    ap.add_argument("--no-scan", action="store_true")
    args = ap.parse_args(argv)
    pdfs = generate([f"{args.seed}-{i}" for i in range(args.count)], args.out)
    if not args.no_scan:
        print(f"scans in {scan(pdfs, args.out, args.dpi, args.profile)}")
    print(f"{len(pdfs)} project forms in {args.out / 'pdf'}")


if __name__ == "__main__":
    main()
