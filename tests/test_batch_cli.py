"""Operator experience: exit codes, one-line messages, JSON logs, the run summary, `formpipe status`."""
import io
import json
import re
import shutil
import sys
import types
from pathlib import Path

import pytest

from formpipe import pipeline
from formpipe.batch.progress import Progress
from formpipe.batch.runs import read_runs

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "pdf" / "guangzhou-minzheng-2023.pdf"


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "good.pdf")
    (src / "bad.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    return src


def test_exit_codes_are_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Nightly batch"):]
    for code in pipeline.ExitCode:
        assert re.search(rf"^\| {code.value} \| `{code.name}` \|", table, re.M), code


def test_a_failed_document_exits_1_with_a_summary(folder, tmp_path, capsys):
    assert pipeline.main(["run", str(folder), "-o", str(tmp_path / "out"), "--workers", "0"]) == 1
    out, err = capsys.readouterr()
    assert "processed 2 document(s)" in out and "failed: bad.pdf: not a readable PDF" in out
    assert err.strip().splitlines()[-1] == "formpipe: 1 document(s) failed"
    assert pipeline.main(["run", str(folder), "-o", str(tmp_path / "out"), "--workers", "0"]) == 0, \
        "an unchanged failed document is not a new failure"


@pytest.mark.parametrize("argv", [["--workers", "-1"], ["--scheduler", "tcp://x:8786"], ["--dpi", "5"],
                                  ["--timeout", "-3"]])
def test_bad_arguments_exit_2(folder, tmp_path, capsys, argv):
    assert pipeline.main(["run", str(folder), "-o", str(tmp_path / "o"), *argv]) == pipeline.ExitCode.bad_arguments
    err = capsys.readouterr().err.strip()
    assert err.startswith("formpipe: ") and len(err.splitlines()) == 1
    with pytest.raises(SystemExit) as e:
        pipeline.main(["run", "--ocr-engine", "nope"])
    assert e.value.code == pipeline.ExitCode.bad_arguments


def test_a_missing_ocr_engine_exits_3_before_anything_is_written(folder, tmp_path, monkeypatch, capsys):
    class EngineUnavailable(Exception):
        pass

    def check_engine(name):
        raise EngineUnavailable("tesseract not found on PATH (apt install tesseract-ocr)")
    fake = types.SimpleNamespace(EngineUnavailable=EngineUnavailable, check_engine=check_engine)
    monkeypatch.setitem(sys.modules, "formpipe.extract.ocr", fake)
    code = pipeline.main(["run", str(folder), "-o", str(tmp_path / "o"), "--ocr-engine", "tesseract"])
    assert code == pipeline.ExitCode.missing_dependency
    assert capsys.readouterr().err.strip() == \
        "formpipe: OCR engine tesseract: tesseract not found on PATH (apt install tesseract-ocr)"
    assert not (tmp_path / "o").exists()


def test_without_the_ocr_package_born_digital_runs_still_work(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "formpipe.extract.ocr", None)  # import fails
    assert pipeline.run([folder / "good.pdf"], tmp_path / "o", progress=False).processed == 1


def test_log_json_lines_and_summary(folder, tmp_path, capsys):
    pipeline.main(["--log-json", "run", str(folder), "-o", str(tmp_path / "o"), "--workers", "0"])
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["event"] == "run_summary" and (summary["processed"], summary["failed"]) == (2, 1)
    events = [json.loads(line) for line in err.splitlines()]
    assert all({"time", "level", "message"} <= set(e) for e in events)
    docs = {e["source_path"]: e for e in events if e.get("event") == "document"}
    assert docs["bad.pdf"]["level"] == "warning" and docs["bad.pdf"]["status"] == "failed"
    assert docs["good.pdf"]["pages"] >= 1


def test_runs_are_recorded_and_status_shows_what_needs_review(folder, tmp_path, capsys):
    out = tmp_path / "o"
    assert pipeline.main(["status", "-o", str(out)]) == 0
    assert "no formpipe runs recorded" in capsys.readouterr().out
    pipeline.main(["run", str(folder), "-o", str(out), "--workers", "0"])
    pipeline.main(["run", str(folder), "-o", str(out), "--workers", "0"])
    runs = read_runs(out)
    assert [(r["processed"], r["skipped"], r["failed"], r["exit_code"]) for r in runs] == [(2, 0, 1, 1), (0, 2, 0, 0)]
    assert runs[0]["pages"] >= 1 and runs[0]["pages_per_second"] > 0 and runs[0]["outcome"] == "finished"
    capsys.readouterr()
    assert pipeline.main(["status", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "last 2 of 2 run(s)" in text
    assert re.search(r"failed\s+\w{16}\s+bad.pdf: not a readable PDF", text)
    assert "good.pdf" not in text  # ok documents need nobody


def test_progress_bar_only_on_a_terminal(monkeypatch, caplog):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.setattr(sys, "stderr", Tty())
    bar = Progress(2, bar=True)
    bar.update("a.pdf", "ok", 3, 0.1, None)
    bar.update("b.pdf", "ok", 4, 0.1, None)
    bar.close()
    shown = sys.stderr.getvalue()
    assert "2/2" in shown and "doc/s" in shown and "7 pages" in shown and "pages/s" in shown
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: log lines, no bar
    caplog.set_level("INFO", logger="formpipe")
    plain = Progress(1, bar=True)
    plain.update("a.pdf", "ok", 3, 0.1, None)
    assert "doc/s" not in sys.stderr.getvalue()
    assert "a.pdf: ok, 3 page(s)" in caplog.text and "1/1 documents, 3 pages" in caplog.text
