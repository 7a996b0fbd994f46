"""Phone photos made by the corpus generator (corpus/photo.py): the sheet is found on every desk it
lays pages on, and on a lighter grey one, under its light fall-off and shadow; the lens's barrel bow is
measured and undone. Truth is the generator's record: where the sheet's corners land in the photo
(`quad_px`, lens included) and the lens coefficient it used (`barrel_k1`)."""
from __future__ import annotations

import numpy as np
import pytest
from test_ruling import draw_page, expected_spans

import corpus.photo  # the generator, found through pytest's pythonpath
from formpipe.extract.grid import page_tables
from formpipe.extract.imagegrid import image_segments
from formpipe.extract.model import PageContent
from formpipe.extract.photo import find_sheet, straighten_photo
from formpipe.extract.prepare import prepare
from formpipe.extract.raster import PageImage
from formpipe.extract.scanned import OCR_GRID

LONG_SIDE = 1500  # px: half the generator's photos, to keep the tests quick
GRID_LONG_SIDE = 2200  # px: the grid test's photo; at 1500 the test page comes out at ~90 dpi, too coarse to read
# the generator's desks, and a light grey one (0.66 of the paper's brightness: the lightest the sheet is
# told from at PAPER_MIN_RATIO, with a margin)
DESKS = {**corpus.photo.DESKS, "light grey": (165, 165, 160)}


def _photo(monkeypatch, desk: str, seed: int) -> tuple[np.ndarray, dict]:
    monkeypatch.setattr(corpus.photo, "DESKS", {desk: DESKS[desk]})
    return corpus.photo.photograph(draw_page(), np.random.default_rng(seed), long_side=LONG_SIDE)


@pytest.mark.parametrize("seed", [1, 2, 4])
@pytest.mark.parametrize("desk", sorted(DESKS))
def test_the_sheet_and_the_lens_are_found_as_the_generator_made_them(monkeypatch, desk, seed):
    photo, record = _photo(monkeypatch, desk, seed)
    view = find_sheet(photo)
    assert view is not None
    corner_error = np.abs(view.corners - np.array(record["quad_px"])).max()
    assert corner_error < 0.002 * LONG_SIDE  # 3 px; the rough outline alone was 10-40 px off at 3000 px
    assert abs(view.k1 - record["barrel_k1"]) < 0.008  # the generator's k1 is 0.01-0.035


def _off_chord(points: np.ndarray) -> float:
    """How far (px) points stray either side of the chord from the first to the last."""
    chord = points[-1] - points[0]
    normal = np.array([-chord[1], chord[0]]) / np.linalg.norm(chord)
    return float(np.ptp((points - points[0]) @ normal))


def test_undoing_the_lens_maps_the_sheets_corners_back_to_a_rectangle(monkeypatch):
    """Points of the sheet's sides, put through the generator's camera, lie on straight lines once the
    found lens is undone (a check of the model's direction: distort then undistort)."""
    photo, record = _photo(monkeypatch, "grey", 2)
    view = find_sheet(photo)
    assert view is not None
    sheet = draw_page()
    h, w = sheet.shape[:2]
    top = np.stack([np.linspace(0, w, 50), np.zeros(50)], axis=1)
    in_photo = corpus.photo.sheet_to_photo(top, record)
    bow = _off_chord(in_photo)
    assert bow > 1.5  # px: the lens bends the sheet's top edge in the photo ...
    assert _off_chord(view.undistort(in_photo)) < bow / 3  # ... and it is straight again, within the k1 found


def _spans_upright(rgb: np.ndarray, dpi: float) -> set:
    """The grid's cell spans, the page taken as upright (the test page's few short lines of print
    say too little for the sideways check, which is not what is tested here)."""
    pp = prepare(rgb, dpi, turns=0)
    segments, _ = image_segments(pp.line_ink, dpi, text_ink=pp.ink)
    h, w = pp.grey.shape
    tables, _ = page_tables(PageContent(1, w * 72 / dpi, h * 72 / dpi, (), tuple(segments), "ocr"), OCR_GRID)
    return {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells}


@pytest.mark.parametrize("desk", ["grey", "oak"])
def test_a_generated_photo_is_straightened_and_keeps_its_grid(monkeypatch, desk):
    """Lens, perspective, fall-off and shadow undone: the drawn grid's cells come back, none split
    by a bowed rule or a shadow's edge."""
    monkeypatch.setattr(corpus.photo, "DESKS", {desk: DESKS[desk]})
    photo, record = corpus.photo.photograph(draw_page(), np.random.default_rng(3), long_side=GRID_LONG_SIDE)
    assert record["barrel_k1"] > 0.01  # this seed bends the sheet's edges by a few px
    img = straighten_photo(PageImage(1, photo, 72))
    assert img.pixels is not photo
    page = draw_page()
    h, w = img.pixels.shape[:2]
    assert abs(h / w - page.shape[0] / page.shape[1]) < 0.03
    assert _spans_upright(img.pixels, img.dpi) == expected_spans(False)


def test_the_committed_sample_photos_sheets_are_found_where_the_generator_put_them():
    """The committed phone photos (corpus/office-scan, 3000 px, a laminate and an oak desk): the sheet's
    corners to 0.15% of the photo's long side of the manifest's, k1 to 0.005."""
    import json
    from pathlib import Path

    from formpipe.extract.raster import load_images
    sample = Path(__file__).resolve().parent.parent / "corpus" / "office-scan"
    manifest = json.loads((sample / "scan-manifest.json").read_text(encoding="utf-8"))
    (rel, entry), = [(r, e) for r, e in manifest.items() if e["kind"] == "photo"]
    for page in entry["pages"]:
        img = next(iter(load_images([sample / rel / f"page-{page['page']}.jpg"])))
        view = find_sheet(img.pixels)
        assert view is not None
        assert np.abs(view.corners - np.array(page["photo"]["quad_px"])).max() < 0.0015 * max(img.pixels.shape)
        assert abs(view.k1 - page["photo"]["barrel_k1"]) < 0.005
