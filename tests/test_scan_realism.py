"""The office-scan and phone-photo generator (corpus/realism.py, corpus/photo.py): deterministic
per seed, geometry recorded truthfully, and the harsh profile's ruling as faint and thin as
office scans show it. Truth is the generator's own record checked against the pixels it drew,
or ranges measured on real 200-dpi office scans (1-3 px, 110-140 grey on ~220 paper)."""
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from corpus import realism
from corpus.render_pdf import FONT_FILES

FONTS = [path for _, path, _ in FONT_FILES.values()]
needs_fonts = pytest.mark.skipif(not all(Path(f).exists() for f in FONTS), reason="corpus fonts not installed")
SMALL_FORM = "zhuhai-weijian-2020"   # the corpus form with the fewest pages
OTHER_FORM = "jiangmen-sifa-2023"


@pytest.fixture(scope="module")
def sources():
    from corpus.scan import Source
    return {s: Source(s) for s in (SMALL_FORM, OTHER_FORM)}


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


# -- determinism ---------------------------------------------------------------------------

@needs_fonts
@pytest.mark.parametrize("profile", ["office-harsh", "office-mild"])
def test_office_pages_depend_on_the_seed_alone(sources, profile):
    from corpus.scan import scan_page
    a, ra = scan_page(sources[SMALL_FORM], 0, profile, 72, seed=5)
    b, rb = scan_page(sources[SMALL_FORM], 0, profile, 72, seed=5)
    c, rc = scan_page(sources[SMALL_FORM], 0, profile, 72, seed=6)
    assert np.array_equal(a, b) and ra == rb
    assert not np.array_equal(a, c) and ra["homography_px"] != rc["homography_px"]


def test_photos_depend_on_the_seed_alone():
    from corpus.photo import photograph
    sheet = np.full((700, 500, 3), 240, np.uint8)
    a, ra = photograph(sheet, np.random.default_rng(3), long_side=800)
    b, rb = photograph(sheet, np.random.default_rng(3), long_side=800)
    c, rc = photograph(sheet, np.random.default_rng(4), long_side=800)
    assert np.array_equal(a, b) and ra == rb
    assert ra["quad_px"] != rc["quad_px"]


@needs_fonts
def test_jpeg_quality_of_office_harsh_documents_is_40_to_50():
    from corpus.scan import Job, document_quality
    qualities = {document_quality(Job(f"form{k}", "pdf", 200, "office-harsh", f"form{k}"), seed) for k in range(20)
                 for seed in (1, 2)}
    assert qualities <= set(range(40, 51)) and len(qualities) >= 5


# -- the photo's geometry ----------------------------------------------------------------------

MARKS = [(0.2, 0.15), (0.8, 0.15), (0.5, 0.5), (0.2, 0.85), (0.8, 0.85), (0.05, 0.05), (0.95, 0.95)]


def _sheet_with_marks(w: int, h: int) -> np.ndarray:
    """A blank sheet with black dots at MARKS (fractions of its size)."""
    sheet = np.full((h, w, 3), 242, np.uint8)
    for fx, fy in MARKS:
        cv2.circle(sheet, (round(fx * w), round(fy * h)), 5, (0, 0, 0), -1)
    return sheet


@pytest.mark.parametrize("seed", range(6))
def test_marks_on_the_sheet_land_where_the_photo_record_says(seed):
    """sheet_to_photo (perspective + lens) predicts each dot's place in the photo to 3 px."""
    from corpus.photo import photograph, sheet_to_photo
    sheet = _sheet_with_marks(700, 990) if seed % 2 == 0 else _sheet_with_marks(990, 700)
    photo, rec = photograph(sheet, np.random.default_rng(seed), long_side=1400)
    h, w = sheet.shape[:2]
    grey = photo.astype(np.float32).mean(axis=2)
    expected = sheet_to_photo(np.array([[fx * w, fy * h] for fx, fy in MARKS]), rec)
    for (ex, ey), mark in zip(expected, MARKS):
        x0, y0 = int(ex) - 12, int(ey) - 12
        win = cv2.GaussianBlur(grey[y0:y0 + 25, x0:x0 + 25], (0, 0), 2)
        dy, dx = np.unravel_index(np.argmin(win), win.shape)
        assert np.hypot(x0 + dx - ex, y0 + dy - ey) <= 3.0, (seed, mark, (x0 + dx, y0 + dy), (ex, ey))


@pytest.mark.parametrize("seed", range(6))
def test_the_recorded_quad_is_the_sheet_found_in_the_photo(seed):
    """The sheet found the way a reader would find it (brightest big contour, 4-point polygon)
    has its corners within 1% of the photo's long side of the recorded quad_px."""
    from corpus.photo import photograph
    photo, rec = photograph(_sheet_with_marks(700, 990), np.random.default_rng(seed), long_side=1400)
    quad = np.array(rec["quad_px"])
    grey = cv2.GaussianBlur(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), (0, 0), 2)
    # light falls off and a shadow crosses the sheet: threshold against the local background
    mask = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 301, -5)
    mask = cv2.morphologyEx(mask | (grey > np.percentile(grey, 60)).astype(np.uint8) * 255, cv2.MORPH_OPEN,
                            np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    page = max(contours, key=cv2.contourArea)
    found = cv2.approxPolyDP(cv2.convexHull(page), 0.02 * cv2.arcLength(page, True), True).reshape(-1, 2)
    assert len(found) == 4, found
    for corner in quad:
        assert np.hypot(*(found - corner).T).min() <= 0.01 * 1400, (seed, corner, found)
    # and the sheet is brighter than the desk just inside / outside each recorded corner
    centre = quad.mean(axis=0)
    for corner in quad:
        unit = (centre - corner) / np.linalg.norm(centre - corner)
        inside, outside = corner + 14 * unit, corner - 14 * unit
        assert grey[int(inside[1]), int(inside[0])] > grey[int(outside[1]), int(outside[0])] + 20


def test_photos_tilt_at_most_ten_degrees_and_keep_the_sheet_whole():
    from corpus.photo import photograph
    tilts = []
    for seed in range(12):
        photo, rec = photograph(np.full((99, 70, 3), 240, np.uint8), np.random.default_rng(seed), long_side=400)
        quad, (W, H) = np.array(rec["quad_px"]), rec["photo_px"]
        assert (quad >= 0).all() and (quad[:, 0] < W).all() and (quad[:, 1] < H).all()
        assert abs(rec["tilt_deg"]) <= 10 and 0.0 < rec["barrel_k1"] < 0.05
        tilts.append(rec["tilt_deg"])
    assert max(tilts) - min(tilts) > 5  # the tilt does vary


# -- the harsh profile's ruling ---------------------------------------------------------------

def ruling_profile(clean: np.ndarray, scan: np.ndarray, h: np.ndarray, step: int = 7) -> dict:
    """Median darkest grey, paper grey and width (px darker than halfway) across the
    horizontal rules of the clean render, measured on the scan where the homography puts them,
    away from vertical rules."""
    horiz, vert = realism.rule_masks(clean)
    near_v = cv2.dilate(vert.astype(np.uint8), np.ones((1, 25), np.uint8)) > 0
    grey = scan.astype(np.float32).mean(axis=2)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(horiz.astype(np.uint8))
    line, paper, width = [], [], []
    for i in range(1, n):
        x, y, w, hh, _ = stats[i]
        cy = y + np.nonzero(lab[y:y + hh, x:x + w].any(axis=1))[0].mean()
        for px in range(x + 20, x + w - 20, step):
            if near_v[int(cy), px]:
                continue
            sx, sy = (int(round(v)) for v in realism.apply_h(np.array([[px, cy]]), h)[0])
            if not (8 <= sy < grey.shape[0] - 8 and 0 <= sx < grey.shape[1]):
                continue
            prof = grey[sy - 8:sy + 9, sx]
            lo, bg = prof[4:13].min(), np.median(np.r_[prof[:3], prof[-3:]])
            line.append(lo)
            paper.append(bg)
            width.append(int((prof[4:13] < (lo + bg) / 2).sum()))
    return {"line": float(np.median(line)), "paper": float(np.median(paper)), "width": float(np.median(width)),
            "samples": len(line)}


@needs_fonts
@pytest.mark.parametrize("form,seed", [(SMALL_FORM, 1), (SMALL_FORM, 2), (OTHER_FORM, 3)])
def test_harsh_ruling_is_thin_and_grey_at_200_dpi(sources, form, seed):
    from corpus.scan import scan_page
    src = sources[form]
    img, rec = scan_page(src, 0, "office-harsh", 200, seed)
    stats = ruling_profile(src.render(0, 200), _jpeg(img, 45), np.array(rec["homography_px"]))
    assert stats["samples"] > 300
    assert 110 <= stats["line"] <= 140, stats
    assert 210 <= stats["paper"] <= 232, stats
    assert 1 <= stats["width"] <= 3, stats


def test_faded_ruling_is_broken_in_places():
    page = np.full((400, 400, 3), 255, np.uint8)
    page[100:103, 20:380] = 0
    page[20:380, 200:203] = 0
    out, rec = realism.fade_ruling(page, 40, 2, 0.2, np.random.default_rng(0))
    row = out[100:102, 20:380].min(axis=(0, 2)).astype(float)
    assert (out[102, 20:190] == 255).all() and (out[20:90, 202] == 255).all()  # 3 px became 2
    assert np.median(row) < 100 and (row > 150).mean() >= 0.05    # dark where whole, pale where broken


# -- handwriting keeps off the form -----------------------------------------------------------

@needs_fonts
@pytest.mark.parametrize("seed", range(4))
def test_handwriting_touches_no_word_and_no_table(sources, seed):
    from corpus.scan import scan_page
    src = sources[OTHER_FORM]
    _, rec = scan_page(src, 0, "office-harsh", 100, seed)
    notes = rec.get("handwriting", [])
    assert notes, "office-harsh writes at least one note a page where there is room"
    x0, y0, x1, y1 = (v * 72 / 100 for v in realism.table_box(src.render(0, 100)))
    for note in notes:
        nx0, ny0, nx1, ny1 = note["box"]
        assert nx1 < x0 or nx0 > x1 or ny1 < y0 or ny0 > y1, (note, (x0, y0, x1, y1))
        for w in src.words[0]:
            assert nx1 < w.x0 or nx0 > w.x1 or ny1 < w.top or ny0 > w.bottom, (note, w)


def test_cli_photo_profile_makes_only_photos(tmp_path):
    from corpus.scan import main
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--profile", "photo", "--kinds", "pdf"])
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--profile", "office-harsh", "--kinds", "photo"])


@given(st.floats(0, 2999), st.floats(0, 2249), st.floats(0.0, 0.05))
def test_barrel_points_invert_the_lens_map(x, y, k1):
    """Where barrel_points puts a point, the remap maps (photo -> source) read it back from."""
    from corpus.photo import barrel_points
    W, H = 3000, 2250
    (dx, dy), = barrel_points(np.array([[x, y]]), W, H, k1)
    cx, cy, norm = (W - 1) / 2, (H - 1) / 2, np.hypot(W, H) / 2
    r2 = ((dx - cx) / norm) ** 2 + ((dy - cy) / norm) ** 2
    assert abs(cx + (dx - cx) * (1 + k1 * r2) - x) < 1e-6 and abs(cy + (dy - cy) * (1 + k1 * r2) - y) < 1e-6
