"""Types shared by every OCR engine, and small helpers they all use.

Kept free of engine imports so that `check_engine`, the fake and the replay
engine work without rapidocr or tesseract being importable.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Recognition:
    """The text of one single-line crop; confidence in [0, 1] (0 for blank)."""

    text: str
    confidence: float


@dataclass(frozen=True)
class TextRun:
    """One line of a multi-line region; box is x0, y0, x1, y1 in the region's pixels."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


EMPTY = Recognition("", 0.0)


class EngineUnavailable(Exception):
    """An engine cannot run here; the message is a one-line reason with the fix."""


@runtime_checkable
class OcrEngine(Protocol):
    name: str  # "rapidocr" | "tesseract" | "fake"
    version: str  # recorded in documents.ocr_engine, e.g. "rapidocr 3.10.0 ..."

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        """One result per single-line crop (grayscale uint8, trimmed to ink), same order."""
        ...

    def read_region(self, image: np.ndarray) -> list[TextRun]:
        """Detection + recognition on a multi-line region; runs in reading order."""
        ...

    def recognize_numeric(self, crops: Sequence[np.ndarray]) -> list[Recognition] | None:
        """A digits-only re-read of the crops, or None if the engine has none."""
        ...


def return_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim) before a large
    allocation (a page's preparation, detection's buffers): reading a page leaves the heap large
    and mostly free, and a process's peak is that heap plus what comes next. Peak RSS,
    bench/bench_scanned.py: erased-ruling office set (before detection) 946 -> 780 MB; the
    300-dpi set (before each scanned page) 809 -> 754 MB (775 before any of this work)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        pass


def ocr_threads() -> int:
    """Threads per OCR call: 1 unless FORMPIPE_OCR_THREADS says otherwise.

    Parallelism comes from worker processes: two single-threaded processes
    beat one with two threads (OCR-NOTES), and tesseract's OpenMP threads on a
    2-core machine made it 5x slower in wall time (47 vs 10 ms per crop).
    Clamped to the core count: rapidocr ignores larger values and then uses
    every core.
    """
    raw = os.environ.get("FORMPIPE_OCR_THREADS", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise EngineUnavailable(f"FORMPIPE_OCR_THREADS must be a positive integer, not {raw!r}")
    return min(int(raw), os.cpu_count() or 1)


def as_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale uint8 view of a gray, BGR or BGRA image (callers pass either)."""
    a = np.asarray(image)
    if a.ndim == 3:
        if a.shape[2] == 1:
            a = a[:, :, 0]
        else:  # luma weights of BGR, without importing cv2 here
            a = a[:, :, :3].astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return a


def is_blank(image: np.ndarray | None) -> bool:
    """True for None and for crops with no pixels (a caller's trim returned nothing)."""
    return image is None or np.asarray(image).size == 0


def crop_key(image: np.ndarray) -> str:
    """A stable key for a crop's pixels: the same bytes and shape give the same key."""
    a = np.ascontiguousarray(image)
    h = hashlib.sha256(f"{a.shape}|{a.dtype.str}|".encode())
    h.update(a.tobytes())
    return h.hexdigest()[:20]


def is_wide(ch: str) -> bool:
    """CJK ideographs and full-width punctuation: joined without spaces."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join_words(words: Sequence[str]) -> str:
    """Join OCR words: no space next to a CJK character, one between Latin/digit words."""
    out = ""
    for w in words:
        if not w:
            continue
        if out and not is_wide(out[-1]) and not is_wide(w[0]):
            out += " "
        out += w
    return out
