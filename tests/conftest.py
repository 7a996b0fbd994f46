"""Shared test set-up: the tests import the installed `formpipe` package; `corpus` (the generator)
is found from the project root through pytest's `pythonpath` setting."""
