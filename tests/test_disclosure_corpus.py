"""Generated budget disclosures (corpus/disclosure.py: LibreOffice parts joined into one PDF) through
the pipeline: every form found with its page range, none invented, files without a form are
no_form, project forms read exactly. Truth comes from the generator (parts' page counts, the
records it printed)."""
import shutil

import pytest

from formpipe import pipeline
from formpipe.review.disclosure_score import score_outputs

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")]
PROJ = "project_performance_targets"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from corpus.disclosure import generate
    root = tmp_path_factory.mktemp("disclosure")
    # seeds picked for: no form (t-2), a 5-page department form under repeated titles (t-1),
    # four project forms in a row (x-1), a department and a project form between tables (x-3)
    generate(["t-1", "t-2", "x-1", "x-3"], root, jobs=2)
    summary = pipeline.run([root / "pdf"], root / "out", progress=False)
    return summary, score_outputs(root / "truth", root / "out")


def test_every_form_is_found_with_its_pages_and_none_is_invented(result):
    summary, res = result
    assert summary.failed == 0
    assert res.forms > 0 and res.found == res.right_range == res.forms, res.problems
    assert res.invented == 0, res.problems
    assert res.no_form_right == res.no_form_files > 0


def test_project_forms_are_read_exactly(result):
    _, res = result
    proj = res.by_type[PROJ]
    assert proj.fields > 0 and proj.exact + proj.flagged == proj.fields, proj.mismatches
    assert proj.amounts > 0 and proj.amounts_exact == proj.amounts and proj.silent_wrong_amounts == 0
    # the generator gives each form its own year; a file has one (its first form's): flagged
    assert all(": year: " in m and "NOT flagged" not in m for m in proj.mismatches), proj.mismatches
