"""End to end on the committed scanned sample (corpus/scan): every kind of scanned input.

Two small forms at 300 dpi (mild) and 200 dpi (harsh) as image-only PDFs, and
150 dpi variants as a page-image folder, a multi-page TIFF, a mixed PDF, a PDF
with a garbage text layer, and pages turned 90° and 180°. Real OCR (rapidocr),
about half a minute; the truth files come from the generator's inputs.
"""
import shutil
from pathlib import Path

import pandas as pd
import pytest

from formpipe import pipeline
from formpipe.review.evaluate import evaluate
from formpipe.store.schema import hive_partitioning

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
pytestmark = pytest.mark.slow  # real OCR over ten scanned documents: the suite's longest fixture


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("scanned")
    shutil.copytree(CORPUS / "scan", root / "scan")
    (root / "truth").mkdir()
    for t in (CORPUS / "truth").glob("scan-*.json"):
        shutil.copy(t, root / "truth" / t.name)
    out = tmp_path_factory.mktemp("out")
    summary = pipeline.run([root], out, progress=False)
    assert summary.failed == 0, summary.failures
    docs = pd.read_parquet(out / "documents", partitioning=hive_partitioning()).set_index("source_path")
    return root, out, docs


def _eval_of(scanned, pattern):
    root, out, _ = scanned
    sub = root / f"truth-{pattern}"
    sub.mkdir(exist_ok=True)
    for t in (root / "truth").glob(f"*{pattern}*.json"):
        shutil.copy(t, sub / t.name)
    return evaluate(sub, out)


def test_every_scanned_kind_is_read(scanned):
    _, _, docs = scanned
    assert len(docs) == len(list((CORPUS / "truth").glob("scan-*.json"))) == 10
    method = docs["method"].to_dict()
    assert method["scan/mixed/jiangmen-sifa-2023-mixed.pdf"] == "mixed"
    assert method["scan/garbage/guangzhou-zhujian-2021-garbage.pdf"] == "ocr"  # its junk layer is not trusted
    assert {m for p, m in method.items() if "mixed" not in p} == {"ocr"}
    assert docs.loc["scan/images/zhuhai-weijian-2020-images", "pages"] == 2
    assert docs.loc["scan/tiff/zhuhai-weijian-2020-tiff.tif", "pages"] == 2
    assert docs["ocr_engine"].str.startswith("rapidocr").all()


def test_300_dpi_scans_are_exact(scanned):
    res = _eval_of(scanned, "300-mild")
    assert res.documents == 2
    assert res.amounts.accuracy == 1.0 and res.amounts.total >= 18
    assert res.short.accuracy >= 0.99 and res.cer <= 0.005
    assert not any(res.missing.values()) and not any(res.extra.values())


def test_200_dpi_harsh_scans_meet_their_bounds(scanned):
    res = _eval_of(scanned, "200-harsh")
    assert res.documents == 2
    assert res.short.accuracy >= 0.97 and res.cer <= 0.015
    assert res.amounts.accuracy >= 0.85  # the seal sits on the amounts; what is wrong is flagged (below)


def test_no_wrong_amount_goes_without_an_error_flag(scanned):
    root, out, _ = scanned
    res = evaluate(root / "truth", out)
    assert res.unflagged_wrong == 0, [m for m in res.mismatches if "NO error flag" in m]
    assert not any(res.missing.values()) and not any(res.extra.values())


def test_turned_pages_read_upright(scanned):
    for kind in ("rot90", "rot180"):
        res = _eval_of(scanned, kind)
        assert res.documents == 1 and res.cer <= 0.02 and res.short.accuracy >= 0.9, kind


def test_values_under_the_seal_are_flagged_for_review(scanned):
    _, out, docs = scanned
    flags = pd.read_parquet(out / "flags", partitioning=hive_partitioning())
    doc = docs.loc["scan/pdf/guangzhou-zhujian-2021-300-mild.pdf", "doc_id"]
    low = flags[(flags.doc_id == doc) & (flags.code == "LOW_CONFIDENCE") & (flags.dataset == "budget_items")]
    assert (low.severity == "error").all() and len(low) >= 1
    assert docs.loc["scan/pdf/guangzhou-zhujian-2021-300-mild.pdf", "status"] == "needs_review"
