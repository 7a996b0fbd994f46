"""Flag codes are one enum, and the README's flag table lists exactly its members."""
import re
from pathlib import Path

from formpipe.extract.flags import Flag, FlagCode

ROOT = Path(__file__).resolve().parent.parent


def test_readme_flag_table_matches_the_enum():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Flags"):readme.index("**Every cell is accounted for.**")]
    listed = re.findall(r"^\| `([A-Z_]+)` \|", section, re.M)
    assert sorted(listed) == sorted(c.value for c in FlagCode)
    assert len(listed) == len(set(listed))


def test_no_module_spells_a_flag_code_as_a_bare_string():
    """Codes are made as FlagCode members: a typo in a string literal would be a new, silent code."""
    codes = "|".join(c.value for c in FlagCode)
    pattern = re.compile(rf"\"({codes})\"")
    offenders = []
    for folder in ("extract", "normalize", "store", "batch", "review"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "flags.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if pattern.search(line) and "plain words" not in line and not re.match(r'\s*"[A-Z_]+": "', line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_flag_rows_hold_plain_text_codes():
    row = Flag("budget_items", 1, "amount_wan", FlagCode.SUM_MISMATCH, "error", "x").row()
    assert row["code"] == "SUM_MISMATCH" and type(row["code"]) is str
