"""Scanned pages: seals with no colour left (extract/greyseal.py)."""
import cv2
import numpy as np

from formpipe.extract.greyseal import find_grey_seals
from formpipe.extract.prepare import ink_mask

DPI = 300


def _grey_seal_page(seal_grey: int = 165, text_grey: int = 70) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A flattened page with a grey ring seal (radius 60 pt) over a line of dark 'print'."""
    h, w = 900, 900
    grey = np.full((h, w), 250, np.uint8)
    text = np.zeros((h, w), bool)
    for i in range(8):  # blocky characters
        x = 200 + i * 60
        text[430:470, x:x + 6] = True
        text[447:452, x:x + 44] = True
    grey[text] = text_grey
    seal = np.zeros((h, w), np.uint8)
    r = int(60 * DPI / 72)
    cv2.circle(seal, (450, 450), r, 1, 12)
    cv2.putText(seal, "SEAL", (330, 400), cv2.FONT_HERSHEY_SIMPLEX, 3, 1, 9)
    grey = np.where(seal > 0, np.minimum(grey, seal_grey), grey).astype(np.uint8)
    grey = np.where((seal > 0) & text, 40, grey).astype(np.uint8)  # print under the seal stays dark
    return grey, seal > 0, text


def test_a_grey_seal_is_found_and_only_its_strokes_go():
    grey, seal, text = _grey_seal_page()
    found = find_grey_seals(grey, ink_mask(grey), DPI)
    assert len(found.circles) == 1
    x, y, r = found.circles[0]
    assert abs(x - 450) < 10 and abs(y - 450) < 10 and abs(r - 250) < 15
    assert found.remove[seal & ~text].mean() > 0.9  # the ring and its lettering go ...
    assert not found.remove[text].any()  # ... the print, under it too, stays


def test_print_with_no_seal_loses_nothing():
    grey, _, text = _grey_seal_page(seal_grey=250)
    found = find_grey_seals(grey, ink_mask(grey), DPI)
    assert found.circles == () and not found.remove.any()


def test_a_page_of_light_print_is_no_seal():
    """Light print everywhere is weak ink everywhere: circles found in its texture are no ring."""
    rng = np.random.default_rng(3)
    grey = np.full((1400, 1000), 250, np.uint8)
    for y in range(60, 1340, 45):  # lines of light blocky characters, rings of weak ink anywhere
        for x in range(40, 960, 40):
            if rng.random() < 0.9:
                grey[y:y + 32, x + rng.integers(0, 20):x + 24] = 175
                grey[y + rng.integers(0, 28):y + 32, x:x + 30] = 175
    grey[700:703, :] = 60  # one dark rule: the page's print level
    found = find_grey_seals(grey, ink_mask(grey), DPI)
    assert found.circles == () and not found.remove.any()
