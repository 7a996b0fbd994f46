"""A department form's continuation page made to look weak inside a generated disclosure
(corpus/disclosure.py: LibreOffice parts joined): a 续表 marker, a running head ending in 表 on
every page, a blank page before it, another table's title stamped over it. The first three keep
the form whole; the last cuts it, and then every value of the page left out must be flagged.
Truth comes from the generator (its parts' page counts) and from the edits made here."""
import json
import shutil
from pathlib import Path

import pypdfium2
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from formpipe import pipeline
from formpipe.review.disclosure_score import score_outputs

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")]
SEED = "1-28"  # text section, a 2-page department form (pages 2-3, no title on page 3), two tables
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _stamp(doc: pypdfium2.PdfDocument, index: int, text: str, size: float, tmp: Path) -> None:
    """Print `text` at the top of page `index` (a one-line PDF placed over it as a form object)."""
    if "ZH" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ZH", FONT))
    w, h = doc[index].get_size()
    path = tmp / f"stamp-{index}-{abs(hash(text))}.pdf"
    c = canvas.Canvas(str(path), pagesize=(w, h))
    c.setFont("ZH", size)
    c.drawString(w / 2 - size * len(text) / 2, h - 22, text)
    c.save()
    src = pypdfium2.PdfDocument(str(path))
    xobj = src.page_as_xobject(0, doc)
    page = doc[index]
    page.insert_obj(xobj.as_pageobject())
    page.gen_content()


def variant(base: Path, truth: dict, name: str, out: Path, tmp: Path) -> None:
    """Write <out>/pdf/<name>.pdf and its truth: `base` edited as `name` says."""
    doc = pypdfium2.PdfDocument(str(base))
    form = dict(truth["forms"][0])
    second = form["first_page"]  # 0-based index of the form's second page
    if name == "continued":
        _stamp(doc, second, "续表", 10, tmp)
    elif name == "running-head":
        for i in range(len(doc)):
            _stamp(doc, i, "部门预算公开表", 9, tmp)
    elif name == "blank-verso":
        w, h = doc[0].get_size()
        doc.new_page(w, h, index=second)
        form["last_page"] += 1
    elif name == "other-title":
        _stamp(doc, second, "2022年政府采购预算表", 14, tmp)
    (out / "pdf").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    doc.save(str(out / "pdf" / f"{name}.pdf"))
    record = {**truth, "source_path": f"pdf/{name}.pdf", "pages": len(doc), "forms": [form]}
    doc.close()
    (out / "truth" / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


VARIANTS = ["as-made", "continued", "running-head", "blank-verso", "other-title"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from corpus.disclosure import generate
    root = tmp_path_factory.mktemp("weak")
    generate([SEED], root / "made", jobs=1)
    base = root / "made" / "pdf" / f"disclosure-{SEED}.pdf"
    truth = json.loads((root / "made" / "truth" / f"disclosure-{SEED}.json").read_text(encoding="utf-8"))
    assert [(f["first_page"], f["last_page"]) for f in truth["forms"]] == [(2, 3)]  # the case this test needs
    for name in VARIANTS:
        variant(base, truth, name, root / name, root)
    pipeline.run([root / name / "pdf" for name in VARIANTS], root / "out", progress=False)
    import pyarrow.dataset as ds

    from formpipe.store.schema import hive_partitioning
    docs = ds.dataset(root / "out" / "documents", partitioning=hive_partitioning()).to_table().to_pylist()
    flags = ds.dataset(root / "out" / "flags", partitioning=hive_partitioning()).to_table().to_pylist()
    doc_of = {d["source_path"].rsplit("/", 1)[-1]: d["doc_id"] for d in docs}
    return {name: (score_outputs(root / name / "truth", root / "out"),
                   [f for f in flags if f["doc_id"] == doc_of[f"{name}.pdf"]]) for name in VARIANTS}


@pytest.mark.parametrize("name", ["as-made", "continued", "running-head", "blank-verso"])
def test_a_weak_looking_continuation_stays_in_its_form(runs, name):
    res, flags = runs[name]
    assert (res.found, res.right_range, res.invented) == (1, 1, 0), res.problems
    assert res.values.exact + res.values.flagged == res.values.fields, res.values.mismatches
    assert res.values.silent_wrong_amounts == 0
    assert not [f for f in flags if "follows this form" in f["message"]]


def test_a_continuation_under_another_title_is_cut_but_flagged(runs):
    res, flags = runs["other-title"]
    assert res.found == 1 and res.right_range == 0  # the form is taken to end on page 2 …
    left = [f for f in flags if "follows this form" in f["message"]]
    assert left and all(f["page"] == 3 and f["severity"] == "error" for f in left)
    # … and every value printed on page 3 is flagged, none silently lost
    assert res.values.exact + res.values.flagged == res.values.fields, res.values.mismatches
    assert res.values.silent_wrong_amounts == 0
