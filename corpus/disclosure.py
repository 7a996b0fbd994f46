"""Budget-disclosure PDFs (部门预算公开) with 0..n forms anywhere among other pages, and their truth.

    python -m corpus.disclosure --count 100 --seed 1 --out bench/data/disclosure

A disclosure is a text section (部门预算编制说明, prose that may name the forms), summary
tables that share labels with the forms (收支预算总表: 财政拨款, 其他资金, 上年结转;
一般公共预算支出表: 基本支出, 项目支出), a 政府采购预算表, and department forms
(corpus/office.py) and project forms (corpus/project_form.py) in any order, sometimes none.
Every part is a worksheet exported by LibreOffice; the parts' PDFs are joined with pypdfium2,
so each form's page range is known from the parts' page counts (generator facts).
Writes <out>/pdf/<stem>.pdf and <out>/truth/<stem>.json:
{"source_path", "pages", "forms": [{"form_no", "form_type", "first_page", "last_page", ...truth}]}.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

import pypdfium2

from corpus import phrase_bank as bank
from corpus.forms import _prose, write_truth
from corpus.office_export import convert, write_source
from corpus.project_form import project_form
from corpus.sheets import GCell, Grid, save

CORPUS_DIR = Path(__file__).resolve().parent


def _amount(rng: random.Random) -> str:
    return f"{rng.randint(1, 900000) / 100:,.2f}"


def text_section(rng: random.Random, dept: str, year: int) -> Grid:
    unit = rng.choice(bank.UNITS)
    paras = [_prose(rng, unit, 80, 220) for _ in range(rng.randint(3, 9))]
    if rng.random() < 0.5:  # prose naming the forms is no form
        paras.insert(rng.randint(0, len(paras)), f"本部门{year}年部门整体预算绩效目标申报表及项目支出绩效目标申报表详见附表。")
    return Grid(rng.choice([f"{dept}{year}年部门预算编制说明", "部门预算编制说明", f"{year}年部门预算公开说明"]),
                [14] * 6, prose=paras)


def income_expense(rng: random.Random, year: int) -> Grid:
    income = ["一般公共预算拨款", "政府性基金预算拨款", "财政拨款", "其他资金", "上年结转"]
    spend = ["基本支出", "项目支出", "一般公共服务支出", "社会保障和就业支出", "支出合计"]
    rows = [[GCell(1, "收入", span=2, kind="label"), GCell(3, "金额", kind="label"),
             GCell(4, "支出", span=2, kind="label"), GCell(6, "金额", kind="label")]]
    for a, b in zip(income, spend):
        rows.append([GCell(1, a, span=2), GCell(3, _amount(rng), kind="amount"), GCell(4, b, span=2),
                     GCell(6, _amount(rng), kind="amount")])
    return Grid(f"{year}年收支预算总表", [12, 12, 14, 12, 12, 14], rows, subtitle="单位：万元")


def general_expense(rng: random.Random, year: int) -> Grid:
    rows = [[GCell(1, "科目编码", kind="label"), GCell(2, "科目名称", span=2, kind="label"),
             GCell(4, "合计", kind="label"), GCell(5, "基本支出", kind="label"), GCell(6, "项目支出", kind="label")]]
    for _ in range(rng.randint(4, 25)):
        code = f"2{rng.randint(1, 30):02d}{rng.randint(1, 99):02d}{rng.randint(1, 99):02d}"
        rows.append([GCell(1, code), GCell(2, rng.choice(["行政运行", "一般行政管理事务", "机关服务", "事业运行",
                                                          "其他支出", "信息化建设", "专项业务"]), span=2),
                     GCell(4, _amount(rng), kind="amount"), GCell(5, _amount(rng), kind="amount"),
                     GCell(6, _amount(rng), kind="amount")])
    return Grid(f"{year}年一般公共预算支出表", [12, 12, 14, 12, 12, 12], rows, subtitle="单位：万元")


def procurement(rng: random.Random, year: int) -> Grid:
    rows = [[GCell(1, "采购项目", kind="label"), GCell(2, "采购品目", kind="label"), GCell(3, "数量", kind="label"),
             GCell(4, "预算金额（万元）", kind="label"), GCell(5, "其中：财政拨款", kind="label"),
             GCell(6, "其他资金", kind="label")]]
    for _ in range(rng.randint(2, 12)):
        rows.append([GCell(1, rng.choice(["办公设备购置", "信息系统运维", "物业管理服务", "印刷服务", "车辆维修"])),
                     GCell(2, rng.choice(["台式计算机", "打印设备", "物业服务", "软件服务", "维修服务"])),
                     GCell(3, str(rng.randint(1, 50))), GCell(4, _amount(rng), kind="amount"),
                     GCell(5, _amount(rng), kind="amount"), GCell(6, _amount(rng), kind="amount")])
    return Grid(f"{year}年政府采购预算表", [14, 14, 8, 14, 14, 12], rows)


def plan(seed: str) -> list[tuple[str, object]]:
    """The parts of one disclosure in order: ("grid", Grid) or ("department", office seed) or
    ("project", (Grid, truth))."""
    rng = random.Random(f"disclosure-{seed}")
    year = rng.randint(2020, 2026)
    dept = f"{rng.choice(bank.CITIES)[0]}市{rng.choice(bank.UNITS).name}"
    parts: list[tuple[str, object]] = [("grid", text_section(rng, dept, year))]
    others = [("grid", g(rng, year)) for g in (income_expense, general_expense, procurement) if rng.random() < 0.8]
    n_forms = rng.choice([0, 1, 1, 2, 3, 4])
    forms: list[tuple[str, object]] = []
    for k in range(n_forms):
        if k == 0 and rng.random() < 0.7:
            forms.append(("department", f"d{seed}-{k}"))
        else:
            forms.append(("project", project_form(f"{seed}-{k}")))
    tail = others + forms
    if rng.random() < 0.6:  # forms at the end, as most disclosures do; else anywhere
        parts += others + forms
    else:
        rng.shuffle(tail)
        parts += tail
    return parts


def generate(seeds: list[str], out: Path, jobs: int = 2) -> list[Path]:
    """Disclosure PDFs and truth for the seeds; returns the PDFs."""
    for sub in ("pdf", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    work = out / "parts"  # kept: a second run converts only the parts not yet exported
    plans, xlsx = {}, []
    for seed in seeds:
        entries = []
        for i, (kind, part) in enumerate(plan(seed)):
            if kind == "department":
                path, truth = write_source(part, work)  # the worksheet tool chain (Word forms: word=True)
            else:
                grid, truth = (part, None) if kind == "grid" else part
                path = work / "xlsx" / f"disclosure-{seed}-{i}.xlsx"
                path.parent.mkdir(parents=True, exist_ok=True)
                save(grid, path)
            entries.append((path, truth))
            xlsx.append(path)
        plans[seed] = entries
    for _ in range(2):  # LibreOffice now and then drops a file of a long batch: once more
        missing = [p for p in xlsx if not (work / "pdf" / f"{p.stem}.pdf").exists()]
        if missing:
            convert(missing, work / "pdf", jobs)
    pdfs = []
    for seed, entries in plans.items():
        stem = f"disclosure-{seed}"
        if any(not (work / "pdf" / f"{p.stem}.pdf").exists() for p, _ in entries):
            print(f"{stem}: a part was not exported by LibreOffice; left out")
            continue
        doc, forms = pypdfium2.PdfDocument.new(), []
        for path, truth in entries:
            part = pypdfium2.PdfDocument(str(work / "pdf" / f"{path.stem}.pdf"))
            first = len(doc) + 1
            doc.import_pages(part)
            if truth is not None:
                forms.append({"form_no": len(forms) + 1, **truth, "first_page": first, "last_page": len(doc)})
            part.close()
        pdf = out / "pdf" / f"{stem}.pdf"
        doc.save(str(pdf))
        record = {"source_path": f"pdf/{stem}.pdf", "pages": len(doc), "forms": forms}
        doc.close()
        write_truth(record, out / "truth" / f"{stem}.json")
        pdfs.append(pdf)
    return pdfs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=CORPUS_DIR.parent / "bench" / "data" / "disclosure")
    ap.add_argument("--jobs", type=int, default=2, help="LibreOffice processes at once")
    args = ap.parse_args(argv)
    pdfs = generate([f"{args.seed}-{i}" for i in range(args.count)], args.out, args.jobs)
    print(f"{len(pdfs)} disclosure PDFs in {args.out}")


if __name__ == "__main__":
    main()
