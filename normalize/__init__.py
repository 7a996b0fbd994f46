"""Normalisers: cell text to typed values (amounts, targets, clean text, words)."""
from .numerals import AmountReading, looks_like_amount, parse_amount, parse_chinese_int, read_amount
from .targets import Target, looks_like_target, parse_target
from .text import clean_text, strip_trailing_punct
from .vocab import LEVEL1, LEVEL1_OF_LEVEL2, LEVEL2, Snap, levenshtein, snap
from .words import split_indicator

__all__ = [
    "AmountReading", "parse_amount", "read_amount", "looks_like_amount", "parse_chinese_int",
    "Target", "parse_target", "looks_like_target",
    "clean_text", "strip_trailing_punct",
    "LEVEL1", "LEVEL2", "LEVEL1_OF_LEVEL2", "Snap", "snap", "levenshtein",
    "split_indicator",
]
