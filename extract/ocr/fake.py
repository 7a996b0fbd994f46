"""A scripted engine for tests of the code that calls OCR."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .base import EMPTY, Recognition, TextRun, crop_key, is_blank

Answer = str | Recognition


def _as_recognition(a: Answer) -> Recognition:
    return a if isinstance(a, Recognition) else Recognition(a, 1.0 if a else 0.0)


class FakeEngine:
    """Answers from `answers`: a callable on the crop, or a dict keyed by crop_key(crop).

    A crop missing from the dict gets `default`, or raises KeyError if no
    default is given. `numeric` and `regions` do the same for the other two
    methods (numeric=None: no numeric re-read, like rapidocr). `calls` counts
    calls per method and `crops` counts the crops seen.
    """

    name = "fake"

    def __init__(self, answers: Callable[[np.ndarray], Answer] | Mapping[str, Answer],
                 numeric: Callable[[np.ndarray], Answer] | Mapping[str, Answer] | None = None,
                 regions: Callable[[np.ndarray], list[TextRun]] | None = None,
                 default: Answer | None = None, version: str = "fake 0") -> None:
        self.answers, self.numeric, self.regions = answers, numeric, regions
        self.default = default
        self.version = version
        self.calls: Counter[str] = Counter()
        self.crops = 0

    def _answer(self, source, crop: np.ndarray) -> Recognition:
        if is_blank(crop):
            return EMPTY
        if callable(source):
            return _as_recognition(source(crop))
        key = crop_key(crop)
        if key in source:
            return _as_recognition(source[key])
        if self.default is None:
            raise KeyError(f"FakeEngine has no answer for crop {key} (shape {np.shape(crop)})")
        return _as_recognition(self.default)

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        self.calls["recognize_lines"] += 1
        self.crops += len(crops)
        return [self._answer(self.answers, c) for c in crops]

    def recognize_numeric(self, crops: Sequence[np.ndarray]) -> list[Recognition] | None:
        self.calls["recognize_numeric"] += 1
        if self.numeric is None:
            return None
        self.crops += len(crops)
        return [self._answer(self.numeric, c) for c in crops]

    def read_region(self, image: np.ndarray) -> list[TextRun]:
        self.calls["read_region"] += 1
        return list(self.regions(image)) if self.regions else []
