"""Write the test corpus: PDFs under <out>/pdf and their truth JSON under <out>/truth.

    python -m corpus.generate                       # the committed corpus (seed + varied forms)
    python -m corpus.generate --count 500 --out bench/data/big --seed 7   # benchmark bulk
"""
from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from corpus import phrase_bank as bank
from corpus.forms import SEED_PAGE_BREAK_BEFORE, SEED_TXT_SOURCE, FormRecord, random_form, seed_form, to_truth, write_truth
from corpus.render_pdf import ALT_LABELS, DEFAULT_LABELS, Style, render

CORPUS_DIR = Path(__file__).resolve().parent
COMMITTED_FORMS = 13
# Task and indicator counts of the committed forms, spread over the allowed ranges.
COMMITTED_TASKS = [2, 5, 9, 3, 7, 4, 8, 6, 2, 9, 5, 3, 6]
COMMITTED_INDICATORS = [6, 18, 30, 12, 25, 9, 22, 14, 8, 28, 16, 11, 20]

SEED_STYLE = Style(font="serif", font_size=10.5, repeat_task_label=True, repeat_indicator_labels=False,
                   break_before_indicator=SEED_PAGE_BREAK_BEFORE)


def _jitter(rng: random.Random, fracs: tuple[float, ...], amount: float = 0.2) -> tuple[float, ...]:
    return tuple(round(f * rng.uniform(1 - amount, 1 + amount), 3) for f in fracs)


def _style(rng: random.Random, flags: dict) -> Style:
    base = Style()
    labels = {k: (ALT_LABELS[k] if flags["alt_labels"] and rng.random() < 0.7 else v)
              for k, v in DEFAULT_LABELS.items()}
    return Style(
        font="sans" if flags["sans"] else "serif", font_size=flags["font_size"],
        landscape=flags["landscape"], margin_x=rng.choice([40, 45, 50, 56]),
        margin_top=rng.randint(50, 70), margin_bottom=rng.randint(50, 70),
        line_width=rng.choice([0.5, 0.75, 1.0]), label_width=round(rng.uniform(0.11, 0.16), 3),
        budget_cols=_jitter(rng, base.budget_cols, 0.1), task_cols=_jitter(rng, base.task_cols),
        indicator_cols=_jitter(rng, base.indicator_cols), amount_align=rng.choice(["right", "center"]),
        labels=labels, repeat_headers=flags["repeat_headers"], repeat_task_label=flags["repeat_task_label"],
        repeat_indicator_labels=flags["repeat_indicator_labels"], subtitle=flags["subtitle"],
        footer=flags["footer"])


def committed_flags(i: int) -> dict:
    """Variant mix of committed form i (1-based): every variant is covered at least twice."""
    return {
        "sans": i % 2 == 0, "font_size": [9, 9.5, 10, 10.5, 11, 11.5, 12][i % 7], "landscape": i == 5,
        "funded_staff": i in (2, 7, 11), "single_target": i in (3, 8, 12),
        "repeat_headers": i % 3 == 0, "repeat_task_label": i % 2 == 1, "repeat_indicator_labels": i % 4 == 1,
        "defects": i in (4, 9, 13), "subtitle": i % 3 == 1, "footer": i % 2 == 0,
        "alt_labels": i % 4 == 2, "year_style": i % 2, "satisfaction": i % 3 != 2,
        "other_tasks": i % 3 == 0,
        "n_tasks": COMMITTED_TASKS[i - 1], "n_indicators": COMMITTED_INDICATORS[i - 1],
        "unit": bank.UNITS[i % len(bank.UNITS)], "year": 2019 + i % 7,
    }


def random_flags(rng: random.Random) -> dict:
    coin = lambda p=0.5: rng.random() < p  # noqa: E731
    return {
        "sans": coin(), "font_size": rng.choice([9, 9.5, 10, 10.5, 11, 11.5, 12]), "landscape": coin(0.15),
        "funded_staff": coin(0.3), "single_target": coin(0.3), "repeat_headers": coin(0.4),
        "repeat_task_label": coin(), "repeat_indicator_labels": coin(0.3), "defects": coin(0.3),
        "subtitle": coin(0.4), "footer": coin(), "alt_labels": coin(0.3), "year_style": rng.randint(0, 1),
        "satisfaction": coin(0.7), "other_tasks": coin(0.3), "n_tasks": None, "n_indicators": None,
        "unit": None, "year": None,
    }


def make_form(rng: random.Random, flags: dict) -> tuple[FormRecord, Style]:
    keys = ("funded_staff", "single_target", "satisfaction", "other_tasks", "defects", "n_tasks",
            "n_indicators", "year_style", "unit", "year")
    rec = random_form(rng, **{k: flags[k] for k in keys})
    return rec, _style(rng, flags)


def write_form(rec: FormRecord, style: Style, out: Path) -> int:
    pdf = out / "pdf" / f"{rec.stem}.pdf"
    pages = render(rec, style, str(pdf))
    write_truth(to_truth(rec, f"pdf/{rec.stem}.pdf", pages), out / "truth" / f"{rec.stem}.json")
    return pages


def _unique(rec: FormRecord, seen: set[str], i: int) -> None:
    if rec.stem in seen:
        rec.stem = f"{rec.stem}-{i}"
    seen.add(rec.stem)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="output directory (default: the committed corpus, "
                                             "or bench/data/big with --count)")
    ap.add_argument("--count", type=int, help="write N random forms instead of the committed corpus")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    out = args.out or (CORPUS_DIR.parent / "bench" / "data" / "big" if args.count else CORPUS_DIR)
    for sub in ("pdf", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    started, seen, total_pages = time.perf_counter(), set(), 0
    if args.count:
        for i in range(args.count):
            rng = random.Random(f"{args.seed}-big-{i}")
            rec, style = make_form(rng, random_flags(rng))
            _unique(rec, seen, i)
            total_pages += write_form(rec, style, out)
        n = args.count
    else:
        seed = seed_form()
        seen.add(seed.stem)
        total_pages += write_form(seed, SEED_STYLE, out)
        write_truth(to_truth(seed, SEED_TXT_SOURCE, 1), out / "truth" / (Path(SEED_TXT_SOURCE).stem + ".json"))
        for i in range(1, COMMITTED_FORMS + 1):
            rng = random.Random(f"{args.seed}-form-{i}")
            rec, style = make_form(rng, committed_flags(i))
            _unique(rec, seen, i)
            total_pages += write_form(rec, style, out)
        n = COMMITTED_FORMS + 1
    print(f"{n} PDFs, {total_pages} pages -> {out} ({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
