"""Scanned versions of the corpus forms: image-only PDFs, page-image folders, TIFFs, mixed
PDFs, PDFs with a garbage text layer, and scans with a page turned 180° or 90°.

    python -m corpus.scan --out bench/data/scan300 --dpi 300 --profile mild
    python -m corpus.scan --out bench/data/scan200 --dpi 200 --profile harsh
    python -m corpus.scan --out DIR --profile harsh --forms jiangmen-sifa-2023 --kinds all
    python -m corpus.scan --committed            # the small sample in corpus/scan (+ truth/scan-*.json)
    python -m corpus.scan --src DIR --out bench/data/office-scan200 --profile office-harsh
    python -m corpus.scan --src DIR --out bench/data/office-photo --profile photo

--src takes any folder of forms with truth (pdf/<stem>.pdf, truth/<stem>.json), e.g. the
office-tool-chain forms; the office-* profiles add what office scans have (corpus/realism.py:
keystone, faint broken ruling, handwriting) and the photo profile photographs the printed sheet
(corpus/photo.py), one page-image folder per document: photo/<stem>/page-N.jpg.

Every page is rendered from corpus/pdf with pypdfium2 and degraded by corpus/degrade.py from a
seed derived from (seed, form, profile, dpi, page), so a page looks the same in every kind
that shows it at that dpi and profile.  Outputs (under --out):

    pdf/<stem>.pdf                  image-only PDF, one JPEG per page, page size = the source's
    images/<stem>-images/page-N.jpg one folder per document
    photo/<stem>/page-N.jpg         phone photos (profile photo), one folder per document
    tiff/<stem>-tiff.tif            multi-page TIFF, JPEG-compressed frames, dpi set
    mixed/<stem>-mixed.pdf          odd pages scanned, even pages the original vector pages
    garbage/<stem>-garbage.pdf      scanned, page 1 carries an invisible mojibake text layer
    rot180/<stem>-rot180.pdf        the last page turned upside down
    rot90/<stem>-rot90.pdf          page 1 turned 90° clockwise, on a page of swapped size
    truth/<name>.json               the source truth, source_path pointing at the document
    scan-manifest.json              per document and page: dpi, profile, seed, skew, seal, pen marks
                                    (office-*: homography_px, sheet_corners_px, ruling, handwriting;
                                    photo: photo.quad_px, the sheet's corners in the photo)

Boxes in the manifest are PDF points, origin top-left: "box" on the printed sheet (= the
source page), "box_scan" where it lands on the output page (skew and turn applied).
All bytes are reproducible: PDFium's creation date and random /ID are replaced by fixed values.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import re
import time
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from corpus.degrade import PROFILES, Word, degrade_page
from corpus.forms import write_truth
from corpus.garbage import garbage_layer
from corpus.photo import PHONE_DPI, photograph

CORPUS_DIR = Path(__file__).resolve().parent
KINDS = ("pdf", "images", "tiff", "mixed", "garbage", "rot180", "rot90", "photo")
MANIFEST = "scan-manifest.json"
DEFAULT_SEED = 2024


@dataclass(frozen=True)
class Job:
    stem: str                 # source form (corpus/pdf/<stem>.pdf)
    kind: str
    dpi: int
    profile: str
    name: str                 # document name: file stem, truth file stem
    quality: int | None = None  # JPEG quality; None: the profile's

    @property
    def rel(self) -> str:
        """Path of the document relative to the output folder (one folder per kind)."""
        if self.kind in ("images", "photo"):
            return f"{self.kind}/{self.name}"
        return f"{self.kind}/{self.name}.{'tif' if self.kind == 'tiff' else 'pdf'}"


class Source:
    """A born-digital corpus form: its PDF, truth and text-layer words."""

    def __init__(self, stem: str, pdf_dir: Path = CORPUS_DIR / "pdf", truth_dir: Path = CORPUS_DIR / "truth"):
        self.stem, self.path = stem, pdf_dir / f"{stem}.pdf"
        self.truth = json.loads((truth_dir / f"{stem}.json").read_text(encoding="utf-8"))
        self.pdf = pdfium.PdfDocument(self.path)

    def __len__(self) -> int:
        return len(self.pdf)

    def size(self, i: int) -> tuple[float, float]:
        w, h = self.pdf[i].get_size()
        return float(w), float(h)

    @cached_property
    def words(self) -> list[list[Word]]:
        import pdfplumber
        with pdfplumber.open(self.path) as doc:
            return [[Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in p.extract_words()]
                    for p in doc.pages]

    def render(self, i: int, dpi: int) -> np.ndarray:
        return np.asarray(self.pdf[i].render(scale=dpi / 72).to_pil().convert("RGB"))

    @cached_property
    def seal_targets(self) -> list[Word]:
        """The 部门预算支出 amounts as printed on page 1 (also when printed as `44, 770. 21`)."""
        import pdfplumber
        amounts = sorted({b["amount_wan"] for b in self.truth.get("budget_items", [])
                          if b.get("section") == "部门预算支出" and b.get("amount_wan")})
        with pdfplumber.open(self.path) as doc:
            page = doc.pages[0]
            hits = [page.search(amount_pattern(a), regex=True)[:1] for a in amounts]  # topmost: the 部门预算支出 cell
        return [Word(m["text"], m["x0"], m["top"], m["x1"], m["bottom"]) for h in hits for m in h]

    def seal_spec(self, rng: np.random.Generator) -> dict:
        return {"ring": self.truth.get("department") or "财务专用章", "centre": "财务专用章" if rng.random() < 0.5 else "",
                "targets": self.seal_targets}


def amount_pattern(amount: str) -> str:
    """Regex for an amount as printed: thousands commas and stray spaces allowed between chars."""
    return r"(?<![\d.,])" + r"[\s,]*".join(re.escape(c) for c in amount) + r"(?!\d)"


def page_rng(seed: int, stem: str, profile: str, dpi: int, page: int, salt: str = "") -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(stem.encode()), zlib.crc32((profile + salt).encode()), dpi, page])


def scan_page(src: Source, i: int, profile: str, dpi: int, seed: int) -> tuple[np.ndarray, dict]:
    """Page i (0-based) of the source as a degraded scan (RGB array) and its record."""
    rng = page_rng(seed, src.stem, profile, dpi, i)
    seal = src.seal_spec(rng) if i == 0 else None
    img, rec = degrade_page(src.render(i, dpi), src.size(i), src.words[i], PROFILES[profile], rng, seal)
    if profile == "photo":
        img, rec["photo"] = photograph(img, page_rng(seed, src.stem, profile, dpi, i, "camera"))
    return img, rec


def document_quality(job: Job, seed: int) -> int:
    """JPEG quality of a document: the job's, else drawn from the profile's range, else the profile's."""
    prof = PROFILES[job.profile]
    if job.quality:
        return job.quality
    if prof.jpeg_range:
        lo, hi = prof.jpeg_range
        return int(page_rng(seed, job.stem, job.profile, job.dpi, 0, "jpeg").integers(lo, hi + 1))
    return prof.jpeg_quality


def encode_jpeg(img: np.ndarray, dpi: int, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
    return buf.getvalue()


def _turn_points(box: list[float], turn: int, w: float, h: float) -> list[float]:
    """Box on a page of size (w, h) after turning the page `turn` degrees clockwise."""
    x0, y0, x1, y1 = box
    if turn == 180:
        return [round(w - x1, 2), round(h - y1, 2), round(w - x0, 2), round(h - y0, 2)]
    if turn == 90:
        return [round(h - y1, 2), round(x0, 2), round(h - y0, 2), round(x1, 2)]
    return box


def _turn(img: np.ndarray, rec: dict, turn: int, size: tuple[float, float]) -> np.ndarray:
    if "seal" in rec:
        rec["seal"]["box_scan"] = _turn_points(rec["seal"]["box_scan"], turn, *size)
    for m in rec["pen_marks"]:
        m["box_scan"] = _turn_points(m["box_scan"], turn, *size)
    return np.ascontiguousarray(np.rot90(img, k=-turn // 90))


# -- writers --------------------------------------------------------------------------

def _deterministic_pdf(data: bytes) -> bytes:
    """PDFium stamps the save time and a random /ID: replace both (same lengths, offsets stay)."""
    fixed = b"D:20000101000000+00'00'"
    data = re.sub(rb"(/(?:Creation|Mod)Date\()([^)]*)\)",
                  lambda m: m.group(1) + fixed[:len(m.group(2))].ljust(len(m.group(2))) + b")", data)
    blank = re.sub(rb"/ID\s*\[<[0-9A-Fa-f]+><[0-9A-Fa-f]+>\]", b"/ID[]", data)
    digest = hashlib.md5(blank).hexdigest().upper().encode()
    return re.sub(rb"(/ID\s*\[<)([0-9A-Fa-f]+)(><)([0-9A-Fa-f]+)(>\])",
                  lambda m: m.group(1) + digest[:len(m.group(2))] + m.group(3) + digest[:len(m.group(4))]
                  + m.group(5), data)


def write_pdf(path: Path, pages: list[dict], src: Source) -> None:
    """pages: {"jpeg": bytes, "size": (w, h), "overlay": pdf bytes | None} or {"vector": i}."""
    doc = pdfium.PdfDocument.new()
    keep = []
    for n, spec in enumerate(pages):
        if "vector" in spec:
            doc.import_pages(src.pdf, [spec["vector"]], index=n)
            continue
        w, h = spec["size"]
        page = doc.new_page(w, h)
        img = pdfium.PdfImage.new(doc)
        img.load_jpeg(io.BytesIO(spec["jpeg"]), inline=True)
        img.set_matrix(pdfium.PdfMatrix(w, 0, 0, h, 0, 0))
        page.insert_obj(img)
        if spec.get("overlay"):
            layer = pdfium.PdfDocument(spec["overlay"])
            keep.append(layer)
            page.insert_obj(layer.page_as_xobject(0, doc).as_pageobject())
        page.gen_content()
    buf = io.BytesIO()
    doc.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_deterministic_pdf(buf.getvalue()))


def write_tiff(path: Path, imgs: list[np.ndarray], dpi: int, quality: int) -> None:
    # YCbCr frames compress about 2x better than RGB ones; readers return RGB either way.
    frames = [Image.fromarray(a).convert("YCbCr") for a in imgs]
    path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], compression="jpeg",
                   quality=quality, dpi=(dpi, dpi))


def make_document(job: Job, src: Source, out: Path, seed: int) -> dict:
    """Write one scanned document under `out`; returns its manifest entry."""
    quality = document_quality(job, seed)
    n = len(src)
    vector = {i for i in range(n) if job.kind == "mixed" and i % 2 == 1}
    turn = {"rot180": {n - 1: 180}, "rot90": {0: 90}}.get(job.kind, {})
    pages, imgs, specs = [], [], []
    for i in range(n):
        size = src.size(i)
        if i in vector:
            pages.append({"page": i + 1, "source_page": i + 1, "vector": True, "size_pt": [round(v, 4) for v in size]})
            specs.append({"vector": i})
            continue
        img, rec = scan_page(src, i, job.profile, job.dpi, seed)
        t = turn.get(i, 0)
        if t:
            img = _turn(img, rec, t, size)
            size = (size[1], size[0]) if t == 90 else size
        if "photo" in rec:  # phones write 72 dpi and their own quality (unless the job sets one)
            jpeg = encode_jpeg(img, PHONE_DPI, job.quality or rec["photo"]["jpeg_quality"])
        else:
            jpeg = encode_jpeg(img, job.dpi, quality)
        entry = {"page": i + 1, "source_page": i + 1, "vector": False, "turn_cw": t,
                 "size_pt": [round(v, 4) for v in size], "image_px": [img.shape[1], img.shape[0]], **rec}
        spec = {"jpeg": jpeg, "size": size}
        if job.kind == "garbage" and i == 0:
            spec["overlay"], entry["garbage_text"] = garbage_layer(
                src.words[i], size, page_rng(seed, src.stem, job.profile, job.dpi, i, "garbage"))
        pages.append(entry)
        imgs.append(img)
        specs.append(spec)

    target = out / job.rel
    if job.kind in ("images", "photo"):
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("page-*.jpg"):
            old.unlink()
        for k, spec in enumerate(specs, 1):
            (target / f"page-{k}.jpg").write_bytes(spec["jpeg"])
    elif job.kind == "tiff":
        write_tiff(target, imgs, job.dpi, quality)
    else:
        write_pdf(target, specs, src)
    return {"kind": job.kind, "source": f"pdf/{src.stem}.pdf", "profile": job.profile, "dpi": job.dpi,
            "seed": seed, "jpeg_quality": quality, "pages": pages}


def write_source_truth(src: Source, source_path: str, path: Path) -> None:
    truth = copy.deepcopy(src.truth)
    truth["source_path"] = source_path
    write_truth(truth, path)


def run_jobs(jobs: list[Job], out: Path, truth_dir: Path, truth_prefix: str, rel_prefix: str,
             seed: int, sources: dict[str, Source] | None = None, src_root: Path = CORPUS_DIR) -> dict:
    """Write the documents, their truth files and (merged into the existing one) the manifest.
    Sources are src_root/pdf/<stem>.pdf with their truth in src_root/truth/<stem>.json."""
    sources = sources if sources is not None else {}
    mpath = out / MANIFEST
    manifest = json.loads(mpath.read_text(encoding="utf-8")) if mpath.exists() else {}
    for job in jobs:
        src = sources.get(job.stem) or sources.setdefault(job.stem, Source(job.stem, src_root / "pdf",
                                                                               src_root / "truth"))
        entry = make_document(job, src, out, seed)
        if src_root.resolve() != CORPUS_DIR:
            root = src_root.resolve()
            entry["source_root"] = str(root.relative_to(CORPUS_DIR.parent) if root.is_relative_to(CORPUS_DIR.parent)
                                       else root)
        manifest[f"{rel_prefix}{job.rel}"] = {"name": job.name, **entry}
        write_source_truth(src, f"{rel_prefix}{job.rel}", truth_dir / f"{truth_prefix}{job.name}.json")
    out.mkdir(parents=True, exist_ok=True)
    mpath.write_text(json.dumps(dict(sorted(manifest.items())), ensure_ascii=False, indent=1) + "\n",
                     encoding="utf-8")
    return manifest


# -- the committed sample ---------------------------------------------------------------

COMMITTED_QUALITY = 40     # JPEG quality of the committed sample (size; see corpus/README.md)
EXTRA_DPI = 150            # the other input kinds of the committed sample


def committed_jobs(stems: list[str] | None = None) -> list[Job]:
    """Two smallest forms at 300 dpi mild and 200 dpi harsh, one document of each other kind."""
    if stems is None:
        pages = {p.stem: json.loads((CORPUS_DIR / "truth" / f"{p.stem}.json").read_text(encoding="utf-8"))["pages"]
                 for p in (CORPUS_DIR / "pdf").glob("*.pdf")}
        stems = sorted(pages, key=lambda s: (pages[s], s))[:3]
    a, b, c = stems
    q = COMMITTED_QUALITY
    jobs = [Job(s, "pdf", dpi, prof, f"{s}-{dpi}-{prof}", q)
            for dpi, prof in ((300, "mild"), (200, "harsh")) for s in (a, b)]
    extras = [("images", c, "mild"), ("tiff", c, "harsh"), ("mixed", b, "mild"), ("garbage", a, "harsh"),
              ("rot180", c, "mild"), ("rot90", a, "harsh")]
    jobs += [Job(s, kind, EXTRA_DPI, prof, f"{s}-{kind}", q) for kind, s, prof in extras]
    return jobs


def build_committed(root: Path = CORPUS_DIR, only: set[str] | None = None, seed: int = DEFAULT_SEED) -> dict:
    jobs = [j for j in committed_jobs() if only is None or j.name in only]
    return run_jobs(jobs, root / "scan", root / "truth", "scan-", "scan/", seed)


def bench_jobs(stems: list[str], kinds: list[str], dpi: int, profile: str, quality: int | None) -> list[Job]:
    return [Job(s, k, dpi, profile, s if k in ("pdf", "photo") else f"{s}-{k}", quality) for s in stems for k in kinds]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="output folder (with --committed: the corpus folder, "
                                             "default corpus/; the sample goes to <out>/scan)")
    ap.add_argument("--src", type=Path, default=CORPUS_DIR,
                    help="folder of the source forms: pdf/<stem>.pdf and truth/<stem>.json (default corpus/)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="mild",
                    help="mild/harsh: the project's scans; office-mild (300 dpi), office-harsh (200 dpi): "
                         "scans as offices make them; photo: phone photos (kind photo)")
    ap.add_argument("--dpi", type=int, help="default: the profile's (mild 300, harsh 200)")
    ap.add_argument("--forms", help="comma-separated source stems (default: every form in corpus/pdf)")
    ap.add_argument("--kinds", help=f"comma-separated of {','.join(KINDS)}, or all "
                                     "(default pdf; photo with --profile photo)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--quality", type=int, help="JPEG quality (default: the profile's)")
    ap.add_argument("--committed", action="store_true", help="write the committed sample")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    if args.committed:
        root = args.out or CORPUS_DIR
        manifest = build_committed(root, seed=args.seed)
        print(f"{len(manifest)} scanned documents -> {root / 'scan'} ({time.perf_counter() - started:.1f}s)")
        return
    if args.out is None:
        ap.error("--out is required (or --committed)")
    photo = args.profile == "photo"
    kinds_arg = args.kinds or ("photo" if photo else "pdf")
    kinds = [k for k in KINDS if k != "photo"] if kinds_arg == "all" else kinds_arg.split(",")
    if bad := [k for k in kinds if k not in KINDS]:
        ap.error(f"unknown kind(s): {', '.join(bad)}")
    if photo != (kinds == ["photo"]):
        ap.error("the photo profile makes the photo kind and only it")
    stems = args.forms.split(",") if args.forms else sorted(p.stem for p in (args.src / "pdf").glob("*.pdf"))
    dpi = args.dpi or PROFILES[args.profile].dpi
    jobs = bench_jobs(stems, kinds, dpi, args.profile, args.quality)
    manifest = run_jobs(jobs, args.out, args.out / "truth", "", "", args.seed, src_root=args.src)
    pages = sum(len(manifest[j.rel]["pages"]) for j in jobs)
    print(f"{len(jobs)} scanned documents, {pages} pages, {dpi} dpi {args.profile} -> {args.out} "
          f"({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
