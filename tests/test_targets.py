from pathlib import Path

import pytest

from formpipe.normalize.targets import Target, looks_like_target, parse_target

SEED = Path(__file__).resolve().parents[1] / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt"


@pytest.mark.parametrize("text, op, value, value_max, unit, scaled, base", [
    ("100%", "=", 100, None, "%", 100, "%"),
    ("≥90%", ">=", 90, None, "%", 90, "%"),
    ("＞＝90%", ">=", 90, None, "%", 90, "%"),
    (">=90%", ">=", 90, None, "%", 90, "%"),
    ("≧90%", ">=", 90, None, "%", 90, "%"),
    ("≥ 90 ％", ">=", 90, None, "%", 90, "%"),
    ("不低于95%", ">=", 95, None, "%", 95, "%"),
    ("不少于3000人次", ">=", 3000, None, "人次", 3000, "人次"),
    ("95%以上", ">=", 95, None, "%", 95, "%"),
    ("达到95%", "=", 95, None, "%", 95, "%"),
    ("达到95%以上", ">=", 95, None, "%", 95, "%"),
    ("≤5个工作日", "<=", 5, None, "个工作日", 5, "个工作日"),
    ("不超过5个工作日", "<=", 5, None, "个工作日", 5, "个工作日"),
    ("5个工作日内", "<=", 5, None, "个工作日", 5, "个工作日"),
    ("控制在5%以内", "<=", 5, None, "%", 5, "%"),
    ("<3%", "<", 3, None, "%", 3, "%"),
    (">0", ">", 0, None, None, 0, None),
    ("95%-100%", "range", 95, 100, "%", 95, "%"),
    ("95%～100%", "range", 95, 100, "%", 95, "%"),
    ("95%~100%", "range", 95, 100, "%", 95, "%"),
    ("95-100%", "range", 95, 100, "%", 95, "%"),
    ("10至20个", "range", 10, 20, "个", 10, "个"),
    ("400万人次", "=", 400, None, "万人次", 4_000_000, "人次"),
    ("3000人次", "=", 3000, None, "人次", 3000, "人次"),
    ("5,000万元", "=", 5000, None, "万元", 50_000_000, "元"),
    ("1.2亿元", "=", 1.2, None, "亿元", 120_000_000, "元"),
    ("3千人", "=", 3, None, "千人", 3000, "人"),
    ("2百万人次", "=", 2, None, "百万人次", 2_000_000, "人次"),
    ("5千克", "=", 5, None, "千克", 5, "千克"),
    ("12期", "=", 12, None, "期", 12, "期"),
    ("≥90分", ">=", 90, None, "分", 90, "分"),
    ("十二期", "=", 12, None, "期", 12, "期"),
    ("三个", "=", 3, None, "个", 3, "个"),
    ("一百二十人", "=", 120, None, "人", 120, "人"),
    ("两次", "=", 2, None, "次", 2, "次"),
    ("2次/年", "=", 2, None, "次/年", 2, "次/年"),
    ("100", "=", 100, None, None, 100, None),
    ("99.5%。", "=", 99.5, None, "%", 99.5, "%"),
    ("-5%", "=", -5, None, "%", -5, "%"),
])
def test_quantitative_targets(text, op, value, value_max, unit, scaled, base):
    assert parse_target(text) == Target(op, value, value_max, unit, scaled, base)


@pytest.mark.parametrize("text", [
    "不低于全省最低保障标准", "和孤儿基本生活保障标准齐平", "不低于上年", "按时完成",
    "不低于省要求的一类地区城乡低保最低标准", "100%完成", "12月底前", "一类地区", "有效提升",
    "2023年新增床位数", "95%左右", "高于90%以下", "100%-95%", "5%-10人", "是",
])
def test_qualitative_targets_keep_no_numbers(text):
    assert parse_target(text) == Target("text", None, None, None, None, None)


@pytest.mark.parametrize("text", ["", None, "  ", "-", "—", "无"])
def test_blank_targets(text):
    assert parse_target(text) == Target(None, None, None, None, None, None)


def test_scaled_value_is_exact_for_decimal_values():
    assert parse_target("1.1万人次").scaled_value == 11000.0  # not 11000.000000000002


# Every cell of the seed form's 绩效指标 block, by hand: is it a target value?
SEED_CELLS = {
    "一级指标": False, "二级指标": False, "三级指标": False, "实施周期指标值": False, "年度指标值": False,
    "绩效指标": False, "产出指标": False, "数量指标": False, "质量指标": False, "时效指标": False,
    "效益指标": False, "经济效益指标": False, "社会效益指标": False,
    "全年社工服务人次": False,
    "地级行政区域界线联检完成率": False,
    "城市社区的基层自治组织动员体系建设覆盖率。": False,
    "救助业务信息化率": False,
    "养老机构护理型床位比例": False,
    "市本级社会组织抽查监督率": False,
    "市本级社会组织基本信息公示率": False,
    "资金发放及时率": False,
    "社会力量运营的养老床位数占比": False,
    "城乡低保标准.": False,
    "社会救助对象政策认可程度": False,
    "社区居家养老服务设施覆盖率": False,
    "孤儿生活保障标准": False,
    "事实无人抚养儿童生活保障标准": False,
    "散居孤儿、事实无人抚养儿童基本生活保障金发放率": False,
    "建立民主协商机制的城乡社区比例": False,
    "社工服务在全市镇（街）覆盖率": False,
    "注册志愿者人数占常住人口比例": False,
    "自愿并符合救助条件的救助率": False,
    "婚姻登记“跨省通办”服务覆盖率": False,
    "市本级社会组织党的组织和党的工作覆盖率": False,
    "400万人次": True, "100%": True, "70%": True, "4%": True, "≥90%": True,
    "99%": True, "95%": True, "20%": True,
    "不低于省要求的一类地区城乡低保最低标准": True,
    "不低于全省最低保障标准": True,
    "和孤儿基本生活保障标准齐平": True,
}


def _seed_indicator_cells():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "一级指标" in line)
    return {cell for line in lines[start:] for cell in line.split("\t") if cell.strip()}


def test_seed_table_covers_every_indicator_cell():
    assert _seed_indicator_cells() == set(SEED_CELLS)


@pytest.mark.parametrize("cell, expected", sorted(SEED_CELLS.items()))
def test_looks_like_target_on_seed_cells(cell, expected):
    assert looks_like_target(cell) is expected


@pytest.mark.parametrize("cell, expected", [
    ("≤5个工作日", True), ("5个工作日内", True), ("95%-100%", True), ("十二期", True), ("2次/年", True),
    ("不少于3000人次", True), ("达到95%", True), ("按时完成", True), ("良好", True), ("是", True),
    ("与上年持平", True), ("较上年有所提高", True), ("符合国家标准", True), ("不低于上年", True),
    ("按时办结率", False), ("2023年新增养老床位数", False), ("12345热线接通率", False),
    ("服务对象满意度", False), ("全年培训人次", False), ("新建社区养老服务设施数量", False),
    ("持续跟踪率", False), ("", False), (None, False),
])
def test_looks_like_target_edge_cells(cell, expected):
    assert looks_like_target(cell) is expected
