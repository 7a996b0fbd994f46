"""Scanned pages: image -> prepared page -> ruling -> grid -> OCR'd lines -> PageContent.

Images and page-image folders are read here; a PDF's image-only pages come here from
extract/pdf.py. Needs the [ocr] extra (OpenCV and an OCR engine).
"""
from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from .anchors import AnchorContext, read_by_anchors
from .cellread import DEFAULT as READ_DEFAULT
from .cellread import (
    LineCrop,
    clean_specks,
    faint_ink,
    inner_box,
    looks_numeric,
    min_line_px,
    outside_regions,
    region_lines,
    table_holes,
    to_glyphs,
)
from .commatail import read_comma_tails
from .flags import Flag, FlagCode
from .grid import DEFAULT, document_tables, page_tables
from .gridcheck import CONTINUED_OUTSIDE, Verdict, check_grid, outside_share, ruled_foot
from .gridpart import grid_parts
from .gridrepair import repaired_grid, split_cells
from .model import DocumentError, Extraction, ExtractOptions, NoFormFound, PageContent, Segment, Table, TextLine
from .ocr.base import return_freed_memory
from .photo import straighten_photo
from .prepare import PreparedPage, prepare
from .raster import PageImage, check_page_size, load_images
from .scangrid import OCR_GRID, regridded, scan_grid
from .shadeedges import shade_segments
from .textbands import line_heights
from .timing import Clock

log = logging.getLogger(__name__)

NO_TABLE_PAGES = 5  # OCR'd pages without a ruled table before a document is given up as no form
UPSIDE_DOWN_SUSPECT = 0.80  # a page read with lower mean confidence is also tried turned 180°
# ... once a sample of its lines, each crop turned 180°, reads more surely turned than upright:
# preparing and reading the whole page again cost as much as the first reading, and pages read
# upright below 0.80 are mostly upright (2 of the 4 pages of an erased-ruling office scan, where
# the whole turned reading came out at 0.36 and 0.27 against 0.79 and 0.58 upright)
TURN_SAMPLE = 16
MARKED_SHARE = 0.04  # a line whose box is this much seal or pen mark ...
MARKED_CONFIDENCE = 0.6  # ... is capped here: a number under a seal is checked by a person
DISAGREE_CONFIDENCE = 0.5  # numeric re-read disagrees: the value goes to review
# a line of a cell with no hanzi read below this confidence, beside a line of Chinese read at
# RESIDUE_NEIGHBOUR or better, is a mark's residue: on the dev scans the residue lines of a
# pencil tick and a seal read at 0.33-0.47, the names beside them at 0.96-1.00, while Latin
# that belongs in a name ("PM2.5", "(COD)") sits on the name's own line or reads surely
RESIDUE_CONFIDENCE = 0.5
RESIDUE_NEIGHBOUR = 0.8
RESIDUE_MAX_CHARS = 12
# a line with no hanzi read below RESIDUE_CONFIDENCE whose band is under this share of the page's
# line height is no print at all, whatever its length: the speckled fringe a grey fill leaves
# along a cell's rules on a 200-dpi office scan read "MHOTNDDOWHASRSRARRNNGMN" (2.9 pt high, 0.14)
# and "ZECBDXSNAHPHNE" (3.4 pt, 0.19) under header labels, and the header was not known. Print's
# lowest lines are digits (about 0.7 of a line of hanzi)
THIN_RESIDUE_SHARE = 0.45
# A lone character from a crop this low is a mark's, whatever it read at under RESIDUE_NEIGHBOUR:
# a pencil tick's tail above 城市内涝点消除率 on a dev scan read "Z" at 0.47 and, once the page's
# shear was taken out, at 0.51 (its crop 0.58 of the line height); a lone digit is about 0.7
SHORT_RESIDUE_SHARE = 0.62


_Clock = Clock  # the name the OCR path's callers know



def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _binarised(crop: np.ndarray) -> np.ndarray:
    _, bw = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return bw


def _recognise(engine, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """Engine reads every line; numeric-looking lines are read a second time.

    The second read is the engine's numeric-only pass where it has one, else
    the same engine on a binarised crop. Two readings whose digits differ
    make the value go to review: engines are sure of themselves even when
    wrong (a 5 under a seal read as 3 at 0.95), but rarely wrong the same way twice.
    """
    if not crops:
        return []
    recs = engine.recognize_lines(crops)
    out = [(r.text, r.confidence) for r in recs]
    numeric = [i for i, (text, _) in enumerate(out) if looks_numeric(text)]
    if not numeric:
        return out
    again = engine.recognize_numeric([crops[i] for i in numeric])
    if again is None:
        again = engine.recognize_lines([_binarised(crops[i]) for i in numeric])
    for i, r in zip(numeric, again):
        text, conf = out[i]
        if _digits(r.text) == _digits(text):
            out[i] = (text, max(conf, r.confidence) if r.text.replace(" ", "") == text.replace(" ", "") else conf)
        else:  # two readings of one number disagree: never pass it silently
            out[i] = (text, min(conf, r.confidence, DISAGREE_CONFIDENCE))
    return out


def _marked(marks: np.ndarray | None, box: tuple[int, int, int, int]) -> bool:
    if marks is None:
        return False
    x0, y0, x1, y1 = box
    area = marks[y0:y1, x0:x1]
    return bool(area.size > 0 and np.count_nonzero(area) > MARKED_SHARE * area.size)


def _hanzi(text: str) -> int:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def drop_residue(texts: list[tuple[str, float]], owners: list[int], heights_px: list[int] | None = None,
                 line_px: float | None = None) -> list[tuple[str, float]]:
    """Lines of a cell that are what a mark left, blanked: a short unsure line with no hanzi
    ("7", "Z", "REVRESWIN": a pencil tick or a seal's crumbs read as Latin) beside a line of
    Chinese read with confidence. So is one character with no hanzi, read less surely than
    RESIDUE_NEIGHBOUR, from a crop under SHORT_RESIDUE_SHARE of the page's line height (with
    `heights_px` and `line_px`). The cell's other lines take the residue's confidence, so the
    value, now right, still goes to review: a mark was there. `owners`: each line's cell, -1
    for text outside the tables (left alone)."""
    out = list(texts)

    def short(i: int) -> bool:
        text, conf = texts[i][0].strip(), texts[i][1]
        return (heights_px is not None and line_px is not None and len(text) == 1 and not _hanzi(text)
                and conf < RESIDUE_NEIGHBOUR and heights_px[i] < SHORT_RESIDUE_SHARE * line_px)
    cells: dict[int, list[int]] = {}
    for i, owner in enumerate(owners):
        if owner >= 0:
            cells.setdefault(owner, []).append(i)
    for members in cells.values():
        sure = [i for i in members if _hanzi(texts[i][0]) >= 2 and texts[i][1] >= RESIDUE_NEIGHBOUR]
        residue = [i for i in members if i not in sure and (_is_residue(*texts[i]) or short(i))]
        if not sure or not residue:
            continue
        cap = min(texts[i][1] for i in residue)
        for i in members:
            out[i] = ("", 0.0) if i in residue else (texts[i][0], min(texts[i][1], cap))
    return out


def drop_thin_residue(texts: list[tuple[str, float]], heights_px: list[int], line_px: float | None
                      ) -> list[tuple[str, float]]:
    """Lines too thin to be print (THIN_RESIDUE_SHARE of the page's line height), read unsure and
    with no hanzi, blanked."""
    if not line_px:
        return texts
    return [("", 0.0) if h < THIN_RESIDUE_SHARE * line_px and _is_residue(t, c, max_chars=None) else (t, c)
            for (t, c), h in zip(texts, heights_px)]


def _is_residue(text: str, confidence: float, max_chars: int | None = RESIDUE_MAX_CHARS) -> bool:
    t = text.strip()
    return bool(t) and confidence < RESIDUE_CONFIDENCE and not _hanzi(t) and (max_chars is None or len(t) <= max_chars)


def read_prepared(pp: PreparedPage, number: int, engine, clock: _Clock) -> tuple[PageContent, float]:
    """PageContent of a prepared page, and the mean confidence of its lines."""
    content, mean, _, _ = _read_lines(pp, number, engine, clock)
    return content, mean


def _read_lines(pp: PreparedPage, number: int, engine, clock: _Clock, segments: list[Segment] | None = None
                ) -> tuple[PageContent, float, list[LineCrop], list[tuple[str, float]]]:
    """read_prepared's answer, and the line crops it read with their readings. With `segments`
    (a repaired ruling), the cells are theirs."""
    grid = scan_grid(pp, number)
    if segments is not None:
        grid = regridded(pp, grid, segments, number)
    segments, tables = grid.segments, grid.tables
    faint = faint_ink(pp.grey, pp.ink, pp.dpi, ruling=cv2.subtract(pp.ink, grid.text_ink), marks=pp.marks)
    text_ink = clean_specks(grid.text_ink, pp.dpi, faint=faint)
    k = 72.0 / pp.dpi
    h, w = pp.grey.shape
    lines, boxes, owners = [], [], []
    inner = [inner_box(c.box, pp.dpi, (h, w)) for t in tables for c in t.cells]
    line_px, single_px = line_heights(text_ink, inner, min_line_px(pp.dpi))
    for i, region in enumerate(inner):
        found = region_lines(pp.grey, text_ink, region, pp.dpi, line_px=line_px, marks=pp.marks, single_px=single_px)
        lines += found
        owners += [i] * len(found)
    for t in tables:
        x0 = min(c.box.x0 for c in t.cells) / k
        y0 = min(c.box.y0 for c in t.cells) / k
        x1 = max(c.box.x1 for c in t.cells) / k
        y1 = max(c.box.y1 for c in t.cells) / k
        boxes.append((int(x0), int(y0), int(x1) + 1, int(y1) + 1))
    for region in outside_regions((h, w), boxes):
        lines += region_lines(pp.grey, text_ink, region, pp.dpi, split_gap_em=2.5)  # titles are larger
    holes = table_holes((h, w), boxes, [_px_box(c.box, k) for t in tables for c in t.cells], pp.dpi)
    if holes.any():
        hole_ink = cv2.bitwise_and(text_ink, holes)
        _, _, stats, _ = cv2.connectedComponentsWithStats(holes)
        for x, y, bw, bh, _ in stats[1:]:
            lines += region_lines(pp.grey, hole_ink, (x, y, x + bw, y + bh), pp.dpi, split_gap_em=2.5)
    clock.lap("grid")
    texts = _recognise(engine, [ln.image for ln in lines])
    bottoms = [inner[i][3] for i in owners] + [h] * (len(lines) - len(owners))
    texts = read_comma_tails(engine, pp.grey, lines, texts, bottoms, READ_DEFAULT.pad_px)
    texts = [(t, min(c, MARKED_CONFIDENCE) if ln.trimmed or _marked(pp.marks, ln.box_px) else c)
             for ln, (t, c) in zip(lines, texts)]
    heights = [ln.box_px[3] - ln.box_px[1] for ln in lines]
    texts = drop_thin_residue(texts, heights, line_px)
    texts = drop_residue(texts, owners + [-1] * (len(texts) - len(owners)), heights, line_px)
    clock.lap("ocr")
    glyphs = to_glyphs(lines, texts, pp.dpi)
    confs = [g.confidence for g in glyphs]
    mean = float(np.mean(confs)) if confs else 0.0
    return PageContent(number, w * k, h * k, tuple(glyphs), tuple(segments), "ocr"), mean, lines, texts


def _px_box(box, k: float) -> tuple[int, int, int, int]:
    """A box in points as whole pixels (1 px = k pt), edges rounded."""
    return (int(round(box.x0 / k)), int(round(box.y0 / k)), int(round(box.x1 / k)), int(round(box.y1 / k)))


def line_length(texts: list[tuple[str, float]]) -> float:
    """Characters a read line holds, each counted at its line's confidence, over the lines read.

    Not the confidence alone: the recogniser reads a character turned 90° about as surely as an
    upright one (0.93-0.95 against 0.92-0.97 on the pages of a turned office scan), but a page
    read the wrong way round gives "lines" across its text lines, one or two characters each
    (1.8 and 3.7 a line on two such pages, against 10.2 and 14.6 read upright)."""
    read = [(len("".join(text.split())), conf) for text, conf in texts if text.strip()]
    return sum(n * conf for n, conf in read) / len(read) if read else 0.0


def _turned_may_read_better(engine, lines: list[LineCrop], texts: list[tuple[str, float]]) -> bool:
    """Up to TURN_SAMPLE of the page's read lines, spread over the page, read again with each
    crop turned 180°: True unless they read at least as surely upright. A page turned upside
    down reads as garbage upright and as print turned (the sample's lines then decide alike)."""
    read = [i for i, (text, _) in enumerate(texts) if text.strip()]
    if not read:
        return True  # nothing read upright: the whole turned reading decides
    step = max(1, len(read) // TURN_SAMPLE)
    sample = read[::step][:TURN_SAMPLE]
    turned = engine.recognize_lines([np.ascontiguousarray(lines[i].image[::-1, ::-1]) for i in sample])
    upright = float(np.mean([texts[i][1] for i in sample]))
    return float(np.mean([r.confidence for r in turned])) > upright


def read_page(img: PageImage, engine, clock: _Clock, keep: str | None = None) -> PageContent:
    """OCR one page image, turning it 180° when it reads much better that way.
    `keep`: a folder to save the page in as read (straightened), for review."""
    return _read_page(img, engine, clock, keep)[0]


def read_tables(img: PageImage, engine, clock: _Clock, keep: str | None = None,
                context: AnchorContext | None = None) -> tuple[PageContent, tuple[list[Table], list[TextLine]]]:
    """One page's tables and loose lines: from its ruling when the grid passes the check
    (extract/gridcheck.py), else read by anchors (extract/anchors.py). `context` carries an
    anchors-read table's columns to the next page of the document."""
    content, pp = _read_page(img, engine, clock, keep)
    tables, lines = page_tables(content, OCR_GRID)
    clock.lap("grid")
    context = context if context is not None else AnchorContext()
    verdict = check_grid(tables, lines, segments=content.segments)
    passed_at_once = verdict.ok
    fixed = split_cells(content, tables, OCR_GRID) if passed_at_once else repaired_grid(
        content, tables, OCR_GRID, shaded=lambda: shade_segments(img.pixels, pp, img.number))
    if fixed is not None:
        # read again in the repaired cells: a line read across a lost rule holds both cells'
        # text (名称主要实施内容|资金（万 in a task header whose rule under the goal was lost).
        # The page's grid search runs again for its text ink (1.4 s of a 300-dpi page): repaired
        # pages are few (none of the 52 pages of bench/data/scan300), so it is not kept for them
        again = _read_in(pp, img.number, engine, clock, fixed.segments)
        log.debug("page %d: grid repaired (%s), read again: %s", img.number, fixed.how,
                  again[3].reason or "passes")
        if again[3].ok:
            content, tables, lines, verdict = again
            if not passed_at_once:
                content, tables, lines = _split_repaired(pp, img.number, engine, clock, content, tables, lines)
    # a table read by anchors goes on: this page's own grid is none, or a speck beside its text
    continued = context.carry is not None and bool(lines) and outside_share(tables, lines) > CONTINUED_OUTSIDE
    if verdict.ok and not continued:
        context.carry = None
        return content, (tables, lines)

    def cap(box: tuple[int, int, int, int], conf: float) -> float:
        return min(conf, MARKED_CONFIDENCE) if _marked(pp.marks, box) else conf

    parts = None if verdict.ok else grid_parts(tables, lines, content.segments)
    log.debug("page %d read by anchors%s: %s", img.number,
              f" between {parts.band[0]:.0f} and {parts.band[1]:.0f} pt" if parts else "",
              verdict.reason or "continues the page before")
    anchored = read_by_anchors(pp.grey, pp.dpi, img.number, engine, context, cap,
                               ruled_foot=ruled_foot(content.segments), band=parts.band if parts else None)
    clock.lap("anchors")
    if not anchored[0]:
        return content, (tables, lines)
    if parts is None:
        return content, anchored
    return content, (parts.above[0] + anchored[0] + parts.below[0], parts.above[1] + anchored[1] + parts.below[1])


def _read_in(pp: PreparedPage, number: int, engine, clock: _Clock, segments: tuple[Segment, ...]
             ) -> tuple[PageContent, list[Table], list[TextLine], Verdict]:
    """The page read again in the cells of `segments`, its tables, loose lines and verdict."""
    content, *_ = _read_lines(pp, number, engine, clock, segments=list(segments))
    tables, lines = page_tables(content, OCR_GRID)
    return content, tables, lines, check_grid(tables, lines, segments=content.segments)


def _split_repaired(pp: PreparedPage, number: int, engine, clock: _Clock, content: PageContent,
                    tables: list[Table], lines: list[TextLine]) -> tuple[PageContent, list[Table], list[TextLine]]:
    """A repaired grid that passed, read again, looked over for the label splits the check
    cannot see, as a page that passed at once is (gridrepair.split_cells); read once more in
    the split cells if any. Only its own reading shows them: a label read across a lost rule
    was no line of its own before (a continued task block and 其他需完成的任务 shared a label
    cell on a photo's page whose grid passed once its shaded header's edges were added)."""
    more = split_cells(content, tables, OCR_GRID)
    if more is None:
        return content, tables, lines
    split, split_tables, split_lines, verdict = _read_in(pp, number, engine, clock, more.segments)
    log.debug("page %d: repaired grid, then a %s: %s", number, more.how, "passes" if verdict.ok else "fails, not kept")
    return (split, split_tables, split_lines) if verdict.ok else (content, tables, lines)


def _read_page(img: PageImage, engine, clock: _Clock, keep: str | None = None) -> tuple[PageContent, PreparedPage]:
    return_freed_memory()  # the page before left the heap large and free (see there)
    pp = prepare(img.pixels, img.dpi)
    clock.lap("prepare")
    content, conf, lines, texts = _read_lines(pp, img.number, engine, clock)
    if pp.turn_unsure:
        # the way text runs did not say whether the page is turned 90° (text set so tightly that
        # characters join down the columns as they do along the lines): read it the other way too
        # and keep the reading whose lines are lines. Read the wrong way, a page of task rows came
        # out as strips of single characters and the form lost every task on it
        other_pp = prepare(img.pixels, img.dpi, turns=1 - pp.turns)
        clock.lap("prepare")
        across = _read_lines(other_pp, img.number, engine, clock)
        mine, theirs = line_length(texts), line_length(across[3])
        log.debug("page %d: %.1f characters a line at %d quarter turn(s), %.1f at %d", img.number, mine, pp.turns,
                  theirs, other_pp.turns)
        if theirs > mine:
            pp, (content, conf, lines, texts) = other_pp, across
    if conf < UPSIDE_DOWN_SUSPECT and _turned_may_read_better(engine, lines, texts):
        clock.lap("ocr")
        turned = prepare(img.pixels, img.dpi, turns=pp.turns + 2)
        clock.lap("prepare")
        other, other_conf = read_prepared(turned, img.number, engine, clock)
        log.debug("page %d: confidence %.2f upright, %.2f turned", img.number, conf, other_conf)
        if other_conf > conf:
            content, pp = other, turned
    if keep:
        from .keep import keep_straightened
        keep_straightened(keep, img.number, img.pixels, pp)
        clock.lap("keep page")
    return content, pp


def _engine(options: ExtractOptions):
    from .ocr import EngineUnavailable, get_engine
    try:
        return get_engine(options.ocr_engine)
    except EngineUnavailable as e:
        raise DocumentError(f"OCR engine unavailable: {e}") from e


def _no_table_note(number: int, page: tuple) -> Flag | None:
    """An error when an OCR'd page with text on it yields no table: its values would go missing silently."""
    tables, lines = page
    if tables or not lines:
        return None  # a blank page holds nothing to lose
    return Flag("documents", None, None, FlagCode.NO_TABLE, "error",
            f"No ruled table was found on page {number}, which has text: its values, if any, were not read; "
            f"check the page.", page=number)


def _give_up_without_tables(per_page: list, ocr_done: int) -> None:
    """A form's table starts on its first page: many OCR'd pages without one is some other document."""
    if ocr_done >= NO_TABLE_PAGES and not any(p and p[0] for p in per_page):
        raise NoFormFound(f"no ruled table in the first {ocr_done} OCR'd pages")


def extract_images(paths: list[Path], options: ExtractOptions, timings: dict | None = None) -> Extraction:
    """Image files (or a page-image folder) -> Extraction, every page OCR'd."""
    clock = _Clock(timings)
    engine = None  # loaded after the first page passed the guards
    per_page, sizes, notes = [], [], []
    context = AnchorContext()
    for img in load_images(paths):
        if img.number > options.max_pages:
            raise DocumentError(f"too many pages (more than {options.max_pages})")
        check_page_size(img.number, img.width_pt, img.height_pt)
        clock.lap("rasterise")
        engine = engine or _engine(options)
        img = straighten_photo(img)  # a phone photo of a sheet on a desk; a scan is left as it is
        clock.lap("prepare")
        content, page = read_tables(img, engine, clock, options.keep_pages, context)
        sizes.append((content.width, content.height))
        per_page.append(page)
        notes.append(_no_table_note(img.number, per_page[-1]))
        clock.lap("grid")
        _give_up_without_tables(per_page, len(per_page))
    if not per_page:
        raise DocumentError("no image frames in the file")
    tables, lines = document_tables(per_page, DEFAULT)
    clock.lap("grid")
    return Extraction(pages=len(sizes), tables=tables, lines=lines, method="ocr", ocr_engine=engine.version if engine else None,
                      page_sizes=tuple(sizes), notes=[n for n in notes if n])
