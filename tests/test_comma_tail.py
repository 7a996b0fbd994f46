"""A thousands comma whose tail the line crop cut off is read back from a crop taller below
(extract/commatail.py); a printed point stays a point."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from formpipe.extract.cellread import LineCrop, _crop
from formpipe.extract.commatail import COMMA_TAIL_SHARE, _with_commas, needs_tail, read_comma_tails, tail_crop
from formpipe.extract.ocr import EngineUnavailable, get_engine
from formpipe.extract.ocr.base import Recognition
from formpipe.extract.ocr.fake import FakeEngine

MING = "/usr/share/fonts/truetype/arphic/uming.ttc"


@pytest.mark.parametrize("text, expected", [
    ("2.304", True),
    ("12.345.678", True),
    ("12.345.67", True),  # a group point and the cents' point
    ("2,304.5", False),
    ("2.30", False),  # cents: a point in its place
    ("2,304", False),  # read right already
    ("12,345.67", False),
    ("2304", False),
    ("2.3041", False),
    ("1.234万", False),
    ("", False),
])
def test_which_readings_are_read_again(text, expected):
    assert needs_tail(text) is expected


@pytest.mark.parametrize("first, second, expected", [
    ("2.304", "2,304", True),
    ("12.345.67", "12,345.67", True),
    ("2.304", "2.304", False),  # the second reading saw no tail either
    ("2.304", "2,309", False),  # a digit changed: neither reading is trusted over the other
    ("2.304", "2:304", False),
    ("2.304", "22,304", False),
    ("12.345.67", "12,345,67", False),  # the cents' point is a point
])
def test_a_second_reading_replaces_only_points_by_commas(first, second, expected):
    assert _with_commas(first, second) is expected


def _page_with_lines() -> tuple[np.ndarray, list[LineCrop]]:
    grey = np.full((120, 200), 255, np.uint8)
    grey[20:40, 10:60] = 0
    grey[60:80, 10:60] = 0
    grey[100:110, 10:60] = 0
    boxes = [(10, 20, 60, 40), (10, 60, 60, 80), (10, 100, 60, 110)]
    return grey, [LineCrop(b, _crop(grey, *b, 4)) for b in boxes]


def test_only_grouped_points_are_read_again_and_within_their_cell():
    grey, lines = _page_with_lines()
    seen: list[tuple[int, int]] = []

    def answer(crop: np.ndarray) -> Recognition:
        seen.append(crop.shape)
        return Recognition("2,304", 0.9)

    engine = FakeEngine(answer)
    texts = [("2.304", 0.99), ("测试", 0.99), ("8.924", 0.8)]
    out = read_comma_tails(engine, grey, lines, texts, bottoms=[42, 120, 120], pad=4)
    assert engine.crops == 2  # the Chinese line is not read again
    # line 0: 20 rows, 4 more asked (0.2), 2 allowed by its cell's bottom; line 2: 10 + 2
    assert seen == [(20 + 2 + 8, 50 + 8), (10 + int(round(COMMA_TAIL_SHARE * 10)) + 8, 50 + 8)]
    assert out[0] == ("2,304", 0.9)  # the lower confidence of the two
    assert out[1] == texts[1]
    assert out[2] == texts[2]  # "2,304" is not a reading of 8.924: the first reading stays


def test_tail_crop_adds_rows_below_only():
    grey = np.arange(100 * 50, dtype=np.uint32).reshape(100, 50).astype(np.uint8)
    crop = tail_crop(grey, (5, 10, 25, 30), bottom_limit=100, pad=0)
    assert crop.shape == (24, 20)
    assert np.array_equal(crop, grey[10:34, 5:25])


def _digits_cut_at_their_ink(text: str, px: int = 16, ink_below: int = 170) -> tuple[np.ndarray, LineCrop]:
    """`text` printed grey on off-white at 200 dpi, blurred, scaled to 300 dpi, and its line crop
    cut where the ink mask ends, as cellread cuts it: a comma's faint tail falls outside."""
    img = Image.new("L", (200, 60), 235)
    ImageDraw.Draw(img).text((15, 15), text, fill=70, font=ImageFont.truetype(MING, px))
    grey = cv2.resize(cv2.GaussianBlur(np.array(img), (3, 3), 0.8), None, fx=1.5, fy=1.5)
    ink = grey < ink_below
    cols, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    return grey, LineCrop(box, _crop(grey, *box, 4))


@pytest.fixture(scope="module")
def rapid():
    try:
        return get_engine("rapidocr")
    except EngineUnavailable as e:
        pytest.skip(str(e))


@pytest.mark.parametrize("printed, first_expected", [
    ("2,304", "2.304"),
    ("36,415", "36.415"),
    ("6,620", "6.620"),
    ("2.304", "2.304"),
    ("12.345", "12.345"),
])
def test_a_cut_comma_is_read_back_and_a_printed_point_stays(rapid, printed, first_expected):
    grey, line = _digits_cut_at_their_ink(printed)
    first = rapid.recognize_lines([line.image])[0]
    assert first.text == first_expected  # the case: cut at its ink, a comma reads as a point
    [(text, _)] = read_comma_tails(rapid, grey, [line], [(first.text, first.confidence)], [grey.shape[0]], 4)
    assert text == printed


GROUPED = ["2,304", "36,415", "6,620", "8,924", "3,275", "12,633"]
POINTED = ["4.125", "27.50"]  # a printed point stays a point, three digits after it or two


def _amounts_page(font_pt: float, dpi: int = 200) -> np.ndarray:
    """A two-column table of labels and right-aligned amounts in dark grey, blurred as a 200-dpi
    scan blurs: the commas' tails come out lighter than the ink cut."""
    from pageimage import FONT, DrawnCell, draw_table
    amounts = GROUPED + POINTED
    k = dpi / 72
    rgb, boxes = draw_table([DrawnCell(r, c, 1, 1, "") for r in range(len(amounts)) for c in range(2)],
                            [90.0, 90.0], [20.0] * len(amounts), dpi=dpi, page_pt=(420, 300), origin_pt=(40, 40))
    img = Image.fromarray(rgb)
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, int(font_pt * k))
    for r, amount in enumerate(amounts):
        x0, y0, _, _ = boxes[(r, 0)]
        draw.text(((x0 + 4) * k, (y0 + 5) * k), "基本支出", fill=(30, 30, 30), font=font)
        _, y0, x1, _ = boxes[(r, 1)]
        draw.text((x1 * k - draw.textlength(amount, font=font) - 3 * k, (y0 + 6) * k), amount, fill=(30, 30, 30),
                  font=font)
    page = cv2.GaussianBlur(np.asarray(img), (3, 3), 0.8)
    return np.clip(page.astype(int) * 0.9 + 20, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("font_pt", [7.5, 9.0])
def test_a_scanned_page_reads_its_grouped_amounts_with_their_commas(rapid, font_pt):
    from formpipe.extract.raster import PageImage
    from formpipe.extract.scanned import _Clock, _read_page
    content, _ = _read_page(PageImage(1, _amounts_page(font_pt), 200), rapid, _Clock(None))
    amounts = [g.text for g in sorted(content.glyphs, key=lambda g: g.box.y0) if g.text[0].isdigit()]
    assert amounts == GROUPED + POINTED
