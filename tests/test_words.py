from unittest import mock

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formpipe.normalize import words
from formpipe.normalize.words import DOMAIN_DICT, split_indicator


def _dictionary_terms():
    return [line.split()[0] for line in DOMAIN_DICT.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dictionary_is_well_formed_and_large_enough():
    lines = [line.split() for line in DOMAIN_DICT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 60
    assert all(len(parts) in (2, 3) and parts[1].isdigit() for parts in lines)
    terms = [parts[0] for parts in lines]
    assert len(terms) == len(set(terms))


@pytest.mark.parametrize("name, tokens", [
    ("全年社工服务人次", ["全年", "社工服务", "人次"]),
    ("地级行政区域界线联检完成率", ["地级行政区域", "界线", "联检", "完成率"]),
    ("养老机构护理型床位比例", ["养老机构", "护理型床位", "比例"]),
    ("资金发放及时率", ["资金发放", "及时率"]),
    ("社会力量运营的养老床位数占比", ["社会力量", "运营", "的", "养老床位数", "占比"]),
    ("事实无人抚养儿童生活保障标准", ["事实无人抚养儿童", "生活保障标准"]),
    ("散居孤儿、事实无人抚养儿童基本生活保障金发放率",
     ["散居孤儿", "、", "事实无人抚养儿童", "基本生活保障金", "发放率"]),
    ("注册志愿者人数占常住人口比例", ["注册志愿者", "人数", "占", "常住人口", "比例"]),
    ("婚姻登记“跨省通办”服务覆盖率", ["婚姻登记", "“", "跨省通办", "”", "服务", "覆盖率"]),
    ("城乡低保标准", ["城乡低保", "标准"]),
    ("颐康中心覆盖率", ["颐康中心", "覆盖率"]),
])
def test_domain_terms_stay_whole(name, tokens):
    assert split_indicator(name) == tokens


@pytest.mark.parametrize("name", ["", None])
def test_empty_names(name):
    assert split_indicator(name) == []


def test_whitespace_tokens_are_kept():
    tokens = split_indicator("work flow 12 项")
    assert "".join(tokens) == "work flow 12 项"
    assert " " in tokens


def test_dictionary_loads_once_per_process():
    split_indicator("救助业务信息化率")  # make sure it is loaded
    with mock.patch.object(jieba.Tokenizer, "initialize") as initialize, \
            mock.patch.object(jieba.Tokenizer, "load_userdict") as load_userdict:
        assert words.tokenizer() is words.tokenizer()
        split_indicator("市本级社会组织基本信息公示率")
    initialize.assert_not_called()
    load_userdict.assert_not_called()
    assert words.tokenizer.cache_info().currsize == 1


_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_PIECE = st.one_of(
    st.sampled_from(_dictionary_terms()),
    st.text(alphabet=_CJK, min_size=1, max_size=4),
    st.text(alphabet=st.sampled_from("0123456789%.、（）“” "), min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=10).map("".join))
def test_tokens_join_back_to_the_name(name):
    tokens = split_indicator(name)
    assert "".join(tokens) == name
    assert all(tokens)
