"""Tesseract (chi_sim) through pytesseract, behind OcrEngine.

pytesseract starts a tesseract process per call (~170 ms with model load,
OCR-NOTES), so a page's crops are stacked into one image and read in one call;
each recognised word goes back to the crop whose band its centre lies in.
The child runs with OMP_THREAD_LIMIT (1 by default): its OpenMP threads made
it 5x slower in wall time on 2 cores.
"""
from __future__ import annotations

import bisect
import contextlib
import functools
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Sequence

import numpy as np

from .base import EMPTY, EngineUnavailable, Recognition, TextRun, as_gray, is_blank, join_words, ocr_threads

LANG = "chi_sim"
# Numeric re-read: with the whitelist, eng read 93% of the bench's numeric
# cells exactly (89% harsh), chi_sim 65% (48%), plain chi_sim 58% (45%); eng is
# also faster (bench/bench_ocr_engines.py).
NUMERIC_LANG = "eng"
NUMERIC_WHITELIST = "0123456789.,%-"
LINES_CONFIG = "--psm 6 --dpi 300"  # one uniform block: the stacked crops are its lines
REGION_CONFIG = "--psm 6 --dpi 300"
MARGIN = 20  # white around the stacked crops
MAX_CANVAS_H = 16000  # px per tesseract call; a long page is split into several calls
INSTALL_HINT = "apt install tesseract-ocr tesseract-ocr-chi-sim"


def _exe() -> str | None:
    cmd = "tesseract"
    if importlib.util.find_spec("pytesseract") is not None:
        import pytesseract
        cmd = pytesseract.pytesseract.tesseract_cmd
    return shutil.which(cmd)


@functools.lru_cache(maxsize=4)
def languages(exe: str) -> frozenset[str]:
    try:
        r = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        raise EngineUnavailable(f"tesseract --list-langs failed ({type(e).__name__}: {e})".splitlines()[0]) from e
    # first line is 'List of available languages in "...":'
    return frozenset(ln.strip() for ln in r.stdout.splitlines()[1:] if ln.strip())


def check() -> str:
    """The tesseract binary, with chi_sim; raises EngineUnavailable otherwise."""
    if importlib.util.find_spec("pytesseract") is None:
        raise EngineUnavailable("pytesseract is not installed (pip install pytesseract)")
    exe = _exe()
    if exe is None:
        raise EngineUnavailable(f"tesseract not found on PATH ({INSTALL_HINT})")
    if LANG not in languages(exe):
        raise EngineUnavailable(f"tesseract has no {LANG} language data ({INSTALL_HINT})")
    return exe


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        exe = check()
        import pytesseract
        self._pt = pytesseract
        self.version = f"tesseract {pytesseract.get_tesseract_version()} {LANG}"
        self.numeric_lang = NUMERIC_LANG if NUMERIC_LANG in languages(exe) else LANG
        self.threads = ocr_threads()

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        return self._batched(crops, LANG, LINES_CONFIG)

    def recognize_numeric(self, crops: Sequence[np.ndarray]) -> list[Recognition] | None:
        config = f"{LINES_CONFIG} -c tessedit_char_whitelist={NUMERIC_WHITELIST}"
        return self._batched(crops, self.numeric_lang, config)

    def read_region(self, image: np.ndarray) -> list[TextRun]:
        if is_blank(image):
            return []
        gray = as_gray(image)
        canvas = np.pad(gray, MARGIN, constant_values=255)
        words = self._words(canvas, LANG, REGION_CONFIG)
        lines: dict[tuple[int, int, int], list[dict]] = {}
        for w in words:  # tesseract's own order is reading order
            lines.setdefault(w["line"], []).append(w)
        runs = []
        for ws in lines.values():
            x0 = min(w["x0"] for w in ws) - MARGIN
            y0 = min(w["y0"] for w in ws) - MARGIN
            x1 = max(w["x1"] for w in ws) - MARGIN
            y1 = max(w["y1"] for w in ws) - MARGIN
            box = (float(max(0, x0)), float(max(0, y0)), float(min(gray.shape[1], x1)), float(min(gray.shape[0], y1)))
            runs.append(TextRun(join_words([w["text"] for w in ws]), box, min(w["conf"] for w in ws)))
        return runs

    # -- stacking -----------------------------------------------------------

    def _batched(self, crops: Sequence[np.ndarray], lang: str, config: str) -> list[Recognition]:
        out = [EMPTY] * len(crops)
        items = [(i, as_gray(c)) for i, c in enumerate(crops) if not is_blank(c)]
        for chunk in _chunks(items):
            canvas, bands = stack(chunk)
            starts = [b[0] for b in bands]
            found: dict[int, list[dict]] = {}
            for w in self._words(canvas, lang, config):
                k = bisect.bisect_right(starts, (w["y0"] + w["y1"]) / 2) - 1
                if 0 <= k < len(bands):
                    found.setdefault(k, []).append(w)
            for k, (i, _) in enumerate(chunk):
                ws = sorted(found.get(k, []), key=lambda w: w["x0"])
                if ws:
                    out[i] = Recognition(join_words([w["text"] for w in ws]), min(w["conf"] for w in ws))
        return out

    def _words(self, image: np.ndarray, lang: str, config: str) -> list[dict]:
        with _omp_limit(self.threads):
            d = self._pt.image_to_data(image, lang=lang, config=config, output_type=self._pt.Output.DICT)
        words = []
        for k, text in enumerate(d["text"]):
            text = (text or "").strip()
            conf = float(d["conf"][k])
            if not text or conf < 0:  # conf -1: a block/line row, not a word
                continue
            x, y, w, h = d["left"][k], d["top"][k], d["width"][k], d["height"][k]
            words.append({"text": text, "conf": min(max(conf / 100.0, 0.0), 1.0),
                          "x0": x, "y0": y, "x1": x + w, "y1": y + h,
                          "line": (d["block_num"][k], d["par_num"][k], d["line_num"][k])})
        return words


@contextlib.contextmanager
def _omp_limit(n: int):
    """OMP_THREAD_LIMIT for the tesseract child only.

    pytesseract passes no env to its subprocess, so set ours around the call
    and restore it, leaving the OpenMP of this process alone.
    """
    old = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = str(n)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = old


def _chunks(items: list[tuple[int, np.ndarray]]) -> list[list[tuple[int, np.ndarray]]]:
    chunks: list[list[tuple[int, np.ndarray]]] = []
    cur: list[tuple[int, np.ndarray]] = []
    h = 0
    for it in items:
        ih = it[1].shape[0] + _gap([it[1]])
        if cur and h + ih > MAX_CANVAS_H:
            chunks.append(cur)
            cur, h = [], 0
        cur.append(it)
        h += ih
    if cur:
        chunks.append(cur)
    return chunks


def _gap(imgs: Sequence[np.ndarray]) -> int:
    # Wide enough that tesseract never joins two crops into one text line
    return max(24, int(0.6 * float(np.median([g.shape[0] for g in imgs]))))


def stack(chunk: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Crops one under another on white; each crop owns the band [start, next start)."""
    imgs = [g for _, g in chunk]
    gap = _gap(imgs)
    width = max(g.shape[1] for g in imgs) + 2 * MARGIN
    height = sum(g.shape[0] for g in imgs) + gap * (len(imgs) - 1) + 2 * MARGIN
    canvas = np.full((height, width), 255, np.uint8)
    bands: list[tuple[int, int]] = []
    y = MARGIN
    for g in imgs:
        canvas[y:y + g.shape[0], MARGIN:MARGIN + g.shape[1]] = g
        bands.append((y - gap // 2 if bands else 0, y + g.shape[0]))
        y += g.shape[0] + gap
    return canvas, bands
