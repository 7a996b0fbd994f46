"""Pages kept for review, crops, escaping (review/pages.py, extract/keep.py, review/html.py)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from formpipe.extract.keep import REVIEW_DPI, keep_straightened, page_file
from formpipe.extract.prepare import PreparedPage
from formpipe.review.html import esc
from formpipe.review.pages import crop, page_image
from formpipe.store.writer import remove_documents, review_pages, write_document


def _page(h=600, w=300):
    rgb = np.full((h, w, 3), 255, np.uint8)
    rgb[10:20, 10:40] = (200, 0, 0)  # a red mark near the top-left corner
    return rgb


def _prepared(turns, skew=0.0, dpi=300):
    return PreparedPage(grey=None, ink=None, dpi=dpi, turns=turns, skew=skew)


@pytest.mark.parametrize("turns, shape", [(0, (300, 150)), (1, (150, 300)), (2, (300, 150))])
def test_a_kept_page_is_turned_like_the_read_one_and_scaled_to_the_review_resolution(tmp_path, turns, shape):
    keep_straightened(str(tmp_path), 3, _page(), _prepared(turns))
    import cv2
    img = cv2.imread(str(page_file(tmp_path, 3)))
    assert img.shape[:2] == shape  # 600 x 300 px at 300 dpi is 300 x 150 at 150 dpi, swapped by a quarter turn
    red = np.argwhere((img[:, :, 2] > 150) & (img[:, :, 0] < 100))
    cy, cx = red.mean(axis=0)
    h, w = shape
    if turns == 0:  # the mark stays top-left; turned twice it is bottom-right
        assert cy < h / 4 and cx < w / 4
    elif turns == 2:
        assert cy > 3 * h / 4 and cx > 3 * w / 4


def test_a_skewed_page_is_kept_straightened_with_white_corners(tmp_path):
    keep_straightened(str(tmp_path), 1, np.zeros((400, 400, 3), np.uint8), _prepared(0, skew=2.0))
    import cv2
    img = cv2.imread(str(page_file(tmp_path, 1)))
    assert img[0, 0].min() > 200 and img[100, 100].max() < 60  # corners filled white, not black


def test_removing_a_document_removes_its_kept_pages(tmp_path):
    write_document(tmp_path, "abc", 2023, {"documents": [{"source_path": "a.pdf", "status": "ok"}]}, "1")
    keep_straightened(str(review_pages(tmp_path, "abc")), 1, _page(), _prepared(0))
    remove_documents(tmp_path, ["abc"])
    assert not review_pages(tmp_path, "abc").exists()


def test_a_text_page_is_rendered_only_from_the_file_with_the_documents_content(tmp_path):
    from pathlib import Path
    pdf = Path(__file__).resolve().parent.parent / "corpus" / "pdf" / "guangzhou-minzheng-2023.pdf"
    from formpipe.extract.document import source_digest
    doc = {"doc_id": source_digest(pdf), "source_root": pdf.parent.as_posix(), "source_path": pdf.name}
    rgb = page_image(tmp_path, doc, 1)
    assert rgb is not None and abs(rgb.shape[1] - 595 * REVIEW_DPI / 72) < 3  # A4 width in points, scaled
    other = {**doc, "doc_id": "0" * 16}
    assert page_image(tmp_path, other, 1) is None  # the file at that path is another version


def test_a_crop_holds_the_box_and_nothing_when_the_box_is_off_the_page():
    rgb = np.full((300, 200, 3), 255, np.uint8)
    assert crop(rgb, (10, 10, 40, 20)).startswith(b"\xff\xd8")  # a JPEG
    assert crop(rgb, (1000, 1000, 1010, 1010)) == b""


@given(st.text())
def test_escaped_text_cannot_open_a_tag_or_leave_an_attribute(text):
    out = esc(text)
    assert not any(ch in out for ch in "<>\"'")


@pytest.mark.parametrize("attack", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                                    "' onmouseover='alert(1)", "<svg/onload=alert(1)>"])
def test_known_attacks_come_out_as_text(attack):
    assert "<" not in esc(attack) and "\"" not in esc(attack) and "'" not in esc(attack)
