"""The fuzzy check that a worker completed the task it was given."""

from __future__ import annotations

from rapidfuzz import fuzz


def normalise(text: str) -> str:
    """Collapses every run of whitespace to one space and trims the ends."""
    return " ".join(text.split())


def score(stored: str, reported: str) -> float:
    """How alike two prompts are, 0 to 100, after whitespace normalisation."""
    return float(fuzz.ratio(normalise(stored), normalise(reported)))
