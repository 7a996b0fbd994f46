"""RapidOCR 3.10 (PP-OCRv6 small, models bundled in the wheel) behind OcrEngine.

API used (rapidocr 3.10.0, all public):
  RapidOCR(params={...})                 dotted overrides of the package's config.yaml
  RapidOCR.recognize_txt([bgr, ...])     recognition alone on a list of crops: the
                                         TextRecognizer sorts them by aspect ratio and
                                         runs them in batches of Rec.rec_batch_num;
                                         with Global.return_word_box it also returns
                                         per-character probabilities (word_results[i].confs)
  RapidOCR()(img, use_det=True, use_cls=False, use_rec=False)
                                         detection alone, for regions; its boxes then
                                         go through recognize_txt as above

RapidOCR.__call__ takes one image, and even on the recognition-only path
(use_det=False) it runs its page preprocessing: a resize that rounds both
sides to multiples of 32 once a side exceeds 2000 px, which distorts a long
crop. recognize_txt does neither, so crops go to it directly.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .base import EMPTY, EngineUnavailable, Recognition, TextRun, as_gray, is_blank, ocr_threads, return_freed_memory

# The default models of rapidocr 3.10: any other model is downloaded at first
# use, which fails offline, so only these are allowed.
BUNDLED_MODELS = ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx")
# Crops are still handed over in one call per page, but run one at a time:
# on one CPU thread batches of 6 (the default) were ~15% slower than batches of
# 1 (padding to the widest crop of a batch is wasted work), and a batch of 1
# makes a crop's reading independent of the crops that share its page.
REC_BATCH = 1
# rapidocr pads each crop with grey to at least 320 px wide at height 48 (rec_img_shape), and a
# crop costs ~0.1 ms per px of that width, so two thirds of a page's crops pay for padding. It
# is kept: the model reads short crops worse without it. A floor of 48, 160 or 240 px (17% less
# recognition time at 48) lost dev-set fields on scan200 (0.9980 -> 0.9882, 0.9882, 0.9941;
# amounts 1.0000 -> 0.9870 at 48) and photo (0.9884 -> 0.9651 at 48): "≥85%" read "≥859".
# Detection (the anchors reading's full page) runs on the page scaled to at most
# DET_MAX_SIDE px on its long side (rapidocr's own limit, kept: text stays ~24 px high
# at 300 dpi), in strips of at most DET_STRIP rows overlapping by DET_OVERLAP. Detecting on
# the whole 1408 x 1984 px page took 614 MB above the loaded engine (a process's peak RSS went
# to 1196 MB on bench/data/office-noruling); a strip of 1024 rows takes 300, of 608 rows 217.
# The model sees a strip's content as a whole (its boxes move by a few px with what else is
# in the picture), so the fewer strips the closer to a whole-page reading: on the office set
# with its ruling erased (bench/eval_scanned.py), whole page 36/41 amounts, 200/255 short
# fields, long-text CER 29.8%; 2 strips (1056) 36/41, 197/251, 23.8%; 3 strips (800) 35/41,
# 197/251, 23.8%; every wrong amount flagged in all three.
DET_MAX_SIDE = 2000
DET_STRIP = 1056
DET_ALIGN = 32  # the detection model takes sides in multiples of 32 px
DET_OVERLAP = 128  # taller than any printed line at 2000 px (a 24-pt title is ~57 px)
REGION_BORDER = 12  # px of white added around a region: detection misses text touching the edge


def check() -> None:
    """Package, runtime and bundled models present; imports nothing heavy."""
    for mod, pkg in (("rapidocr", "rapidocr==3.10.0"), ("onnxruntime", "onnxruntime")):
        if importlib.util.find_spec(mod) is None:
            raise EngineUnavailable(f"{mod} is not installed (pip install {pkg})")
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:  # found a moment ago; a namespace stub has no origin
        raise EngineUnavailable("rapidocr is not importable")
    models = Path(spec.origin).parent / "models"
    missing = [m for m in BUNDLED_MODELS if not (models / m).is_file()]
    if missing:
        version = importlib.metadata.version("rapidocr")
        raise EngineUnavailable(
            f"rapidocr {version} lacks its bundled model {missing[0]} in {models} "
            "(formpipe needs rapidocr==3.10.0; other models are downloaded at first use)")


def _quiet() -> None:
    # rapidocr logs an INFO line per model load through its own handler
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)


class RapidEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        check()
        _quiet()
        from rapidocr import RapidOCR
        n = ocr_threads()
        self._ocr = RapidOCR(params={
            "Global.log_level": "warning",
            "Global.return_word_box": True,  # per-character probabilities, for the confidence
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Rec.rec_batch_num": REC_BATCH,
            # Detection's default scales the short side *up* to 736 px: a
            # 200-px-high cell becomes 3.3x larger, 7x slower, no more accurate.
            # Only scale down (pages beyond 2000 px, as Global.max_side_len does).
            "Det.limit_type": "max",
            "Det.limit_side_len": 2000,
        })
        _quiet()
        # load the recognizer now: a broken install fails here, not mid-document
        self._ocr.recognize_txt([np.full((48, 48, 3), 255, np.uint8)])
        self.version = f"rapidocr {importlib.metadata.version('rapidocr')} PP-OCRv6 small"
        self.threads = n

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        out = [EMPTY] * len(crops)
        idx = [i for i, c in enumerate(crops) if not is_blank(c) and min(np.asarray(c).shape[:2]) >= 2]
        if not idx:
            return out
        imgs = [cv2.cvtColor(as_gray(crops[i]), cv2.COLOR_GRAY2BGR) for i in idx]  # the model wants 3 channels
        res: Any = self._ocr.recognize_txt(imgs)  # rapidocr types its outputs as a union of four
        for i, text, score, words in zip(idx, res.txts, res.scores, res.word_results):
            out[i] = Recognition(text, _confidence(text, score, words))
        return out

    def read_region(self, image: np.ndarray) -> list[TextRun]:
        """Detection finds the lines; each line's box then goes through
        recognize_lines, so regions and cells get the same recognizer, batching
        and confidence (and no run is dropped for a low score: rapidocr's own
        pipeline silently drops lines scoring under 0.5, which should rather
        be flagged for review)."""
        if is_blank(image):
            return []
        gray = as_gray(image)
        b = REGION_BORDER
        img = cv2.copyMakeBorder(gray, b, b, b, b, cv2.BORDER_CONSTANT, value=255)
        H, W = img.shape
        boxes = []
        for q in self._detect(img):  # quads in img's pixels
            x0, y0 = int(max(0, np.floor(q[:, 0].min()))), int(max(0, np.floor(q[:, 1].min())))
            x1, y1 = int(min(W, np.ceil(q[:, 0].max()))), int(min(H, np.ceil(q[:, 1].max())))
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                boxes.append((x0, y0, x1, y1))
        recs = self.recognize_lines([img[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes])
        h, w = gray.shape
        runs = [TextRun(r.text, (float(max(0, x0 - b)), float(max(0, y0 - b)), float(min(w, x1 - b)), float(min(h, y1 - b))),
                        r.confidence)
                for r, (x0, y0, x1, y1) in zip(recs, boxes) if r.text.strip()]
        return reading_order(runs)

    def _detect(self, gray: np.ndarray) -> list[np.ndarray]:
        """Text-line quads (4 x 2, in `gray`'s pixels) found by detection on the image scaled
        to DET_MAX_SIDE, in overlapping strips of at most DET_STRIP px: the model's memory
        grows with the area it is fed. Each strip keeps the boxes whose centre lies in its
        own share of the overlap, so a line cut by a strip's edge is taken, whole, from the
        strip that holds its middle (a line no taller than DET_OVERLAP lies whole in it)."""
        return_freed_memory()
        H, W = gray.shape
        # scaled once, the way rapidocr scales a page (bilinear, each side rounded to a
        # multiple of 32 for the model): a strip then goes to the model as it is; scaling
        # twice (to 2000 px, then to the multiples of 32) blurred the page enough to lose
        # three amounts of tests/test_anchors.py's erased-ruling form
        ratio = min(1.0, DET_MAX_SIDE / max(H, W))
        w, h = (max(DET_ALIGN, round(int(n * ratio) / DET_ALIGN) * DET_ALIGN) for n in (W, H))
        small = cv2.resize(gray, (w, h))
        quads = []
        for top, bottom, own_top, own_bottom in strips(h, DET_STRIP, DET_OVERLAP, DET_ALIGN):
            strip = cv2.cvtColor(small[top:bottom], cv2.COLOR_GRAY2BGR)
            det: Any = self._ocr(strip, use_det=True, use_cls=False, use_rec=False)
            found = getattr(det, "boxes", None)
            for quad in found if found is not None else ():
                q = np.array(quad)  # in the strip's pixels; rapidocr's float32, kept: see below
                q[:, 1] += top
                if own_top <= q[:, 1].mean() < own_bottom:
                    # scaled in float32, in place, as rapidocr maps boxes to a page it scaled
                    # itself: a page read in one strip gets exactly the boxes it got before
                    # (in float64 they moved by up to 2e-4 px, enough to move an edge lying on
                    # a whole pixel across it)
                    q[:, 0] *= W / w
                    q[:, 1] *= H / h
                    quads.append(q)
        return quads

    def recognize_numeric(self, crops: Sequence[np.ndarray]) -> list[Recognition] | None:
        return None  # the model reads digits well already; no whitelist to apply


def strips(height: int, most: int, overlap: int, align: int = 1) -> list[tuple[int, int, int, int]]:
    """(top, bottom, own_top, own_bottom) of the fewest strips of at most `most` rows that
    overlap by `overlap` and cover `height` rows; the own ranges tile the rows exactly. With
    `height`, `most` and `overlap` multiples of `align`, every strip's rows are too."""
    if height <= most:
        return [(0, height, 0, height)]
    n = -(-(height - overlap) // (most - overlap))
    step = -(-(height - overlap) // n)
    step = -(-step // align) * align
    out = []
    for i in range(n):
        top = i * step
        bottom = min(height, top + step + overlap)
        own_top = 0 if i == 0 else top + overlap // 2
        own_bottom = height if i == n - 1 else top + step + overlap // 2
        out.append((top, bottom, own_top, own_bottom))
    return out


def _confidence(text: str, score: float, words) -> float:
    """rapidocr's line score is the mean of per-character probabilities.

    A mean hides the one doubtful character that makes an amount wrong, so
    the line's confidence is the lowest character probability.
    """
    if not text:
        return 0.0
    confs = getattr(words, "confs", None) or [score]
    return float(min(max(min(confs), 0.0), 1.0))


def reading_order(runs: list[TextRun]) -> list[TextRun]:
    """Top-to-bottom lines, left-to-right within a line.

    Runs whose vertical centres lie within half a run's height are one line;
    rapidocr's own sort only swaps neighbours within 10 px, which slightly
    skewed text defeats.
    """
    runs = sorted(runs, key=lambda r: (r.box[1] + r.box[3]) / 2)
    lines: list[list[TextRun]] = []
    for r in runs:
        cy, hh = (r.box[1] + r.box[3]) / 2, (r.box[3] - r.box[1]) / 2
        if lines:
            last = lines[-1]
            ly = sum((x.box[1] + x.box[3]) / 2 for x in last) / len(last)
            if abs(cy - ly) <= max(hh, 4):
                last.append(r)
                continue
        lines.append([r])
    return [r for line in lines for r in sorted(line, key=lambda r: r.box[0])]
