"""Readable PDFs that hold no form come out `no_form`, with one line and no flags, never
`needs_review` and never an internal error (issue 15). The PDFs are generated here: an English
report, an English ruled table, a ruled table with a merged header, the Chinese summary tables of
a budget disclosure (labels shared with the forms), an empty page, and a page of vector art."""
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from formpipe import pipeline
from formpipe.store.schema import hive_partitioning

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _font() -> str:
    if "ZH" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ZH", FONT))
    return "ZH"


def ruled(c: canvas.Canvas, rows: list[list[str]], top: float = 700, widths=(120, 120, 120, 120)) -> None:
    c.setFont(_font(), 9)
    for r, row in enumerate(rows):
        x = 50
        y = top - 22 * r
        for w, text in zip(widths, row):
            c.rect(x, y - 22, w, 22)
            c.drawString(x + 4, y - 15, text)
            x += w


def write(path: Path, pages) -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    for draw in pages:
        draw(c)
        c.showPage()
    c.save()


def report(c):
    c.setFont("Helvetica-Bold", 16)
    c.drawString(50, 780, "Annual Report 2023")
    c.setFont("Helvetica", 10)
    for i in range(40):
        c.drawString(50, 750 - 15 * i, f"Line {i}: revenue grew while costs were contained across the regions.")


def us_table(c):
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, 780, "Table 3. Population by State")
    ruled(c, [["State", "2010", "2020", "Change"], *[[f"State {i}", f"{i * 1000:,}", f"{i * 1100:,}", "10%"]
                                                      for i in range(1, 20)]])


def merged_header(c):
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, 780, "Quarterly figures")
    c.rect(50, 678, 480, 22)
    c.setFont("Helvetica", 9)
    c.drawString(54, 685, "Budget (USD)")
    ruled(c, [["Item", "Q1", "Q2", "Total"], ["Staff", "1.00", "2.00", "3.00"]], top=678)


def summary_tables(c):
    c.setFont(_font(), 16)
    c.drawString(200, 780, "2024年收支预算总表")
    ruled(c, [["收入", "金额", "支出", "金额"], ["财政拨款", "1,000.00", "基本支出", "600.00"],
              ["其他资金", "50.00", "项目支出", "450.00"], ["上年结转", "0.00", "合计", "1,050.00"]])


def procurement(c):
    c.setFont(_font(), 16)
    c.drawString(200, 780, "2024年政府采购预算表")
    ruled(c, [["采购项目", "预算金额（万元）", "其中：财政拨款", "其他资金"], ["办公设备", "12.00", "12.00", "0.00"]])


def art(c):
    for i in range(30):
        c.circle(300, 400, 10 + 8 * i)
        c.line(0, 20 * i, 595, 842 - 20 * i)


def blank(c):
    pass


FILES = {"report.pdf": [report, report], "us-table.pdf": [us_table], "merged-header.pdf": [merged_header],
         "disclosure-no-form.pdf": [report, summary_tables, procurement], "blank.pdf": [blank], "art.pdf": [art]}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("unrelated")
    src = root / "in"
    src.mkdir()
    for name, pages in FILES.items():
        write(src / name, pages)
    summary = pipeline.run([src], root / "out", progress=False)
    docs = ds.dataset(root / "out" / "documents", partitioning=hive_partitioning()).to_table().to_pylist()
    return summary, {d["source_path"]: d for d in docs}


@pytest.mark.parametrize("name", list(FILES))
def test_an_unrelated_pdf_is_no_form_with_one_line(outputs, name):
    _, docs = outputs
    d = docs[name]
    assert d["status"] == "no_form", d["error"]
    assert d["error"].startswith("no form found: ") and "\n" not in d["error"] and len(d["error"]) < 300
    assert (d["n_flags"], d["form_no"], d["form_type"]) == (0, 0, None)


def test_the_summary_counts_them_apart_from_failures(outputs):
    summary, _ = outputs
    assert (summary.processed, summary.no_form, summary.failed, summary.needs_review) == (len(FILES), len(FILES), 0, 0)
    assert any(f"no_form {len(FILES)}" in line for line in summary.lines())


def test_the_titles_of_a_disclosure_without_forms_are_named(outputs):
    _, docs = outputs
    assert docs["disclosure-no-form.pdf"]["error"] == (
        "no form found: 3 page(s), titles Annual Report 2023, 2024年收支预算总表, 2024年政府采购预算表")


# More kinds (corpus/unrelated.py): Chinese notices, registers and a project budget table that
# share labels with the forms (单位名称, 项目名称, 财政拨款 …), English forms, and broken files.
def _run_folder(root, scanned: bool):
    from corpus.unrelated import generate
    expected = generate(root / "in", scanned=scanned)
    summary = pipeline.run([root / "in"], root / "out", progress=False)
    docs = ds.dataset(root / "out" / "documents", partitioning=hive_partitioning()).to_table().to_pylist()
    return expected, summary, {d["source_path"]: d for d in docs}


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    return _run_folder(tmp_path_factory.mktemp("varied"), scanned=False)


def _check(expected, summary, docs):
    from corpus.unrelated import BROKEN
    assert set(docs) == set(expected)
    for name, want in expected.items():
        d = docs[name]
        assert d["status"] == want, (name, d["status"], d["error"])
        assert "\n" not in d["error"] and "internal error" not in d["error"], (name, d["error"])
        # a failed file's DOCUMENT_FAILED errors, one on documents and one on each row dataset
        assert d["n_flags"] == (4 if want == "failed" else 0) and d["form_no"] == 0
        if want == "failed":
            assert d["error"].startswith(BROKEN[name]), (name, d["error"])
        else:
            assert d["error"].startswith("no form found: "), (name, d["error"])
    assert (summary.ok, summary.needs_review) == (0, 0)


def test_varied_unrelated_pdfs_are_no_form_or_failed_with_one_line(varied):
    _check(*varied)


@pytest.mark.slow
def test_an_image_only_pdf_of_another_table_is_no_form(tmp_path):
    expected, summary, docs = _run_folder(tmp_path, scanned=True)
    _check(expected, summary, docs)
    assert docs["scan-meeting-register.pdf"]["method"] == "ocr"
