"""Regenerated sample files against the committed ones: the same pages, within rounding.

The scan generators run OpenCV, whose vectorised paths round differently on another CPU: on a
new machine the regenerated pages differed from the committed ones by 0.003 grey levels on
average and 14 at most, and their JPEG bytes with them. So a file that is not byte for byte the
committed one is compared as decoded pixels, within bounds that a change to the generator (a
moved seal, another blur) exceeds by orders of magnitude.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

MEAN_BOUND = 0.05  # grey levels, averaged over the page
FAR_LEVELS = 16  # a pixel this far off ...
FAR_SHARE = 1e-4  # ... on at most this share of the page


def pages_of(path: Path) -> list[np.ndarray]:
    """A file's pages as grey pixels: each page of a PDF at 72 dpi, each frame of an image."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(str(path))
        return [np.asarray(doc[i].render(scale=1).to_pil().convert("L"), np.int16) for i in range(len(doc))]
    with Image.open(path) as img:
        return [np.asarray(frame.convert("L"), np.int16) for frame in ImageSequence.Iterator(img)]


def assert_same_pages(made: Path, committed: Path) -> None:
    if made.read_bytes() == committed.read_bytes():
        return
    ours, theirs = pages_of(made), pages_of(committed)
    assert len(ours) == len(theirs), made
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape, made
        diff = np.abs(a - b)
        assert diff.mean() < MEAN_BOUND and (diff > FAR_LEVELS).mean() < FAR_SHARE, (made, float(diff.mean()))
