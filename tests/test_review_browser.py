"""The review in a real browser (Debian's chromium, driven by Playwright): the page renders,
a cell box lands on its printed text, a correction made through the served page reaches the
Parquet, and a form whose cells hold HTML and script runs nothing."""
import json
import shutil
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from formpipe import pipeline

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (make setup installs it)", allow_module_level=True)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "corpus" / "pdf" / "guangzhou-minzheng-2023.pdf"
TRUTH = json.loads((ROOT / "corpus" / "truth" / "guangzhou-minzheng-2023.json").read_text(encoding="utf-8"))
SEED = ROOT / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt"
PRINTED = "117,897.50"  # 基本支出 in the seed dump
ATTACK = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    shutil.copy(PDF, src / "form.pdf")
    seed = SEED.read_text(encoding="utf-8")
    (src / "unreadable.txt").write_text(seed.replace(PRINTED, "约" + PRINTED), encoding="utf-8")
    # HTML and script in an amount cell (kept raw in raw_text and in the flag's message) and in a name
    (src / "attack.txt").write_text(seed.replace(PRINTED, ATTACK).replace("2023", "2022"), encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    summary = pipeline.run([src], out, progress=False)
    assert summary.failed == 0
    return src, out


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _doc_id(out, source_path):
    return pd.read_parquet(out / "documents").set_index("source_path").loc[source_path, "doc_id"]


@pytest.fixture(scope="module")
def static(outputs):
    from formpipe.review.html import write_static
    _, out = outputs
    return write_static(out)


def test_the_static_review_renders_and_a_box_lands_on_its_text(outputs, static, browser):
    _, out = outputs
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(static.as_uri())
    assert "form.pdf" in page.inner_text("body") and "unreadable.txt" in page.inner_text("body")
    page.click("text=form.pdf")
    page.wait_for_url("**/doc-*.html")
    page.wait_for_load_state("load")
    assert page.locator("svg.sheet").count() == 5  # every page, with its image
    want = next(b["amount_wan"] for b in TRUTH["budget_items"] if b["item"] == "基本支出")
    rects = page.locator("#page-1 rect.cell")
    titles = [t.replace(",", "").replace(" ", "") for t in rects.locator("title").all_text_contents()]
    (i,) = [n for n, t in enumerate(titles) if t == want]  # the cell that prints 基本支出's amount
    box = rects.nth(i).bounding_box()
    page.mouse.move(0, 0)
    m = 4  # px of page around the box: its ruling, and the start of the next cells
    shot = page.screenshot(clip={"x": box["x"] - m, "y": box["y"] - m,
                                 "width": box["width"] + 2 * m, "height": box["height"] + 2 * m})
    ink = _grey(shot) < 160  # printed text (the box's own stroke is a light blue, lighter than this)
    ink[ink.mean(axis=1) > 0.5, :] = False  # ruling lines: rows or columns that are mostly ink
    ink[:, ink.mean(axis=0) > 0.5] = False
    h, w = ink.shape
    inside = ink[m + 1:h - m - 1, m + 1:w - m - 1].sum()
    assert inside > 40, "the amount's text should be inside its box"
    assert inside >= 0.95 * ink.sum(), "no text should stick out of the box"
    page.screenshot(path=str(out / "review-screenshot.png"))


def _grey(png: bytes) -> np.ndarray:
    import cv2
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)


def _pwned(page) -> bool:
    return page.evaluate("() => window.__pwned") is not None


def test_html_and_script_in_the_form_run_nothing_and_show_as_text(outputs, static, browser):
    _, out = outputs
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((static.parent / f"doc-{_doc_id(out, 'attack.txt')}.html").as_uri())
    page.wait_for_load_state("load")
    assert not _pwned(page) and not dialogs
    assert ATTACK in page.inner_text("body")  # shown as the characters it is
    assert page.locator("script").count() == 0 and page.locator("img[src=x]").count() == 0


@pytest.fixture()
def served(outputs):
    from formpipe.review.serve import make_server
    _, out = outputs
    server, token = make_server(out, "127.0.0.1", 0, reviewer="archivist")
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", token
    server.shutdown()
    server.server_close()


def test_a_correction_made_in_the_served_page_reaches_the_parquet(outputs, served, browser):
    src, out = outputs
    url, _ = served
    doc_id = _doc_id(out, "unreadable.txt")
    page = browser.new_page()
    page.goto(url + "/")
    page.click("text=unreadable.txt")
    page.wait_for_url(f"**/doc/{doc_id}")
    assert page.inner_text("#status") == "needs_review"
    form = page.locator("li.flag form").first
    form.locator("input[name=value]").fill("117897.50")
    form.locator("button[value=correct]").click()
    page.wait_for_url(f"**/doc/{doc_id}?note=*")
    assert "Saved and applied" in page.inner_text("body")
    assert page.inner_text("#status") == "reviewed"
    pipeline.run([src], out, progress=False, config=pipeline.RunConfig(force=True))  # re-read from the source
    items = pd.read_parquet(out / "budget_items")
    mine = items[(items["doc_id"] == doc_id) & (items["item"] == "基本支出")]
    assert list(mine["amount_wan"]) == [Decimal("117897.50")]
    flags = pd.read_parquet(out / "flags")
    corrected = flags[(flags["doc_id"] == doc_id) & (flags["code"] == "CORRECTED")]
    assert len(corrected) == 1 and "archivist" in corrected["message"].iloc[0]
    assert _doc_status(out, doc_id) == "reviewed"


def _doc_status(out, doc_id):
    return pd.read_parquet(out / "documents").set_index("doc_id").loc[doc_id, "status"]


def test_the_server_refuses_a_post_without_the_token_or_from_another_host(outputs, served):
    _, out = outputs
    url, token = served
    doc_id = _doc_id(out, "attack.txt")
    body = f"doc_id={doc_id}&dataset=budget_items&row=1&field=amount_wan&action=correct&value=1"

    def post(data, host=None):
        req = urllib.request.Request(url + "/correct", data=data.encode(), method="POST")
        if host:
            req.add_header("Host", host)
        try:
            return urllib.request.urlopen(req, timeout=30).status
        except urllib.error.HTTPError as e:
            return e.code

    assert post(body) == 403 and post(body + "&token=wrong") == 403
    assert post(body + f"&token={token}", host="evil.example:80") == 403
    from formpipe.review.corrections import load
    assert not [c for c in load(out) if c.doc_id == doc_id]
    with urllib.request.urlopen(url + "/", timeout=30) as r:  # and every page forbids scripts
        assert "script-src 'none'" in r.headers["Content-Security-Policy"]
