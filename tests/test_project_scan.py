"""Scanned project forms (corpus/project_scan.py: LibreOffice export, then corpus/scan.py's harsh
200 dpi degradations) read at the department form's scanned bars, the goals printed side by side
(项目总体目标 | 年度总体目标 over their texts) included. Truth comes from the generator."""
import shutil

import pytest

from formpipe import pipeline
from formpipe.review.disclosure_score import score_outputs

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")]
SEEDS = ["3-0", "3-3"]  # both print the two goals side by side under a 绩效目标 section label


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from corpus.project_scan import generate, scan
    root = tmp_path_factory.mktemp("projects")
    folder = scan(generate(SEEDS, root, jobs=1), root, dpi=200, profile="harsh")
    pipeline.run([folder], root / "out", progress=False)
    return score_outputs(root / "truth", root / "out")


def test_every_scanned_project_form_is_found(result):
    assert (result.forms, result.found, result.right_range, result.invented) == (2, 2, 2, 0), result.problems


def test_amounts_and_short_fields_meet_the_scanned_bars(result):
    v = result.values
    assert v.amounts == 10 and v.amounts_exact / v.amounts >= 0.99 and v.silent_wrong_amounts == 0, v.mismatches
    assert v.short_exact >= 0.97, v.mismatches
    assert v.exact + v.flagged >= v.fields - v.long_fields, v.mismatches  # every short field exact or flagged


def test_side_by_side_goals_are_read(result):
    v = result.values
    assert v.long_fields == 4 and v.long_cer < 0.02, v.mismatches
    assert not [m for m in v.mismatches if "goal" in m and "got None" in m]
