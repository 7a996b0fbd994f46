"""Forms the way offices make them: a random worksheet layout and the content variants offices print.

`office_form(seed)` returns a FormRecord (the truth) and a `Layout` (how the worksheet looks).
corpus/office_sheet.py writes them as an openpyxl workbook, corpus/office_export.py turns the
workbook into a PDF with LibreOffice. Everything depends on the seed alone.

Content variants change the truth (a blank amount is null, an indicator heading with nothing
under it is not an indicator, a 二级 label printed under an odd 一级 keeps that 一级); layout
variants never do.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from corpus import phrase_bank as bank
from corpus.forms import BASE_TITLE, LEVEL1_OF, FormRecord, Indicator, random_form
from corpus.render_pdf import ALT_LABELS, DEFAULT_LABELS

# Font names as office files carry them; LibreOffice substitutes the installed CJK fonts for
# the ones a machine lacks, as it does for a file that comes from another office.
FONTS = ["宋体", "SimSun", "仿宋_GB2312", "微软雅黑", "等线", "WenQuanYi Zen Hei", "AR PL UMing CN", "Calibri"]
FILLS = [None, "D9D9D9", "BFBFBF", "F2F2F2", "DDEBF7", "E7E6E6"]
RULE_COLOURS = ["000000", "000000", "808080", "A6A6A6", "595959"]
FOOTERS = [None, "第 &P 页", "第&P页，共&N页", "&P/&N", "- &P -"]
# Where a manual page break goes: none, between two task rows, between two indicator rows
# (possibly inside a merged 一级/二级 range), right before the indicator block.
BREAKS = ["none", "tasks", "indicators", "indicators", "before_indicators"]
# How a 一级/二级 (or block) label is laid over its rows: one merged cell (LibreOffice centres it
# vertically), one merged cell per page with the label repeated on the continuation page, one per
# page with the label only on the first, or no merge at all with the label in the middle row.
SPANS = ["merge", "merge_split_repeat", "merge_split_once", "middle_unmerged"]
AMOUNT_FORMATS = ["0.00", "#,##0.00", "mixed", "text", "text_grouped"]
# Level-2 headings printed with nothing under them on some forms.
EMPTY_HEADINGS = ["成本指标", "生态效益指标", "经济效益指标"]
# Excel's column-width unit (one '0' of the 11 pt default font) in points as LibreOffice prints
# it: measured on an exported sheet (8.4 units -> 58.8 pt, 15.2 -> 106.4 pt).
POINTS_PER_WIDTH_UNIT = 7.0
PAGE_MARGIN_PT = 54  # the default 0.75 in page margins


@dataclass
class Layout:
    seed: str
    landscape: bool = False
    fit_width: bool = True
    font: str = "宋体"
    font_size: float = 10.0
    title_size: float = 16.0
    col_widths: list[float] = field(default_factory=lambda: [11, 14, 12, 26, 12, 14])  # A..F, characters
    subtitle: bool = True            # 填报单位（盖章）… 金额单位：万元 under the title
    print_title_rows: int = 0        # rows repeated at the top of every page (0, 1 or 2)
    footer: str | None = None        # LibreOffice/Excel footer code, e.g. 第 &P 页
    header_fill: str | None = None   # shading of header rows and label cells
    rule_colour: str = "000000"
    rule_style: str = "thin"
    # row height = estimated need x this (LibreOffice does not fit row heights of an xlsx it opens)
    row_height_factor: float = 1.2
    staff_same_row: bool = False     # 下属二级单位数 and 财政供养人员数 on one row
    amount_format: str = "0.00"
    whole_amounts: bool = False      # amounts printed without decimals ("18862")
    page_break: str = "none"
    break_at: float = 0.5            # where inside the chosen block, as a fraction of its rows
    span_mode: str = "merge"
    wrap_headers: bool = False       # explicit line breaks inside header cells
    labels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    centre_amounts: bool = False
    # content variants, also recorded in the truth's record
    blank_amounts: list[str] = field(default_factory=list)   # budget items printed empty
    empty_headings: list[str] = field(default_factory=list)  # 二级 headings with no 三级 under them
    odd_level2: bool = False
    percent_cells: bool = False      # "100%" stored as 1 with a percent format
    fancy_comparators: bool = False  # ≧ / ≦ for ≥ / ≤
    fullwidth_targets: bool = False  # １００％
    goal_lines: int = 0              # 总体绩效目标 as 目标1…目标N on separate lines (0: one paragraph)


def random_layout(rng: random.Random, seed: str) -> Layout:
    coin = lambda p=0.5: rng.random() < p  # noqa: E731
    subtitle = coin(0.7)
    landscape = coin(0.2)
    fit_width = coin(0.6)
    widths = [rng.uniform(8, 14), rng.uniform(11, 20), rng.uniform(9, 16), rng.uniform(18, 40),
              rng.uniform(9, 16), rng.uniform(11, 22)]
    # A sheet printed without fit-to-width must be narrower than the page, or LibreOffice prints
    # its right-hand columns on pages of their own; fit-to-width may shrink a wider one.
    capacity = (842 if landscape else 595) - 2 * PAGE_MARGIN_PT
    total = capacity / POINTS_PER_WIDTH_UNIT * (rng.uniform(0.8, 0.97) if not fit_width else rng.uniform(0.9, 1.5))
    widths = [w * total / sum(widths) for w in widths]
    labels = {k: (ALT_LABELS[k] if coin(0.2) else v) for k, v in DEFAULT_LABELS.items()}
    return Layout(
        seed=seed, landscape=landscape, fit_width=fit_width, font=rng.choice(FONTS),
        font_size=rng.choice([9, 9.5, 10, 10.5, 11, 12]), title_size=rng.choice([14, 16, 18, 20]),
        col_widths=[round(w, 1) for w in widths], subtitle=subtitle,
        print_title_rows=rng.choice([0, 1, 2] if subtitle else [0, 1]), footer=rng.choice(FOOTERS),
        header_fill=rng.choice(FILLS), rule_colour=rng.choice(RULE_COLOURS),
        rule_style=rng.choice(["thin", "thin", "hair", "medium"]),
        row_height_factor=rng.choice([1.05, 1.1, 1.15, 1.25, 1.4]),
        staff_same_row=coin(0.5), amount_format=rng.choice(AMOUNT_FORMATS), whole_amounts=coin(0.2),
        page_break=rng.choice(BREAKS), break_at=round(rng.uniform(0.2, 0.8), 2), span_mode=rng.choice(SPANS),
        wrap_headers=coin(0.5), labels=labels, centre_amounts=coin(0.3),
        blank_amounts=rng.sample(["财政专项资金", "其他资金", "拟用于对下转移支付资金"], rng.choice([0, 0, 0, 1, 2])),
        empty_headings=rng.sample(EMPTY_HEADINGS, rng.choice([0, 0, 1, 2])), odd_level2=coin(0.15),
        percent_cells=coin(0.3), fancy_comparators=coin(0.3), fullwidth_targets=coin(0.15),
        goal_lines=rng.choice([0, 0, 0, 3, 4, 6]))


TITLES = ["{y}年{base}", "{y}年度{base}", "{y}年市级部门整体预算绩效目标表", "{base}（{y}年度）", "{y}年部门整体支出绩效目标申报表"]


def _whole(amount: str) -> str:
    return f"{round(float(amount))}.00"


def _whole_budget(budget: dict[str, str]) -> dict[str, str]:
    """Round every amount to whole 万元 and keep the sums the form implies."""
    b = {k: _whole(v) for k, v in budget.items()}
    w = {k: int(float(v)) for k, v in b.items()}
    w["项目支出"] = w["财政拨款"] + w["其他资金"] - w["基本支出"]
    w["其他事业发展性支出"] = w["项目支出"] - w["财政专项资金"]
    w["拟用于对下转移支付资金"] = w["财政拨款"] - w["市本级使用资金"]
    return {k: f"{v}.00" for k, v in w.items()}


def _goal_lines(rng: random.Random, unit: bank.Unit, n: int) -> list[str]:
    from corpus.forms import _prose  # the same prose the other forms use
    return [f"目标{i}：" + _prose(rng, unit, 25, 70) for i in range(1, n + 1)]


def _odd_level1(rng: random.Random, inds: list[Indicator]) -> None:
    """Move the last 二级 group of one 一级 under the next 一级: printed so by some filers."""
    order = [i.level1 for i in inds]
    boundaries = [k for k in range(1, len(inds)) if order[k] != order[k - 1]]
    if not boundaries:
        return
    k = rng.choice(boundaries)
    moved_l2, new_l1 = inds[k - 1].level2, inds[k].level1
    j = k - 1
    while j >= 0 and inds[j].level2 == moved_l2 and inds[j].level1 == order[k - 1]:
        inds[j].level1 = new_l1
        j -= 1


def office_form(seed: str) -> tuple[FormRecord, Layout, dict]:
    """The record (truth), its worksheet layout, and the printed-only extras (goal lines)."""
    rng = random.Random(f"office-{seed}")
    layout = random_layout(rng, seed)
    rec = random_form(rng, funded_staff=rng.random() < 0.4, single_target=rng.random() < 0.3,
                      satisfaction=rng.random() < 0.8, other_tasks=rng.random() < 0.3,
                      defects=rng.random() < 0.25, n_tasks=rng.randint(2, 9), n_indicators=rng.randint(5, 28))
    rec.stem = f"office-{seed}"
    rec.title = rng.choice(TITLES).format(y=rec.year, base=BASE_TITLE)
    if layout.whole_amounts:
        rec.budget = _whole_budget(rec.budget)
        for t in rec.tasks:
            t.funds_wan = _whole(t.funds_wan)
        for k in [k for k in rec.printed if k.startswith("budget.") or k.endswith(".funds")]:
            del rec.printed[k]  # a spaced print of the old cents
    for item in layout.blank_amounts:
        rec.budget[item] = None
        rec.printed.pop(f"budget.{item}", None)
    # a heading already filled in stays as it is
    layout.empty_headings = [h for h in layout.empty_headings if h not in {i.level2 for i in rec.indicators}]
    if layout.odd_level2:
        _odd_level1(rng, rec.indicators)
    extras = {}
    if layout.goal_lines:
        unit = next(u for u in bank.UNITS if rec.department.endswith(u.name))
        lines = _goal_lines(rng, unit, layout.goal_lines)
        extras["goal_lines"] = lines
        rec.overall_goal = "".join(lines)
        rec.printed.pop("overall_goal", None)
    return rec, layout, extras


def level1_of_heading(level2: str) -> str:
    return LEVEL1_OF.get(level2, "产出指标")
