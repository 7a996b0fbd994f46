"""Indicator names split into words, with the domain's terms kept whole.

jieba's general dictionary splits 民政/财政 terms such as 事实无人抚养儿童 or
护理型床位; the user dictionary in ``data/domain_dict.txt`` (high
frequencies, so its entries win) keeps them as single tokens.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import jieba

DOMAIN_DICT = Path(__file__).with_name("data") / "domain_dict.txt"


@functools.lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer, built and loaded on first use only."""
    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary load at DEBUG
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(str(DOMAIN_DICT))
    return tk


def split_indicator(name: str | None) -> list[str]:
    """Tokens of ``name``; ``"".join(tokens) == name`` always holds."""
    if not name:
        return []
    return [token for token in tokenizer().cut(name) if token]
