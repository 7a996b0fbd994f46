"""Findings about a document, one row each in the `flags` dataset (the types live in
`formpipe.extract.flags`, where every stage can reach them)."""
from formpipe.extract.flags import ERROR, INFO, WARNING, Flag, FlagCode

__all__ = ["ERROR", "INFO", "WARNING", "Flag", "FlagCode"]
