"""Record an engine's answers to a JSON file and replay them without the engine.

Tests and benchmarks of the scanned path replay cached OCR output in
milliseconds instead of loading models. Answers are keyed by crop_key (a hash
of the crop's bytes, shape and dtype), so any change to the image path that
changes a crop's pixels is a miss: in replay mode a miss raises ReplayMiss
rather than quietly returning nothing.

    eng = ReplayEngine("tests/data/ocr-cache.json", get_engine("rapidocr"), mode="record")
    ...                                    # each call writes the file
    eng = ReplayEngine("tests/data/ocr-cache.json")   # replay: no engine needed
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .base import OcrEngine, Recognition, TextRun, crop_key, is_blank

MODES = ("record", "replay", "auto")  # auto: replay hits, record misses


class ReplayMiss(KeyError):
    """No recorded answer for a crop in replay mode."""

    def __str__(self) -> str:  # KeyError would print the message's repr
        return str(self.args[0])


class ReplayEngine:
    def __init__(self, path: str | os.PathLike, inner: OcrEngine | None = None, mode: str | None = None) -> None:
        self.path = Path(path)
        self.inner = inner
        self.mode = mode or ("record" if inner is not None else "replay")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.mode != "replay" and inner is None:
            raise ValueError(f"mode {self.mode!r} needs an engine to record from")
        self.data: dict[str, Any] = {"engine": None, "version": None, "lines": {}, "numeric": {}, "region": {}}
        if self.path.exists():
            self.data.update(json.loads(self.path.read_text(encoding="utf-8")))
        elif self.mode == "replay":
            raise FileNotFoundError(f"no OCR recording at {self.path} (record it first with mode='record')")
        if inner is not None:
            recorded = self.data["version"]
            if recorded not in (None, inner.version):
                # answers of two engines (or versions) must not mix in one file
                if self.mode == "auto":
                    raise ValueError(f"{self.path} holds {recorded} answers, not {inner.version}; "
                                     "re-record it with mode='record'")
                self.data.update(lines={}, numeric={}, region={})
            self.data["engine"], self.data["version"] = inner.name, inner.version
        # replaying reports the recorded engine, so outputs name what really read the crops
        self.name = self.data["engine"] or "replay"
        self.version = self.data["version"] or "replay"
        self.hits = self.misses = 0

    # -- OcrEngine ------------------------------------------------------------

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        got = self._batch("lines", crops, lambda cs: self._inner().recognize_lines(cs))
        return [Recognition(t, c) for t, c in got]

    def recognize_numeric(self, crops: Sequence[np.ndarray]) -> list[Recognition] | None:
        got = self._batch("numeric", crops, lambda cs: _none_to_list(self._inner().recognize_numeric(cs), len(cs)))
        if any(g is None for g in got):  # the recorded engine has no numeric re-read
            return None
        return [Recognition(t, c) for t, c in got]

    def read_region(self, image: np.ndarray) -> list[TextRun]:
        store = self.data["region"]
        key = crop_key(image)
        if key not in store or self.mode == "record":
            self._need(key, image, "region")
            store[key] = [[r.text, list(r.box), r.confidence] for r in self._inner().read_region(image)]
            self.save()
        else:
            self.hits += 1
        return [TextRun(t, tuple(b), c) for t, b, c in store[key]]

    # -- internals --------------------------------------------------------------

    def _inner(self) -> OcrEngine:
        """The engine that answers misses; replay mode has none (`_need` raised before this)."""
        if self.inner is None:
            raise ReplayMiss(f"no engine to read a crop missing from {self.path}")
        return self.inner

    def _batch(self, kind: str, crops: Sequence[np.ndarray], call) -> list:
        store = self.data[kind]
        keys = [None if is_blank(c) else crop_key(c) for c in crops]
        todo = [i for i, k in enumerate(keys) if k is not None and (self.mode == "record" or k not in store)]
        if todo:
            for i in todo:
                self._need(keys[i] or "", crops[i], kind)
            # one inner call for all the misses, so the inner engine still batches
            for i, r in zip(todo, call([crops[i] for i in todo])):
                store[keys[i]] = None if r is None else [r.text, r.confidence]
            self.save()
        self.hits += len(crops) - len(todo)
        return [("", 0.0) if k is None else (None if store[k] is None else tuple(store[k])) for k in keys]

    def _need(self, key: str, image: np.ndarray, kind: str) -> None:
        if self.mode == "replay":
            raise ReplayMiss(f"no recorded {kind} OCR for crop {key} (shape {np.shape(image)}) in {self.path}; "
                             "re-record with mode='record' or 'auto'")
        self.misses += 1

    def save(self) -> None:
        """Write atomically: a test interrupted mid-write must not leave a broken cache."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def _none_to_list(res: list[Recognition] | None, n: int) -> list[Recognition | None]:
    return [None] * n if res is None else list(res)
