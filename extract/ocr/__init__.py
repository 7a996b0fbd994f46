"""OCR engines behind one interface (see base.OcrEngine).

    check_engine("rapidocr")          # fast, loads no model; EngineUnavailable with a reason
    eng = get_engine("rapidocr")      # loaded once per process
    eng.recognize_lines([trim_to_ink(cell) for cell in cells])

rapidocr (PP-OCRv6 small) is the default: far more accurate on amounts and
targets than tesseract's chi_sim (OCR-NOTES); tesseract is the fallback.
"""
from __future__ import annotations

import functools
import threading

from .base import EngineUnavailable, OcrEngine, Recognition, TextRun, crop_key, ocr_threads
from .crops import trim_to_ink

ENGINES = ("rapidocr", "tesseract")

__all__ = ["ENGINES", "EngineUnavailable", "OcrEngine", "Recognition", "TextRun",
           "check_engine", "crop_key", "get_engine", "trim_to_ink"]


def check_engine(name: str) -> None:
    """Raise EngineUnavailable unless `name` can run here (no model is loaded)."""
    if name in ENGINES:
        ocr_threads()  # a bad FORMPIPE_OCR_THREADS is a setup error too
    if name == "rapidocr":
        from . import rapid
        rapid.check()
    elif name == "tesseract":
        from . import tesseract
        tesseract.check()
    else:
        raise EngineUnavailable(f"unknown OCR engine {name!r} (choose from {', '.join(ENGINES)})")


_loading = threading.Lock()


def get_engine(name: str) -> OcrEngine:
    """The engine, built once per process; EngineUnavailable (not cached) if it cannot run.

    FORMPIPE_OCR_THREADS is read when the engine is built, not afterwards.
    """
    with _loading:  # two threads asking at once must not load the models twice
        return _load(name)


@functools.cache
def _load(name: str) -> OcrEngine:
    if name == "rapidocr":
        from .rapid import RapidEngine
        return RapidEngine()
    if name == "tesseract":
        from .tesseract import TesseractEngine
        return TesseractEngine()
    raise EngineUnavailable(f"unknown OCR engine {name!r} (choose from {', '.join(ENGINES)})")
