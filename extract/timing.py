"""Seconds per stage, accumulated into a caller's dict (bench/ reads them)."""
from __future__ import annotations

import time


class Clock:
    """Accumulates seconds per stage into a caller's dict (for bench/)."""

    def __init__(self, timings: dict | None):
        self.t = timings if timings is not None else {}
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.t[stage] = self.t.get(stage, 0.0) + now - self.last
        self.last = now
