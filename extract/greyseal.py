"""Seals that carry no colour: a red seal on a greyscale scan, or a grey one, taken out by its shape.

extract/prepare.py takes red seals out by their colour. A greyscale scan (or a copy of a
copy) keeps the seal as mid-grey strokes the ink cut counts as ink: its ring and characters
are read into the cells under it ("7" + name, whole indicator names garbled) and its arcs
are taken for cell edges. What still tells it from print is its level: a stamp is lighter
than printed black, and print under it stays dark (the two multiply on paper). So:

1. *strong* ink is darker than halfway between the page's print (a low quantile of its
   ink) and the ink cut; *weak* ink is ink farther than a stroke's soft edge from any
   strong ink: the seal's strokes, and crumbs of faint print;
2. a seal is a circle of weak ink (Hough on a reduced copy), kept only when weak ink
   covers most of its ring and little of a wider circle around it: the texture of a page of
   light print makes circles too, but no ring that stands out;
3. inside each seal the weak ink is taken out of the ink masks, the reading image keeps only
   what lies on the print's strokes (the seal's light halo, below the ink cut, misleads a
   recogniser as much as its strokes), and the seal is marked, so what is read under it is capped in confidence and goes to review, as under
   a red seal. Straight rules that run through the disc are kept.

Measured on a 200-dpi greyscale scan rendered at 300 dpi (flattened grey, paper 255): print
cores 66-130, seal strokes 150-199, the ink cut (Otsu) 199; the seal's ring found at r 241 px.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class GreySealSettings:
    print_quantile: float = 10.0  # per cent of ink pixels darker than this level: print's cores
    strong_share: float = 0.5  # strong ink: darker than this share of the way from print to the cut
    edge_pt: float = 0.4  # a stroke's soft edge: weak ink this close to strong ink is print
    min_radius_pt: float = 40.0  # official seals are 38-45 mm across (radius 54-64 pt); a margin
    max_radius_pt: float = 80.0  # each way for scaling in printing and scanning
    scale: float = 0.25  # the circle search runs on a copy reduced this much (0.04 s a page)
    ring_share: float = 0.7  # weak ink on at least this share of the circle's ring: a seal ...
    outside_share: float = 0.2  # ... and on less than this share of a circle 1.25 times as large:
    # the ring stands out. Measured: two dev seals 0.86 and 0.98 on the ring, 0.03 outside; circles
    # found in the texture of a page of light print (a committed scan) 0.48-0.55 and 0.33-0.46
    ring_band_pt: float = 2.5  # the ring is searched this far either side of the circle
    disc_margin: float = 1.12  # the seal's disc, larger than its ring: the found radius can fall on
    # the ring's inner edge, and a thick ring reaches 5% beyond it
    rule_pt: float = 40.0  # inside a seal, straight ink runs longer than this are ruling, kept: a ring
    # near its tangent runs straight for 2*sqrt(2*r*w), about 30 pt for a 58-pt radius and a 2-pt ring
    crumb_reach_pt: float = 2.0  # what is left of a seal stroke (its darkest bits) sits in its removed ink:
    crumb_ratio: float = 1.0  # ... more removed ink within reach than its own area. Measured on the seal
    # above: 40 crumbs 1.6-22, 30 print strokes and dots 0.00-0.34


DEFAULT = GreySealSettings()


@dataclass(frozen=True)
class GreySeals:
    circles: tuple[tuple[float, float, float], ...]  # (x, y, r) in pixels
    remove: np.ndarray  # bool: the seals' own strokes (weak ink inside a seal's disc)
    disc: np.ndarray  # bool: inside a seal


def _px(pt: float, dpi: float) -> float:
    return pt * dpi / 72.0


def weak_ink(grey: np.ndarray, ink: np.ndarray, dpi: float, s: GreySealSettings = DEFAULT) -> np.ndarray:
    """Ink (255 in `ink`) lighter than print and not on the soft edge of a print stroke."""
    on = ink > 0
    if not on.any():
        return np.zeros(grey.shape, bool)
    cut, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    level = float(np.percentile(grey[on], s.print_quantile))
    strong = (grey < level + s.strong_share * (cut - level)).astype(np.uint8)
    k = 2 * max(1, int(round(_px(s.edge_pt, dpi)))) + 1
    return on & (cv2.dilate(strong, np.ones((k, k), np.uint8)) == 0)


def _ring_cover(weak: np.ndarray, x: float, y: float, r: float, band: float) -> float:
    """Share of the circle's perimeter with weak ink within `band` of it."""
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    h, w = weak.shape
    hit = np.zeros(angles.size, bool)
    for d in np.arange(-band, band + 1):
        xs = np.clip(np.round(x + (r + d) * np.cos(angles)).astype(int), 0, w - 1)
        ys = np.clip(np.round(y + (r + d) * np.sin(angles)).astype(int), 0, h - 1)
        hit |= weak[ys, xs]
    return float(hit.mean())


def find_grey_seals(grey: np.ndarray, ink: np.ndarray, dpi: float, s: GreySealSettings = DEFAULT) -> GreySeals:
    """The colourless seals of a flattened page and the pixels of their strokes."""
    weak = weak_ink(grey, ink, dpi, s)
    none = GreySeals((), np.zeros(grey.shape, bool), np.zeros(grey.shape, bool))
    if not weak.any():
        return none
    small = cv2.resize(weak.astype(np.uint8) * 255, None, fx=s.scale, fy=s.scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.5)
    k = dpi / 72.0 * s.scale
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT, dp=1, minDist=int(s.min_radius_pt * k * 2),
                             param1=60, param2=25, minRadius=int(s.min_radius_pt * k),
                             maxRadius=int(s.max_radius_pt * k))
    if found is None:
        return none
    circles = []
    for x, y, r in found[0] / s.scale:
        band = _px(s.ring_band_pt, dpi)
        if (_ring_cover(weak, x, y, r, band) >= s.ring_share
                and _ring_cover(weak, x, y, 1.25 * r, band) < s.outside_share):
            circles.append((float(x), float(y), float(r)))
    if not circles:
        return none
    disc = np.zeros(grey.shape, np.uint8)
    for x, y, r in circles:
        cv2.circle(disc, (int(round(x)), int(round(y))), int(round(r * s.disc_margin)), 1, -1)
    strokes = weak & (disc > 0)
    return GreySeals(tuple(circles), strokes | _crumbs(ink, strokes, disc > 0, dpi, s), disc > 0)


def _crumbs(ink: np.ndarray, strokes: np.ndarray, disc: np.ndarray, dpi: float, s: GreySealSettings) -> np.ndarray:
    """Ink left inside a seal that is the darkest bits of its strokes, not print."""
    rest = ((ink > 0) & ~strokes).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    reach = max(1, int(round(_px(s.crumb_reach_pt, dpi))))
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    h, w = ink.shape
    out = np.zeros(ink.shape, bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if not disc[y + bh // 2, x + bw // 2]:
            continue
        x0, y0, x1, y1 = max(0, x - reach), max(0, y - reach), min(w, x + bw + reach), min(h, y + bh + reach)
        own = labels[y0:y1, x0:x1] == i
        near = cv2.dilate(own.astype(np.uint8), kernel) > 0
        if np.count_nonzero(strokes[y0:y1, x0:x1] & near) > s.crumb_ratio * area:
            out[y0:y1, x0:x1] |= own
    return out


def long_runs(ink: np.ndarray, dpi: float, s: GreySealSettings = DEFAULT) -> np.ndarray:
    """Horizontal and vertical ink runs longer than `rule_pt`: ruling, which a seal never draws."""
    n = max(3, int(round(_px(s.rule_pt, dpi))))
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    return cv2.bitwise_or(h, v) > 0
