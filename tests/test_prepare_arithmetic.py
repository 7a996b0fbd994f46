"""Page preparation's arithmetic against the plain formulas it stands for (extract/prepare.py):
the row profile of a rotated page scored from its ink points, the background division."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pageimage import DrawnCell, draw_table

from formpipe.extract.prepare import _InkPoints, flatten_background, ink_mask, rotate

CELLS = [DrawnCell(0, 0, 1, 1, "项目名称"), DrawnCell(0, 1, 2, 1, "预算金额"), DrawnCell(1, 0, 1, 1, "1,234.56")]


def _rotated_profile_score(ink: np.ndarray, degrees: float) -> float:
    """The definition: rotate the page, sum each row, sum the squares."""
    rows = rotate(ink, degrees, fill=0).sum(axis=1, dtype=np.float64)
    return float(np.square(rows).sum())


@pytest.mark.parametrize("degrees", [-3.0, -0.75, -0.02, 0.0, 0.4, 2.5])
def test_ink_points_score_a_rotation_as_rotating_the_page_does(degrees):
    rgb, _ = draw_table(CELLS, [120, 160], [40, 40], dpi=100)
    ink = ink_mask(np.asarray(rgb).min(axis=2))
    want = _rotated_profile_score(ink, degrees)
    assert _InkPoints(ink).score(degrees) == pytest.approx(want, rel=0.01)


def test_ink_points_prefer_the_angle_that_rotating_prefers():
    """Both scores rank a page's candidate angles alike: a rule drawn at 1.2° scores best turned
    back by it (the skew search keeps the best of such a ranking)."""
    ink = np.zeros((300, 400), np.uint8)
    for y in (80, 150, 220):
        ink[y:y + 2, 20:380] = 255
    ink = rotate(ink, 1.2, fill=0)
    angles = np.arange(-3.0, 3.01, 0.1)
    points = _InkPoints(ink)
    assert abs(angles[np.argmax([points.score(a) for a in angles])] + 1.2) < 0.06
    assert abs(angles[np.argmax([_rotated_profile_score(ink, a) for a in angles])] + 1.2) < 0.06


def test_ink_rotated_off_the_page_is_not_counted():
    ink = np.zeros((100, 200), np.uint8)
    ink[0, 190:] = 255  # top-right corner: turned counter-clockwise it leaves the page
    assert _InkPoints(ink).score(3.0) == pytest.approx(_rotated_profile_score(ink, 3.0), abs=1.0)
    assert _InkPoints(ink).score(3.0) < _InkPoints(ink).score(0.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(40, 120))
def test_flattened_background_is_grey_over_paper_truncated(seed, size):
    """grey / local paper brightness * 255, cut to 255 and truncated, as a hand-written float64 formula
    over the same paper estimate gives it."""
    rng = np.random.default_rng(seed)
    grey = rng.integers(0, 256, (size, size + 7), dtype=np.uint8)
    import cv2
    dpi = 300.0
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, int(7.0 / 72 * dpi * 0.25) | 1)
    paper = cv2.GaussianBlur(cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))), (0, 0), k)
    paper = np.maximum(cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR), 1)
    want = np.floor(np.minimum(grey / paper.astype(np.float64) * 255.0, 255.0)).astype(np.uint8)
    got = flatten_background(grey, dpi)
    # float32 against float64: a quotient within rounding of a whole number may floor one lower
    assert np.abs(got.astype(int) - want).max() <= 1
    assert np.mean(got != want) < 0.001
