"""Accuracy and speed of the OCR engines on rendered form cells.

    python bench/bench_ocr_engines.py [--cells N] [--runs R] [--seed S] [--engines rapidocr,tesseract]

Renders N cell crops (amounts, targets, indicator names) at 300 dpi in the two
CJK fonts installed (a sans and a Ming), in two conditions: "mild" (light blur
and noise, ruling-line remnants at the cell edges) and "harsh" (200 dpi, more
blur and noise, JPEG). Every crop goes through trim_to_ink, as in the scanned
path. Per engine and condition it prints exact-match %, ms per crop (median
of R runs over the whole batch, one process; CPU ms too, as wall time on a
shared machine means little) and, for tesseract, the numeric
re-read with each language. For rapidocr it also prints how its confidence
separates right from wrong reads (mean vs. lowest character probability).
"""
from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import time

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from formpipe.extract.ocr import get_engine, trim_to_ink

FONTS = ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc"]
TARGETS = ["≥95%", "≤3天", "100%", "≥90%", "≤5%", "≥1000人次", "≥98%", "=100%", "≤10个工作日", "≥85分",
           "12期", "2次/年", "按时完成", "逐步提高", "是", "≥3000", "95%", "≤2%"]
NAMES = ["社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标", "服务对象满意度指标", "数量指标",
         "质量指标", "时效指标", "成本指标", "基本支出", "项目支出", "人员经费", "公用经费", "财政拨款",
         "其他资金", "年度总体目标", "产出指标", "效益指标", "资金发放及时率", "养老机构抽查监督率",
         "城乡低保覆盖率", "部门整体支出", "政府采购", "一般公共预算"]
NUMERIC_CHARS = set("0123456789.,%-")


def amount(rng: random.Random) -> str:
    r = rng.random()
    v = rng.uniform(0, 1000) if r < 0.3 else rng.uniform(1000, 100_000) if r < 0.8 else rng.uniform(1e5, 1e7)
    return f"{v:,.2f}"


def texts(n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        k = i % 10
        if k < 4:
            out.append(("amount", amount(rng)))
        elif k < 7:
            out.append(("target", rng.choice(TARGETS)))
        else:
            out.append(("chinese", rng.choice(NAMES)))
    return out


def render_cell(text: str, font: str, px: int, rng: random.Random) -> np.ndarray:
    """The cell as the grid finder would crop it: text with margins, rule remnants."""
    f = ImageFont.truetype(font, px)
    left, t, r, b = f.getbbox(text)
    mx, my = rng.randint(px // 3, 2 * px), rng.randint(px // 4, px // 2)
    w, h = r - left + 2 * mx, b - t + 2 * my
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    d.text((mx - left, my - t), text, font=f, fill=0)
    lw = max(1, px // 20)
    if rng.random() < 0.5:
        d.rectangle([0, 0, w - 1, lw - 1], fill=0)  # top rule left in the crop
    if rng.random() < 0.5:
        d.rectangle([0, 0, lw - 1, h - 1], fill=0)  # left rule
    return np.array(im)


def degrade(img: np.ndarray, harsh: bool, rng: random.Random) -> np.ndarray:
    nr = np.random.default_rng(rng.randrange(1 << 30))
    sigma = rng.uniform(0.9, 1.3) if harsh else rng.uniform(0.4, 0.8)
    a = cv2.GaussianBlur(img, (0, 0), sigma).astype(np.float32)
    a += nr.normal(0, 14 if harsh else 6, a.shape)
    specks = nr.random(a.shape) < (0.002 if harsh else 0.0005)
    a[specks] = 0
    a = np.clip(a, 0, 255).astype(np.uint8)
    if harsh:
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "JPEG", quality=60)
        a = np.array(Image.open(buf).convert("L"))
    return a


def build(n: int, harsh: bool, seed: int) -> tuple[list[tuple[str, str]], list[np.ndarray]]:
    rng = random.Random(seed)
    items = texts(n, rng)
    px = 29 if harsh else 44  # 10.5 pt at 200 / 300 dpi
    crops = []
    for i, (_, t) in enumerate(items):
        crops.append(trim_to_ink(degrade(render_cell(t, FONTS[i % len(FONTS)], px, rng), harsh, rng)))
    return items, crops


def _cpu() -> float:
    # this process and its children (tesseract runs as a child process)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


def timed(fn, runs: int):
    """Result, median wall seconds and median CPU seconds over `runs` calls.

    CPU time is reported too because wall time is meaningless on a shared,
    loaded machine.
    """
    walls, cpus, res = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), _cpu()
        res = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    return res, statistics.median(walls), statistics.median(cpus)


def exact(items, recs, kinds=None) -> str:
    pairs = [(t, r.text) for (k, t), r in zip(items, recs) if kinds is None or k in kinds]
    ok = sum(a == b for a, b in pairs)
    return f"{100 * ok / max(1, len(pairs)):5.1f}% ({ok}/{len(pairs)})"


def rapid_confidence(eng, items, crops) -> None:
    """Mean vs. lowest character probability as a right/wrong separator."""
    res = eng._ocr.recognize_txt([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops])
    rows = [(txt == t, float(s), float(min(w.confs)) if txt else 0.0)
            for (_, t), txt, s, w in zip(items, res.txts, res.scores, res.word_results)]
    wrong = [r for r in rows if not r[0]]
    right = [r for r in rows if r[0]]
    print(f"    confidence: {len(wrong)} wrong reads of {len(rows)}")
    for label, j in (("mean", 1), ("min char", 2)):
        if wrong:
            print(f"      {label:8s} wrong reads: max {max(r[j] for r in wrong):.3f}, "
                  f"median {statistics.median(r[j] for r in wrong):.3f}; right reads: min {min(r[j] for r in right):.3f}")
        for th in (0.5, 0.8, 0.9, 0.95, 0.99):
            flagged_wrong = sum(r[j] < th for r in wrong)
            flagged_right = sum(r[j] < th for r in right)
            print(f"      {label:8s} < {th:.2f}: flags {flagged_wrong}/{len(wrong)} wrong, {flagged_right}/{len(right)} right")
    for (ok, mean, mn), (_, t), txt in zip(rows, items, res.txts):
        if not ok:
            print(f"      wrong: {t!r} -> {txt!r} mean {mean:.3f} min {mn:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    args = ap.parse_args()
    for cond in ("mild", "harsh"):
        items, crops = build(args.cells, cond == "harsh", args.seed)
        blank = sum(c is None for c in crops)
        print(f"== {cond}: {len(items)} cells, {blank} trimmed to nothing")
        crops = [c if c is not None else np.full((8, 8), 255, np.uint8) for c in crops]
        for name in args.engines.split(","):
            eng = get_engine(name)
            recs, t, cpu = timed(lambda eng=eng, crops=crops: eng.recognize_lines(crops), args.runs)
            print(f"  {eng.version}: exact {exact(items, recs)}  {1000 * t / len(crops):.1f} ms/crop wall, "
                  f"{1000 * cpu / len(crops):.1f} ms/crop CPU")
            for kind in ("amount", "target", "chinese"):
                print(f"    {kind:8s} {exact(items, recs, {kind})}")
            if name == "rapidocr":
                rapid_confidence(eng, items, crops)
            num = [(it, c) for it, c in zip(items, crops) if set(it[1]) <= NUMERIC_CHARS]
            nitems, ncrops = [it for it, _ in num], [c for _, c in num]
            if name == "tesseract":
                print(f"    numeric-only cells, plain read: {exact(nitems, eng.recognize_lines(ncrops))}")
                chosen = eng.numeric_lang
                for lang in ("eng", "chi_sim"):
                    eng.numeric_lang = lang
                    recs, t, cpu = timed(lambda eng=eng, ncrops=ncrops: eng.recognize_numeric(ncrops), args.runs)
                    print(f"    numeric re-read {lang:7s}: {exact(nitems, recs)}  {1000 * t / len(ncrops):.1f} ms/crop wall,"
                          f" {1000 * cpu / len(ncrops):.1f} CPU"
                          f"{'  (used)' if lang == chosen else ''}")
                eng.numeric_lang = chosen
                wrong = [(t, r.text) for (_, t), r in zip(nitems, eng.recognize_numeric(ncrops)) if t != r.text]
                print(f"    numeric re-read misses: {wrong[:8]}")


if __name__ == "__main__":
    main()
