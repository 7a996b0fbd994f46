"""A folder of PDFs that hold no form, of many kinds, for the "what arrives" check.

    python -m corpus.unrelated --out bench/data/unrelated

What an archivist's folder holds besides the forms: English and Chinese reports, ruled tables of
other kinds (some sharing labels with the forms: 单位名称, 项目名称, 财政拨款, 其他资金, 上年结转),
forms of other kinds (an application form, an invoice, an asset register), an image-only scan of
such a table, and broken files. `EXPECTED` says what each must come out as: `no_form` for every
readable PDF, `failed` with a one-line reason for every broken one (never an internal error).
Drawn with reportlab (fonts from the Debian packages the Makefile installs) and Pillow.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CORPUS_DIR = Path(__file__).resolve().parent


def _zh() -> str:
    if "ZH" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ZH", FONT))
    return "ZH"


def _ruled(c: canvas.Canvas, rows: list[list[str]], widths: list[float], top: float, font: str, h: float = 22) -> None:
    c.setFont(font, 9)
    for r, row in enumerate(rows):
        x = 40.0
        for w, text in zip(widths, row):
            c.rect(x, top - h * (r + 1), w, h)
            c.drawString(x + 3, top - h * (r + 1) + 7, text)
            x += w


def _title(c: canvas.Canvas, text: str, font: str, y: float = 790) -> None:
    c.setFont(font, 16)
    c.drawString(60, y, text)


def zh_notice(c: canvas.Canvas) -> None:
    """A notice (通知) of prose that names the forms."""
    f = _zh()
    _title(c, "关于做好2024年预算绩效管理工作的通知", f)
    c.setFont(f, 11)
    para = "各单位要按照要求填报部门整体预算绩效目标申报表和项目支出绩效目标申报表，做好绩效指标的设置。"
    for i in range(30):
        c.drawString(60, 750 - 20 * i, para[(i * 3) % 20:][:34])


def zh_asset_register(c: canvas.Canvas) -> None:
    """A form of another kind that prints the department form's identity label 单位名称."""
    f = _zh()
    _title(c, "2024年固定资产登记表", f)
    _ruled(c, [["单位名称", "某市某局", "登记日期", "2024年3月1日"]], [90, 170, 90, 150], 760, f)
    rows = [["资产名称", "规格型号", "数量", "金额（元）"]] + [
        [f"办公设备{i}", f"型号{i}", str(i), f"{i * 1234:,}.00"] for i in range(1, 16)]
    _ruled(c, rows, [150, 130, 80, 140], 720, f)


def zh_project_budget(c: canvas.Canvas) -> None:
    """A project budget table sharing five label names with the project form (项目名称 among them)."""
    f = _zh()
    _title(c, "2024年项目支出预算表", f)
    rows = [["项目名称", "资金总额", "财政拨款", "其他资金", "上年结转"]] + [
        [f"专项业务经费{i}", f"{i * 10:,}.00", f"{i * 8:,}.00", f"{i:,}.00", f"{i:,}.00"] for i in range(1, 12)]
    c.setPageSize(landscape(A4))
    _ruled(c, rows, [200, 120, 120, 120, 120], 520, f)


def en_invoice(c: canvas.Canvas) -> None:
    _title(c, "INVOICE No. 2024-0173", "Helvetica-Bold")
    c.setFont("Helvetica", 10)
    c.drawString(60, 760, "Bill to: Example Trading Ltd, 12 Harbour Road")
    rows = [["Item", "Qty", "Unit price", "Amount"]] + [[f"Widget {i}", str(i), "12.50", f"{12.5 * i:.2f}"]
                                                        for i in range(1, 9)] + [["Total", "", "", "450.00"]]
    _ruled(c, rows, [200, 60, 100, 100], 730, "Helvetica")


def en_application_form(c: canvas.Canvas) -> None:
    _title(c, "Application for a Library Card", "Helvetica-Bold")
    rows = [["Name", ""], ["Address", ""], ["Date of birth", ""], ["Phone", ""], ["Signature", ""]]
    _ruled(c, rows, [140, 320], 760, "Helvetica", h=30)


def en_report(c: canvas.Canvas) -> None:
    _title(c, "Quarterly Report", "Helvetica-Bold")
    c.setFont("Helvetica", 10)
    for i in range(45):
        c.drawString(60, 760 - 15 * i, f"{i + 1}. Operations continued as planned; budgets and targets were reviewed.")


READABLE: dict[str, list[Callable[[canvas.Canvas], None]]] = {
    "zh-notice.pdf": [zh_notice, zh_notice],
    "zh-asset-register.pdf": [zh_asset_register],
    "zh-project-budget.pdf": [zh_project_budget],
    "zh-mixed.pdf": [zh_notice, zh_project_budget, zh_asset_register],
    "en-invoice.pdf": [en_invoice],
    "en-application-form.pdf": [en_application_form],
    "en-report.pdf": [en_report, en_report, en_report],
}


def _draw(path: Path, pages, encrypt: StandardEncryption | None = None) -> None:
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, invariant=1)
    for draw in pages:
        draw(c)
        c.showPage()
        c.setPageSize(A4)
    c.save()


def image_only(path: Path, dpi: int = 150) -> None:
    """A scanned page (no text layer) of a ruled table of another kind: read by OCR."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    big, small = ImageFont.truetype(FONT, dpi // 4), ImageFont.truetype(FONT, dpi // 8)
    d.text((dpi, dpi), "2024年会议室使用登记表", font=big, fill=0)
    cols = [dpi, 3 * dpi, 5 * dpi, 7 * dpi]
    for r in range(9):
        y = int(2 * dpi + r * 0.4 * dpi)
        d.line([(cols[0], y), (cols[-1], y)], fill=0, width=2)
        if r < 8:
            for i, text in enumerate(["日期", "使用部门", "人数"] if r == 0 else [f"3月{r}日", f"第{r}科室", str(5 + r)]):
                d.text((cols[i] + 10, y + 10), text, font=small, fill=0)
    for x in cols:
        d.line([(x, 2 * dpi), (x, int(2 * dpi + 8 * 0.4 * dpi))], fill=0, width=2)
    img.save(path, "PDF", resolution=dpi)


BROKEN: dict[str, str] = {  # file -> the start of its one-line reason
    "empty.pdf": "empty file",
    "not-a-pdf.pdf": "not a PDF",
    "truncated.pdf": "not a readable PDF",
    "encrypted.pdf": "encrypted PDF",
}


def write_broken(out: Path) -> None:
    (out / "empty.pdf").write_bytes(b"")
    (out / "not-a-pdf.pdf").write_text("<html><body>not a pdf</body></html>", encoding="utf-8")
    _draw(out / "whole.tmp", READABLE["zh-mixed.pdf"])
    data = (out / "whole.tmp").read_bytes()
    (out / "whole.tmp").unlink()
    (out / "truncated.pdf").write_bytes(data[: len(data) // 3])
    _draw(out / "encrypted.pdf", [en_report], StandardEncryption("secret", "owner", canPrint=1))


def generate(out: Path, scanned: bool = True) -> dict[str, str]:
    """Write the folder; returns file name -> expected status (`no_form` or `failed`)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, pages in READABLE.items():
        _draw(out / name, pages)
    expected = {name: "no_form" for name in READABLE}
    if scanned:
        image_only(out / "scan-meeting-register.pdf")
        expected["scan-meeting-register.pdf"] = "no_form"
    write_broken(out)
    expected.update({name: "failed" for name in BROKEN})
    return expected


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=CORPUS_DIR.parent / "bench" / "data" / "unrelated")
    args = ap.parse_args(argv)
    expected = generate(args.out)
    print(f"{len(expected)} PDFs without a form in {args.out}")


if __name__ == "__main__":
    main()
