"""Hostile and broken input: each gets a one-line reason and a failed row (or a skip), and the
run goes on. The files are made here; one run over all of them in worker processes."""
import os
import shutil
import struct
import zlib
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from pdfdraw import cjk_font
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from formpipe import pipeline
from formpipe.batch import run as batch_run
from formpipe.store.schema import hive_partitioning

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "pdf" / "guangzhou-minzheng-2023.pdf"
OTHER = ROOT / "corpus" / "pdf" / "foshan-jiaoyu-2022.pdf"
BAD_NAME = b"\xff\xfe-caf\xe9.pdf"  # not UTF-8
LONG_DIRS = ["目录" * 40] * 5  # 5 folders of 240 bytes each
LONG_NAME = "长" * 80 + ".pdf"  # 244 bytes, near NAME_MAX


def text_pdf(path: Path, pages: int, size=(595, 842), encrypt=None) -> Path:
    c = canvas.Canvas(str(path), pagesize=size, invariant=1, encrypt=encrypt)
    font = cjk_font()
    for i in range(pages):
        c.setFont(font, 12)
        c.drawString(72, size[1] - 72, f"第{i + 1}页 与预算绩效表无关的一段文字，没有表格线。")
        c.showPage()
    c.save()
    return path


def many_pages_pdf(path: Path, n: int) -> Path:
    """n distinct empty pages in a flat page tree: tiny file, huge page count."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Count {n} /Kids [{' '.join(f'{i} 0 R' for i in range(3, n + 3))}] >>".encode()]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"] * n
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def huge_png(path: Path, w: int = 30_000, h: int = 30_000) -> Path:
    """A valid 1-bit PNG of w x h pixels: ~110 KB on disk, 900 Mpx decoded."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    z, row = zlib.compressobj(9), bytes(1 + (w + 7) // 8)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def encrypted_form(path: Path) -> Path:
    """The seed form, encrypted with an empty user password (opens without one)."""
    from corpus import render_pdf
    from corpus.forms import seed_form
    from corpus.generate import SEED_STYLE

    class Encrypting:  # stands in for reportlab.pdfgen.canvas inside corpus.render_pdf
        @staticmethod
        def Canvas(*a, **k):
            return canvas.Canvas(*a, encrypt=StandardEncryption("", ownerPassword="owner", canModify=0), **k)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render_pdf, "canvas", Encrypting)
        render_pdf.render(seed_form(), SEED_STYLE, str(path))
    assert b"/Encrypt" in path.read_bytes()
    return path


CASES = {  # file -> expected start of the one-line reason (None: processed fine)
    "empty.pdf": "empty file",
    "truncated.pdf": "not a readable PDF (",
    "not-a-pdf.pdf": "not a PDF",
    "encrypted.pdf": "encrypted PDF",
    "encrypted-empty-password.pdf": None,
    "bomb-pages.pdf": "too many pages",
    "bomb-page-size.pdf": "page 1 too large",
    # read fine, but no form in it: no_form, not a failure (issue 15)
    "unrelated-300-pages.pdf": "no form found: 300 page(s), no ruled table",
    "bomb-image.png": "image too large",
    "/".join(LONG_DIRS + [LONG_NAME]): None,
    "\ufffd\ufffd-caf\ufffd.pdf": None,
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    src = tmp_path_factory.mktemp("hostile")
    (src / "empty.pdf").write_bytes(b"")
    data = SEED.read_bytes()
    (src / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (src / "not-a-pdf.pdf").write_bytes(b"PK\x03\x04 this is a zip file, honestly" * 50)
    text_pdf(src / "encrypted.pdf", 1, encrypt=StandardEncryption("secret", ownerPassword="owner"))
    encrypted_form(src / "encrypted-empty-password.pdf")
    many_pages_pdf(src / "bomb-pages.pdf", 20_000)
    text_pdf(src / "bomb-page-size.pdf", 1, size=(20_000, 20_000))
    text_pdf(src / "unrelated-300-pages.pdf", 300)
    huge_png(src / "bomb-image.png")
    long_dir = src.joinpath(*LONG_DIRS)
    long_dir.mkdir(parents=True)
    shutil.copy(OTHER, long_dir / LONG_NAME)
    shutil.copy(SEED, os.path.join(os.fsencode(src), BAD_NAME))
    (src / "loop.pdf").symlink_to("loop.pdf")
    (src / "dangling.pdf").symlink_to("nowhere.pdf")
    (src / "sub").mkdir()
    (src / "sub" / "up").symlink_to("..")  # a folder loop
    out = tmp_path_factory.mktemp("out")
    summary = pipeline.run([src], out, progress=False, config=pipeline.RunConfig(workers=2, timeout=300))
    docs = ds.dataset(out / "documents", partitioning=hive_partitioning()).to_table().to_pylist()
    return src, out, summary, {d["source_path"]: d for d in docs}


@pytest.mark.parametrize("name", list(CASES), ids=lambda n: n[:30])
def test_each_hostile_file_gets_its_row_and_reason(hostile, name):
    _, _, summary, docs = hostile
    row = docs[name]
    want = CASES[name]
    if want is None:
        assert row["status"] in ("ok", "needs_review"), row["error"]
        assert row["method"] == "text"
    elif want.startswith("no form found"):
        assert row["status"] == "no_form" and row["error"].startswith(want), row["error"]
        assert "\n" not in row["error"] and len(row["error"]) < 300 and row["n_flags"] == 0
        assert not any(p == name for p, _ in summary.failures)
    else:
        assert row["status"] == "failed" and row["error"].startswith(want), row["error"]
        assert "\n" not in row["error"] and len(row["error"]) < 300
        assert (name, row["error"]) in summary.failures


def test_the_run_goes_on_and_reports_every_skip(hostile):
    src, out, summary, docs = hostile
    assert summary.processed == len(CASES) == len(docs)
    assert summary.failed == sum(v is not None and not v.startswith("no form") for v in CASES.values())
    assert summary.no_form == 1
    assert ("loop.pdf", "symlink loop") in summary.notes
    assert ("dangling.pdf", "broken symlink") in summary.notes
    assert ("sub/up", "symlink loop (folder already listed)") in summary.notes
    assert any(line == "skipped: loop.pdf: symlink loop" for line in summary.lines())


def test_names_that_are_not_utf8_or_very_long_read_back_everywhere(hostile):
    src, out, _, docs = hostile
    duckdb = pytest.importorskip("duckdb")
    names = {r[0] for r in duckdb.sql(f"select source_path from '{out}/documents/**/*.parquet'").fetchall()}
    assert "\ufffd\ufffd-caf\ufffd.pdf" in names and "/".join(LONG_DIRS + [LONG_NAME]) in names
    again = pipeline.run([src], out, progress=False)  # exact byte keys: nothing is new
    assert (again.processed, again.failed, again.skipped) == (0, 0, len(CASES))


def test_two_undecodable_names_stay_two_files(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, os.path.join(os.fsencode(src), b"\xff.pdf"))
    shutil.copy(OTHER, os.path.join(os.fsencode(src), b"\xfe.pdf"))
    out = tmp_path / "out"
    assert pipeline.run([src], out, progress=False).processed == 2
    assert pipeline.run([src], out, progress=False).skipped == 2
    os.unlink(os.path.join(os.fsencode(src), b"\xfe.pdf"))
    assert pipeline.run([src], out, progress=False).removed == 1


def test_unreadable_file_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    from formpipe.extract import document
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "fine.pdf")
    shutil.copy(OTHER, src / "locked.pdf")
    real_open = open

    def guarded(path, *a, **k):  # what a chmod 000 file does to a non-root reader
        if str(path).endswith("locked.pdf"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)
    monkeypatch.setattr(document, "open", guarded, raising=False)
    summary = pipeline.run([src], tmp_path / "out", progress=False)
    assert summary.failures == [("locked.pdf", "cannot read file (Permission denied)")]
    assert summary.processed == 1
    monkeypatch.undo()
    fixed = pipeline.run([src], tmp_path / "out", progress=False)  # readable again: processed now
    assert (fixed.processed, fixed.failed) == (1, 0)


def modes_are_enforced() -> bool:
    """False for root (with CAP_DAC_OVERRIDE), who reads files whatever their mode."""
    import tempfile
    with tempfile.NamedTemporaryFile() as f:
        os.chmod(f.name, 0)
        try:
            open(f.name, "rb").close()
        except PermissionError:
            return True
    return False


@pytest.mark.skipif(not modes_are_enforced(), reason="this user reads files whatever their mode (root)")
def test_unreadable_file_and_folder_with_real_permissions(tmp_path):
    src = tmp_path / "in"
    (src / "closed").mkdir(parents=True)
    shutil.copy(SEED, src / "closed" / "inside.pdf")
    shutil.copy(OTHER, src / "locked.pdf")
    out = tmp_path / "out"
    pipeline.run([src], out, progress=False)
    with open(src / "locked.pdf", "ab") as f:
        f.write(b"\n% changed: must be read again\n")
    os.chmod(src / "locked.pdf", 0)
    os.chmod(src / "closed", 0)
    try:
        summary = pipeline.run([src], out, progress=False)
        assert ("closed", "cannot list folder (Permission denied)") in summary.notes
        assert summary.failures == [("locked.pdf", "cannot read file (Permission denied)")]
        assert summary.removed == 0, "neither document is removed: one is unreadable, one unlisted"
    finally:
        os.chmod(src / "closed", 0o755)
        os.chmod(src / "locked.pdf", 0o644)


def delete_the_other(job):
    """A task that deletes `z.pdf` while the run is busy with `a.pdf`."""
    if job.src.rel == "a.pdf":
        (job.src.path.parent / "z.pdf").unlink()
    return pipeline.process_job(job)


def test_a_file_that_disappears_mid_run(tmp_path, monkeypatch):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    shutil.copy(SEED, src / "a.pdf")
    shutil.copy(OTHER, src / "z.pdf")
    pipeline.run([src], out, progress=False)
    with open(src / "a.pdf", "ab") as f:
        f.write(b"\n% changed\n")
    with open(src / "z.pdf", "ab") as f:
        f.write(b"\n% changed\n")
    summary = pipeline.run([src], out, progress=False, config=pipeline.RunConfig(task=delete_the_other))
    assert ("z.pdf", "file disappeared during the run") in summary.notes
    assert (summary.processed, summary.failed, summary.vanished, summary.removed) == (1, 0, 1, 1)
    docs = ds.dataset(out / "documents", partitioning=hive_partitioning()).to_table().column("source_path")
    assert docs.to_pylist() == ["a.pdf"]


def test_a_file_that_disappears_between_listing_and_hashing(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "a.pdf")
    shutil.copy(OTHER, src / "z.pdf")
    real_scan = batch_run.scan

    def scan_then_delete(inputs):
        found = real_scan(inputs)
        (src / "z.pdf").unlink()
        return found
    monkeypatch.setattr(batch_run, "scan", scan_then_delete)
    summary = pipeline.run([src], tmp_path / "out", progress=False)
    assert (summary.processed, summary.failed, summary.vanished) == (1, 0, 1)
    assert ("z.pdf", "file disappeared during the run") in summary.notes
