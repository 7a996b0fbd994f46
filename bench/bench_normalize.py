"""Throughput of the normalisers on a synthetic sample of form cells.

    python bench/bench_normalize.py [--cells N] [--runs R] [--seed S]

Builds N cells mixing what forms hold (amounts with separators, layout spaces,
full-width digits and OCR slips; targets; indicator names; long HTML goal
texts), runs each normaliser over all of them R times and prints cells/s
(median of the runs), plus the one-off cost of loading jieba's dictionaries.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

from formpipe.normalize import clean_text, parse_amount, parse_target, split_indicator, words

_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
_TARGETS = ["100%", "≥90%", "＞＝90%", "不低于95%", "不少于3000人次", "95%以上", "达到95%", "≤5个工作日",
            "5个工作日内", "95%-100%", "400万人次", "5,000万元", "12期", "≥90分", "十二期", "2次/年",
            "不低于全省最低保障标准", "和孤儿基本生活保障标准齐平", "按时完成", ""]
_NAME_PARTS = ["全年", "社工服务", "人次", "市本级", "社会组织", "抽查监督率", "养老机构", "护理型床位", "比例",
               "资金发放", "及时率", "事实无人抚养儿童", "基本生活保障金", "发放率", "城乡低保", "覆盖率",
               "婚姻登记", "“跨省通办”", "服务对象", "满意度", "注册志愿者人数占常住人口比例"]
_SENTENCES = ["深入开展街镇综合养老服务中心（颐康中心）建设提升三年行动，", "持续提升颐康中心服务能力和使用效益，",
              "推进村居颐康服务站建设，全面形成“1+N”社区养老服务网络。", "加强社工服务站规范化管理，",
              "持续开展婚姻登记“跨省通办”试点工作，", "巩固流浪乞讨人员街面综合治理成效。"]


def _amount(rng: random.Random) -> str:
    text = f"{rng.uniform(0, 500_000):,.2f}"
    style = rng.random()
    if style < 0.3:
        text = text.replace(",", ", ").replace(".", ". ")
    elif style < 0.4:
        text = text.translate(_FULL_WIDTH)
    elif style < 0.45:
        text = text.replace("0", "O", 1)
    elif style < 0.5:
        text = text[: text.rfind(".")] + "。" + text[-2:]
    return text


def _long_text(rng: random.Random) -> str:
    body = "".join(rng.choice(_SENTENCES) for _ in range(rng.randint(3, 12)))
    cut = rng.randrange(len(body))
    return f"<p>{body[:cut]}\n{body[cut:]}</p>&nbsp;"


def build_sample(n: int, seed: int) -> list[str]:
    """A realistic mix: 30% amounts, 30% targets, 30% names, 10% long texts."""
    rng = random.Random(seed)
    cells = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.3:
            cells.append(_amount(rng))
        elif kind < 0.6:
            cells.append(rng.choice(_TARGETS))
        elif kind < 0.9:
            cells.append("".join(rng.sample(_NAME_PARTS, rng.randint(2, 4))))
        else:
            cells.append(_long_text(rng))
    return cells


def time_runs(fn, cells: list[str], runs: int) -> float:
    """Median cells per second over ``runs`` passes."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for cell in cells:
            fn(cell)
        rates.append(len(cells) / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20230101)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    words.tokenizer()
    load_seconds = time.perf_counter() - start

    cells = build_sample(args.cells, args.seed)
    chars = sum(map(len, cells))
    print(f"sample: {len(cells):,} cells, {chars:,} characters; {args.runs} runs each")
    print(f"jieba dictionary load (once per process): {load_seconds:.3f} s")
    for name, fn in (("parse_amount", parse_amount), ("parse_target", parse_target),
                     ("clean_text", clean_text), ("split_indicator", split_indicator)):
        rate = time_runs(fn, cells, args.runs)
        print(f"{name:16s} {rate:>12,.0f} cells/s")


if __name__ == "__main__":
    main()
