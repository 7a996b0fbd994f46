"""The committed corpus is exactly what the generator makes from its truth records."""
import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc")


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.skipif(not all(Path(f).exists() for f in FONTS), reason="corpus fonts not installed (make setup)")
def test_regenerating_gives_the_committed_corpus(tmp_path):
    from corpus.generate import main
    main(["--out", str(tmp_path)])
    committed = sorted(p.name for p in (ROOT / "corpus" / "pdf").glob("*.pdf"))
    assert sorted(p.name for p in (tmp_path / "pdf").glob("*.pdf")) == committed and len(committed) >= 13
    for name in committed:
        assert _digest(tmp_path / "pdf" / name) == _digest(ROOT / "corpus" / "pdf" / name), name
    for t in (ROOT / "corpus" / "truth").glob("*.json"):
        if t.name.startswith("scan-"):   # the scanned sample's truth comes from corpus.scan
            continue
        assert json.loads((tmp_path / "truth" / t.name).read_text(encoding="utf-8")) == json.loads(t.read_text(encoding="utf-8"))


def test_seed_truth_holds_the_seed_dump_values():
    """The hand-written seed truth agrees with the dump on the numbers (cleaned by hand, not by formpipe)."""
    dump = (ROOT / "corpus" / "seeds" / "000_9c2dbdb951fe852d.txt").read_text(encoding="utf-8")
    truth = json.loads((ROOT / "corpus" / "truth" / "000_9c2dbdb951fe852d.json").read_text(encoding="utf-8"))
    squeezed = dump.replace(" ", "").replace(",", "")
    for b in truth["budget_items"]:
        assert b["amount_wan"] in squeezed
    for t in truth["tasks"]:
        assert t["funds_wan"] in squeezed and t["name"] in dump
    assert len(truth["indicators"]) == 21 and truth["department"] in dump
