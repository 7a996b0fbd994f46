"""Random 项目支出绩效目标申报表 (project forms) with their truth, as worksheet grids.

The variants seen in published forms: 项目性质 or 项目属性, 计划开始/完成日期 or one 项目期
range, money in 万元 or in 元 (stated in the funds label: 项目资金（元）), with or without
项目资金总额 and 上年结转资金, 项目总体目标 beside 年度总体目标 (texts in the row below) or
one under the other, indicator values such as =100.00(%), ≥90%, 可控, 及时.
"""
from __future__ import annotations

import random
from decimal import Decimal

from corpus import phrase_bank as bank
from corpus.forms import _indicators, _prose
from corpus.sheets import GCell, Grid

FORM_TYPE = "project_performance_targets"
TITLES = ["{y}年项目支出绩效目标申报表", "项目支出绩效目标申报表（{y}年度）", "{y}年度项目绩效目标表",
          "{y}年财政项目支出绩效目标申报表"]
NATURES = ["经常性项目", "一次性项目", "阶段性项目", "新增项目", "延续项目"]
CATEGORIES = ["一般性项目", "专项项目", "基本建设项目", "信息化项目", "政府购买服务项目"]
SIX = Decimal("0.000001")


def _money(rng: random.Random, lo: int, hi: int, unit: str) -> int:
    """An amount in fen: whole hundreds of 元 when printed in 万元 (two decimals), any fen in 元."""
    yuan = rng.randint(lo, hi)
    if unit == "万元":
        return (yuan // 100) * 100 * 100
    return yuan * 100 + (rng.randint(0, 99) if rng.random() < 0.4 else 0)


def _printed(fen: int, unit: str, rng: random.Random) -> str:
    value = Decimal(fen) / (100 if unit == "元" else 1_000_000)
    text = f"{value:.2f}"
    if rng.random() < 0.6:
        whole, cents = text.split(".")
        text = f"{int(whole):,}.{cents}"
    return text


def project_form(seed: str) -> tuple[Grid, dict]:
    """The grid to print and its truth (clean values; amounts in 万元, six decimals)."""
    rng = random.Random(f"project-{seed}")
    unit_info = rng.choice(bank.UNITS)
    city = rng.choice(bank.CITIES)[0]
    year = rng.randint(2020, 2026)
    unit = rng.choice(["万元", "元"])
    department = f"{city}市{unit_info.name}"
    implementing = department if rng.random() < 0.5 else f"{city}市{rng.choice(unit_info.objects)}服务中心"
    name = rng.choice(unit_info.tasks) + rng.choice(["", "项目", "专项经费", "（二期）"])
    fiscal = _money(rng, 50_000, 30_000_000, unit)
    carry = _money(rng, 0, 2_000_000, unit) if rng.random() < 0.5 else None
    other = _money(rng, 0, 1_000_000, unit) if rng.random() < 0.6 else 0
    annual = fiscal + (carry or 0) + other
    total = annual * rng.choice([1, 1, 2, 3]) if rng.random() < 0.6 else None
    nature_label = rng.choice(["项目性质", "项目属性"])
    nature = rng.choice(NATURES)
    category = rng.choice(CATEGORIES)
    period_style = rng.choice(["dates", "range"])
    end_year = year + rng.choice([0, 0, 1, 2])
    start_text, end_text = f"{year}年1月1日", f"{end_year}年12月31日"
    long_goal = _prose(rng, unit_info, 60, 160)
    annual_goal = _prose(rng, unit_info, 40, 120)
    inds = _indicators(rng, unit_info, rng.randint(4, 14), True, rng.random() < 0.7)
    for ind in inds:  # project forms print targets such as =100.00(%) or words
        if rng.random() < 0.15:
            ind.annual_target = rng.choice(["可控", "及时", "达标", "有效提升"])

    widths = [12, 14, 14, 16, 14, 16]
    rows: list[list[GCell]] = [
        [GCell(1, "项目名称", kind="label"), GCell(2, name, span=5)],
        [GCell(1, "主管部门", kind="label"), GCell(2, department, span=2),
         GCell(4, "实施单位", kind="label"), GCell(5, implementing, span=2)],
        [GCell(1, nature_label, kind="label"), GCell(2, nature, span=2),
         GCell(4, "项目类别", kind="label"), GCell(5, category, span=2)],
    ]
    if period_style == "dates":
        rows.append([GCell(1, "计划开始日期", kind="label"), GCell(2, start_text, span=2),
                     GCell(4, "计划完成日期", kind="label"), GCell(5, end_text, span=2)])
    else:
        rows.append([GCell(1, "项目期", kind="label"), GCell(2, f"{start_text}-{end_text}", span=5)])
    funds = [("项目资金总额", total), ("年度资金申请总额", annual),
             (rng.choice(["其中：财政拨款", "其中：当年财政拨款"]), fiscal), ("上年结转资金", carry), ("其他资金", other)]
    funds = [(lab, v) for lab, v in funds if v is not None]
    for k, (lab, v) in enumerate(funds):
        row = [GCell(2, lab, span=2, kind="label"), GCell(4, _printed(v, unit, rng), span=3, kind="amount")]
        if k == 0:
            row.insert(0, GCell(1, f"项目资金（{unit}）", rows=len(funds), kind="label"))
        rows.append(row)
    if rng.random() < 0.5:  # 项目总体目标 beside 年度总体目标, the texts below
        rows.append([GCell(1, "绩效目标", rows=2, kind="label"), GCell(2, "项目总体目标", span=2, kind="label"),
                     GCell(4, "年度总体目标", span=3, kind="label")])
        rows.append([GCell(2, long_goal, span=2), GCell(4, annual_goal, span=3)])
    else:
        rows.append([GCell(1, "项目总体目标", kind="label"), GCell(2, long_goal, span=5)])
        rows.append([GCell(1, "年度总体目标", kind="label"), GCell(2, annual_goal, span=5)])
    ind_label = rng.choice(["绩效指标", "年度绩效指标"])
    rows.append([GCell(1, ind_label, rows=len(inds) + 1, kind="label"), GCell(2, "一级指标", kind="label"),
                 GCell(3, "二级指标", kind="label"), GCell(4, "三级指标", span=2, kind="label"),
                 GCell(6, "指标值", kind="label")])
    for ind in inds:
        rows.append([GCell(2, ind.level1), GCell(3, ind.level2), GCell(4, ind.level3, span=2),
                     GCell(6, ind.annual_target)])
    title = rng.choice(TITLES).format(y=year)
    grid = Grid(title, widths, rows, subtitle=f"填报单位：{implementing}" if rng.random() < 0.5 else None)

    def wan(fen: int | None) -> str | None:
        return None if fen is None else str((Decimal(fen) / 1_000_000).quantize(SIX))

    truth = {
        "form_type": FORM_TYPE, "title": title, "year": year, "department": department,
        "project": {"project_name": name, "project_nature": nature, "project_category": category,
                    "competent_department": department, "implementing_unit": implementing,
                    "start_date": f"{year}-01-01", "end_date": f"{end_year}-12-31", "unit_printed": unit,
                    "total_funds_wan": wan(total), "annual_funds_wan": wan(annual), "annual_fiscal_wan": wan(fiscal),
                    "carryover_wan": wan(carry), "other_funds_wan": wan(other),
                    "long_term_goal": long_goal, "annual_goal": annual_goal},
        "indicators": [{"seq": n, "level1": i.level1, "level2": i.level2, "level3": i.level3,
                        "period_target": None, "annual_target": i.annual_target} for n, i in enumerate(inds, 1)],
    }
    return grid, truth
