"""OCR engines behind extract.ocr: real engines on rendered crops, trimming, fakes, replay."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from formpipe.extract.ocr import (
    ENGINES,
    EngineUnavailable,
    Recognition,
    TextRun,
    check_engine,
    crop_key,
    get_engine,
    trim_to_ink,
)
from formpipe.extract.ocr.base import join_words
from formpipe.extract.ocr.fake import FakeEngine
from formpipe.extract.ocr.replay import ReplayEngine, ReplayMiss

SANS = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
MING = "/usr/share/fonts/truetype/arphic/uming.ttc"
PX = 44  # 10.5 pt at 300 dpi


def render(text: str, font: str = SANS, px: int = PX, margin: tuple[int, int] = (40, 24)) -> np.ndarray:
    """A cell crop as the grid finder cuts it: the text with blank margins."""
    f = ImageFont.truetype(font, px)
    left, t, r, b = f.getbbox(text)
    im = Image.new("L", (r - left + 2 * margin[0], b - t + 2 * margin[1]), 255)
    ImageDraw.Draw(im).text((margin[0] - left, margin[1] - t), text, font=f, fill=0)
    return np.array(im)


def paragraph(lines: list[str], font: str = SANS, px: int = PX) -> np.ndarray:
    f = ImageFont.truetype(font, px)
    width = max(f.getbbox(s)[2] for s in lines) + 40
    im = Image.new("L", (width, int(len(lines) * px * 1.6) + 30), 255)
    d = ImageDraw.Draw(im)
    for k, s in enumerate(lines):
        d.text((20, 15 + int(k * px * 1.6)), s, font=f, fill=0)
    return np.array(im)


def dirty(img: np.ndarray, seed: int = 0, specks: int = 25) -> np.ndarray:
    """Ruling-line remnants along the top and left edges, and specks in the margins."""
    img = img.copy()
    h, w = img.shape
    img[0:3, :] = 0  # top rule, 3 px thick
    img[:, 0:2] = 20  # left rule
    img[h - 1, : w // 2] = 0  # a bit of the bottom rule
    rng = np.random.default_rng(seed)
    for _ in range(specks):  # 2x2 specks in the margins around the text
        y = int(rng.integers(4, h - 3))
        x = int(rng.choice([rng.integers(3, 14), rng.integers(w - 14, w - 3)]))
        img[y:y + 2, x:x + 2] = 0
    return img


def engine_or_skip(name: str):
    try:
        return get_engine(name)
    except EngineUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def rapid():
    return engine_or_skip("rapidocr")


@pytest.fixture(scope="module")
def tess():
    return engine_or_skip("tesseract")


# -- engine registry ---------------------------------------------------------------

def test_get_engine_loads_once(rapid):
    assert get_engine("rapidocr") is rapid
    assert rapid.name == "rapidocr" and rapid.version.startswith("rapidocr 3.10")


@pytest.mark.parametrize("call", [check_engine, get_engine])
def test_unknown_engine_is_unavailable(call):
    with pytest.raises(EngineUnavailable, match="unknown OCR engine 'nope'"):
        call("nope")


def test_engines_are_checked_without_loading():
    for name in ENGINES:
        check_engine(name)  # the venv has both; must not raise


def test_tesseract_missing_binary(monkeypatch):
    from formpipe.extract.ocr.tesseract import TesseractEngine
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    for call in (lambda: check_engine("tesseract"), TesseractEngine):
        with pytest.raises(EngineUnavailable) as e:
            call()
        msg = str(e.value)
        assert "\n" not in msg and "tesseract not found" in msg and "apt install" in msg


@pytest.mark.parametrize("value", ["two", "0", "-1"])
def test_bad_thread_setting_is_a_setup_error(monkeypatch, value):
    monkeypatch.setenv("FORMPIPE_OCR_THREADS", value)
    with pytest.raises(EngineUnavailable, match="FORMPIPE_OCR_THREADS"):
        check_engine("rapidocr")


# -- rapidocr ----------------------------------------------------------------------

CELLS = ["44,770.21", "1,234.00", "≥95%", "100%", "社会效益指标", "基本支出", "≤3天", "0.00"]


def test_rapidocr_reads_cells_exactly_in_order(rapid):
    texts = [(t, font) for font in (SANS, MING) for t in CELLS]
    crops = [trim_to_ink(render(t, font)) for t, font in texts]
    blank = np.full((60, 240), 255, np.uint8)
    crops[3:3] = [None, blank]  # a cell trimmed to nothing, and an untrimmed blank one
    got = rapid.recognize_lines(crops)
    assert len(got) == len(crops)
    assert all(isinstance(r, Recognition) and 0.0 <= r.confidence <= 1.0 for r in got)
    assert got[3] == Recognition("", 0.0)
    assert got[4].text == "" and got[4].confidence <= 0.5
    del got[3:5]
    assert [r.text for r in got] == [t for t, _ in texts]
    assert min(r.confidence for r in got) > 0.9


def test_rapidocr_empty_batch_and_no_numeric_reread(rapid):
    assert rapid.recognize_lines([]) == []
    assert rapid.recognize_numeric([trim_to_ink(render("1,234.00"))]) is None


def test_rapidocr_reads_a_paragraph_in_reading_order(rapid):
    lines = ["绩效目标：保障部门正常运转，完成年度工作任务。", "提升公共服务质量，满意度≥90%。"]
    img = paragraph(lines)
    runs = rapid.read_region(img)
    assert [r.text for r in runs] == lines
    h, w = img.shape
    for r in runs:
        assert isinstance(r, TextRun) and 0 <= r.confidence <= 1
        x0, y0, x1, y1 = r.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    assert runs[0].box[3] <= runs[1].box[1] + 5
    assert rapid.read_region(np.full((100, 300), 255, np.uint8)) == []


# -- tesseract ---------------------------------------------------------------------

def test_tesseract_batches_a_page_in_one_call(tess, monkeypatch):
    import pytesseract
    calls = []
    real = pytesseract.image_to_data
    monkeypatch.setattr(pytesseract, "image_to_data", lambda *a, **k: calls.append(1) or real(*a, **k))
    words = ["社会效益指标", "基本支出", "项目支出", "满意度", "年度总体目标"]
    crops = [trim_to_ink(render(w, MING if i % 2 else SANS)) for i, w in enumerate(words)]
    crops.insert(2, None)
    got = tess.recognize_lines(crops)
    assert len(calls) == 1
    assert len(got) == len(crops) and got[2] == Recognition("", 0.0)
    del got[2]
    assert [r.text for r in got] == words
    assert all(0.0 <= r.confidence <= 1.0 for r in got)
    assert tess.version.startswith("tesseract 5") and tess.version.endswith("chi_sim")


def test_tesseract_numeric_reread_returns_digits(tess):
    amounts = ["44,770.21", "1,234.00", "100%", "77,694.26"]
    got = tess.recognize_numeric([trim_to_ink(render(a)) for a in amounts])
    assert [r.text for r in got] == amounts
    assert tess.numeric_lang == "eng"


def test_tesseract_reads_a_region_as_lines(tess):
    lines = ["保障部门正常运转", "完成年度工作任务"]
    runs = tess.read_region(paragraph(lines))
    assert [r.text for r in runs] == lines
    assert runs[0].box[1] < runs[1].box[1]


def test_words_join_without_spaces_next_to_cjk():
    assert join_words(["社会", "效益", "指标"]) == "社会效益指标"
    assert join_words(["项目", "2025", "年"]) == "项目2025年"
    assert join_words(["PP-OCR", "v6", "", "模型"]) == "PP-OCR v6模型"


# -- trim_to_ink --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["44,770.21", "≥95%", "社会效益指标", "1", "二", "-"])
def test_trim_ignores_rule_remnants_and_specks(text):
    clean = trim_to_ink(render(text))
    got = trim_to_ink(dirty(render(text)))
    assert clean is not None and got is not None
    assert abs(got.shape[0] - clean.shape[0]) <= 2 and abs(got.shape[1] - clean.shape[1]) <= 2
    # the white border is clean (no line remnant inside the pad)
    assert got[:3].min() == 255 and got[:, :3].min() == 255 and got[-3:].min() == 255


def test_trim_fits_the_ink_with_padding():
    img = render("基本支出", margin=(80, 30))
    ys, xs = np.nonzero(img < 128)
    got = trim_to_ink(img, pad=4)
    assert got.shape[1] <= xs.max() - xs.min() + 1 + 8 + 2
    assert got.shape[1] >= xs.max() - xs.min() + 1 + 8 - 2


def test_trim_keeps_flat_text_whole():
    # 二 is two separate strokes; a lone dash is padded to a readable height
    assert trim_to_ink(render("二")).shape[0] >= 30
    assert trim_to_ink(render("—")).shape[0] >= 30


@pytest.mark.parametrize("img", [
    np.full((80, 300), 255, np.uint8),
    dirty(np.full((80, 300), 255, np.uint8), specks=0),  # rule remnants only
    dirty(np.full((80, 300), 255, np.uint8), specks=40),  # remnants and specks
    np.full((80, 300), 200, np.uint8),  # grey paper, no ink
    np.zeros((0, 10), np.uint8),
], ids=["white", "rules", "rules+specks", "grey", "empty"])
def test_trim_blank_is_none(img):
    assert trim_to_ink(img) is None


# -- fake and replay --------------------------------------------------------------

def crops3():
    return [trim_to_ink(render(t)) for t in ("1,234.00", "基本支出", "100%")]


def test_fake_engine_answers_by_hash_or_callable():
    cs = crops3()
    fake = FakeEngine({crop_key(cs[0]): "1,234.00", crop_key(cs[1]): Recognition("基本支出", 0.7)})
    assert fake.recognize_lines(cs[:2] + [None]) == [Recognition("1,234.00", 1.0), Recognition("基本支出", 0.7),
                                                    Recognition("", 0.0)]
    with pytest.raises(KeyError):
        fake.recognize_lines([cs[2]])
    assert fake.calls["recognize_lines"] == 2 and fake.recognize_numeric(cs) is None
    by_width = FakeEngine(lambda c: str(c.shape[1]), regions=lambda img: [TextRun("x", (0, 0, 1, 1), 0.5)])
    assert [r.text for r in by_width.recognize_lines(cs)] == [str(c.shape[1]) for c in cs]
    assert by_width.read_region(cs[0]) == [TextRun("x", (0, 0, 1, 1), 0.5)]


def test_replay_round_trip(tmp_path):
    cs = crops3()
    path = tmp_path / "ocr.json"
    fake = FakeEngine(lambda c: Recognition(f"w{c.shape[1]}", 0.8), numeric=lambda c: "1",
                      regions=lambda img: [TextRun("line", (1.0, 2.0, 3.0, 4.0), 0.9)], version="fake 1")
    rec = ReplayEngine(path, fake, mode="record")
    first = rec.recognize_lines(cs + [None])
    numeric = rec.recognize_numeric(cs)
    region = rec.read_region(cs[1])
    n_calls = sum(fake.calls.values())

    replay = ReplayEngine(path)  # no engine: answers from the file only
    assert (replay.name, replay.version) == ("fake", "fake 1")
    assert replay.recognize_lines(list(reversed(cs))) == list(reversed(first[:3]))
    assert replay.recognize_lines([None]) == [Recognition("", 0.0)]
    assert replay.recognize_numeric(cs) == numeric
    assert replay.read_region(cs[1]) == region == [TextRun("line", (1.0, 2.0, 3.0, 4.0), 0.9)]
    assert sum(fake.calls.values()) == n_calls
    with pytest.raises(ReplayMiss, match="re-record") as e:
        replay.recognize_lines([trim_to_ink(render("新的"))])
    assert isinstance(e.value, KeyError)


def test_replay_auto_records_only_misses(tmp_path):
    cs = crops3()
    fake = FakeEngine(lambda c: "t")
    auto = ReplayEngine(tmp_path / "ocr.json", fake, mode="auto")
    auto.recognize_lines(cs[:2])
    auto.recognize_lines(cs)
    assert fake.crops == 3 and auto.hits == 2
    # an engine without a numeric re-read replays as None too
    assert auto.recognize_numeric(cs) is None
    assert ReplayEngine(tmp_path / "ocr.json").recognize_numeric(cs) is None


def test_replay_does_not_mix_engine_versions(tmp_path):
    cs = crops3()
    path = tmp_path / "ocr.json"
    ReplayEngine(path, FakeEngine(lambda c: "old", version="fake 1")).recognize_lines(cs)
    with pytest.raises(ValueError, match="fake 1"):
        ReplayEngine(path, FakeEngine(lambda c: "new", version="fake 2"), mode="auto")
    ReplayEngine(path, FakeEngine(lambda c: "new", version="fake 2"), mode="record").recognize_lines(cs[:1])
    replay = ReplayEngine(path)
    assert replay.version == "fake 2" and replay.recognize_lines(cs[:1])[0].text == "new"
    with pytest.raises(ReplayMiss):  # the old version's answers are gone
        replay.recognize_lines(cs[1:])


def test_replay_without_recording_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no OCR recording"):
        ReplayEngine(tmp_path / "missing.json")


# -- detection in strips (extract/ocr/rapid.py) -----------------------------------

@given(height=st.integers(1, 6000).map(lambda n: n * 32), most=st.sampled_from([640, 800, 1056, 2048]),
       line_top=st.floats(0, 1), line_height=st.integers(1, 128))
def test_strips_cover_the_page_and_hold_each_line_whole_in_the_strip_that_owns_its_middle(
        height, most, line_top, line_height):
    from formpipe.extract.ocr.rapid import strips
    overlap, align = 128, 32
    out = strips(height, most, overlap, align)
    assert out[0][2] == 0 and out[-1][3] == height
    assert all(a[3] == b[2] for a, b in zip(out, out[1:]))  # own ranges tile the page
    assert all(bottom - top <= most and top % align == 0 and bottom % align == 0 for top, bottom, _, _ in out)
    assert len(out) == 1 or all(bottom - top > overlap for top, bottom, _, _ in out)
    line_height = min(line_height, height)  # a printed line no taller than the overlap, on the page
    y0 = line_top * (height - line_height)
    y1 = y0 + line_height
    mid = (y0 + y1) / 2
    owner = [s for s in out if s[2] <= mid < s[3]]
    assert len(owner) == 1 and owner[0][0] <= y0 and y1 <= owner[0][1]
