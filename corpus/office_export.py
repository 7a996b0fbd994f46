"""Generate office-made forms: workbook (openpyxl) -> PDF (LibreOffice headless) + truth JSON.

    python -m corpus.office_export --count 20 --seed 7 --out bench/data/office
    python -m corpus.office_export --committed        # rewrites corpus/office/ (the CI sample)

Writes <out>/xlsx/<stem>.xlsx, <out>/pdf/<stem>.pdf and <out>/truth/<stem>.json. The workbook
and the truth depend on (seed, i) only; the PDF on those and the LibreOffice version.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2

from corpus.forms import to_truth, write_truth
from corpus.office import office_form
from corpus.office_sheet import build_workbook

CORPUS_DIR = Path(__file__).resolve().parent
# The committed sample: seeds picked for few pages and, between them, page breaks inside merged
# 一级/二级 ranges (split with and without the label, unmerged), a single 指标值 column, blank,
# whole and grouped-text amounts, empty headings, an odd 一级, 目标1…N goals, both staff rows.
COMMITTED_SEEDS = ["c103", "c79", "c235", "c163"]
SOFFICE_TIMEOUT_S = 300


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def form_seed(seed: str | int, i: int) -> str:
    return f"{seed}-{i}"


def uses_word(seed: str, word_share: float) -> bool:
    """Whether the form is typed in a word processor rather than a worksheet (fixed per seed)."""
    return random.Random(f"tool-{seed}").random() < word_share


def write_source(seed: str, out: Path, word: bool = False) -> tuple[Path, dict]:
    """Write <out>/xlsx/<stem>.xlsx (or <out>/docx/word-<seed>.docx); return it and the truth
    (pages filled in after export)."""
    rec, layout, extras = office_form(seed)
    if word:
        from corpus.office_docx import build_docx  # python-docx only where Word forms are made
        rec.stem = f"word-{seed}"
        path = out / "docx" / f"{rec.stem}.docx"
        path.parent.mkdir(parents=True, exist_ok=True)
        build_docx(rec, layout, extras).save(path)
    else:
        wb, _ = build_workbook(rec, layout, extras)
        path = out / "xlsx" / f"{rec.stem}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    return path, to_truth(rec, f"pdf/{rec.stem}.pdf", 0)


def convert(xlsx: list[Path], pdf_dir: Path, jobs: int = 1) -> None:
    """Export workbooks and documents to PDF, `jobs` LibreOffice processes at once (each needs
    its own profile)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    pdf_dir.mkdir(parents=True, exist_ok=True)
    chunks = [xlsx[k::jobs] for k in range(jobs) if xlsx[k::jobs]]

    def run(chunk: list[Path]) -> None:
        with tempfile.TemporaryDirectory(prefix="formpipe-lo-") as profile:
            subprocess.run([exe, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                            "--convert-to", "pdf", "--outdir", str(pdf_dir), *map(str, chunk)],
                           check=True, capture_output=True, timeout=SOFFICE_TIMEOUT_S + 30 * len(chunk))

    with ThreadPoolExecutor(len(chunks) or 1) as pool:
        list(pool.map(run, chunks))


def generate(seeds: list[str], out: Path, jobs: int = 1, word_share: float = 0.0) -> list[Path]:
    """Workbooks (or Word documents, for a share of the seeds), PDFs and truth; returns the PDFs."""
    made = [write_source(s, out, uses_word(s, word_share)) for s in seeds]
    convert([p for p, _ in made], out / "pdf", jobs)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    pdfs = []
    for xlsx, truth in made:
        pdf = out / "pdf" / f"{xlsx.stem}.pdf"
        doc = pypdfium2.PdfDocument(str(pdf))
        truth["pages"] = len(doc)
        doc.close()
        write_truth(truth, out / "truth" / f"{xlsx.stem}.json")
        pdfs.append(pdf)
    return pdfs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=CORPUS_DIR.parent / "bench" / "data" / "office")
    ap.add_argument("--jobs", type=int, default=2, help="LibreOffice processes at once")
    ap.add_argument("--word-share", type=float, default=0.0, help="fraction of forms made as Word tables")
    ap.add_argument("--committed", action="store_true", help="rewrite the committed sample corpus/office/")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    if args.committed:
        out = CORPUS_DIR / "office"
        with tempfile.TemporaryDirectory() as tmp:
            pdfs = generate(COMMITTED_SEEDS, Path(tmp), args.jobs)
            for sub in ("pdf", "truth"):
                (out / sub).mkdir(parents=True, exist_ok=True)
            for pdf in pdfs:
                shutil.copy(pdf, out / "pdf" / pdf.name)
                truth = json.loads((Path(tmp) / "truth" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
                truth["source_path"] = f"office/pdf/{pdf.name}"
                write_truth(truth, out / "truth" / f"{pdf.stem}.json")
    else:
        pdfs = generate([form_seed(args.seed, i) for i in range(args.count)], args.out, args.jobs, args.word_share)
    print(f"{len(pdfs)} PDFs in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
