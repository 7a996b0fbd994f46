"""The committed office-scan sample (corpus/office-scan): what corpus.office_scan makes, truth
carried over from the source form, small, and read end to end by the pipeline."""
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from samepages import assert_same_pages

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "office-scan"
SOURCE = ROOT / "corpus" / "office"
MAX_SAMPLE_BYTES = 1_500_000


@pytest.fixture(scope="module")
def manifest():
    return json.loads((SAMPLE / "scan-manifest.json").read_text(encoding="utf-8"))


def test_sample_is_small_and_has_a_scan_and_a_photo(manifest):
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size <= MAX_SAMPLE_BYTES
    kinds = {e["kind"]: e for e in manifest.values()}
    assert kinds["pdf"]["profile"] == "office-harsh" and kinds["pdf"]["dpi"] == 200
    assert kinds["photo"]["profile"] == "photo"
    assert all(len(e["pages"]) >= 2 for e in manifest.values())


def test_truth_is_the_source_forms_truth(manifest):
    for rel, entry in manifest.items():
        truth = json.loads((SAMPLE / "truth" / f"{entry['name']}.json").read_text(encoding="utf-8"))
        source = json.loads((SOURCE / "truth" / f"{Path(entry['source']).stem}.json").read_text(encoding="utf-8"))
        assert truth.pop("source_path") == rel and (SAMPLE / rel).exists()
        source.pop("source_path")
        assert truth == source


def test_photo_pages_show_the_sheet_inside_the_recorded_quad(manifest):
    """Inside the recorded quad is paper, outside it is desk (darker), on the committed JPEGs."""
    import cv2
    (rel, entry), = [(r, e) for r, e in manifest.items() if e["kind"] == "photo"]
    for page in entry["pages"]:
        img = np.asarray(Image.open(SAMPLE / rel / f"page-{page['page']}.jpg").convert("L"), dtype=np.float32)
        quad = np.array(page["photo"]["quad_px"])
        assert [img.shape[1], img.shape[0]] == page["photo"]["photo_px"]
        inside = np.zeros(img.shape, np.uint8)
        cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 1)
        ring = cv2.dilate(inside, np.ones((61, 61), np.uint8)) - inside
        core = cv2.erode(inside, np.ones((61, 61), np.uint8))
        assert np.median(img[core > 0]) > np.median(img[ring > 0]) + 40


@pytest.mark.slow
def test_committed_sample_is_what_the_generator_makes(tmp_path, manifest):
    from corpus.office_scan import build
    """The same parameters (the manifest, exactly) and the same pages (samepages.py: another CPU
    rounds OpenCV differently)."""
    build(tmp_path)
    assert json.loads((tmp_path / "scan-manifest.json").read_text(encoding="utf-8")) == manifest
    for rel in manifest:
        files = sorted((SAMPLE / rel).glob("page-*.jpg")) if (SAMPLE / rel).is_dir() else [SAMPLE / rel]
        for f in files:
            assert_same_pages(tmp_path / f.relative_to(SAMPLE), f)


@pytest.fixture(scope="module")
def run_sample(tmp_path_factory):
    from formpipe import pipeline
    from formpipe.store.schema import hive_partitioning
    root = tmp_path_factory.mktemp("office-scan")
    shutil.copytree(SAMPLE, root / "office-scan")
    out = tmp_path_factory.mktemp("out")
    pipeline.run([root / "office-scan" / "pdf", root / "office-scan" / "photo"], out, progress=False)
    docs = pd.read_parquet(out / "documents", partitioning=hive_partitioning())
    return out, docs


@pytest.mark.slow
def test_every_sample_document_gets_a_record(run_sample, manifest):
    """Scan and photos each come out as a document (read, or failed with its reason): never dropped."""
    _, docs = run_sample
    names = {Path(p).name for p in docs["source_path"]}
    assert names == {Path(rel).name for rel in manifest}


@pytest.mark.slow
def test_no_wrong_amount_of_the_sample_goes_unflagged(run_sample):
    """Right or flagged: the harsh scan's task amounts, lost with their rows, were the sample's
    silent wrong amounts until a form with no task rows read got an error on its tasks."""
    from formpipe.review.evaluate import evaluate
    out, _ = run_sample
    res = evaluate(SAMPLE / "truth", out)
    assert res.documents == 2 and res.unflagged_wrong == 0


@pytest.mark.slow
@pytest.mark.xfail(reason="issue 12: 18/20: on the photo, the budget block's item labels come out as "
                          "crumbs beside the amounts, and two amounts are lost (flagged)", strict=False)
def test_the_sample_amounts_are_read(run_sample):
    from formpipe.review.evaluate import evaluate
    out, _ = run_sample
    assert evaluate(SAMPLE / "truth", out).amounts.accuracy >= 0.97
