"""The scanned corpus: degradations are deterministic and recorded truthfully; the committed
sample (corpus/scan) is what corpus.scan makes, and each document's truth is its source's."""
import hashlib
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from samepages import assert_same_pages

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SCAN = CORPUS / "scan"
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc")
needs_fonts = pytest.mark.skipif(not all(Path(f).exists() for f in FONTS), reason="corpus fonts not installed")

cv2 = pytest.importorskip("cv2")
pdfplumber = pytest.importorskip("pdfplumber")
pdfium = pytest.importorskip("pypdfium2")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SCAN / "scan-manifest.json").read_text(encoding="utf-8"))


def _by_kind(manifest: dict, kind: str, **want) -> list[tuple[str, dict]]:
    return [(rel, e) for rel, e in manifest.items()
            if e["kind"] == kind and all(e[k] == v for k, v in want.items())]


@pytest.fixture(scope="module")
def source():
    from corpus.scan import Source
    return Source("jiangmen-sifa-2023")


def _page_image(path: Path, page: int, dpi: int) -> np.ndarray:
    doc = pdfium.PdfDocument(path)
    return np.asarray(doc[page].render(scale=dpi / 72).to_pil().convert("RGB"))


def _skew(img: np.ndarray) -> float:
    """Angle (degrees, counter-clockwise) of the long ruling lines: Hough segments, then a
    least-squares fit of the ink pixels along each."""
    ink = (cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) < 140).astype(np.uint8) * 255
    segs = cv2.HoughLinesP(ink, 1, math.pi / 720, threshold=200, minLineLength=int(img.shape[1] * 0.3), maxLineGap=4)
    ys, xs = np.nonzero(ink)
    angles = []
    for x1, y1, x2, y2 in segs.reshape(-1, 4):
        if abs(x2 - x1) <= 4 * abs(y2 - y1):
            continue
        slope = (y2 - y1) / (x2 - x1)
        near = (xs >= min(x1, x2)) & (xs <= max(x1, x2)) & (np.abs(ys - (y1 + slope * (xs - x1))) <= 3)
        angles.append(-math.degrees(math.atan(np.polyfit(xs[near], ys[near], 1)[0])))
    assert len(angles) >= 5
    return float(np.median(angles))


def _red(img: np.ndarray) -> np.ndarray:
    r, g, b = (img[:, :, k].astype(int) for k in range(3))
    return (r > 140) & (r - g > 70) & (r - b > 60)


def _intersects(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@needs_fonts
def test_degradation_is_deterministic_for_a_seed(source):
    from corpus.scan import scan_page
    a, ra = scan_page(source, 0, "harsh", 60, seed=5)
    b, rb = scan_page(source, 0, "harsh", 60, seed=5)
    c, _ = scan_page(source, 0, "harsh", 60, seed=6)
    assert np.array_equal(a, b) and ra == rb
    assert not np.array_equal(a, c)
    assert 0.8 <= abs(ra["rotation_deg"]) <= 1.5 and 0.8 <= ra["blur_sigma_px"] <= 1.0
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3


@needs_fonts
@pytest.mark.parametrize("profile,seed,page", [("mild", 1, 1), ("harsh", 3, 0)])
def test_recorded_rotation_matches_the_ruling_lines(source, profile, seed, page):
    from corpus.scan import scan_page
    img, rec = scan_page(source, page, profile, 150, seed)
    lo, hi = {"mild": (0.3, 1.0), "harsh": (0.8, 1.5)}[profile]
    assert lo <= abs(rec["rotation_deg"]) <= hi
    assert abs(_skew(img) - rec["rotation_deg"]) < 0.15


def test_committed_scans_show_the_recorded_skew(manifest):
    rel, entry = _by_kind(manifest, "pdf", profile="harsh")[0]
    page = entry["pages"][1]
    assert abs(_skew(_page_image(CORPUS / rel, 1, 100)) - page["rotation_deg"]) < 0.15


def _amount_boxes(stem: str) -> list[list[float]]:
    """Boxes of the 部门预算支出 amounts on page 1 of the born-digital source."""
    truth = json.loads((CORPUS / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
    amounts = {b["amount_wan"] for b in truth["budget_items"] if b["section"] == "部门预算支出"}
    with pdfplumber.open(CORPUS / "pdf" / f"{stem}.pdf") as pdf:
        text = pdf.pages[0].extract_text()
        hits = [m for a in amounts for m in pdf.pages[0].search(
            r"(?<![\d.,])" + r"[ ,]*".join(re.escape(c) for c in a) + r"(?!\d)", regex=True)]
    assert len(hits) == len(amounts) or "  " in text or ", " in text  # printed with defects
    return [[m["x0"], m["top"], m["x1"], m["bottom"]] for m in hits]


@pytest.mark.parametrize("profile", ["mild", "harsh"])
def test_the_seal_is_red_and_sits_over_an_amount(manifest, profile):
    for rel, entry in _by_kind(manifest, "pdf", profile=profile):
        page = entry["pages"][0]
        seal = page["seal"]
        stem = Path(entry["source"]).stem
        boxes = _amount_boxes(stem)
        assert boxes and any(_intersects(seal["box"], b) for b in boxes), rel
        dpi = 100
        img = _page_image(CORPUS / rel, 0, dpi)
        s = dpi / 72
        red = _red(img)
        for mark in page["pen_marks"]:   # red pens are not the seal
            if mark["colour"] == "red":
                x0, y0, x1, y1 = (round(v * s) for v in mark["box_scan"])
                red[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = False
        x0, y0, x1, y1 = (round(v * s) for v in seal["box_scan"])
        inside = red[max(0, y0 - 2):y1 + 3, max(0, x0 - 2):x1 + 3].sum()
        area = (x1 - x0) * (y1 - y0)
        assert inside > 0.04 * area, rel                   # ring, star and text are there
        assert inside > 0.97 * red.sum(), rel              # and nowhere else
        r, g, b = (np.median(img[:, :, k][red]) for k in range(3))
        assert r > 170 and g < 110 and b < 120, (rel, r, g, b)
        # the print under the seal stays dark in red light (multiply blend, removable by colour)
        printed = _page_image(CORPUS / entry["source"], 0, dpi)
        px0, py0, px1, py1 = (round(v * s) for v in seal["box"])
        ink_src = (printed[py0:py1, px0:px1, 0] < 140).sum()
        ink_scan = (img[y0:y1, x0:x1, 0] < 140).sum()
        assert ink_src > 50 and ink_scan > 0.5 * ink_src, (rel, ink_src, ink_scan)


def test_pen_marks_are_coloured_where_recorded(manifest):
    seen = 0
    for rel, entry in _by_kind(manifest, "pdf"):
        for page in entry["pages"]:
            if not page["pen_marks"]:
                continue
            img = _page_image(CORPUS / rel, page["page"] - 1, 100).astype(int)
            s = 100 / 72
            for mark in page["pen_marks"]:
                x0, y0, x1, y1 = (round(v * s) for v in mark["box_scan"])
                sub = img[y0:y1 + 1, x0:x1 + 1]
                if mark["colour"] == "blue":
                    hits = (sub[:, :, 2] - sub[:, :, 0] > 50) & (sub[:, :, 2] > 90)
                else:
                    hits = (sub[:, :, 0] - sub[:, :, 1] > 70)
                assert hits.sum() >= 5, (rel, mark)
                seen += 1
    assert seen >= 4


def test_image_only_pdfs_have_no_text_layer_and_the_source_page_size(manifest):
    for rel, entry in manifest.items():
        if entry["kind"] not in ("pdf", "rot180", "rot90"):
            continue
        data = (CORPUS / rel).read_bytes()
        assert data.count(b"/DCTDecode") == len(entry["pages"])
        with pdfplumber.open(CORPUS / rel) as scan, pdfplumber.open(CORPUS / entry["source"]) as src:
            assert len(scan.pages) == len(src.pages)
            for sp, pp, page in zip(scan.pages, src.pages, entry["pages"]):
                assert not sp.chars and len(sp.images) == 1
                size = (pp.width, pp.height) if page["turn_cw"] != 90 else (pp.height, pp.width)
                assert (sp.width, sp.height) == pytest.approx(size, abs=1e-3)


def test_turned_pages(manifest):
    (rel90, e90), = _by_kind(manifest, "rot90")
    with pdfplumber.open(CORPUS / rel90) as pdf:
        first = pdf.pages[0]
        assert first.width > first.height and pdf.pages[1].width < pdf.pages[1].height
    assert [p["turn_cw"] for p in e90["pages"]][:2] == [90, 0]
    (rel180, e180), = _by_kind(manifest, "rot180")
    assert [p["turn_cw"] for p in e180["pages"]][-1] == 180
    # the same page, same seed, dpi and profile, as the page-image folder: turned upside down
    (rel_img, e_img), = _by_kind(manifest, "images", source=e180["source"], dpi=e180["dpi"], profile=e180["profile"])
    n = len(e180["pages"])
    from PIL import Image
    upright = np.asarray(Image.open(CORPUS / rel_img / f"page-{n}.jpg").convert("RGB")).astype(int)
    doc = pdfium.PdfDocument(CORPUS / rel180)
    jpeg = next(o for o in doc[n - 1].get_objects() if isinstance(o, pdfium.PdfImage)).get_data()
    turned = np.asarray(Image.open(io.BytesIO(bytes(jpeg))).convert("RGB")).astype(int)
    assert turned.shape == upright.shape
    assert np.abs(turned[::-1, ::-1] - upright).mean() < 4 < np.abs(turned - upright).mean()


def test_mixed_and_garbage_text_layers(manifest):
    (rel, entry), = _by_kind(manifest, "mixed")
    with pdfplumber.open(CORPUS / rel) as pdf:
        assert [bool(p.chars) for p in pdf.pages] == [p["vector"] for p in entry["pages"]] == [False, True]
    (rel, entry), = _by_kind(manifest, "garbage")
    truth = json.loads((CORPUS / "truth" / f"{Path(entry['source']).stem}.json").read_text(encoding="utf-8"))
    with pdfplumber.open(CORPUS / rel) as pdf:
        text = pdf.pages[0].extract_text()
        assert len(pdf.pages[0].chars) > 300 and not pdf.pages[1].chars
    assert entry["pages"][0]["garbage_text"]
    assert truth["department"] not in text and "预算" not in text and "部门" not in text


def test_tiff_has_one_frame_per_page(manifest):
    from PIL import Image
    (rel, entry), = _by_kind(manifest, "tiff")
    with Image.open(CORPUS / rel) as tif:
        assert tif.n_frames == len(entry["pages"]) >= 2
        assert tif.info["dpi"] == pytest.approx((entry["dpi"], entry["dpi"]))
        for k, page in enumerate(entry["pages"]):
            tif.seek(k)
            assert tif.size == tuple(page["image_px"]) and tif.convert("RGB").getpixel((5, 5))[0] > 200


def test_page_image_folder_is_one_document(manifest):
    from formpipe.extract.document import page_images
    (rel, entry), = _by_kind(manifest, "images")
    pages = page_images(CORPUS / rel)
    assert [p.name for p in pages] == [f"page-{k}.jpg" for k in range(1, len(entry["pages"]) + 1)]


def test_committed_truth_is_the_source_truth(manifest):
    names = set()
    for rel, entry in manifest.items():
        assert (CORPUS / rel).exists(), rel
        truth = json.loads((CORPUS / "truth" / f"scan-{entry['name']}.json").read_text(encoding="utf-8"))
        src = json.loads((CORPUS / "truth" / f"{Path(entry['source']).stem}.json").read_text(encoding="utf-8"))
        assert truth["source_path"] == rel and rel.startswith("scan/")
        assert {**truth, "source_path": src["source_path"]} == src
        assert truth["pages"] == len(entry["pages"])
        names.add(f"scan-{entry['name']}.json")
    assert names == {p.name for p in (CORPUS / "truth").glob("scan-*.json")}
    kinds = sorted(e["kind"] for e in manifest.values())
    assert kinds == sorted(["pdf"] * 4 + ["images", "tiff", "mixed", "garbage", "rot180", "rot90"])
    assert {(e["dpi"], e["profile"]) for e in manifest.values() if e["kind"] == "pdf"} == {(300, "mild"), (200, "harsh")}


def test_committed_sample_is_small():
    total = sum(p.stat().st_size for p in SCAN.rglob("*") if p.is_file())
    assert total < 4.5 * 2**20


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@needs_fonts
def test_regenerating_gives_the_committed_sample(tmp_path, manifest):
    """Every writer (the 150 dpi documents) and one 200 dpi harsh PDF: the same manifest entries and
    truth, byte for byte, and the same pages (samepages.py: another CPU rounds OpenCV differently)."""
    from corpus.scan import build_committed, committed_jobs
    jobs = [j for j in committed_jobs() if j.dpi == 150] + [j for j in committed_jobs() if j.dpi == 200][:1]
    fresh = build_committed(tmp_path, only={j.name for j in jobs})
    assert len(fresh) == len(jobs)
    for rel, entry in fresh.items():
        assert entry == manifest[rel]
        files = sorted((tmp_path / rel).iterdir()) if (tmp_path / rel).is_dir() else [tmp_path / rel]
        for f in files:
            assert_same_pages(f, CORPUS / f.relative_to(tmp_path))
        t = f"truth/scan-{entry['name']}.json"
        assert _digest(tmp_path / t) == _digest(CORPUS / t)
