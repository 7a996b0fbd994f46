"""The scanned path on small generated images: grid from the image, preparation, reading, guards."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pageimage import DrawnCell, draw_table, red_ring, rotate_rgb

from formpipe.extract.cellread import cjk_punctuation, clean_specks, faint_ink, repair_reading
from formpipe.extract.document import DocumentError, ExtractOptions
from formpipe.extract.grid import page_tables
from formpipe.extract.imagegrid import image_segments
from formpipe.extract.mapping import map_form
from formpipe.extract.model import Box, Cell, Extraction, PageContent, Table
from formpipe.extract.ocr import Recognition
from formpipe.extract.ocr.fake import FakeEngine
from formpipe.extract.prepare import drop_colour, flatten_background, ink_mask, is_sideways, prepare, quarter_turn
from formpipe.extract.raster import PageImage, load_images
from formpipe.extract.scanned import _Clock, drop_residue, drop_thin_residue, read_page, read_prepared
from formpipe.extract.template import edit_distance, load_template, misread_item, nearest_label, one_character_short
from formpipe.extract.textbands import text_bands
from formpipe.extract.textlayer import layer_quality, pdf_guard, plausible_char

DPI = 200
CELLS = [
    DrawnCell(0, 0, 2, 1, "部门名称"), DrawnCell(0, 1, 1, 2, "某某市民政局"),
    DrawnCell(1, 1, 1, 1, "基本支出"), DrawnCell(1, 2, 1, 1, "44,770.21"),
    DrawnCell(2, 0, 1, 1, "项目支出"), DrawnCell(2, 1, 1, 1, "≥95%"), DrawnCell(2, 2, 1, 1, "1,234.00"),
    DrawnCell(3, 0, 1, 3, "社会效益指标"),
]
COLS, ROWS = [90.0, 120.0, 110.0], [26.0, 26.0, 26.0, 26.0]


def grid_of(rgb, dpi=DPI, turns=None):
    pp = prepare(rgb, dpi, turns=turns)
    segments, _ = image_segments(pp.ink, dpi)
    h, w = pp.grey.shape
    tables, _ = page_tables(PageContent(1, w * 72 / dpi, h * 72 / dpi, (), tuple(segments), "ocr"))
    return pp, tables


def spans(tables):
    return {(c.row, c.col, c.rowspan, c.colspan) for t in tables for c in t.cells}


DRAWN = {(c.row, c.col, c.rowspan, c.colspan) for c in CELLS}


def test_grid_from_image_has_the_drawn_cells_and_merges():
    rgb, boxes = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    _, tables = grid_of(rgb)
    assert len(tables) == 1 and spans(tables) == DRAWN
    for c in tables[0].cells:
        want = boxes[(c.row, c.col)]
        got = (c.box.x0, c.box.y0, c.box.x1, c.box.y1)
        assert max(abs(a - b) for a, b in zip(want, got)) < 1.5, (c, want)


@pytest.mark.parametrize("degrees", [-1.5, -0.4, 0.7, 1.3])
def test_skewed_page_is_straightened_and_keeps_its_grid(degrees):
    rgb, _ = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    pp, tables = grid_of(rotate_rgb(rgb, degrees))
    assert abs(pp.skew + degrees) < 0.1
    assert spans(tables) == DRAWN


def test_a_page_turned_a_quarter_is_seen_as_sideways():
    rows = [DrawnCell(r, 0, 1, 1, "年度绩效指标值说明文字") for r in range(8)]
    rgb, _ = draw_table(rows, [200.0], [22.0] * 8, dpi=DPI, page_pt=(300, 300), origin_pt=(40, 40))
    ink = ink_mask(flatten_background(drop_colour(rgb), DPI))
    assert not is_sideways(ink, DPI)
    assert is_sideways(quarter_turn(ink, 1), DPI) and is_sideways(quarter_turn(ink, 3), DPI)
    # a few tall rows give more vertical than horizontal ruling, yet the page is upright
    tall = [DrawnCell(0, c, 1, 1, "主要实施内容") for c in range(3)]
    rgb, _ = draw_table(tall, [100.0] * 3, [200.0], dpi=DPI, page_pt=(380, 300), origin_pt=(20, 40))
    assert not is_sideways(ink_mask(flatten_background(drop_colour(rgb), DPI)), DPI)


def test_red_seal_and_blue_pen_leave_black_text_and_ruling():
    rgb, boxes = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    k = DPI / 72
    x0, y0, x1, y1 = boxes[(1, 2)]
    sealed = red_ring(rgb, (int((x0 + x1) / 2 * k), int((y0 + y1) / 2 * k)), int(30 * k), int(3 * k))
    px0, py0, px1, py1 = boxes[(2, 0)]  # away from the seal: purple where both cross is ink-dark
    stroke = (slice(int((py0 + py1) / 2 * k), int((py0 + py1) / 2 * k) + 4), slice(int(px0 * k), int(px1 * k)))
    sealed[stroke] = (sealed[stroke] * np.array([0.16, 0.24, 0.8])).astype(np.uint8)  # a blue pen stroke
    grey = drop_colour(sealed)
    ring_pixels = np.all(sealed != rgb, axis=2) & (rgb.min(axis=2) > 200)  # red over paper only
    ink = ink_mask(flatten_background(grey, DPI))
    assert not ink[ring_pixels].any()  # the seal is no ink: whitened, or at most a light grey
    text_pixels = rgb.max(axis=2) < 60
    assert np.array_equal(grey[text_pixels] < 128, np.ones(text_pixels.sum(), bool))  # black stays black
    _, tables = grid_of(sealed)
    assert spans(tables) == DRAWN


def test_a_pen_stroke_is_divided_out_for_reading_and_cut_for_ruling():
    """Bare pen turns white; pixels of one stroke keep their order of darkness (text under
    the pen stays a shape in greys); the ruling grey cuts the same stroke instead."""
    from formpipe.extract.prepare import DEFAULT as PREP
    from formpipe.extract.prepare import drop_colours
    rgb = np.full((40, 120, 3), 245, np.uint8)
    rgb[18:24, 10:110] = (60, 80, 150)          # a blue stroke, V = 150
    shades = [45, 60, 75, 90, 105]              # print under it, lighter and lighter
    for i, v in enumerate(shades):
        rgb[18:24, 30 + 10 * i:36 + 10 * i] = (v // 5, v // 3, v)
    text, line, marks = drop_colours(rgb)
    stroke = rgb[18:24, 10:110, 2].astype(float)
    level = stroke[np.max(rgb[18:24, 10:110], axis=2) > 0].mean()
    assert marks[18:24, 10:110].all() and not marks[:10].any()
    assert (text[18:24, 10:28] == 255).all()    # bare pen: paper white
    got = [int(text[20, 32 + 10 * i]) for i in range(len(shades))]
    assert got == sorted(got) and got[0] < 128 and got[-1] < 255
    assert got == [min(255, int(v / (level * PREP.pen_level) * 255)) for v in shades]
    assert (line[18:24, 10:28] == 255).all() and line[20, 32] == 45  # cut: dark stays as it was
    assert (text[:10] == 245).all() and (line[:10] == 245).all()    # paper untouched


def test_a_stroke_under_a_seal_keeps_its_soft_edges_and_a_red_pen_does_not():
    """Under a seal the blurred edge of a light stroke is bright red as well; next to the
    stroke's darker core (well below the seal's own median red) it stays, else the stroke
    thins away. A red pen is no seal: its own darker pixels keep nothing around them."""
    from formpipe.extract.prepare import DEFAULT as PREP
    from formpipe.extract.prepare import drop_colours
    seal = np.array([215, 28, 43]) / 255
    rgb = np.full((300, 300, 3), 245.0)
    yy, xx = np.mgrid[:300, :300]
    disc = (yy - 110) ** 2 + (xx - 150) ** 2 < 100 ** 2  # 36 pt across at 200 dpi: a seal's size
    for dy, v in zip(range(-2, 3), (240, 225, 160, 225, 240)):  # a light stroke: core and soft edges
        rgb[100 + dy, 90:210] = v
    rgb[disc] *= seal
    rgb[60, 150] = (176, 23, 35)              # the seal's own ink, a little darker than its median
    rgb[240:244, 40:260] = (190, 30, 45)      # a red pen line, with a darker speck of its own
    rgb[241, 150] = (170, 27, 40)
    rgb = rgb.astype(np.uint8)
    text, line, marks = drop_colours(rgb, dpi=DPI)
    r = rgb[..., 0]
    assert text[100, 150] == r[100, 150] < PREP.red_min_value            # the core, as it was
    assert text[99, 150] == r[99, 150] > PREP.red_min_value              # its edges kept ...
    assert text[101, 150] == r[101, 150]
    assert text[98, 150] == 255 and text[40, 150] == 255                 # ... and bare seal white
    assert text[60, 151] == 255 and text[61, 150] == 255                 # a core is darker than the seal's ink
    plain, _, _ = drop_colours(rgb, replace(PREP, seal_text_halo=0), dpi=DPI)
    assert plain[99, 150] == 255                                         # the plain cut loses them
    assert text[240, 150] == 255 and text[242, 151] == 255               # the pen keeps no halo
    assert line[99, 150] == 255                                          # ruling: the plain cut


def _page(rgb):
    return PageImage(1, rgb, DPI)


def test_fake_engine_text_and_confidence_reach_the_cells():
    rgb, _ = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    engine = FakeEngine(lambda crop: Recognition("字", 0.7))
    content = read_page(_page(rgb), engine, _Clock(None))
    tables, _ = page_tables(content)
    filled = [c for c in tables[0].cells if c.text]
    assert len(filled) == len(CELLS)  # one line each, blank cells none
    assert all(c.text == "字" and c.confidence == pytest.approx(0.7) for c in filled)
    # 0.7 < 0.8: a sample of the lines is also read turned 180°; no surer, the page is not read again
    assert engine.calls["recognize_lines"] == 2
    assert engine.crops == 2 * len(CELLS)  # every line once, and (fewer than TURN_SAMPLE) every line turned


def test_a_page_whose_lines_read_surer_turned_is_read_again_turned():
    rgb, _ = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    reads = []

    def surer_after_the_first_call(crop):
        reads.append(crop.shape)
        return Recognition("字", 0.7 if len(reads) <= len(CELLS) else 0.9)

    engine = FakeEngine(surer_after_the_first_call)
    content = read_page(_page(rgb), engine, _Clock(None))
    assert engine.calls["recognize_lines"] == 3  # the page, the turned sample, the page prepared turned
    assert {g.confidence for g in content.glyphs} == {0.9}  # the turned reading, surer, is kept


def test_numeric_reread_agreement_raises_and_disagreement_lowers_confidence():
    rgb, _ = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    pp = prepare(rgb, DPI)
    agree = FakeEngine(lambda c: Recognition("123.45", 0.85), numeric=lambda c: Recognition("123.45", 0.97))
    content, mean = read_prepared(pp, 1, agree, _Clock(None))
    assert {g.confidence for g in content.glyphs} == {0.97}
    differ = FakeEngine(lambda c: Recognition("123.45", 0.99), numeric=lambda c: Recognition("123.46", 0.99))
    content, _ = read_prepared(pp, 1, differ, _Clock(None))
    assert max(g.confidence for g in content.glyphs) <= 0.5


@pytest.fixture(scope="module")
def rapid():
    from formpipe.extract.ocr import get_engine
    return get_engine("rapidocr")


def _cell_texts(content):
    tables, _ = page_tables(content)
    return {(c.row, c.col): c.text for t in tables for c in t.cells}


def test_rapidocr_reads_a_number_under_a_seal_exactly(rapid):
    rgb, boxes = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    k = DPI / 72
    x0, y0, x1, y1 = boxes[(1, 2)]
    sealed = red_ring(rgb, (int((x0 + x1) / 2 * k), int((y0 + y1) / 2 * k)), int(24 * k), int(3 * k))
    texts = _cell_texts(read_page(_page(rotate_rgb(sealed, 0.8)), rapid, _Clock(None)))
    assert texts[(1, 2)] == "44,770.21" and texts[(2, 2)] == "1,234.00" and texts[(2, 1)] == "≥95%"
    assert texts[(0, 0)] == "部门名称" and texts[(3, 0)] == "社会效益指标"


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_turned_pages_are_read_upright(rapid, turns):
    rows = [DrawnCell(r, 0, 1, 1, t) for r, t in enumerate(["部门预算支出", "基本支出", "财政专项资金", "项目支出"])]
    rows += [DrawnCell(r, 1, 1, 1, a) for r, a in enumerate(["金额", "117,897.50", "0.00", "96,313.27"])]
    rgb, _ = draw_table(rows, [120.0, 110.0], [24.0] * 4, dpi=DPI, page_pt=(300, 200), origin_pt=(30, 40))
    texts = _cell_texts(read_page(_page(quarter_turn(rgb, turns)), rapid, _Clock(None)))
    assert texts[(1, 1)] == "117,897.50" and texts[(0, 0)] == "部门预算支出"


# -- reading helpers ------------------------------------------------------------

@pytest.mark.parametrize("raw,want", [
    ("老服务中心(颐康中心）", "老服务中心（颐康中心）"),
    ("制(修)订", "制（修）订"),
    ("44,770.21", "44,770.21"),
    ("任务,统筹", "任务，统筹"),
    ("≥95%", "≥95%"),
    ("(1)培训", "(1)培训"),
])
def test_cjk_punctuation(raw, want):
    assert cjk_punctuation(raw) == want


@pytest.mark.parametrize("raw,want", [
    ("≤5%0", "≤5‰"), ("≤5%o", "≤5‰"), ("≤5%c", "≤5‰"), ("3.5%。", "3.5‰"), ("≤5‰", "≤5‰"),
    ("100%-", "100%"), ("≥95%—", "≥95%"), ("5‰-", "5‰"), ("95%-100%.", "95%-100%"),
    ("95%-100%", "95%-100%"), ("≥90%", "≥90%"), ("100%完成", "100%完成"),
    ("10%05", "10%05"),  # a digit follows: not a per-mille sign, left for review as read
    ("-5%", "-5%"), ("%0", "%0"),  # no number before the sign
])
def test_repair_reading(raw, want):
    assert repair_reading(raw) == want


@pytest.mark.parametrize("cell,want", [
    # a tick's tail read as "7" above a name: blanked, the name keeps the residue's confidence
    ([("7", 0.35), ("城市生活污水集中收集率", 0.99)], [("", 0.0), ("城市生活污水集中收集率", 0.35)]),
    ([("Z", 0.47), ("城市内涝点消除率", 0.96), ("REVRESWIN", 0.33)],
     [("", 0.0), ("城市内涝点消除率", 0.33), ("", 0.0)]),
    # Latin that belongs: read surely, or the only reading in the cell, or beside unsure Chinese
    ([("PM2.5", 0.93), ("年均浓度", 0.99)], [("PM2.5", 0.93), ("年均浓度", 0.99)]),
    ([("3000", 0.42)], [("3000", 0.42)]),
    ([("7", 0.35), ("城市生活", 0.6)], [("7", 0.35), ("城市生活", 0.6)]),
    # an unsure Chinese line is not residue (it may be the value): left for review as read
    ([("一", 0.3), ("城市生活污水集中收集率", 0.99)], [("一", 0.3), ("城市生活污水集中收集率", 0.99)]),
])
def test_drop_residue_blanks_a_marks_latin_crumbs_beside_a_sure_name(cell, want):
    other = [("≥85%", 0.4)]  # a line of another cell, with no Chinese line of its own: kept
    assert drop_residue(cell + other, [0] * len(cell) + [1]) == want + other


@pytest.mark.parametrize("cell, heights, want", [
    # a tick's tail, a crop 0.58 of a line high, read "Z" at 0.51: a mark's, whatever its confidence
    ([("Z", 0.51), ("城市内涝点消除率", 0.99)], [21, 36], [("", 0.0), ("城市内涝点消除率", 0.51)]),
    ([("1", 0.7), ("城市内涝点消除率", 0.99)], [26, 36], [("1", 0.7), ("城市内涝点消除率", 0.99)]),  # a digit's height: kept
    ([("Z", 0.9), ("城市内涝点消除率", 0.99)], [21, 36], [("Z", 0.9), ("城市内涝点消除率", 0.99)]),  # read surely: kept
    ([("ZX", 0.51), ("城市内涝点消除率", 0.99)], [21, 36], [("ZX", 0.51), ("城市内涝点消除率", 0.99)]),  # two characters
])
def test_a_low_lone_character_beside_a_sure_name_is_a_marks(cell, heights, want):
    assert drop_residue(cell, [0] * len(cell), heights, 36.0) == want
    assert drop_residue(cell, [0] * len(cell)) == (want if cell[0][1] < 0.5 else cell)  # heights unknown: as before


@pytest.mark.parametrize("line,height_px,want", [
    # a grey fill's speckled fringe along a rule: 12 px (2.9 pt at 300 dpi) under lines of 45 px
    (("MHOTNDDOWHASRSRARRNNGMN", 0.14), 12, ("", 0.0)),
    (("ZECBDXSNAHPHNE", 0.19), 14, ("", 0.0)),
    # print is kept: digits at line height, a thin line read surely, a thin line of hanzi
    (("24,340", 0.30), 34, ("24,340", 0.30)),
    (("-", 0.93), 6, ("-", 0.93)),
    (("一", 0.30), 8, ("一", 0.30)),
    (("REVRESWIN", 0.33), 30, ("REVRESWIN", 0.33)),  # as tall as print: drop_residue's to judge
])
def test_drop_thin_residue_blanks_fringes_read_as_latin(line, height_px, want):
    assert drop_thin_residue([line], [height_px], 45.0) == [want]
    assert drop_thin_residue([line], [height_px], None) == [line]  # no line height known: kept


def test_text_bands_join_the_strokes_of_a_split_character():
    ink = np.zeros((60, 40), np.uint8)
    ink[5:8] = 255    # upper stroke of 二
    ink[20:23] = 255  # lower stroke
    ink[40:52] = 255  # a second line
    assert text_bands(ink, min_height=6) == [(5, 23), (40, 52)]


def _cell_with_a_ring(arc_ink: int, along_mark: bool):
    """A value cell 300 px wide: an amount at its right (40 x 30 px of ink), and at its left,
    150 px away, what a seal's ring left: `arc_ink` px of ink, along the mark or not."""
    grey = np.full((40, 300), 255, np.uint8)
    ink = np.zeros((40, 300), np.uint8)
    ink[5:35, 250:290] = 255
    grey[5:35, 250:290] = 40
    marks = np.zeros((40, 300), np.uint8)
    side = max(1, int(arc_ink ** 0.5))
    ink[10:10 + side, 60:60 + side] = 255
    grey[10:10 + side, 60:60 + side] = 120
    if along_mark:
        marks[8:12 + side, 58:62 + side] = 255
    else:
        marks[30:38, 5:20] = 255  # the ring's coloured part lies elsewhere in the cell
    return grey, ink, marks


@pytest.mark.parametrize("arc_ink, along_mark, trimmed", [
    (100, True, True),  # the ring's residue along the mark: cut off
    (9, False, True),  # 9 px beyond the colour mask's reach, beside 1200 px of amount: a crumb
    (400, False, False),  # a text of its own apart from the amount: kept
])
def test_a_rings_residue_is_cut_off_a_value_line(arc_ink, along_mark, trimmed):
    from formpipe.extract.cellread import region_lines
    grey, ink, marks = _cell_with_a_ring(arc_ink, along_mark)
    (line,) = region_lines(grey, ink, (0, 0, 300, 40), 300.0, marks=marks)
    assert line.trimmed is trimmed
    assert (line.box_px[0] >= 250) is trimmed
    (plain,) = region_lines(grey, ink, (0, 0, 300, 40), 300.0)  # no mark in the cell: nothing cut
    assert plain.box_px[0] < 250 and not plain.trimmed


@pytest.mark.parametrize("value_px, crumb_px, kept", [
    (30, 10, True),  # a value under the seal, its ink most of the band's and as tall as it: read
    (30, 30, False),  # two runs of like size along the seal: a ring's crumbs, dropped
    (12, 10, False),  # the bigger run but no line's height: a crumb too
])
def test_print_under_a_seal_is_read_and_marked_not_dropped_with_the_ring(value_px, crumb_px, kept):
    """Every run of the band lies along the seal's red: the value "22" printed under it (80% of
    its ink within reach of the seal) and a tick's stroke 100 px on. Dropping the band read the
    cell empty, and its field was lost with no flag."""
    from formpipe.extract.cellread import region_lines
    grey = np.full((40, 300), 255, np.uint8)
    ink = np.zeros((40, 300), np.uint8)
    ink[5:5 + value_px, 10:40] = 255  # the value's strokes, filled in
    ink[25 - crumb_px // 2:25 + (crumb_px + 1) // 2, 150:150 + crumb_px] = 255  # a stroke of the seal's ring or a tick
    grey[ink > 0] = 90
    marks = np.zeros((40, 300), np.uint8)
    marks[:, 5:200] = 255  # the seal's red over both
    lines = region_lines(grey, ink, (0, 0, 300, 40), 300.0, marks=marks)
    if kept:
        (line,) = lines
        assert line.trimmed and line.box_px[0] == 10 and line.box_px[2] == 40  # read, and capped for review
    else:
        assert lines == []


def test_the_line_height_leaves_out_bands_of_touching_lines():
    """Tight leading: a quarter of the cells' bands are two lines touching. The height is still
    one line's, so those bands are cut in two."""
    from formpipe.extract.textbands import line_heights
    ink = np.zeros((2000, 400), np.uint8)
    regions = []
    for i in range(16):  # 11 cells of one 38-px line, 5 of two touching lines (77 px)
        y = 20 + 120 * i
        tall = 77 if i % 3 == 2 else 38
        ink[y:y + tall, 20:380] = 255
        regions.append((0, y - 10, 400, y + tall + 10))
    lh, _ = line_heights(ink, regions, 6)
    assert lh is not None and lh <= 40
    two = regions[2]
    assert len(text_bands(ink[two[1]:two[3], :], 6, lh)) == 2


def test_the_line_height_of_mixed_print_is_its_larger_lines():
    """Bold labels (52 px) among smaller print (34 px) and crumbs: no band is two lines, and the
    larger labels are not cut in two."""
    from formpipe.extract.textbands import line_heights
    ink = np.zeros((3000, 400), np.uint8)
    regions = []
    for i, tall in enumerate([34] * 10 + [52] * 6 + [14] * 6):
        y = 20 + 120 * i
        ink[y:y + tall, 20:380] = 255
        regions.append((0, y - 10, 400, y + tall + 10))
    lh, _ = line_heights(ink, regions, 6)
    assert lh is not None and lh > 45  # not the smaller print's 34
    label = regions[12]
    assert len(text_bands(ink[label[1]:label[3], :], 6, lh)) == 1


@pytest.mark.parametrize("stub, kept", [
    ((45, 75, 100, 104), False),  # a rule's stub from the cell's bottom edge (its middle went with the ruling)
    ((0, 25, 100, 104), False),  # ... and from its top
    ((20, 50, 100, 104), True),  # a "1" clear of the cell's edges is text
    ((45, 75, 100, 120), True),  # a stroke 20 px wide at the edge is no rule's stub
])
def test_a_missed_rules_stub_in_a_cell_is_not_read(stub, kept):
    """A 300-dpi cell 75 px tall (two lines of 38 px) whose only ink is a vertical stroke: a stub
    touching its top or bottom is what a rule the grid missed left (read as "1"), and goes."""
    from formpipe.extract.cellread import region_lines
    top, bottom, x0, x1 = stub
    grey = np.full((75, 300), 255, np.uint8)
    ink = np.zeros((75, 300), np.uint8)
    ink[top:bottom, x0:x1] = 255
    grey[top:bottom, x0:x1] = 60
    lines = region_lines(grey, ink, (0, 0, 300, 75), 300.0, line_px=38.0)
    assert (len(lines) == 1) is kept


def _light_digits_and_specks():
    """A light stroke broken into crumbs by the ink cut (each too small to be a character),
    and lone specks of the same size elsewhere, on noisy paper."""
    rng = np.random.default_rng(0)
    grey = np.clip(rng.normal(242, 6, (80, 300)), 0, 255).astype(np.uint8)
    grey[5:75, 10:40] = 50  # dark print: the ink cut falls between it and paper
    for x in range(100, 160, 6):  # crumbs 3 px wide, joined by faint grey between them
        grey[30:36, x:x + 3] = 60
        grey[30:36, x + 3:x + 6] = 150
    for x, y in ((230, 20), (260, 60), (280, 35)):
        grey[y:y + 3, x:x + 3] = 60
    ink = ink_mask(grey)
    assert not ink[30:36, 103:106].any()  # the faint stretches are below the ink cut
    return grey, ink


def test_crumbs_joined_by_faint_print_are_kept_and_lone_specks_go():
    grey, ink = _light_digits_and_specks()
    plain = clean_specks(ink, DPI)
    joined = clean_specks(ink, DPI, faint=faint_ink(grey, ink, DPI))
    crumbs, specks = (slice(30, 36), slice(100, 160)), (slice(0, 80), slice(220, 300))
    assert not plain[crumbs].any()  # each crumb alone is a speck
    assert joined[crumbs].any() and np.count_nonzero(joined[crumbs]) == np.count_nonzero(ink[crumbs])
    assert not joined[specks].any()
    # the same crumbs where a pen was taken out: its faint remains join nothing
    away = np.zeros_like(ink)
    away[28:38, 95:165] = 255
    assert not clean_specks(ink, DPI, faint=faint_ink(grey, ink, DPI, marks=away))[crumbs].any()


@pytest.mark.parametrize("key,want", [
    ("部门预算支山", "部门预算支出"),      # one substitution
    ("部门预算支出", "部门预算支出"),
    ("部门预支出", "部门预算支出"),        # one deletion
    ("其他资全", "其他资金"),
    ("名祢", None),                        # short labels match exactly or not at all
    ("A7AW6ESA88ASS7其他资金", "其他资金"),  # seal residue read as Latin around a whole label
    ("其他资金的说明", None),              # more Chinese besides: not a label
    ("完全不同的文字", None),
])
def test_nearest_label(key, want):
    labels = ["部门预算支出", "收入来源", "其他资金", "名称", "其他事业发展性支出"]
    assert nearest_label(key, labels) == want


def test_nearest_label_refuses_a_tie():
    assert nearest_label("甲乙丙丁", ["甲乙丙戊", "甲乙戊丁"]) is None


@pytest.mark.parametrize("a, b, want", [
    ("", "", 0), ("甲", "", 1), ("部门预算支出", "部门预算支山", 1), ("部门预支出", "部门预算支出", 1),
    ("kitten", "sitting", 3), ("收入来源", "来源收入", 4), ("abc", "xyzabc", 3),
])
def test_edit_distance_and_its_bounded_form(a, b, want):
    assert edit_distance(a, b) == edit_distance(b, a) == want
    for limit in range(4):
        assert edit_distance(a, b, limit) == min(want, limit + 1)


def _table(spec, widths, source):
    xs = [0.0]
    for w in widths:
        xs.append(xs[-1] + w)
    cells = [Cell(1, r, c, rs, cs, text, Box(xs[c], r * 20.0, xs[c + cs], (r + rs) * 20.0), 0.95, source)
             for r, c, rs, cs, text in spec]
    return Table(1, cells, max(r + rs for r, _, rs, _, _ in spec), len(widths), (1,), tuple(xs))


BUDGET = [(0, 0, 3, 1, "预算整体情况"), (0, 1, 1, 1, "部门预算支山"), (0, 2, 1, 1, "预算金额（万元）"),
          (1, 1, 1, 1, "基本支岀"), (1, 2, 1, 1, "10.00"), (2, 1, 1, 1, "项目支出"), (2, 2, 1, 1, "5.00")]


def test_ocr_labels_snap_to_the_template_with_an_info_note():
    form = map_form(Extraction(pages=1, tables=[_table(BUDGET, [80, 80, 80], "ocr")], lines=[]), load_template())
    assert [(b.section, b.item, b.amount.text) for b in form.budget] == [
        ("部门预算支出", "基本支出", "10.00"), ("部门预算支出", "项目支出", "5.00")]
    codes = [n.code for n in form.notes]
    assert codes.count("LABEL_SNAPPED") == 2 and all(n.severity == "info" for n in form.notes)


def test_an_ocr_budget_item_outside_the_vocabulary_is_an_error_on_its_row():
    """A garbled item name (seal residue after it) with a right amount would be a silently
    mislabelled row; on a text layer an unknown item is what was printed."""
    spec = [*BUDGET[:5], (2, 1, 1, 1, "市本级使田资全市华教区"), (2, 2, 1, 1, "5.00")]
    for source in ("ocr", "text"):
        rows = [(0, 1, 1, 1, "部门预算支出"), (1, 1, 1, 1, "基本支出")] if source == "text" else []
        table = [r for r in spec if (r[0], r[1]) not in {(x[0], x[1]) for x in rows}] + rows
        form = map_form(Extraction(pages=1, tables=[_table(table, [80, 80, 80], source)], lines=[]), load_template())
        assert [b.item for b in form.budget] == ["基本支出", "市本级使田资全市华教区"]
        unknown = [n for n in form.notes if n.code == "VOCAB_UNKNOWN"]
        assert [(n.dataset, n.row_ref, n.field, n.code, n.severity) for n in unknown] == (
            [("budget_items", 1, "item", "VOCAB_UNKNOWN", "error")] if source == "ocr" else [])


@pytest.mark.parametrize("printed, read, item, why", [
    ("基本支出", "基支出", "基本支出", "one character short"),  # a tick took a character out
    ("项目支出", "目支出", "项目支出", "one character short"),
    # two characters name no item of the section; it is the one item its section lacks
    ("项目支出", "支出", "项目支出", "the only item of 部门预算支出"),
    ("项目支出", "基项支出出", "项目支出", "the only item of 部门预算支出"),  # one too many is nearest_label's
])
def test_an_ocr_item_one_character_short_is_that_item_for_review(printed, read, item, why):
    spec = [*BUDGET[:5], (2, 1, 1, 1, read), (2, 2, 1, 1, "5.00")]
    form = map_form(Extraction(pages=1, tables=[_table(spec, [80, 80, 80], "ocr")], lines=[]), load_template())
    assert form.budget[1].item == item
    snapped = [(n.row_ref, n.code, n.severity, why in n.message) for n in form.notes if n.dataset == "budget_items"]
    assert snapped == [(1, "VOCAB_SNAPPED", "error", True)]


def test_a_crumb_cell_between_an_item_and_its_amount_is_passed_over():
    # a pen stroke down the 基本支出 row became a rule: a narrow cell of its own holding "—1"
    spec = [(0, 0, 3, 1, "预算整体情况"), (0, 1, 1, 2, "部门预算支出"), (0, 3, 1, 1, "预算金额（万元）"),
            (1, 1, 1, 1, "基本支出"), (1, 2, 1, 1, "—1"), (1, 3, 1, 1, "10.00"),
            (2, 1, 1, 2, "项目支出"), (2, 3, 1, 1, "5.00")]
    table = _table(spec, [80, 45, 25, 80], "ocr")
    table = replace(table, cells=[replace(c, confidence=0.28) if c.text == "—1" else c for c in table.cells])
    form = map_form(Extraction(pages=1, tables=[table], lines=[]), load_template())
    assert [(b.section, b.item, b.amount.text) for b in form.budget] == [
        ("部门预算支出", "基本支出", "10.00"), ("部门预算支出", "项目支出", "5.00")]
    assert form.budget[0].amount.confidence == 0.28  # the crumb's doubt stays on the amount: reviewed
    assert not [n for n in form.notes if n.code == "VOCAB_UNKNOWN"]


def _two_section_rows(fourth: str, source: str = "ocr") -> list:
    """A budget block: its first section row whole, its second with `fourth` printed (or read)
    where 按预算级次划分 stands."""
    return [(0, 0, 6, 1, "预算整体情况"),
            (0, 1, 1, 1, "部门预算支出"), (0, 2, 1, 1, "预算金额（万元）"), (0, 3, 1, 1, "收入来源"), (0, 4, 1, 1, "预算金额（万元）"),
            (1, 1, 1, 1, "基本支出"), (1, 2, 1, 1, "1.00"), (1, 3, 1, 1, "财政拨款"), (1, 4, 1, 1, "2.00"),
            (2, 1, 1, 1, "项目支出"), (2, 2, 1, 1, "3.00"), (2, 3, 1, 1, "其他资金"), (2, 4, 1, 1, "4.00"),
            (3, 1, 1, 1, "事业发展性支出"), (3, 2, 1, 1, "预算金额（万元）"), (3, 3, 1, 1, fourth), (3, 4, 1, 1, "预算金额（万元）"),
            (4, 1, 1, 1, "财政专项资金"), (4, 2, 1, 1, "5.00"), (4, 3, 1, 1, "市本级使用资金"), (4, 4, 1, 1, "6.00"),
            (5, 1, 1, 1, "其他事业发展性支出"), (5, 2, 1, 1, "7.00"), (5, 3, 1, 1, "拟用于对下转移支付资金"), (5, 4, 1, 1, "8.00")]


@pytest.mark.parametrize("fourth, source, guessed", [
    ("地环值仅顶开级次划分", "ocr", "the one section of the block not yet met"),  # a seal: 4 of its 7 characters left
    ("按预算级次划分", "ocr", None),  # read right: nothing to guess
    # shares too few characters, but the item printed under it is 按预算级次划分's alone
    ("按支出功能分类", "ocr", "the section of the item printed under it, 市本级使用资金"),
    ("地环值仅顶开级次划分", "text", None),  # a text layer's label is what was printed
])
def test_an_unreadable_section_label_is_the_one_section_not_yet_met(fourth, source, guessed):
    form = map_form(Extraction(pages=1, tables=[_table(_two_section_rows(fourth), [60, 80, 50, 80, 50], source)],
                               lines=[]), load_template())
    last = [(b.section, b.item, b.amount.text) for b in form.budget if b.item in ("市本级使用资金", "拟用于对下转移支付资金")]
    flagged = sorted(n.row_ref for n in form.notes if n.code == "VOCAB_SNAPPED" and n.field == "section")
    assert all(guessed in n.message for n in form.notes if n.code == "VOCAB_SNAPPED" and n.field == "section")
    if guessed or fourth == "按预算级次划分" and source == "ocr":
        assert last == [("按预算级次划分", "市本级使用资金", "6.00"), ("按预算级次划分", "拟用于对下转移支付资金", "8.00")]
    else:
        assert last == []  # its rows stay unread, reported as unaccounted cells
    if guessed:
        rows = [i for i, b in enumerate(form.budget) if b.section == "按预算级次划分"]
        assert flagged == rows and len(rows) == 2
        assert all(n.severity == "error" for n in form.notes if n.code == "VOCAB_SNAPPED")
    else:
        assert flagged == []


@pytest.mark.parametrize("key, items, expected", [
    ("财政拨", {"财政拨款": "财政拨款", "其他资金": "其他资金"}, "财政拨款"),
    ("甲乙丙", {"甲乙丙丁": "甲乙丙丁", "甲乙丙戊": "甲乙丙戊"}, None),  # two items one short: no guess
    ("财政拨款", {"财政拨款": "财政拨款"}, None),  # the whole name is not one short
])
def test_one_character_short_takes_only_a_unique_item(key, items, expected):
    assert one_character_short(key, items) == expected


@pytest.mark.parametrize("first, item, guessed", [
    # a seal took 预算 out of 部门预算支出: 4 of its 6 characters, 2 of 事业发展性支出's 7
    ("部门支出", "基本支出", "the one section of the block not yet met"),
    # as much any section's spending as another's, or longer than the section by more than a
    # character: named by the item under it, 部门预算支出's alone
    ("支出", "基本支出", "the section of the item printed under it, 基本支出"),
    ("部门预算支出金额合计", "基本支出", "the section of the item printed under it, 基本支出"),
    ("支出", "办公经费", None),  # an item the template lacks says nothing
])
def test_an_unreadable_first_section_label_is_the_section_it_holds_most_of(first, item, guessed):
    rows = [(r, c, rs, cs, first if (r, c) == (0, 1) else item if (r, c) == (1, 1) else t)
            for r, c, rs, cs, t in _two_section_rows("按预算级次划分")]
    form = map_form(Extraction(pages=1, tables=[_table(rows, [60, 80, 50, 80, 50], "ocr")], lines=[]), load_template())
    spending = [(b.item, b.amount.text) for b in form.budget if b.section == "部门预算支出"]
    flagged = sorted(n.row_ref for n in form.notes if n.code == "VOCAB_SNAPPED" and n.field == "section")
    assert all(guessed in n.message for n in form.notes if n.code == "VOCAB_SNAPPED" and n.field == "section")
    if guessed:
        assert spending == [("基本支出", "1.00"), ("项目支出", "3.00")]
        assert flagged == [i for i, b in enumerate(form.budget) if b.section == "部门预算支出"]
    else:
        assert spending == [] and flagged == []


ITEMS = {k: k for k in load_template().blocks["budget"].items}


@pytest.mark.parametrize("key, expected", [
    ("欧政援款", "财政拨款"),  # a tick through 财政拨款: two of four characters changed
    ("财政援数", "财政拨款"),
    ("其他资", "其他资金"),  # one short is within the length bound too
    ("市本级使甲资金", "市本级使用资金"),
    ("基项支出", None),  # as much 基本支出 as 项目支出: no guess
    ("甲乙丙丁", None),  # no item's characters
    ("财政专项资金市本级", None),  # too long for any item it shares characters with
])
def test_a_misread_item_is_the_one_item_sharing_most_of_its_characters(key, expected):
    assert misread_item(key, ITEMS, 0.5) == expected


@pytest.mark.parametrize("read, already, item", [
    ("欧政援款", None, "财政拨款"),
    ("欧政援款", "财政拨款", None),  # the section has its 财政拨款: the misread one is not another
])
def test_an_ocr_item_with_half_an_item_s_characters_is_that_item_for_review(read, already, item):
    rows = _two_section_rows("按预算级次划分")
    rows = [(r, c, rs, cs, read if t == "财政拨款" else (already if t == "其他资金" and already else t)) for r, c, rs, cs, t in rows]
    form = map_form(Extraction(pages=1, tables=[_table(rows, [60, 80, 50, 80, 50], "ocr")], lines=[]), load_template())
    income = [(b.item, b.amount.text) for b in form.budget if b.section == "收入来源"]
    codes = {n.code for n in form.notes if n.dataset == "budget_items" and n.field == "item"}
    if item:
        assert income == [(item, "2.00"), ("其他资金", "4.00")]
        assert codes == {"VOCAB_SNAPPED"}
    else:
        assert income == [(read, "2.00"), (already, "4.00")]
        assert codes == {"VOCAB_UNKNOWN"}
    assert all(n.severity == "error" for n in form.notes if n.dataset == "budget_items" and n.field == "item")


def test_text_layer_labels_are_never_snapped():
    form = map_form(Extraction(pages=1, tables=[_table(BUDGET, [80, 80, 80], "text")], lines=[]), load_template())
    assert form.budget == [] and not [n for n in form.notes if n.code == "LABEL_SNAPPED"]
    # what was printed and matches no label is reported, not dropped
    assert form.notes and all(n.code == "UNMAPPED_CELL" and n.severity == "error" for n in form.notes)


# -- text layer and guards ----------------------------------------------------------

@pytest.mark.parametrize("texts,usable", [
    (list("2023年部门整体预算绩效目标申报表部门名称广州市民政局"), True),
    (["(cid:12)"] * 30, False),
    (list("ÃÂ¤Ã¥Â¿ÂÃ¨Â´Â¢Ã¦ÂÂ¿Ã¥Â±ÂÃ©ÂÂ¨Ã©ÂÂ¨"), False),
    (list("鱻龘靐齉爩麤龗灪龖厵鸜"), False),
])
def test_layer_quality_tells_garbage_from_form_text(texts, usable):
    n, plausible, cjk = layer_quality(texts)
    assert (plausible >= 0.9 and cjk >= 0.15) is usable


def test_plausible_chars():
    assert all(map(plausible_char, "部门预算≥95%（）“”，。ABC 123"))
    assert not any(map(plausible_char, "鱻龘Ã¤\ufffd"))


def _pdf(path: Path, pages=1, size=(595, 842), **kw):
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=size, **kw)
    for _ in range(pages):
        c.drawString(72, 72, "page")
        c.showPage()
    c.save()
    return path


def test_pdf_guard_reasons(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "fake.pdf").write_bytes(b"GIF89a not a pdf at all")
    cases = {
        "empty.pdf": "empty file",
        "fake.pdf": "not a PDF",
        "many.pdf": "too many pages",
        "huge.pdf": "too large",
        "locked.pdf": "encrypted PDF",
    }
    _pdf(tmp_path / "many.pdf", pages=4)
    _pdf(tmp_path / "huge.pdf", size=(20000, 20000))
    from reportlab.lib.pdfencrypt import StandardEncryption
    _pdf(tmp_path / "locked.pdf", encrypt=StandardEncryption("secret", canPrint=0))
    for name, reason in cases.items():
        with pytest.raises(DocumentError, match=reason):
            pdf_guard(tmp_path / name, max_pages=3)
    # an empty user password opens like any PDF
    _pdf(tmp_path / "open.pdf", encrypt=StandardEncryption("", ownerPassword="owner"))
    assert len(pdf_guard(tmp_path / "open.pdf", max_pages=3)) == 1


def test_image_bomb_is_refused_before_decoding(tmp_path):
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    with pytest.raises(DocumentError, match="image too large"):
        list(load_images([tmp_path / "bomb.png"]))


def test_multipage_tiff_pages_are_numbered_in_order(tmp_path):
    from PIL import Image
    frames = [Image.new("RGB", (100 + i, 80), "white") for i in range(3)]
    frames[0].save(tmp_path / "a.tif", save_all=True, append_images=frames[1:], dpi=(150, 150))
    pages = list(load_images([tmp_path / "a.tif"]))
    assert [(p.number, p.pixels.shape[1], p.dpi) for p in pages] == [(1, 100, 150), (2, 101, 150), (3, 102, 150)]


def test_ocr_gives_up_on_a_long_document_without_tables(tmp_path, monkeypatch):
    """Six blank page images: after five OCR'd pages with no ruled table the document is no form."""
    from PIL import Image

    import formpipe.extract.scanned as scanned
    from formpipe.extract.model import NoFormFound
    from formpipe.extract.scanned import extract_images
    engine = FakeEngine(lambda crop: Recognition("字", 0.99))
    monkeypatch.setattr(scanned, "_engine", lambda options: engine)
    pages = []
    for i in range(1, 7):
        Image.new("RGB", (400, 560), "white").save(tmp_path / f"page-{i}.png", dpi=(72, 72))
        pages.append(tmp_path / f"page-{i}.png")
    with pytest.raises(NoFormFound, match="no ruled table in the first 5"):
        extract_images(pages, ExtractOptions())


def test_a_vector_page_of_other_text_is_read_from_its_layer_not_ocrd():
    from types import SimpleNamespace

    from formpipe.extract.model import Glyph
    from formpipe.extract.pdftext import image_cover
    from formpipe.extract.textlayer import text_layer_usable
    glyphs = tuple(Glyph(ch, Box(0, 0, 1, 1)) for ch in "Annual report of the board of directors " * 3)
    def page(images):
        return SimpleNamespace(width=595, height=842, images=images)
    content = PageContent(1, 595, 842, glyphs, (), "text")
    assert text_layer_usable(content, image_cover(page([])))  # English vector text: OCR would add nothing
    scan = [{"x0": 0, "x1": 595, "top": 0, "bottom": 842}]
    assert image_cover(page(scan)) == 1.0
    assert not text_layer_usable(content, image_cover(page(scan)))  # the same words over a page image: OCR


def test_an_ocrd_page_with_text_but_no_table_is_an_error_and_a_blank_page_is_not(tmp_path, monkeypatch):
    from PIL import Image, ImageDraw, ImageFont

    import formpipe.extract.scanned as scanned
    from formpipe.extract.scanned import extract_images
    engine = FakeEngine(lambda crop: Recognition("字", 0.99))
    monkeypatch.setattr(scanned, "_engine", lambda options: engine)
    rgb, _ = draw_table(CELLS, COLS, ROWS, dpi=DPI)
    Image.fromarray(rgb).save(tmp_path / "page-1.png", dpi=(DPI, DPI))
    prose = Image.new("RGB", rgb.shape[1::-1], "white")  # text, its ruling gone
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 30)
    for i in range(4):
        ImageDraw.Draw(prose).text((60, 80 + 60 * i), "部门预算支出基本支出", fill="black", font=font)
    prose.save(tmp_path / "page-2.png", dpi=(DPI, DPI))
    Image.new("RGB", rgb.shape[1::-1], "white").save(tmp_path / "page-3.png", dpi=(DPI, DPI))
    ex = extract_images([tmp_path / f"page-{i}.png" for i in (1, 2, 3)], ExtractOptions())
    assert [(n.code, n.severity) for n in ex.notes] == [("NO_TABLE", "error")]
    assert "page 2" in ex.notes[0].message


def _tight_page(leading: float, font_pt: float = 10.5, n_lines: int = 9, chars: int = 20) -> np.ndarray:
    """A cell of Chinese text set with lines `leading` × the font size apart (1.0: lines touch)."""
    from pageimage import FONT
    from PIL import Image, ImageDraw, ImageFont
    k = DPI / 72
    rgb, _ = draw_table([DrawnCell(0, 0, 1, 1, ""), DrawnCell(0, 1, 1, 1, "")], [70.0, chars * font_pt + 20],
                        [n_lines * font_pt * leading + 30], dpi=DPI, page_pt=(420, 300), origin_pt=(20, 40))
    img = Image.fromarray(rgb)
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, int(font_pt * k))
    text = "全面贯彻落实党的二十大精神打造具有本地特色的财政服务品牌积极回应群众关切扎实推进财政监督检查各项任务落地见效"
    for i in range(n_lines):
        draw.text((100 * k, (55 + i * font_pt * leading) * k), text[i * 3:i * 3 + chars], fill="black", font=font)
    return np.asarray(img).copy()


def test_skewed_rule_pieces_are_not_text_running_down_the_page():
    """Tall rows of few lines, skewed: the opening leaves each vertical rule in short thin pieces,
    which counted as text running down once made an upright page read turned."""
    from formpipe.extract.prepare import sideways_ratio
    tall = [DrawnCell(0, c, 1, 1, "信息化建设计划" if c % 2 else "") for c in range(4)]
    rgb, _ = draw_table(tall, [90.0] * 4, [230.0], dpi=DPI, page_pt=(420, 300), origin_pt=(20, 30))
    ink = ink_mask(flatten_background(drop_colour(rotate_rgb(rgb, 1.4)), DPI))
    assert sideways_ratio(ink, DPI) < 0.3
    assert not is_sideways(ink, DPI)


@pytest.mark.parametrize("turned", [0, 1])
def test_text_set_too_tight_to_tell_its_way_is_read_both_ways(turned):
    """Lines that touch join down the columns as along the lines: the runs cannot tell 0° from
    90°, so the page is read both ways and the reading made of real lines is kept. The scripted
    engine reads a crop as one character per square of it, as a recogniser does."""
    from formpipe.extract.prepare import sideways_ratio
    from formpipe.extract.scanned import _read_page
    rgb = _tight_page(leading=1.0)
    page = np.ascontiguousarray(np.rot90(rgb, turned))
    ink = ink_mask(flatten_background(drop_colour(page), DPI))
    assert 0.3 <= sideways_ratio(ink, DPI) <= 3.5  # the runs do not tell
    engine = FakeEngine(lambda crop: "字" * max(1, round(crop.shape[1] / max(crop.shape[0], 1))))
    content, pp = _read_page(PageImage(1, page, DPI), engine, _Clock(None))
    assert prepare(page, DPI).turn_unsure
    assert (pp.turns + turned) % 2 == 0  # upright again (180° is the confidence check's to settle)
    longest = max(len(g.text) for g in content.glyphs)
    assert longest >= 15  # read along its lines, not across them


def test_loosely_set_text_tells_its_way_without_a_second_reading():
    from formpipe.extract.prepare import sideways_ratio
    ink = ink_mask(flatten_background(drop_colour(_tight_page(leading=1.2)), DPI))
    assert sideways_ratio(ink, DPI) < 0.3 and sideways_ratio(quarter_turn(ink, 1), DPI) > 3.5


@pytest.mark.parametrize("texts, longer", [
    ([("部门整体支出绩效目标", 0.9), ("全面贯彻落实", 0.95)], True),
    ([("局", 0.99), ("政", 0.99), ("财", 0.98), ("市", 0.99)], False),
    ([("", 0.0), ("  ", 0.0)], False),
])
def test_line_length_counts_characters_a_line(texts, longer):
    from formpipe.extract.scanned import line_length
    assert (line_length(texts) > 3) is longer


@pytest.mark.parametrize("first_read, second_read, source, income", [
    # a seal's ring over 财政拨款: no character of it left to tell, but the section shows 其他资金
    ("+网圾款", "其他资金", "ocr", [("财政拨款", "2.00", "VOCAB_SNAPPED"), ("其他资金", "4.00", None)]),
    ("财政拨款", "+网圾款", "ocr", [("财政拨款", "2.00", None), ("其他资金", "4.00", "VOCAB_SNAPPED")]),
    # a seal's ring beside the amount too: the row is an item's still, read by elimination
    ("佰口古山", "其他资金", "ocr", [("财政拨款", "2.00", "VOCAB_SNAPPED"), ("其他资金", "4.00", None)]),
    # two unreadable items: which is which is not told
    ("+网圾款", "甲乙丙", "ocr", [("+网圾款", "2.00", "VOCAB_UNKNOWN"), ("甲乙丙", "4.00", "VOCAB_UNKNOWN")]),
    # both of the section's items met: a third is an item the template lacks, kept as read
    ("财政拨款", "其他资金", "ocr", [("财政拨款", "2.00", None), ("其他资金", "4.00", None)]),
])
def test_a_section_s_one_unreadable_item_is_the_one_it_lacks(first_read, second_read, source, income):
    rows = [(r, c, rs, cs, {"财政拨款": first_read, "其他资金": second_read}.get(t, t))
            for r, c, rs, cs, t in _two_section_rows("按预算级次划分", source)]
    form = map_form(Extraction(pages=1, tables=[_table(rows, [60, 80, 50, 80, 50], source)], lines=[]), load_template())
    flags = {n.row_ref: n.code for n in form.notes if n.dataset == "budget_items" and n.field == "item"}
    got = [(b.item, b.amount.text, flags.get(i)) for i, b in enumerate(form.budget) if b.section == "收入来源"]
    assert got == income
    assert all(n.severity == "error" for n in form.notes if n.dataset == "budget_items" and n.field == "item")


def test_an_item_beside_a_mark_s_word_and_its_amount_is_read_by_elimination():
    rows = [(r, c, rs, cs, {"财政拨款": "佰口古山", "2.00": "PAS 246,799.79"}.get(t, t))
            for r, c, rs, cs, t in _two_section_rows("按预算级次划分")]
    form = map_form(Extraction(pages=1, tables=[_table(rows, [60, 80, 50, 80, 50], "ocr")], lines=[]), load_template())
    assert [(b.item, b.amount.text) for b in form.budget if b.section == "收入来源"] == [
        ("财政拨款", "PAS 246,799.79"), ("其他资金", "4.00")]


@pytest.mark.parametrize("read, item, code", [
    ("其他事业发", "其他事业发", "VOCAB_UNKNOWN"),  # half of 其他资金, an item of another section: no guess
    ("其他事业欧展住文出", "其他事业发展性支出", "VOCAB_SNAPPED"),  # ... but most of its own section's item
])
def test_a_misread_item_is_guessed_among_its_section_s_items(read, item, code):
    rows = [(r, c, rs, cs, read if t == "其他事业发展性支出" else t) for r, c, rs, cs, t in _two_section_rows("按预算级次划分")]
    rows = [row for row in rows if row[4] != "财政专项资金"] + [(4, 1, 1, 1, "甲乙丙")]  # the other item unread too
    form = map_form(Extraction(pages=1, tables=[_table(rows, [60, 80, 50, 80, 50], "ocr")], lines=[]), load_template())
    flags = {n.row_ref: n.code for n in form.notes if n.dataset == "budget_items" and n.field == "item"}
    got = [(b.item, flags.get(i)) for i, b in enumerate(form.budget) if b.section == "事业发展性支出" and b.amount.text == "7.00"]
    assert got == [(item, code)]


def _printed_lines(lines: list[str], size_px: int, leading_px: int, blur: float = 1.2) -> np.ndarray:
    """Ink of centred lines of print, `leading_px` from one line's top to the next, blurred
    as a 200-dpi scan blurs them, then cut as the ink is (so lines set tight touch)."""
    from pageimage import FONT
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    font = ImageFont.truetype(FONT, size_px)
    w = size_px * max(len(t) for t in lines) + 20
    img = Image.new("L", (w, leading_px * len(lines) + 2 * size_px), 255)
    d = ImageDraw.Draw(img)
    for i, t in enumerate(lines):
        tw = d.textlength(t, font=font)
        d.text(((w - tw) / 2, size_px // 2 + i * leading_px), t, font=font, fill=0)
    grey = np.asarray(img.filter(ImageFilter.GaussianBlur(blur)))
    return ((grey < 200) * 255).astype(np.uint8)


@pytest.mark.parametrize("lines, size_px, want", [
    (["年度重点工", "作任务"], 40, 2),  # a label of two touching lines, under 1.5 label lines tall
    (["部门整体绩", "效目标"], 40, 2),  # ... the lower line narrower
    (["部门整体绩效目标"], 56, 1),  # one line of large bold print, taller than 1.5 small lines
    (["项目支出 12,633,794.00"], 56, 1),  # digits and characters in one tall line
])
def test_a_band_of_touching_label_lines_is_cut_at_its_valley(lines, size_px, want):
    """A page of larger labels among smaller print: its line height is the labels' (56 px),
    its single lines' 34. A label of two touching lines is under 1.5 of the first, so it is
    cut where the single lines say two lines meet, and only at a near-empty row: a tall line
    of print has ink across its middle."""
    ink = _printed_lines(lines, size_px, size_px - 2, blur=1.5)
    (top, bottom), = text_bands(ink, 6)  # one band: the lines touch
    assert 56 * 1.5 >= bottom - top > 34 * 1.5
    bands = text_bands(ink, 6, 56.0, 34.0)
    assert len(bands) == want
    if want == 2:
        assert all(b - a <= size_px + 2 for a, b in bands)
        assert len(text_bands(ink, 6, 56.0)) == 1  # the page's line height alone leaves it whole


@pytest.mark.parametrize("above, below, stroke_px, want_lines", [
    (True, True, 1, 1),  # a seal's rays above and below: left out, the digits one line
    (True, True, 30, 2),  # a printed dash's full width under the line is no ray: kept (and cut)
])
def test_a_mark_s_rays_beside_a_line_do_not_make_it_two_lines(above, below, stroke_px, want_lines):
    """An amount on a page of 40-px lines with thin sparse strokes 4 px above and below it (a
    seal's rays): joined to it, the band was 62 px, cut through the digits (read 12633794 over
    2つう). Strokes that sparse are left out; a thin band as wide as print is still joined."""
    ink = _printed_lines(["126337.94"], 46, 46)  # digits 35 px tall
    (top, bottom), = text_bands(ink, 6)
    for y, on in ((top - 14, above), (bottom + 5, below)):  # joined: 62 px
        if on:
            for x in range(10, ink.shape[1] - 10, 24):  # a few short strokes, 1-3 px of ink a row
                ink[y:y + 8, x:x + stroke_px] = 255
    bands = text_bands(ink, 12, 40.0, 40.0)
    assert len(bands) == want_lines
    if want_lines == 1:
        assert bands[0][0] <= top and bands[0][1] >= bottom - 1  # the digits whole in one band


def _staircase_page(rules: bool) -> np.ndarray:
    """A page's last rows: short words in six columns, each column's set 3° lower than the one
    before (centred in cells of different heights), and faint grey rules level across them."""
    rgb = np.full((1700, 1200, 3), 255, np.uint8)
    dy = np.tan(np.radians(3.0)) * 160
    for k in range(6):
        for row in range(2):
            y = int(300 + row * 90 + k * dy)
            rgb[y:y + 22, 120 + k * 160:190 + k * 160:6] = 30  # a word's strokes: a third of its box inked
            rgb[y:y + 22, 121 + k * 160:190 + k * 160:6] = 30
    if rules:
        for y in (260, 350, 440, 530):
            rgb[y:y + 2, 100:1080] = 185  # 1.5-pt grey rules: paper to Otsu, ink to the rules' black-hat
        for x in range(100, 1081, 160):
            rgb[260:532, x:x + 2] = 185
    return rgb


@pytest.mark.parametrize("rules, level", [(True, True), (False, False)])
def test_a_sparse_page_is_levelled_by_its_rules_as_well_as_its_text(rules, level):
    """Without its rules the words alone score a 3° turn (the control); with them, level wins."""
    pp = prepare(_staircase_page(rules), 150)
    assert (abs(pp.skew) < 0.1) is level, pp.skew
