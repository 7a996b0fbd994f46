"""Phone photos: the sheet is found on the desk, seen square-on, and its grid read."""
from __future__ import annotations

import cv2
import numpy as np
from test_ruling import draw_page, expected_spans, spans_of

from formpipe.extract.photo import page_quad, straighten_photo
from formpipe.extract.raster import PageImage

DESK = (150, 105, 60)  # RGB, a wooden desk


def photograph(page: np.ndarray, corners: list[tuple[float, float]], size=(1500, 1900), shadow=True) -> np.ndarray:
    """`page` laid on a desk with its corners (TL, TR, BR, BL) at `corners`, a shadow over one side."""
    h, w = page.shape[:2]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(corners))
    desk = np.zeros((size[1], size[0], 3), np.uint8)
    desk[:] = DESK
    rng = np.random.default_rng(1)
    desk = np.clip(desk + rng.normal(0, 12, desk.shape), 0, 255).astype(np.uint8)  # grain
    sheet = cv2.warpPerspective(page, m, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size)
    photo = np.where(mask[..., None] > 0, sheet, desk)
    if shadow:  # light falls off to the left: the paper there is half as bright
        ramp = np.linspace(0.5, 1.0, size[0])[None, :, None]
        photo = (photo * ramp).astype(np.uint8)
    return photo


CORNERS = [(200, 150), (1220, 190), (1250, 1720), (170, 1695)]  # about the sheet's proportions, leaning


def test_the_sheet_is_found_on_the_desk_under_a_shadow():
    page = draw_page()
    quad = page_quad(photograph(page, CORNERS))
    assert quad is not None
    assert np.abs(quad - np.float32(CORNERS)).max() < 15  # px, in a 1500 px wide photo


def test_a_photographed_page_is_straightened_and_keeps_its_grid():
    page = draw_page()
    img = straighten_photo(PageImage(1, photograph(page, CORNERS), 300))
    h, w = img.pixels.shape[:2]
    assert abs(h / w - page.shape[0] / page.shape[1]) < 0.08  # the sheet's proportions come back (to a few %)
    assert spans_of(img.pixels, dpi=img.dpi) == expected_spans(False)


def test_a_scan_filling_the_frame_is_left_alone():
    page = draw_page()
    img = PageImage(1, page, 200)
    assert straighten_photo(img) is img


def test_scanned_page_images_are_not_taken_for_photos():
    """A 150-dpi scan with a seal and shaded blocks has four-cornered bright regions too; around
    them is paper, not a desk, and straightening one would crop the form (a whole budget block
    was lost that way)."""
    from pathlib import Path

    from formpipe.extract.raster import load_images
    folder = Path(__file__).resolve().parent.parent / "corpus/scan/images/zhuhai-weijian-2020-images"
    pages = list(load_images(sorted(folder.glob("page-*.jpg"))))
    assert pages
    for img in pages:
        assert page_quad(img.pixels) is None
        assert straighten_photo(img) is img
