"""Truth records of the corpus: the hand-transcribed seed form and a seeded generator of others.

A record holds the clean values (what the extractor must recover).  Where the printed
form differs from the clean value (spaced amounts, <p> tags, trailing 。 on indicator
names) the printed text is kept in `printed`, keyed by cell.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from corpus import phrase_bank as bank

FORM_TYPE = "department_overall_performance_targets"
BASE_TITLE = "部门整体预算绩效目标申报表"

# The budget block as printed: two header rows, each followed by two amount rows;
# every amount row holds two (section, item) cells.  Truth lists them row by row.
BUDGET_GRID = [
    [("部门预算支出", "基本支出"), ("收入来源", "财政拨款")],
    [("部门预算支出", "项目支出"), ("收入来源", "其他资金")],
    [("事业发展性支出", "财政专项资金"), ("按预算级次划分", "市本级使用资金")],
    [("事业发展性支出", "其他事业发展性支出"), ("按预算级次划分", "拟用于对下转移支付资金")],
]


@dataclass
class Task:
    name: str
    content: str
    funds_wan: str
    expected_goal: str


@dataclass
class Indicator:
    level1: str
    level2: str
    level3: str
    period_target: str | None  # None when the form prints a single 指标值 column
    annual_target: str


@dataclass
class FormRecord:
    stem: str
    title: str
    department: str
    year: int
    subordinate_units: int
    funded_staff: int | None
    overall_goal: str
    other_tasks: str
    budget: dict[str, str]  # item -> amount in 万元, "1234.50"
    tasks: list[Task]
    indicators: list[Indicator]
    # cell key -> text as printed, only where it differs from the clean value.
    # Keys: overall_goal, other_tasks, budget.<item>, task<n>.content, task<n>.funds, ind<n>.level3
    printed: dict[str, str] = field(default_factory=dict)

    @property
    def single_target(self) -> bool:
        return all(i.period_target is None for i in self.indicators)

    def shown(self, key: str, clean: str) -> str:
        return self.printed.get(key, clean)


def group_thousands(amount: str) -> str:
    """'117897.50' -> '117,897.50' (the printed form of an amount)."""
    whole, frac = amount.split(".")
    return f"{int(whole):,}.{frac}"


def spaced_amount(amount: str) -> str:
    """The broken print seen on real forms: '44770.21' -> '44, 770. 21'."""
    return group_thousands(amount).replace(",", ", ").replace(".", ". ")


def cents_to_wan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def to_truth(rec: FormRecord, source_path: str, pages: int) -> dict:
    return {
        "source_path": source_path,
        "form_type": FORM_TYPE,
        "title": rec.title,
        "department": rec.department,
        "year": rec.year,
        "basic_info": {"subordinate_units": rec.subordinate_units, "funded_staff": rec.funded_staff},
        "overall_goal": rec.overall_goal,
        "other_tasks": rec.other_tasks,
        "pages": pages,
        "budget_items": [
            {"section": sec, "item": item, "amount_wan": rec.budget[item]}
            for row in BUDGET_GRID for sec, item in row
        ],
        "tasks": [
            {"task_no": n, "name": t.name, "content": t.content, "funds_wan": t.funds_wan,
             "expected_goal": t.expected_goal}
            for n, t in enumerate(rec.tasks, 1)
        ],
        "indicators": [
            {"seq": n, "level1": i.level1, "level2": i.level2, "level3": i.level3,
             "period_target": i.period_target, "annual_target": i.annual_target}
            for n, i in enumerate(rec.indicators, 1)
        ],
    }


# ---------------------------------------------------------------- random forms

LEVEL1_OF = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "服务对象满意度指标": "满意度指标",
}


def _prose(rng: random.Random, unit: bank.Unit, lo: int, hi: int, opening: str = "") -> str:
    """Join bank clauses into sentences until the text is between lo and hi characters."""
    def fill(clause: str) -> str:
        return clause.format(o=rng.choice(unit.objects), o2=rng.choice(unit.objects), d=unit.domain)

    middle = [c for c in rng.sample(bank.CLAUSES, len(bank.CLAUSES)) if c not in bank.OPENERS | bank.CLOSERS]
    sentence = [fill(rng.choice(sorted(bank.OPENERS)))] if rng.random() < 0.5 else []
    closer = fill(rng.choice(sorted(bank.CLOSERS))) if rng.random() < 0.5 else None
    text = opening
    for clause in map(fill, middle):
        if len(text + "，".join(sentence + [clause]) + "。") > hi:
            if len(text) >= lo or not sentence:
                continue
            break
        sentence.append(clause)
        if len(sentence) >= rng.randint(2, 4):
            text += "，".join(sentence) + "。"
            sentence = []
            if len(text) >= lo and rng.random() < 0.35:
                break
    if closer and len(text + "，".join(sentence + [closer]) + "。") <= hi:
        sentence.append(closer)
    if sentence:
        text += "，".join(sentence) + "。"
    return text


def _goal(rng: random.Random, unit: bank.Unit) -> str:
    """A short expected goal of a task: one or two outcome phrases, no final 。."""
    picks = rng.sample(bank.GOALS, rng.randint(1, 2))
    return "，".join(g.format(o=rng.choice(unit.objects), d=unit.domain) for g in picks)


def _partition(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split total cents into `parts` positive random shares."""
    weights = [rng.uniform(0.3, 3.0) for _ in range(parts)]
    shares = [int(total * w / sum(weights)) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _budget(rng: random.Random) -> dict[str, int]:
    """Amounts in cents, consistent: 基本+项目 = 拨款+其他, 市本级+下转 = 拨款, 专项+其他发展 = 项目."""
    grant = rng.randint(3_000_00, 600_000_00)  # 3,000.00 to 600,000.00 万元
    other = int(grant * rng.choice([0, 0.02, 0.08, 0.15, 0.2]))
    basic = int((grant + other) * rng.uniform(0.2, 0.55))
    project = grant + other - basic
    city = int(grant * rng.uniform(0.5, 1.0)) if rng.random() < 0.8 else grant
    special = 0 if rng.random() < 0.4 else int(project * rng.uniform(0.1, 0.6))
    return {"基本支出": basic, "项目支出": project, "财政拨款": grant, "其他资金": other,
            "财政专项资金": special, "其他事业发展性支出": project - special,
            "市本级使用资金": city, "拟用于对下转移支付资金": grant - city}


def _targets(rng: random.Random, kind: str, single: bool) -> tuple[str | None, str]:
    annual = rng.choice(bank.TARGETS[kind])
    if single:
        return None, annual
    if rng.random() < 0.8:
        return annual, annual
    return rng.choice(bank.TARGETS[kind]), annual


def _indicators(rng: random.Random, unit: bank.Unit, n: int, single: bool,
                satisfaction: bool) -> list[Indicator]:
    groups = ["数量指标", "质量指标", "时效指标"] + rng.sample(["成本指标"], rng.randint(0, 1))
    groups += ["社会效益指标"] + rng.sample(["经济效益指标", "生态效益指标", "可持续影响指标"], rng.randint(0, 3))
    if satisfaction:
        groups.append("服务对象满意度指标")
    groups = [g for g in LEVEL1_OF if g in groups]  # canonical order
    counts = [1] * len(groups)
    for _ in range(max(0, n - len(groups))):
        counts[rng.choice(range(len(groups)))] += 1
    out: list[Indicator] = []
    for level2, count in zip(groups, counts):
        pool = [(t.format(o=o, p=unit.people), k) for t, k in bank.INDICATORS[level2] for o in unit.objects]
        seen: set[str] = set()
        for name, kind in rng.sample(pool, len(pool)):
            if len(seen) == count:
                break
            if name not in seen:
                seen.add(name)
                out.append(Indicator(LEVEL1_OF[level2], level2, name, *_targets(rng, kind, single)))
    return out[:max(n, len(groups))]


def random_form(rng: random.Random, *, stem_suffix: str = "", funded_staff: bool = False,
                single_target: bool = False, satisfaction: bool = True, other_tasks: bool = False,
                defects: bool = False, n_tasks: int | None = None, n_indicators: int | None = None,
                year_style: int = 0, unit: bank.Unit | None = None, year: int | None = None) -> FormRecord:
    city, city_slug = rng.choice(bank.CITIES)
    unit = unit or rng.choice(bank.UNITS)
    year = year or rng.randint(2019, 2025)
    department = f"{city}市{unit.name}"
    title = f"{year}年{BASE_TITLE}" if year_style == 0 else f"{BASE_TITLE}（{year}年度）"
    n_tasks = n_tasks or rng.randint(2, 9)
    cents = _budget(rng)
    budget = {k: cents_to_wan(v) for k, v in cents.items()}
    funds = _partition(rng, int(cents["项目支出"] * rng.uniform(0.6, 0.95)), n_tasks)
    tasks = []
    for name, f in zip(rng.sample(unit.tasks, n_tasks), funds):
        tasks.append(Task(name, _prose(rng, unit, rng.choice([80, 150, 250]), rng.choice([200, 300, 400])),
                          cents_to_wan(f), _goal(rng, unit)))
    goal = _prose(rng, unit, rng.randint(80, 250), 400, opening=f"{year}年，{unit.we}将")
    rec = FormRecord(
        stem=f"{city_slug}-{unit.slug}-{year}{stem_suffix}", title=title, department=department,
        year=year, subordinate_units=rng.randint(0, 25),
        funded_staff=rng.randint(40, 3000) if funded_staff else None,
        overall_goal=goal, other_tasks=_prose(rng, unit, 30, 120) if other_tasks else "",
        budget=budget, tasks=tasks,
        indicators=_indicators(rng, unit, n_indicators or rng.randint(6, 30), single_target, satisfaction))
    if defects:
        _add_print_defects(rng, rec)
    return rec


def _add_print_defects(rng: random.Random, rec: FormRecord) -> None:
    """Copy the seed's print defects onto some cells; the clean values stay untouched."""
    for item, amount in rec.budget.items():
        if rng.random() < 0.25 and float(amount) >= 1000:
            rec.printed[f"budget.{item}"] = spaced_amount(amount)
    for n, t in enumerate(rec.tasks, 1):
        if rng.random() < 0.5:
            rec.printed[f"task{n}.content"] = f"<p>{t.content}</p>"
        if rng.random() < 0.3 and float(t.funds_wan) >= 1000:
            rec.printed[f"task{n}.funds"] = spaced_amount(t.funds_wan)
    rec.printed["overall_goal"] = f"<p>{rec.overall_goal}</p>"
    for n, ind in enumerate(rec.indicators, 1):
        if rng.random() < 0.15:
            rec.printed[f"ind{n}.level3"] = ind.level3 + rng.choice(["。", "."])


# ---------------------------------------------------------------- the seed form
# 广州市民政局 2023, transcribed from seeds/000_9c2dbdb951fe852d.txt.  The tail rows of
# that dump lost their merged 效益指标/社会效益指标 cells and slid left; they are put back.

_SEED_TASKS = [
    ("社会养老服务计划",
     "深入开展街镇综合养老服务中心（颐康中心）建设提升三年行动，持续提升颐康中心服务能力和使用效益，并推动与护理站、长期护理保险定点的有效融合；推进村居颐康服务站建设，全面形成“1+N”社区养老服务网络。制（修）订居家社区养老服务评估指引，出台居家社区养老服务机构星级评定地方标准。持续提升长者饭堂、医养结合、家政+养老“3+X”服务品质。完善特殊困难老年人探访关爱服务机制，优化孤寡老人服务。完善市为老服务综合信息管理平台，推出智慧养老服务示范项目和应用场景，提升“智慧养老”服务水平。加大力度支持南沙区率先探索，提高公办养老机构面向非户籍人口的床位比例，增强养老机构吸引力，便利港澳居民养老。",
     "77694.26", "提升老有颐养服务品质，在老有颐养上走前列"),
    ("儿童福利保障计划",
     "加强政府保护机制建设，对存在临时监护和长期监护情形的未成年人，依法及时做好监护照料。加快修订《广州市未成年人保护工作规定》，规范镇（街）未成年人保护工作站管理运营。做好因突发事件影响造成监护缺失未成年人救助保护工作。常态化开展困境儿童和农村留守儿童排查，动态加强事实无人抚养儿童等困境儿童的精细排查、精确定义、精准保障工作。分级分类开展儿童督导员、儿童主任业务培训，统筹开展“政策宣讲进村（居）”“未成年人保护工作宣传月”“孤儿医疗康复明天计划”“福彩圆梦·孤儿助学工程”等活动。争取增加未保工作站人员和投入，切实承担起“两法”赋予县级以上民政部门的工作职责。推广越秀区、白云区全国未成年人保护示范区创建经验，推动全市未成年人保护工作再上新台阶。",
     "16170.22", "优化幼有善育工作网络，推动全市未成年人保护工作再上新台阶"),
    ("基层政权与社区治理和社会工作计划",
     "加强村（居）委会规范化建设，健全基层党组织领导的基层群众自治机制，深化基层自治组织动员体系建设，持续深化“116”社区议事协商工作法，完善基层直接民主制度体系和工作体系，增强城乡社区群众自我管理、自我服务、自我教育、自我监督的实效。落实社区专职工作人员薪酬增长机制，提升队伍工资待遇。开展分级分类培训，强化队伍职业素养，稳妥推进队伍属地化工作，降低职住分离度，为基层队伍减压赋能。加强社工服务站规范化管理，制定出台促进广州社会工作高质量发展的若干举措，更新完善社工服务项目目录，持续高质量推进我市“双百工程”建设。",
     "98536.91", "提升基层治理精细程度，加强社工服务站规范化管理"),
    ("社会组织管理计划",
     "深化社会组织党建“提质扩面”，完善“双同步”常态化机制。提升社会组织登记管理业务“一件事”联办覆盖率，支持新兴支柱产业、新兴优势产业、未来产业等领域主体成立社会组织，推动社区社会组织培育发展。持续强化社会组织综合监管，打击整治非法社会组织，推进社会组织等级评估、品牌社会组织创建等工作，引领社会组织高质量发展，在服务经济社会发展中彰显更大作用。",
     "2432.00", "引领社会组织高质量发展，提升社会组织登记管理业务“一件事”联办覆盖率"),
    ("民政专项事务支出计划",
     "深化“慈善之城”创建，大力发展慈善信托，做优做强慈善品牌项目，推进社区慈善基金、社区慈善（志愿服务）工作站建设，不断深化“社会工作+公益慈善+志愿服务”融合发展。稳慎有序推进区划地名工作，学习贯彻党中央加强和改进行政区划工作意见，注重保护利用老地名，传承地名文化。建立健全地名管理工作协调机制，不断提升区划地名公共服务水平。全力建设广州市全国婚俗改革实验区和广州（中国）婚姻服务创新综合平台，持续开展婚姻登记“跨省通办”试点工作，擦亮广州市婚俗改革品牌特色，打造婚俗改革广州样板。巩固流浪乞讨人员街面综合治理成效，健全落户安置长效机制。进一步规范残疾人两项补贴发放管理，探索政府购买精神障碍社区康复服务的项目和方式。巩固提升殡葬综合改革成果，持续推动行业规范服务提升，制定安葬（放）设施管理办法、生态安葬奖补办法。",
     "44770.21", "推动实现更高水平的民政公共服务，在当好为民服务表率上走前列"),
    ("社会救助支出计划",
     "科学提高低保等社会救助标准。积极创建“社会救助人工智能创新示范区”，完善社会救助主动发现机制。提升核对数据综合分析应用水平，推动数据融合创新，持续推进核对标准化体系建设。拓展“穗救易”平台救助服务模块，完善对接功能，扩展建设主动发现、需求智能匹配、智能发送、服务处理、服务监督预警、疫情防控等内容，助力广州“穗救易”服务品牌更深更实。",
     "10281.80", "强化温暖救助贴心服务，助力广州“穗救易”服务品牌更深更实"),
]

_DIBAO = "不低于省要求的一类地区城乡低保最低标准"
# (level2, level3, period, annual); level1 follows from level2.
_SEED_INDICATORS = [
    ("数量指标", "全年社工服务人次", "400万人次", "400万人次"),
    ("数量指标", "地级行政区域界线联检完成率", "100%", "100%"),
    ("数量指标", "城市社区的基层自治组织动员体系建设覆盖率", "100%", "100%"),
    ("质量指标", "救助业务信息化率", "100%", "100%"),
    ("质量指标", "养老机构护理型床位比例", "70%", "70%"),
    ("质量指标", "市本级社会组织抽查监督率", "4%", "4%"),
    ("质量指标", "市本级社会组织基本信息公示率", "100%", "100%"),
    ("时效指标", "资金发放及时率", "100%", "100%"),
    ("经济效益指标", "社会力量运营的养老床位数占比", "70%", "70%"),
    ("社会效益指标", "城乡低保标准", _DIBAO, _DIBAO),
    ("社会效益指标", "社会救助对象政策认可程度", "≥90%", "≥90%"),
    ("社会效益指标", "社区居家养老服务设施覆盖率", "100%", "100%"),
    ("社会效益指标", "孤儿生活保障标准", "不低于全省最低保障标准", "不低于全省最低保障标准"),
    ("社会效益指标", "事实无人抚养儿童生活保障标准", "和孤儿基本生活保障标准齐平", "和孤儿基本生活保障标准齐平"),
    ("社会效益指标", "散居孤儿、事实无人抚养儿童基本生活保障金发放率", "100%", "100%"),
    ("社会效益指标", "建立民主协商机制的城乡社区比例", "100%", "100%"),
    ("社会效益指标", "社工服务在全市镇（街）覆盖率", "99%", "95%"),
    ("社会效益指标", "注册志愿者人数占常住人口比例", "20%", "20%"),
    ("社会效益指标", "自愿并符合救助条件的救助率", "100%", "100%"),
    ("社会效益指标", "婚姻登记“跨省通办”服务覆盖率", "100%", "100%"),
    ("社会效益指标", "市本级社会组织党的组织和党的工作覆盖率", "100%", "100%"),
]

SEED_TXT_SOURCE = "seeds/000_9c2dbdb951fe852d.txt"
# Seq of the indicator that opens a new page in the real form.
SEED_PAGE_BREAK_BEFORE = 11


def seed_form() -> FormRecord:
    rec = FormRecord(
        stem="guangzhou-minzheng-2023", title=BASE_TITLE, department="广州市民政局", year=2023,
        subordinate_units=18, funded_staff=None,
        overall_goal="2023年，我局将坚持以习近平新时代中国特色社会主义思想为指导，持续深入学习宣传贯彻党的二十大精神，学习贯彻习近平总书记重要讲话、重要指示批示精神，牢固树立以人民为中心，凝心聚力、苦干实干，在增进民生福祉、创新社区治理、抓实专项服务、守住工作底线上担起更大责任展现更大作为，为广州实现老城市新活力、“四个出新出彩”做出更大贡献。",
        other_tasks="",
        budget={"基本支出": "117897.50", "财政拨款": "381681.03", "项目支出": "96313.27",
                "其他资金": "67158.50", "财政专项资金": "0.00", "市本级使用资金": "214409.60",
                "其他事业发展性支出": "167470.27", "拟用于对下转移支付资金": "167271.43"},
        tasks=[Task(*t) for t in _SEED_TASKS],
        indicators=[Indicator(LEVEL1_OF[l2], l2, l3, p, a) for l2, l3, p, a in _SEED_INDICATORS],
    )
    # Printed exactly as the real form shows them.
    rec.printed["overall_goal"] = f"<p>{rec.overall_goal}</p>"
    for n in (3, 4, 5, 6):
        rec.printed[f"task{n}.content"] = f"<p>{rec.tasks[n - 1].content}</p>"
    rec.printed["task5.funds"] = "44, 770. 21"
    rec.printed["task6.funds"] = "10, 281. 80"
    rec.printed["ind3.level3"] = "城市社区的基层自治组织动员体系建设覆盖率。"
    rec.printed["ind10.level3"] = "城乡低保标准."
    return rec


def write_truth(truth: dict, path: Path) -> None:
    """A truth record as the evaluators read it: UTF-8 JSON, one space indent, newline at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
