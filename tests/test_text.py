import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formpipe.normalize.text import clean_text, strip_trailing_punct


@pytest.mark.parametrize("raw, expected", [
    ("<p>2023年，我局将坚持</p>", "2023年，我局将坚持"),
    ("<p>第一段。</p><p>第二段。</p>", "第一段。第二段。"),
    ("<p>Hello</p><p>world</p>", "Hello world"),
    ("甲<br/>乙<br>丙", "甲乙丙"),
    ('<span style="color:red">颐康中心</span>建设', "颐康中心建设"),
    ("<!-- note -->社工", "社工"),
    ("养老&nbsp;服务", "养老服务"),
    ("A&amp;B", "A&B"),
    ("&lt;p&gt;社工&lt;/p&gt;", "社工"),
    ("&quot;1+N&quot;", '"1+N"'),
    ("养老 服务", "养老服务"),
    ("养老\n服务\t中心", "养老服务中心"),
    ("2023 年", "2023年"),
    ("完成率 100%", "完成率100%"),
    ("颐康中心 （街镇）", "颐康中心（街镇）"),
    ("“ 四个出新出彩 ”", "“四个出新出彩”"),
    ("hello   world", "hello world"),
    ("hello\nworld", "hello world"),
    ("work-\nflow", "workflow"),
    ("work- \n  flow", "workflow"),
    ("well-known", "well-known"),
    ("version 2 release", "version 2 release"),
    ("1 + N 模式", "1 + N模式"),
    ("ＡＢＣ１２３", "ABC123"),
    ("全\u3000年", "全年"),
    ("Ａ\u3000Ｂ", "A B"),
    ("（一）、《条例》：；。", "（一）、《条例》：；。"),
    ("  \n 首尾 \n ", "首尾"),
    ("零\u200b宽", "零宽"),
    ("", ""),
    (None, ""),
    ("x<5个工作日", "x<5个工作日"),
    ("≥90%", "≥90%"),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_on_seed_goal():
    raw = "<p>2023年，我局将坚持以习近平新时代中国特色社会主义思想为指导，持续深入学习</p>"
    assert clean_text(raw).startswith("2023年，我局") and "<" not in clean_text(raw)


@pytest.mark.parametrize("raw, expected", [
    ("城乡低保标准.", "城乡低保标准"),
    ("城市社区的基层自治组织动员体系建设覆盖率。", "城市社区的基层自治组织动员体系建设覆盖率"),
    ("覆盖率．", "覆盖率"),
    ("覆盖率， ;；\n", "覆盖率"),
    (" 覆盖率 ", "覆盖率"),
    ("（街）覆盖率", "（街）覆盖率"),
    ("比例（%）", "比例（%）"),
    ("", ""),
])
def test_strip_trailing_punct(raw, expected):
    assert strip_trailing_punct(raw) == expected


_PIECES = st.one_of(
    st.text(alphabet=st.sampled_from("社工服务养老 \n\t\u3000\xa0ａＢ０９aZ-.,，。（）“”&;<>/pbr#x1"), max_size=12),
    st.sampled_from(["<p>", "</p>", "<br/>", '<span class="x">', "</span>", "&nbsp;", "&amp;", "&lt;",
                     "&gt;", "&amp;lt;", "&#65313;", "&#12288;", "-\n", "<!--", "-->", "\r\n"]),
    st.text(max_size=6),
)


@settings(max_examples=400)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_clean_text_is_idempotent(raw):
    once = clean_text(raw)
    assert clean_text(once) == once
    assert once == once.strip()


@pytest.mark.parametrize("raw, expected", [
    ("9 5%-100%", "95%-100%"),
    ("≥9 5%", "≥95%"),
    ("1 2月底前完成", "12月底前完成"),
    ("5, 000万元", "5,000万元"),
    ("9 0. 5%", "90.5%"),
    ("≥ 80%", "≥80%"),
    ("≤ 1 5天", "≤15天"),
    ("＜ 3次", "＜3次"),
    ("≥ 较上年", "≥ 较上年"),  # a sign before words keeps its space
    ("≥90% ≥80%", "≥90% ≥80%"),  # two values run into one cell stay two, for review
    ("控制在预算范围内", "控制在预算范围内"),
    ("", ""),
])
def test_compact_numbers(raw, expected):
    from formpipe.normalize.text import compact_numbers
    assert compact_numbers(raw) == expected


@given(st.text(alphabet="0123456789 .,%≥≤<>＞＜-万元年", max_size=20))
def test_compact_numbers_is_idempotent_and_keeps_every_other_character(raw):
    from formpipe.normalize.text import compact_numbers
    once = compact_numbers(raw)
    assert compact_numbers(once) == once
    assert once.replace(" ", "") == raw.replace(" ", "")
