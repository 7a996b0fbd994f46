import pytest

from formpipe.normalize.vocab import LEVEL1, LEVEL1_OF_LEVEL2, LEVEL2, Snap, levenshtein, snap


@pytest.mark.parametrize("a, b, d", [
    ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3),
    ("产出指标", "产出指摽", 1), ("产出指标", "产出指", 1), ("产出指标", "产出的指标", 1),
    ("效益指标", "产出指标", 2), ("flaw", "lawn", 2),
])
def test_levenshtein(a, b, d):
    assert levenshtein(a, b) == d == levenshtein(b, a)


@pytest.mark.parametrize("text, vocabulary, expected", [
    ("产出指摽", LEVEL1, Snap("产出指标", "产出指摽", 1, True)),
    ("产出指标", LEVEL1, Snap("产出指标", "产出指标", 0, False)),
    (" 产出指标\n", LEVEL1, Snap("产出指标", " 产出指标\n", 0, True)),
    ("效益指", LEVEL1, Snap("效益指标", "效益指", 1, True)),
    ("数暈指标", LEVEL2, Snap("数量指标", "数暈指标", 1, True)),
    ("服务对象满意度指", LEVEL2, Snap("服务对象满意度指标", "服务对象满意度指", 1, True)),
    ("满意度指标", LEVEL2, Snap("满意度指标", "满意度指标", 0, False)),
    ("产出指蒜蒜", LEVEL1, Snap(None, "产出指蒜蒜", None, False)),  # two edits away
    ("全年社工服务人次", LEVEL2, Snap(None, "全年社工服务人次", None, False)),
    ("", LEVEL1, Snap(None, "", None, False)),
    (None, LEVEL1, Snap(None, "", None, False)),
])
def test_snap(text, vocabulary, expected):
    assert snap(text, vocabulary) == expected


def test_ties_are_left_alone():
    # 社济效益指标 is one edit from both 社会效益指标 and 经济效益指标.
    result = snap("社济效益指标", LEVEL2)
    assert result.value is None and result.distance == 1 and not result.changed


def test_wider_bound_reaches_further():
    assert snap("产出指蒜蒜", LEVEL1, max_distance=2).value == "产出指标"


def test_vocabularies():
    assert LEVEL1 == ("产出指标", "效益指标", "满意度指标", "成本指标")
    assert set(LEVEL1_OF_LEVEL2) == set(LEVEL2)
    assert set(LEVEL1_OF_LEVEL2.values()) <= set(LEVEL1)
    assert LEVEL1_OF_LEVEL2["社会效益指标"] == "效益指标"
    assert LEVEL1_OF_LEVEL2["时效指标"] == "产出指标"
    assert LEVEL1_OF_LEVEL2["服务对象满意度指标"] == "满意度指标"


@pytest.mark.parametrize("text, raw, want", [
    ("效益指标一生", "效益指标\n一\n生", "效益指标"),       # seal crumbs around the name
    ("41 1满意度指标1", "41\n1\n满意度指标\n1", "满意度指标"),
    ("效益指标社会效益", "效益指标\n社会效益", None),        # a longer line is print, not a crumb
])
def test_level_snaps_past_seal_crumbs_only(text, raw, want):
    from formpipe.normalize.hierarchy import snap_level
    value, flags = snap_level("level1", text, 1, raw=raw)
    if want is None:
        assert [f.code for f in flags] == ["VOCAB_UNKNOWN"]
    else:
        assert value == want and [f.code for f in flags] == ["VOCAB_SNAPPED"]


def test_each_section_s_items_are_items_of_its_block():
    """An item read by elimination (extract/budgetguess.py) comes from its section's list: every
    list names a section of the block, the lists share no item, and together they are its items."""
    from formpipe.extract.template import load_template
    for name in ("department_overall", "project_performance_targets"):
        for block in load_template(name).blocks.values():
            listed = [it for items in block.section_items.values() for it in items]
            assert set(block.section_items) <= set(block.sections)
            assert len(listed) == len(set(listed))
            assert not listed or set(listed) == set(block.items)
    assert load_template().blocks["budget"].section_items["收入来源"] == ("财政拨款", "其他资金")


def test_the_indicator_levels_are_the_templates_closed_lists():
    """One list of levels, in the templates: the snapping here and the scanned path's value splits
    (extract/labelsplit.py) read the same names; every 二级指标 sits under a 一级指标 of the list."""
    from formpipe.extract.gridcheck import vocabulary
    from formpipe.extract.template import label_key, load_template
    for name in ("department_overall", "project_performance_targets"):
        values = load_template(name).blocks["indicators"].values
        assert values["level1"] == LEVEL1 and values["level2"] == LEVEL2
    assert set(LEVEL1_OF_LEVEL2) == set(LEVEL2) and set(LEVEL1_OF_LEVEL2.values()) <= set(LEVEL1)
    vocab = vocabulary()
    assert {label_key(v) for v in (*LEVEL1, *LEVEL2)} == vocab.values
    assert not vocab.values & vocab.all  # a value is no label: the grid check does not count it
    assert vocab.labels_in("社会效益指标可持续影响指标", with_values=True) == ["可持续影响指标", "社会效益指标"]
    assert vocab.labels_in("社会效益指标可持续影响指标") == []
